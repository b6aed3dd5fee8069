"""A long quote cut to fit a line without losing what it says.

An error message wraps its cause from the outside in: "GET /api/v1/x -> 500 (trace=..): orders-db: authentication
failed for user "api"", "Failed to pull image "x:1": rpc error: ...: unexpected status code 401 Unauthorized",
"write data: No space left on device". The outer context comes first and the innermost cause -- the fact an on-call
acts on -- comes last. A quote cut at its start keeps the wrapping and drops the cause; `clip` keeps the start (what
the line is about) and the end (why), and drops the middle."""

from __future__ import annotations

import re

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
