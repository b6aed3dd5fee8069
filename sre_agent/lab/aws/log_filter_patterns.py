"""CloudWatch Logs' filter-pattern terms for the lab's moto, which reads only one bare phrase or one quoted term
(any other pattern matches every event).

What CloudWatch does with a pattern of terms on unstructured events, and what this teaches moto: every bare or
quoted term must be in the event (`ERROR timeout`, `"connection refused"`), a term with `?` makes the terms so marked
alternatives (`?ERROR ?WARN`: either), a term with `-` must be absent (`ERROR -healthcheck`); terms are
case-sensitive. JSON and space-delimited patterns (`{ $.level = "error" }`, `[ip, user, ...]`) stay moto's
(every event). moto's own code is untouched: its logs models read the class by the name swapped here."""

from __future__ import annotations

import re

TERM = re.compile(r'([?-]?)("(?:[^"\\]|\\.)*"|\S+)')


class TermFilterPattern:
    """A pattern of terms, as CloudWatch reads it for events that are not JSON."""

    def __init__(self, pattern: str | None) -> None:
        self.pattern = (pattern or "").strip()
        self.required: list[str] = []
        self.any_of: list[str] = []
        self.absent: list[str] = []
        self.structured = self.pattern.startswith(("{", "["))
        for sign, term in TERM.findall(self.pattern):
            text = term[1:-1].replace('\\"', '"') if term.startswith('"') and term.endswith('"') else term
            {"?": self.any_of, "-": self.absent}.get(sign, self.required).append(text)

    def matches(self, message: str) -> bool:
        if not self.pattern or self.structured:
            return True
        return (all(t in message for t in self.required) and not any(t in message for t in self.absent)
                and (not self.any_of or any(t in message for t in self.any_of)))


def serve_filter_patterns() -> None:
    """Teach moto's FilterLogEvents the terms above (idempotent)."""
    from moto.logs import models

    if getattr(models, "EventMessageFilter", None) is not TermFilterPattern:
        models.EventMessageFilter = TermFilterPattern
