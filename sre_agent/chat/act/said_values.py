"""The values a request says that the pinned change does not carry: "back to port 5432 and pool 20/4" pinned as the
port alone would let the approver believe the pool was set too. Each number or quantity of the request (its request
part: never the premise before a question mark, never its purpose clause) must appear in the change -- as written, or
as the same quantity in another unit (1.5 cores = 1500m, 1Gi = 1024Mi) -- else it is named beside the approval."""

from __future__ import annotations

import json
import re

from ...graph.quantities import quantity
from ..understand.clauses import request_part
from .plans import Plan

# a number with an optional unit, standing alone: never a piece of a name (ip-10-42-2-45, api-v2, CHG-5120)
VALUE = re.compile(r"(?<![\w.:-])(?<![a-z]/)(\d+(?:\.\d+)*)\s?(mi|gi|ki|mb|gb|ms|m|s|cores?|cpus?)?(?![\w.-])",
                   re.IGNORECASE)  # ("pool 20/4": both; "/v2/items/3": a path's piece)
# a count of objects ("delete the 2 pods", "3 replicas") is not a value to set unless the change sets a count
COUNTED = re.compile(r"\s*(?:[a-z-]+\s+)?(pods?|nodes?|instances?|runs?|jobs?|members?|times?|minutes?|mins?|hours?|hrs?|days?|"
                     r"seconds?|secs?|ago|am|pm)\b", re.IGNORECASE)
UNIT = {"mi": "Mi", "gi": "Gi", "ki": "Ki", "mb": "M", "gb": "G", "m": "m"}


def _quantities(text: str) -> set:
    return {q for token in re.findall(r"\d+(?:\.\d+)?(?:Ki|Mi|Gi|Ti|m|k|M|G|T)?", text) if (q := quantity(token)) is not None}


def _as_quantity(number: str, unit: str | None) -> object:
    unit = (unit or "").lower()
    if unit.startswith(("core", "cpu")):
        return quantity(number)  # cores are whole CPUs
    return quantity(number + UNIT.get(unit, "")) if unit in UNIT or not unit else None


def values_not_carried(question: str, plan: Plan) -> list[str]:
    """The request's values that the pinned change carries in no form, in the order said."""
    carried = " ".join([plan.kubectl, plan.change, json.dumps(plan.args, default=str)])
    numbers, quantities = set(re.findall(r"\d+(?:\.\d+)*", carried)), _quantities(carried)
    missing = []
    text = request_part(question)
    for match in VALUE.finditer(text):
        number, unit = match.group(1), match.group(2)
        if COUNTED.match(text, match.end()) or number in numbers:
            continue
        value = _as_quantity(number, unit)
        if value is not None and value in quantities:
            continue
        missing.append(match.group(0).strip())
    return list(dict.fromkeys(missing))
