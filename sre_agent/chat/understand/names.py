"""Matching the words an SRE types to the names objects have: "statements" -> statement-api (a plural of
one of its dash-separated tokens), "workers" -> settlement-worker, "payout" -> payout-gateway (a prefix of
a token), "setlement-worker" -> settlement-worker and "stament-api" -> statement-api (typos, difflib).
Pure functions over names the cluster listed: never a list of known names."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable

# How close a typed word must be to a name (or to one of its tokens) to count as a typo of it.
WHOLE_NAME_CUTOFF = 0.8
TOKEN_CUTOFF = 0.85
MIN_PREFIX = 4  # "pay" is too short to stand for payout-gateway; "payout" is not
PREFIX_SHARE = 0.7  # a word standing for a token by its start covers most of it: "export" (6 of 8), not "port" (4 of 6)


def stems(word: str) -> list[str]:
    """The word and its singular forms: statements -> statement, classes -> class, queries -> query."""
    word = word.lower().strip(".,;:!?'\"`")
    out = [word]
    if word.endswith("ies") and len(word) > 4:
        out.append(word[:-3] + "y")
    if word.endswith("es") and len(word) > 4:
        out.append(word[:-2])
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        out.append(word[:-1])
    return list(dict.fromkeys(out))


def tokens(name: str) -> list[str]:
    return [t for t in re.split(r"[-_.]", name.lower()) if t]


def match_score(word: str, name: str) -> float:
    """How well `word` names `name`: 1.0 exact, 0.95 a stem equal to the name, 0.9 a stem equal to one of
    its tokens, 0.8 a stem that starts a token (4+ letters), else the difflib ratio of a typo of the
    whole name or of one token (0 below the cutoffs)."""
    name = name.lower()
    if word.lower() == name:
        return 1.0
    forms = stems(word)
    if name in forms:
        return 0.95
    parts = tokens(name)
    word_parts = tokens(word)
    # several typed tokens spell a name only in its order: "card payments" is not payments-api-card
    if len(word_parts) > 1 and _in_order(word_parts, parts, _starts):
        return 0.92  # "settlement-work": every typed token is (the start of) a name token
    if len(word_parts) > 1 and _in_order(word_parts, parts, lambda p, t: _starts(p, t) or _abbreviates(p, t)) \
            and any(_starts(p, t) for p in word_parts for t in parts):
        return 0.9  # "scada-gw", "order mgr": a token typed whole beside one shortened the way people shorten words
    if any(f in parts for f in forms):
        return 0.9
    if any(len(f) >= MIN_PREFIX and t.startswith(f) and len(f) >= PREFIX_SHARE * len(t) for f in forms for t in parts):
        return 0.8  # "export" for report-exporter; not "port" for dispatch-portal: a shorter start is another word
    whole = difflib.SequenceMatcher(None, word.lower(), name).ratio()
    if whole >= WHOLE_NAME_CUTOFF:
        return round(0.5 + whole / 4, 3)  # a typo of the whole name ranks below every token match
    if len(word) >= 5:
        best = max((difflib.SequenceMatcher(None, f, t).ratio() for f in forms for t in parts), default=0.0)
        if best >= TOKEN_CUTOFF:
            return round(0.4 + best / 4, 3)
    return 0.0


def _in_order(typed: list[str], parts: list[str], fits: Callable[[str, str], bool]) -> bool:
    """Each typed token fits a name token after the one the token before it fit."""
    at = 0
    for piece in typed:
        found = next((i for i in range(at, len(parts)) if fits(piece, parts[i])), None)
        if found is None:
            return False
        at = found + 1
    return True


def _starts(typed: str, token: str) -> bool:
    return typed == token or (len(typed) >= MIN_PREFIX and token.startswith(typed))


def _abbreviates(typed: str, token: str) -> bool:
    """"gw" for gateway, "mgr" for manager, "cfg" for config: two or three letters, the token's first among them, the
    rest in the token's order."""
    if not 2 <= len(typed) <= 3 or len(token) < 4 or typed[0] != token[0] or not typed.isalpha():
        return False
    rest = iter(token[1:])
    return all(letter in rest for letter in typed[1:])


def best_names(words: list[str], names: list[str]) -> list[tuple[float, str]]:
    """Every name some word matches, best first: (score, name). A name's score is the sum over the words that
    match it: "settlement workers" names settlement-worker (two words) before settlement-config (one)."""
    scored: dict[str, float] = {}
    for word in dict.fromkeys(w for w in words if len(w) >= 3):
        for name in names:
            score = match_score(word, name)
            if score > 0:
                scored[name] = round(scored.get(name, 0.0) + score, 3)
    return sorted(((s, n) for n, s in scored.items()), key=lambda x: (-x[0], x[1]))


# The names the controllers give: a ReplicaSet <deployment>-<pod-template-hash>, its pods <replicaset>-<5>, a
# StatefulSet's <name>-<ordinal>, a DaemonSet's or Job's <name>-<5>. The hash and suffix are drawn from an alphabet
# with no vowels, so a word (the "worker" of driver-api-worker) is never read as one.
_GENERATED = "[bcdfghjklmnpqrstvwxz2-9]"


# A Deployment's pod: <workload>-<pod-template-hash>-<5>, its ReplicaSet the name without the last part.
POD_OF_DEPLOYMENT = re.compile(rf"^(?P<replicaset>(?P<workload>[a-z0-9][a-z0-9-]*)-{_GENERATED}{{6,10}})-{_GENERATED}{{5}}$")


def generated_from(child: str, name: str) -> bool:
    """Is `child` a name the controllers generate from `name` (not another object whose name starts with it)?"""
    rest = child.removeprefix(name + "-") if child.startswith(name + "-") else None
    return rest is not None and bool(re.fullmatch(rf"{_GENERATED}{{6,10}}(-{_GENERATED}{{5}})?|{_GENERATED}{{5}}|\d+", rest))


def joined_words(question: str, candidates: list[str]) -> list[str]:
    """"partner feed is all 5xx": two candidate words in a row, joined as the dashed name they may have been typed
    for (partner-feed -> partner-feed-api); tried before the words alone."""
    words = re.findall(r"[a-z0-9]+", question.lower())
    return [f"{a}-{b}" for a, b in zip(words, words[1:], strict=False)
            if a in candidates and b in candidates and a.isalpha() and b.isalpha()]
