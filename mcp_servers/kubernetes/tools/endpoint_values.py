"""The value a wrong endpoint should have had, when only one answer fits: the Service's only port, or the one Service
with a close name -- never a guess between several; and that correction said as the one part of the value that
changes, so a value shown masked (a URL with credentials) is corrected in place without its secret ever being sent
back (set_config_value's `edit`)."""

from __future__ import annotations

import re


def corrected_host(value: str, host: str, similar: list[str], namespace: str | None = None) -> str | None:
    """The value with its Service host replaced by the one close Service there is (none when several are): its
    name, and its namespace where the host names another one (`ledger.payment` -> `ledger.payments`)."""
    if len(similar) != 1:
        return None
    new_namespace, _, name = similar[0].split("/")
    fixed = value
    if namespace and new_namespace != namespace:
        fixed = re.sub(rf"(?<![A-Za-z0-9-]){re.escape(host)}\.{re.escape(namespace)}(?=[.:/]|$)", f"{name}.{new_namespace}",
                       value, count=1)
    if fixed == value:
        fixed = re.sub(rf"(?<![A-Za-z0-9-]){re.escape(host)}(?=[.:/])", name, value, count=1)
    return fixed if fixed != value else None


def corrected_port(value: str, port: int, exposed: list[int]) -> str | None:
    """The value with its port replaced by the Service's only port (none when it exposes several)."""
    if len(exposed) != 1:
        return None
    fixed = re.sub(rf":{port}(?![0-9])", f":{exposed[0]}", value, count=1)
    return fixed if fixed != value else None


def text_edit(old: str, new: str) -> dict[str, str] | None:
    """The one part of `old` that becomes `new` -- the differing span widened to whole words (a port, a host) and until
    it occurs once in `old`: what corrects a value in place without sending the rest of it (its credentials) back."""
    if old == new:
        return None
    start = 0
    while start < min(len(old), len(new)) and old[start] == new[start]:
        start += 1
    end = 0  # common suffix length, never overlapping the prefix
    while end < min(len(old), len(new)) - start and old[-1 - end] == new[-1 - end]:
        end += 1
    while start > 0 and old[start - 1].isalnum():
        start -= 1
    while end > 0 and old[len(old) - end].isalnum():
        end -= 1
    while old.count(old[start:len(old) - end]) != 1 or not old[start:len(old) - end]:
        if start == 0 and end == 0:
            return None
        start, end = max(start - 1, 0), max(end - 1, 0)
    return {"find": old[start:len(old) - end], "replace": new[start:len(new) - end]}
