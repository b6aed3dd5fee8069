"""A question as the form patterns expect it, however it was typed: contractions with their apostrophe ("whats",
"cant"), Kubernetes' status compounds whole ("crash-looping" -> "crashlooping"), the patterns' own words typed with one
slip ("goign", "pendng") spelled as the patterns spell them, "the config" said as an object as the ConfigMap it is --
one space between words. The vocabulary is the form catalog's own words (forms.yaml), read when first needed."""

from __future__ import annotations

import re
from functools import lru_cache

# Contractions typed without their apostrophe ("whats broken", "cant", "isnt"); "its" is left alone:
# it is a possessive as often as not.
_BARE_CONTRACTION = re.compile(r"\b(what|who|where|how|that|there|here)s\b|"
                               r"\b(can|don|doesn|isn|aren|won|didn|hasn|haven|wasn|weren|shouldn|couldn|wouldn)t\b",
                               re.IGNORECASE)
# "y" typed for "why" -- as the first word of a question or its last ("data reduction hasnt run in an hour y"); a "y"
# anywhere else (an axis, "x y") stays
_TEXTED_WHY = re.compile(r"(^\W*|\s)y(?=\s+(?:is|are|did|does|do|was|were|isn.?t|aren.?t|didn.?t|doesn.?t|not|would|would.?n.?t|no)\b|"
                         r"\s*[?!.]*\s*$)", re.IGNORECASE)
# Kubernetes' own status words (CrashLoopBackOff, OOMKilled, ImagePullBackOff, ErrImagePull) are compounds people type
# in parts -- "crash-looping", "crash looping", "oom-killed", "image pull", "back-off": written whole, as the patterns
# (and kubectl's columns) spell them, when the parts stand as words of their own (never inside a name like
# "oom-killer-svc" or "image-pull-secret").
_STATUS_COMPOUNDS = re.compile(
    r"(?<![\w./-])(crash|oom|image|back|err)([\s_-])(loop|kill|pull|off|image)(ing|ed|s|backoff)?(?![\w./-]|-\w)",
    re.IGNORECASE)
_COMPOUND_PAIRS = {("crash", "loop"), ("oom", "kill"), ("image", "pull"), ("back", "off"), ("err", "image")}


def _joined(match: re.Match[str]) -> str:
    first, separator, second, ending = match.group(1), match.group(2), match.group(3), match.group(4) or ""
    pair = (first.lower(), second.lower())
    if pair not in _COMPOUND_PAIRS or (pair == ("back", "off") and separator.isspace()):  # "back off": a verb
        return match.group(0)
    return f"{first}{second}{ending}"


def normalise(text: str) -> str:
    """The question as the patterns expect it: contractions with their apostrophe, one space between words, Kubernetes'
    status compounds whole ("crash-looping" -> "crashlooping"), and the patterns' own words typed with one slip
    ("goign", "pendng", "lnad") spelled as the patterns spell them."""
    text = _BARE_CONTRACTION.sub(lambda m: f"{m.group(1)}'s" if m.group(1) else f"{m.group(2)}'t", text)
    text = _TEXTED_WHY.sub(lambda m: f"{m.group(1)}why", text)  # "y is calibration at 0", "... in an hour y"
    text = _STATUS_COMPOUNDS.sub(_joined, text)
    text = _PLAIN_WORD.sub(lambda m: _respelled(m.group(0)), text)
    text = _THE_CONFIG.sub(r"\1 configmap", text)  # "who touched the config": the object, a ConfigMap
    return re.sub(r"\s+", " ", text).strip()


# "the config" said as an object -- at the end of a clause, or before a word that ends it -- is a ConfigMap
# ("who touched the config"); never "the config change", "its config values" (those are about what it holds)
_THE_CONFIG = re.compile(r"\b(the|its|that|this|their)\s+config(?=\s*(?:$|[?.!,;]|\s(?:and|so|then|too|again|for|of|in|on|"
                         r"lately|today|recently|last)\b))", re.IGNORECASE)


# A plain lower-case word (no digit, dash or dot: never an object's name or a version) long enough to tell a slip.
_PLAIN_WORD = re.compile(r"(?<![\w./-])[a-z]{4,}(?![\w./-])")


@lru_cache(maxsize=1)
def _vocabulary() -> frozenset[str]:
    """The words the form patterns are written in (regex escapes aside), and the stopwords."""
    from .forms import catalog  # (forms reads questions through this module: the catalog is read when first needed)

    book = catalog()
    plain = [re.sub(r"\\[a-zA-Z]", " ", p) for spec in book.forms for p in spec.patterns]
    words = {w for p in plain for w in re.findall(r"[a-z]{4,}", p)}
    # a word with an optional ending in a pattern ("class(es)?", "pod(s)?") is a word with and without it
    words |= {stem + ending for p in plain for stem, ending in re.findall(r"([a-z]{3,})\((es|s|ed|ing)\)\?", p)}
    return frozenset(words | {w for w in book.stopwords if len(w) >= 4})


def _slip(typed: str, word: str) -> bool:
    """Whether `typed` is `word` with two neighbouring letters swapped or one inner letter dropped -- never a
    letter changed (a name like "recs" is one letter from "revs"), a plural or a first letter."""
    if typed[0] != word[0] or typed.rstrip("s") == word.rstrip("s"):
        return False
    if len(typed) == len(word):
        diff = [i for i, (a, b) in enumerate(zip(typed, word, strict=True)) if a != b]
        return len(diff) == 2 and diff[1] == diff[0] + 1 and typed[diff[0]] == word[diff[1]] and typed[diff[1]] == word[diff[0]]
    return len(typed) == len(word) - 1 and any(word[:i] + word[i + 1:] == typed for i in range(1, len(word) - 1))


@lru_cache(maxsize=4096)
def _respelled(typed: str) -> str:
    """The one pattern word `typed` slips from; else `typed` as it was."""
    vocabulary = _vocabulary()
    if typed in vocabulary:
        return typed
    near = [word for word in vocabulary if 0 <= len(word) - len(typed) <= 1 and _slip(typed, word)]
    return near[0] if len(near) == 1 else typed


# A consent or acknowledgement said before the request, set off by punctuation: "go ahead: patch svc x targetPort to
# web", "ok, fine - restart it", "yes; scale it to 3". What follows is the question; the consent is its tone.
_CONSENT_WORD = (r"(?:ok(?:ay)?|yes|yep|yeah|fine|alright|all\s+right|sure|right|cool|great|perfect|agreed|understood|got\s+it|"
                 r"makes\s+sense|thanks|ty|go\s+ahead|do\s+it|then|so|well)")
_CONSENT = re.compile(rf"^\W*(?:{_CONSENT_WORD}(?:\s+{_CONSENT_WORD})*\s*(?:[:,;!.]|\s-+|\s—)\s*)+", re.IGNORECASE)


def consent_stripped(question: str) -> str:
    """The question without the consent said before it ("go ahead: patch ..." -> "patch ..."); as typed when nothing
    of two words or more follows it ("ok, do it" stays: the consent is the question)."""
    rest = _CONSENT.sub("", question, count=1)
    return rest if rest != question and len(rest.split()) >= 2 and not re.match(r"^\W*do\s+it\b", rest, re.I) else question
