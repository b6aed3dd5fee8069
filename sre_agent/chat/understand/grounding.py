"""The object a question names, read against what exists now (chat/understand/inventory.py) rather than parsed out of
the sentence: its id, a short question back when the words fit several objects equally, or nothing."""

from __future__ import annotations

import re
from typing import Any

from ..ask import Ask
from ..models import Answer
from .inventory import TIE, Known, Mention, load_inventory, may_name_in_words, mentions
from .namespaces_said import namespace_named

NAME_SHAPED = re.compile(r"[-_.\d]|\s")  # dashed, dotted, numbered, or several words
SURE = 0.7  # below: a typo of one token -- good enough to list as a candidate, not to answer about
ASK_BACK = 0.9  # a whole token or prefix of several names: worth asking which; a looser fit is noise


def _where(known: Known) -> str:
    return f"{known.name} ({known.kind}{', ' + known.namespace if known.namespace else ''})"


async def named_mentions(ask: Ask) -> list[Mention]:
    """The question's spans that name objects (alarms aside: they have their own forms), in the question's order --
    in the namespace the question names ("does the vrbs-registry secret exist in logistics") when it names one."""
    inventory = await load_inventory(ask)
    namespace = ask.namespace or await namespace_named(ask)
    said = diagnosis_words(ask)
    return [m for m in mentions(ask.question, inventory, namespace=namespace)
            if not (m.chosen and m.chosen.kind == "Alarm") and not _conversation_word(m, said)]


def diagnosis_words(ask: Ask) -> set[str]:
    """The words of the conversation's diagnosis (its category and summary): "memory_leak" says leak."""
    diagnosis = ask.last_diagnosis or {}
    text = f"{diagnosis.get('category') or ''} {diagnosis.get('summary') or ''}".lower()
    return set(re.findall(r"[a-z]{3,}", text.replace("_", " ")))


def _conversation_word(mention: Mention, said: set[str]) -> bool:
    """"leak?" after a memory_leak diagnosis asks about the leak, not leak-detector: a one-word span that is only a
    token of an object's name (never its whole name) and a word of the diagnosis just given is the conversation's."""
    span = mention.span.lower()
    return " " not in span and span in said and mention.kind_said is None \
        and all(span != known.name.lower() for _, known in mention.candidates)


def _preferred(mention: Mention, prefer: tuple[str, ...]) -> Known | None:
    """Of a name's equally good objects, one of the kinds the question's attribute belongs to ("the hpa max on X": a
    workload's), unless the question said the kind."""
    if not prefer or mention.kind_said or not mention.candidates:
        return None
    top = mention.candidates[0][0]
    fitting = [k for s, k in mention.candidates if s >= top - TIE and k.kind in prefer]
    fitting.sort(key=lambda k: (prefer.index(k.kind), k.namespace != mention.chosen.namespace if mention.chosen else 0))
    if mention.chosen is None and len({(k.name, k.namespace) for k in fitting}) > 1:
        return None
    return fitting[0] if fitting else None


async def grounded_subject(ask: Ask, prefer: tuple[str, ...] = ()) -> str | Answer | None:
    """The first object the question names for sure (of the `prefer` kinds where the name is several objects);
    an Answer asking which one when a name fits several equally (never a silent pick); None when the question
    names nothing that exists."""
    found = await named_mentions(ask)
    # the best fit first ("meter export" at 0.92 over "ops", one token of field-ops-quota, at 0.9), then the span of
    # more words, then the question's order
    ranked = sorted(found, key=lambda m: (-(m.candidates[0][0] if m.candidates else 0), -len(m.span.split())))
    for mention in ranked:
        if not mention.candidates or mention.candidates[0][0] < SURE:
            continue
        if picked := _preferred(mention, prefer) or mention.chosen:
            return picked.rid
        if mention.candidates[0][0] >= ASK_BACK and NAME_SHAPED.search(mention.span):
            break  # the best fit names several objects: asked below, never answered about a worse fit instead
    for mention in found:
        options = [k for k in mention.ambiguous if k.kind != "Alarm"]
        if len(options) == 1 and mention.candidates[0][0] >= ASK_BACK:  # one workload among its config objects
            return options[0].rid
        if (attempt := _latest_attempt(options)) is not None:
            # "meter export failed??" over meter-export-r2291 and meter-export-r2291-retry: a Job's name cannot be reused,
            # so a rerun by hand takes the name with a suffix -- the attempts of one run, the latest meant
            ask.notes.append(f"(took {mention.span!r} to mean {attempt.rid}, the latest attempt of "
                             f"{', '.join(k.name for k in options if k is not attempt)})")
            return attempt.rid
        # only a name-shaped span ("vrbs-registry", "pass shop") is worth asking about: a plain word ("registry",
        # "compute") that is one token of several names is the question's own word
        if len(options) > 1 and mention.candidates[0][0] >= ASK_BACK and NAME_SHAPED.search(mention.span):
            listed = ", ".join(_where(k) for k in options[:5])
            return ask.answer(f"Which {mention.span!r} do you mean: {listed}?", status="needs_subject",
                              resources=[], next_steps=[f"Ask again with the name, e.g. '{ask.question.strip()[:60]}' "
                                                        f"with {options[0].name}."])
    return None


async def names_spelled(ask: Ask) -> str | None:
    """The question with each name typed as several words written as the object's name ("roll back booking api" ->
    "roll back booking-api"), so the forms read it as one name; None when it has none. Looked up only when two
    words that could be a name stand side by side."""
    if not may_name_in_words(ask.question):
        return None
    text = ask.question
    for mention in await named_mentions(ask):
        if " " in mention.span and mention.chosen and mention.candidates[0][0] >= ASK_BACK:
            typed = r"[\s_-]+".join(re.escape(w) for w in mention.span.split())
            joined = "-".join(mention.span.lower().split())
            # "the log shipper": the container so named keeps its own name (the workload is found from it) -- never its
            # workload's name, which would move a change onto the workload's first container
            name = next((c for c in mention.chosen.containers if c.lower() == joined), mention.chosen.name)
            text = re.sub(rf"(?<![\w-]){typed}(?![\w-])", name, text, flags=re.IGNORECASE)
    return text if text != ask.question else None


def _latest_attempt(options: list) -> Any:
    """Of Jobs in one namespace whose names each extend the shortest ("x", "x-retry", "x-retry-2"), the longest: the
    attempt made last. None when the options are not such a family."""
    jobs = sorted(options, key=lambda k: len(k.name))
    if len(jobs) < 2 or any(k.kind != "Job" or k.namespace != jobs[0].namespace for k in jobs):
        return None
    chain = all(later.name.startswith(earlier.name + "-") for earlier, later in zip(jobs, jobs[1:]))
    return jobs[-1] if chain else None
