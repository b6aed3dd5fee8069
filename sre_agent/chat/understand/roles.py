"""A role word instead of a name -- "db down?", "is the broker healthy", "redis ok?": the workloads whose image plays
that role (roles.yaml, read against what runs now), never the object the conversation happened to be on. One holder
is the answer's subject (said so in a note); several are narrowed to the conversation's, else one short question."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

from ..ask import Ask
from ..models import Answer
from .context_names import several_fit

WORD = re.compile(r"[a-z][a-z0-9]*")
# a role word before one of these is a setting's name, not the workload ("put db host back", "the redis password")
SETTING_NOUNS = {"host", "hostname", "port", "url", "uri", "dsn", "password", "pass", "user", "username", "pool",
                 "name", "connection", "connections", "config", "credentials", "secret", "endpoint", "timeout", "key"}


@lru_cache(maxsize=1)
def roles() -> dict[str, tuple[str, ...]]:
    data = yaml.safe_load((Path(__file__).parent / "roles.yaml").read_text(encoding="utf-8")) or {}
    return {str(word): tuple(str(r) for r in repos) for word, repos in data.items()}


def repository(image: str) -> str:
    """The last path segment of an image without its tag or digest: ".../bitnami/postgresql:16" -> "postgresql"."""
    return image.split("@", 1)[0].rsplit("/", 1)[-1].split(":", 1)[0].lower()


def plays(image: str, repos: tuple[str, ...]) -> bool:
    """The image is one of the role's (by prefix) -- never an exporter beside it (it reads the db; it is not the db)."""
    name = repository(image)
    return name.startswith(repos) and "exporter" not in name


async def _running(ask: Ask) -> list[tuple[str, list[str]]]:
    """Every workload that runs pods, with its images: (resource id, images)."""
    found = []
    for kind in ("StatefulSet", "Deployment", "DaemonSet"):
        listed = await ask.call("kubernetes", "get_resources", {"kind": kind, "limit": 2000})
        found += [(f"{i.get('namespace')}/{kind}/{i.get('name')}", [str(image) for image in i.get("images") or []])
                  for i in (listed.data or {}).get("items") or []]
    return found


async def role_named(ask: Ask) -> str | Answer | None:
    """The workload the question's first role word names by what it runs; an answer saying none runs one (never the
    conversation's object in its place); None when the question says no role."""
    unheld = None
    words = WORD.findall(ask.question.lower())
    said = [w for w in dict.fromkeys(w for w, after in zip(words, [*words[1:], ""], strict=True)
                                     if after not in SETTING_NOUNS) if w in roles()]
    running = await _running(ask) if said else []  # what runs, listed once for every role word the question says
    for word in said:
        # (or an image whose own name says the role: "maps-edge-proxy" is a proxy whatever it is built on)
        holders = [rid for rid, images in running
                   if any(plays(image, roles()[word]) or word in repository(image).split("-") for image in images)]
        if not holders:
            unheld = unheld or word
            continue
        if (several := await several_fit(ask, word, [{"resource": r} for r in holders], None)) is not None:
            return several
        ask.notes.append(f"(took {word!r} to mean {holders[0]}, the workload that runs one)")
        return holders[0]
    if unheld is not None:
        return ask.answer(f"Nothing named or running {unheld!r} here: no object has that name and no workload's image is "
                          f"one of {', '.join(roles()[unheld][:4])}", status="answered",
                          next_steps=["Name the workload you mean, or ask 'what's broken?' for what is wrong now."])
    return None
