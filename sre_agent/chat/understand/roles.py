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
    name = repository(image)  # (or a dashed part of it: "eclipse-mosquitto" is mosquitto)
    return any(part.startswith(repos) for part in [name, *name.split("-")[1:]]) and "exporter" not in name


async def _running(ask: Ask) -> list[tuple[str, list[str]]]:
    """Every workload that runs pods, with its images: (resource id, images)."""
    found = []
    for kind in ("StatefulSet", "Deployment", "DaemonSet"):
        listed = await ask.call("kubernetes", "get_resources", {"kind": kind, "limit": 2000})
        found += [(f"{i.get('namespace')}/{kind}/{i.get('name')}", [str(image) for image in i.get("images") or []])
                  for i in (listed.data or {}).get("items") or []]
    return found


async def _settings_of_focus(ask: Ask) -> list[str]:
    """The names of the settings the conversation's workload reads: its containers' env names and the keys of the
    ConfigMaps it reads whole or in part."""
    from ..answer.objects import pod_spec_of  # (answer reads understand; this one lookup goes the other way)

    rid = next((r for r in ask.focus[:1] if r.count("/") == 2 and r.split("/")[1] in WORKLOAD_KINDS), None)
    if rid is None:
        return []
    namespace, kind, name = rid.split("/")
    described = await ask.call("kubernetes", "describe", {"kind": kind, "name": name, "namespace": namespace, "events_limit": 0})
    pod_spec = pod_spec_of(kind, (described.data or {}).get("object") or {})
    containers = pod_spec.get("containers") or []
    keys = [str(e.get("name")) for c in containers for e in c.get("env") or []]
    maps = {str((f.get("configMapRef") or {}).get("name")) for c in containers for f in c.get("envFrom") or []
            if f.get("configMapRef")} | {str(v["configMap"].get("name")) for v in pod_spec.get("volumes") or []
                                        if isinstance(v.get("configMap"), dict)}
    for config in sorted(maps)[:2]:  # (a mounted config file's settings are in its text)
        held = await ask.call("kubernetes", "describe", {"kind": "ConfigMap", "name": config, "namespace": namespace,
                                                           "events_limit": 0})
        data = (((held.data or {}).get("object") or {}).get("data") or {})
        keys += [*data, *(str(v)[:4000] for v in data.values())]
    return keys


WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "CronJob")


async def role_named(ask: Ask) -> str | Answer | None:
    """The workload the question's first role word names by what it runs; an answer saying none runs one (never the
    conversation's object in its place); None when the question says no role."""
    unheld = None
    words = WORD.findall(ask.question.lower())
    said = [w for w in dict.fromkeys(w for w, after in zip(words, [*words[1:], ""], strict=True)
                                     if after not in SETTING_NOUNS) if w in roles()]
    if said and (own := await _settings_of_focus(ask)):
        # "how big is the uncompressed cache set to now" about a database whose settings say CACHE: its setting, never
        # another workload that runs a cache
        said = [w for w in said if not any(w in re.split(r"[^a-z0-9]+", key.lower()) for key in own)]
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
