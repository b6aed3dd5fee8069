"""Kubernetes resource quantities ("500m", "1.5", "256Mi", "2G") as numbers."""

from __future__ import annotations

import re
from functools import lru_cache

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
# kube-apiserver's grammar for a quantity string (apimachinery resource.Quantity), tightened to one
# suffix: a number, then a binary (Ki..Ei) or decimal (n..E) suffix or an exponent. float() alone
# would also take "inf", "nan" and "1_000".
QUANTITY_RE = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$")
_DECIMAL = {"n": 1e-9, "u": 1e-6, "m": 1e-3, "": 1, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18}


@lru_cache(maxsize=1024)  # a cluster uses a handful of distinct quantities, parsed on every sync
def parse_quantity(value: str | int | float | None) -> float:
    """A quantity in base units (cores for CPU, bytes for memory). Raises ValueError on junk."""
    if value is None:
        return 0.0
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip()
    match = QUANTITY_RE.match(text)
    if not match:
        raise ValueError(f"{value!r} is not a Kubernetes quantity (examples: 250m, 1.5, 512Mi, 2Gi)")
    if (match.group(2) or "")[1:].lstrip("+-").isdigit():
        return float(text)  # exponent form, "1e3"
    for suffix, factor in _BINARY.items():
        if text.endswith(suffix):
            return float(text[: -len(suffix)]) * factor
    number, suffix = text, ""
    if text and text[-1] in _DECIMAL and not text[-1].isdigit():
        number, suffix = text[:-1], text[-1]
    try:
        return float(number) * _DECIMAL[suffix]
    except (ValueError, KeyError):
        raise ValueError(f"{value!r} is not a Kubernetes quantity (examples: 250m, 1.5, 512Mi, 2Gi)") from None


def cpu_millicores(value: str | int | float | None) -> float:
    return parse_quantity(value) * 1000


def memory_mib(value: str | int | float | None) -> float:
    return parse_quantity(value) / 2**20
