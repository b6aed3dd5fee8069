"""A spec field found by the value a request gives it and the words it uses, when no field is named by its own key:
"point the readiness probe back at /readyz", "revert the schedule to 15 * * * *", "point the cronjob back at the old
claim archive-data". The value's shape (a path, a cron line, a name, a number, a URL) picks the live object's fields
that hold a value of that shape; the request's words pick among them by the words of each field's path
(readinessProbe/httpGet/path: readiness, probe, http, path). Only one field may win: a tie, or no word in common, is
no plan. Fields with their own planners and guards (replicas, images, resources, env) are never reached this way."""

from __future__ import annotations

import re
from typing import Any

from ..understand.clauses import request_part

# what the value is, by its shape: the field it goes in holds a value of the same shape now
SHAPES = (("cron", re.compile(r"(?:[\d*/,-]+\s+){4}[\d*/,-]+")), ("url", re.compile(r"[a-z][a-z0-9+.-]*://\S+")),
          ("path", re.compile(r"/[\w./-]*")), ("number", re.compile(r"-?\d+")), ("bool", re.compile(r"true|false")),
          ("quantity", re.compile(r"\d+(?:\.\d+)?(?:m|k|Ki|Mi|Gi|Ti|M|G)")),
          ("name", re.compile(r"[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?")))
# the value: what follows the last "to", "at" or "=" (a cron line is five words), before words that only pace it
CRON_LINE = r"(?:[\d*/,-]+\s+){4}[\d*/,-]+"
FILLER = r"(?:\s+(?:for\s+now|now|please|pls|thanks|again|asap))*"
VALUE = re.compile(rf"(?:\bto|\bat|=)(?:\s+\S+){{0,4}}?\s*(?<=[\s=])(?P<value>{CRON_LINE}|\S+?){FILLER}\s*[.!]*\s*$",
                   re.IGNORECASE)  # "back at the old claim X for now": up to four words between "at" and the value
STARTS_CRON = re.compile(CRON_LINE)


def value_from(text: str) -> str:
    """The value a request gives, from where it starts: a cron line whole ("15 * * * *"), else its first word."""
    cron = STARTS_CRON.match(text)
    return cron.group(0) if cron else (text.split() or [""])[0].rstrip(".,;!'\"")
# fields other planners own, each with its guards (an autoscaler's bounds, an image's history, a limit below use)
OWNED = re.compile(r"/(replicas|image|resources|env|envFrom|command|args)(/|$)")
GENERIC = {"spec", "template", "containers", "metadata", "job", "jobtemplate", "the", "back", "and", "its", "old", "new"}
CAMEL = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")


def shape_of(value: str) -> str | None:
    return next((name for name, pattern in SHAPES if pattern.fullmatch(value)), None)


def _leaves(node: Any, pointer: str = "") -> list[tuple[str, Any]]:
    if isinstance(node, dict):
        return [leaf for key, value in node.items() for leaf in _leaves(value, f"{pointer}/{key}")]
    if isinstance(node, list):
        return [leaf for i, item in enumerate(node) for leaf in _leaves(item, f"{pointer}/{i}")]
    return [(pointer, node)]


def _words_of(pointer: str) -> set[str]:
    return {w.lower() for part in pointer.split("/") for w in CAMEL.findall(part)} - GENERIC


# a schedule said in words, as the cron line it means ("every 5 minutes" -> */5 * * * *): never the word "every";
# `{n}` is the number said
INTERVALS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bevery\s+(\d+)\s*(?:m|min|mins|minutes?)\b", re.I), "*/{n} * * * *"),
    (re.compile(r"\bevery\s+minute\b", re.I), "* * * * *"),
    (re.compile(r"\bevery\s+(\d+)\s*(?:h|hrs?|hours?)\b", re.I), "0 */{n} * * *"),
    (re.compile(r"\bevery\s+hour\b|\bhourly\b", re.I), "0 * * * *"),
    (re.compile(r"\bevery\s+day\b|\bdaily\b|\bnightly\b", re.I), "0 0 * * *"))


def as_cron(text: str) -> str:
    """The request with an interval said in words written as its cron line."""
    for pattern, line in INTERVALS:
        text = pattern.sub(lambda m: line.format(n=m.group(1) if m.groups() else ""), text)  # noqa: B023 -- used at once
    return text


def field_by_shape(question: str, obj: dict) -> tuple[str, Any, str] | None:
    """(JSON pointer, current value, new value) of the one spec field the request's value and words point at."""
    request = as_cron(request_part(question.strip()))
    said = VALUE.search(request)
    if said is None or (shape := shape_of(said.group("value").rstrip(".,;!"))) is None:
        return None
    value = said.group("value").rstrip(".,;!")
    words = {w.lower() for w in re.findall(r"[A-Za-z]{3,}", request[:said.start("value")])} - GENERIC
    scored = []
    for pointer, current in _leaves({"spec": obj.get("spec") or {}}):
        if OWNED.search(pointer) or isinstance(current, (dict, list)) or str(current) == value:
            continue
        if shape_of(str(current).lower() if isinstance(current, bool) else str(current)) != shape:
            continue
        scored.append((len(words & _words_of(pointer)), pointer, current))
    scored.sort(key=lambda s: -s[0])
    if not scored or scored[0][0] == 0 or (len(scored) > 1 and scored[1][0] == scored[0][0]):
        return None  # no word in common, or a tie: not a field chat may pick
    return scored[0][1], scored[0][2], value
