"""A kind of fault said in words ("the image", "an auth problem", "oom", "a wrong tag or an auth problem") and the
diagnosis weighed against it: the categories each word names (sre_agent/categories.yaml), the guess a question makes,
and which of two kinds offered it is."""

from __future__ import annotations

import re

from ...categories import category_words
from ..understand.forms import fault_words

# A fault's kind in words ("running out of memory", "the node", "the image") -- against the diagnosis's category;
# each category's words live in sre_agent/categories.yaml.
CATEGORY_WORDS = category_words()


def categories_named(text: str) -> list[tuple[str, ...]]:
    """The kinds of fault the words of `text` name ("the image" -> bad_image), each as its categories."""
    words = re.split(r"[^a-z0-9]+", text.lower())
    return [cats for keys, cats in CATEGORY_WORDS if any(w.startswith(k) for w in words for k in keys if w)]


def offered_kinds(thing: str) -> list[str]:
    """The kinds of fault a "this or that" offers, each as said ("wrong tag", "auth problem"); fewer than two: none."""
    sides = [re.sub(r"^(a|an|the|just)\s+", "", side.strip(), flags=re.I) for side in re.split(r"\s+or\s+", thing)
             if categories_named(side)]
    return sides if len(sides) >= 2 else []


def category_verdict(thing: str, diagnosis: dict) -> str | None:
    """The thing names a kind of fault: is the diagnosis of that kind?"""
    named = categories_named(thing)
    if not named:
        return None
    category, culprit = diagnosis.get("category"), diagnosis.get("resource")
    if len(sides := offered_kinds(thing)) >= 2:  # "a wrong tag or an auth problem": which of the kinds offered it is
        chosen = next((side for side in sides if any(category in cats for cats in categories_named(side))), None)
        return (f"It is the {chosen} one: {category} at {culprit}" if chosen
                else f"Neither: the fault is {category} at {culprit}")
    if any(category in cats for cats in named):
        return f"The fault is of that kind: {category} at {culprit}"
    said = "the kind the question names" if thing.endswith("?") or len(thing) > 60 else f"'{thing}'"  # never an echo
    return f"No: the fault is {category} at {culprit}, not {said}"


_FAULT_GUESS = re.compile(r"(?:,\s*|^\W*(?:so\s+|ok\s+|and\s+|but\s+)?(?:(?:is|was)\s+(?:it|this|that)|it.?s|its|that.?s|thats|"
                          r"(?:are|were)\s+(?:they|the\s+pods|its\s+pods|those|these)(?:\s+(?:getting|being|all))?)\s+)"
                          r"(?:an?\s+|the\s+|just\s+)?(?P<fault>(?:" + fault_words() + r")(?:\s+(?!(?:right|then|yeah|or)\b)\w+)?)"
                          r"(?:\s+(?:right|then|yeah|or\s+\w+(?:\s+\w+)?))?\s*\??\s*$", re.IGNORECASE)


def fault_guessed(question: str) -> str | None:
    """The kind of fault a question guesses ("is it oom", "so its the image right", "..., oom?"), when that is all it
    asks about."""
    match = _FAULT_GUESS.search(question.strip())
    return match.group("fault") if match and categories_named(match.group("fault")) else None
