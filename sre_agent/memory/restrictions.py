"""A team's preference read as a rule: which writes it forbids, when, and on what -- "never restart ledger-db
09:00-18:00", "no rollbacks of payments in business hours (Europe/Berlin)", "don't scale anything on weekends".
The verbs and named windows are data (restrictions.yaml); the times and the time zone are typed slots. A sentence
with no negation or no verb forbids nothing: it is a fact, quoted in reports, never enforced."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel

from ..contracts import ActionWindow

DATA = Path(__file__).with_name("restrictions.yaml")
_TIME = r"(\d{1,2})(?::(\d{2}))?\s*(am|pm)?"
_RANGE = re.compile(rf"\b(?:between\s+)?{_TIME}\s*(?:-|–|to|until|till|and)\s*{_TIME}\b", re.I)
_ZONE = re.compile(r"\b(UTC|[A-Z][a-z]+/[A-Z][A-Za-z_]+(?:/[A-Z][A-Za-z_]+)?)\b")
# The object a rule names: the verb's object or the word after its preposition ("restart ledger-db", "restarts of
# ledger-db", "on payments"); "the X namespace" scopes it to a namespace.
_NAME = r"([a-z0-9][a-z0-9.-]*[a-z0-9])"
_TARGET = re.compile(rf"\b(?:of|on|to|for|in)\s+(?:the\s+)?{_NAME}\b", re.I)
_NAMESPACE = re.compile(rf"\b(?:the\s+)?{_NAME}\s+(?:namespace|ns)\b|\b(?:namespace|ns)\s+{_NAME}\b", re.I)
NOT_A_TARGET = {"anything", "everything", "any", "all", "prod", "production", "it", "them", "this", "that", "weekends",
                "weekend", "business", "office", "working", "hours", "the", "a", "an", "pods", "pod", "between", "during",
                "after", "before", "at", "night", "namespace", "ns", "deployment", "deployments", "anyone", "without",
                "of", "on", "to", "for", "in", "from", "with", "by"}


class Restriction(BaseModel):
    forbid: list[str]
    window: ActionWindow | None = None
    target: str | None = None  # a name the sentence gives ("ledger-db"); None: the fact's own scope
    namespace: str | None = None  # "the billing namespace"


@lru_cache(maxsize=1)
def _data() -> dict:
    return yaml.safe_load(DATA.read_text())


def _clock(hour: str, minute: str | None, half: str | None) -> str:
    h = int(hour) % 24
    if half and half.lower() == "pm" and h < 12:
        h += 12
    if half and half.lower() == "am" and h == 12:
        h = 0
    return f"{h:02d}:{int(minute or 0):02d}"


def read_window(text: str) -> ActionWindow | None:
    """The window a sentence names: a clock range, a named window ("business hours", "weekends"), a time zone."""
    data = _data()
    fields: dict = {}
    lowered = text.lower()
    for name, window in data["windows"].items():
        if re.search(rf"\b{re.escape(name)}\b", lowered):
            fields.update(window)
    if span := _RANGE.search(text):
        fields["start"], fields["end"] = _clock(*span.group(1, 2, 3)), _clock(*span.group(4, 5, 6))
        if fields["end"] == "00:00":
            fields["end"] = "24:00"
    if not fields:
        return None
    if zone := _ZONE.search(text):
        try:
            ZoneInfo(zone.group(1))
            fields["tz"] = zone.group(1)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return ActionWindow(**fields)


def read_restriction(text: str) -> Restriction | None:
    """The writes a preference forbids, or None when it forbids nothing (no negation, or no verb it knows)."""
    data = _data()
    lowered = f" {text.lower()} "
    if not any(re.search(rf"(?<![a-z']){re.escape(n)}(?![a-z])", lowered) for n in data["negations"]):
        return None
    forbid: list[str] = []
    for verb, tools in data["verbs"].items():
        stem = verb[:-1] if verb.endswith("e") else verb  # restart(s|ed|ing), scal(e|es|ing), chang(e|es|ing)
        if re.search(rf"\b{re.escape(stem)}[a-z]*\b", lowered):
            forbid += [t for t in tools if t not in forbid]
    if not forbid:
        return None
    namespace = next((m.group(1) or m.group(2) for m in _NAMESPACE.finditer(text)), None)
    return Restriction(forbid=["*"] if "*" in forbid else forbid, window=read_window(text),
                       target=_target(text, lowered, data["verbs"], namespace), namespace=namespace)


def _target(text: str, lowered: str, verbs: dict, namespace: str | None) -> str | None:
    """The object's name: right after a verb ("restart ledger-db") or after a preposition ("restarts of ledger-db")."""
    candidates = []
    for verb in verbs:
        stem = verb[:-1] if verb.endswith("e") else verb
        candidates += [m.group(1) for m in re.finditer(rf"\b{re.escape(stem)}[a-z]*\s+(?:the\s+)?{_NAME}\b", lowered)]
    candidates += [m.group(1) for m in _TARGET.finditer(text)]
    return next((c for c in candidates if c.lower() not in NOT_A_TARGET and not c[0].isdigit() and c != namespace
                 and not any(c.lower().startswith(v[:-1] if v.endswith("e") else v) for v in verbs)), None)
