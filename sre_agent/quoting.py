"""A long quote cut to fit a line without losing what it says.

An error message wraps its cause from the outside in: "GET /api/v1/x -> 500 (trace=..): orders-db: authentication
failed for user "api"", "Failed to pull image "x:1": rpc error: ...: unexpected status code 401 Unauthorized",
"write data: No space left on device". The outer context comes first and the innermost cause -- the fact an on-call
acts on -- comes last. A quote cut at its start keeps the wrapping and drops the cause; `clip` keeps the start (what
the line is about) and the end (why), and drops the middle."""

from __future__ import annotations

import re
from collections.abc import Callable

MARK = " … "
# A program's usage listing printed after the error that made it exit ("flag provided but not defined: -x  Usage of
# /app: -topic string ..."): the listing is no cause -- the error before it is the innermost one.
USAGE = re.compile(r"\s+(?=(?:Usage|usage)(?: of [^:\s]{1,80})?:)")
TAIL_SHARE = 0.45  # of the room a cut quote keeps for its end: the innermost cause is rarely longer


def clip(text: str, limit: int) -> str:
    """`text` when it fits in `limit` characters; else its start and its end, each cut at a word, joined by " … "."""
    text = str(text)
    if len(text) <= limit:
        return text
    if len(before := USAGE.split(text, maxsplit=1)[0]) < len(text) and before.strip():
        return clip(before + " (then its usage)", limit)
    room = limit - len(MARK)
    if room < 20:  # too little room to keep both ends: the start alone
        return text[:max(limit - 1, 0)].rstrip() + "…"
    tail_room = int(room * TAIL_SHARE)
    head = text[:room - tail_room]
    head = (head.rsplit(" ", 1)[0] if " " in head.strip() else head).rstrip(",;:- (")
    tail = text[len(text) - tail_room:]
    if " " in tail and not text[len(text) - tail_room - 1].isspace():
        tail = tail.split(" ", 1)[1]  # start at a word, never inside one
    return f"{head}{MARK}{tail.lstrip()}"


ASIDE_KEPT = 120  # characters an aside keeps of itself when a line is cut to fit (then, still too long, half)


def _asides(text: str) -> list[tuple[int, int]]:
    """(start, end) of each top-level bracketed aside's inside: "(node_failure: Ready=Unknown ...)"."""
    spans, depth, start = [], 0, 0
    for i, char in enumerate(text):
        if char == "(":
            depth += 1
            if depth == 1:
                start = i + 1
        elif char == ")" and depth:
            depth -= 1
            if depth == 0:
                spans.append((start, i))
    return spans


WORD = re.compile(r"[A-Za-z0-9_]{3,}")
FILLER = frozenset({"from", "the", "and", "for", "with", "its", "via", "was", "were", "are", "this", "that", "which", "set"})


def without_said_asides(text: str, also: str = "") -> str:
    """`text` without the bracketed asides that add no word of their own -- each of their words is said outside them (or
    in `also`, what the line around says): "X's DB_URL (from ConfigMap x-config/DB_URL) names ..." after x-config was
    named. What a cut would otherwise take from the middle (the bad value itself) keeps its room."""
    for start, end in reversed(_asides(text)):
        outside = f"{text[:start]} {text[end:]} {also}".lower()
        words = [w for w in WORD.findall(text[start:end].lower()) if w not in FILLER]
        if start > 1 and words and all(w in outside for w in words):  # (a leading "(OOMKilled):" is the line's label)
            text = text[:start - 1].rstrip() + text[end + 1:]
    return text


def clip_asides(text: str, limit: int, spare: Callable[[str], bool] = lambda aside: False) -> str:
    """`text` with its longest bracketed asides cut first, until it fits in `limit` or none is longer than ASIDE_KEPT:
    a line says what it is about outside its brackets ("the root cause found is Node/x (why ...) -- this change does
    not touch it"), so a cut in the middle of the line must not take the name and leave the aside. What is still too
    long is the caller's to clip. An aside `spare` holds to (one carrying what the question asks) is left whole."""
    for floor in (ASIDE_KEPT, ASIDE_KEPT // 2):  # each aside to its first floor, then, still too long, to half of it
        while len(text) > limit:
            spans = [(end - start, start, end) for start, end in _asides(text)
                     if end - start > floor + len(MARK) and not spare(text[start:end])]
            if not spans:
                break
            size, start, end = max(spans)
            keep = max(floor, size - (len(text) - limit))
            text = text[:start] + clip(text[start:end], keep) + text[end:]
    return text
