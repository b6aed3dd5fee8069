"""Amounts said in a request, typed by their unit: "500m and 1Gi" is a CPU amount and a memory one -- the slot a
resources change fills from each (chat/act/plans.py), never one of them read as the other's."""

from __future__ import annotations

import re

QUANTITY_SAID = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s*(ki|mi|gi|ti|m|cores?|cpus?)(?![\w.])", re.IGNORECASE)
BYTES = ("ki", "mi", "gi", "ti")


def typed_quantities(text: str) -> list[tuple[str, str]]:
    """(resource, quantity) of each amount said with a unit that tells its resource: bytes (Ki, Mi, Gi, Ti) are memory;
    milli-units and cores are CPU (a memory amount in millibytes is never meant). A bare number tells nothing."""
    out = []
    for number, unit in QUANTITY_SAID.findall(text):
        lowered = unit.lower()
        if lowered in BYTES:
            out.append(("memory", number + unit[0].upper() + "i"))
        else:
            out.append(("cpu", number + ("m" if lowered == "m" else "")))
    return out


def unit_of(quantity: str) -> str | None:
    typed = typed_quantities(quantity)
    return typed[0][0] if len(typed) == 1 else None
