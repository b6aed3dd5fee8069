"""Kubernetes resource quantities ("500m", "1Gi", "2", "1.5", "1e3") -- the one parser of the
MCP servers (analyzers and `top` alike)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {"n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "k": Decimal(10**3),
            "M": Decimal(10**6), "G": Decimal(10**9), "T": Decimal(10**12), "P": Decimal(10**15),
            "E": Decimal(10**18)}
# Kubernetes' own grammar (apimachinery resource.Quantity): a decimal number and one suffix --
# binary (Ki..Ei), decimal (n..E) or an exponent. Decimal() alone would also take "inf", "NaN"
# and "1_000", which the API server refuses.
_GRAMMAR = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$")


def parse_quantity(text: object) -> Decimal | None:
    """The quantity's exact value in base units (cores, bytes), or None when it is not a quantity."""
    if isinstance(text, (int, float)):
        return Decimal(str(text))
    if not isinstance(text, str) or not text.strip():
        return None
    value = text.strip()
    if not _GRAMMAR.match(value):
        return None
    try:
        for suffix, factor in _BINARY.items():
            if value.endswith(suffix):
                return Decimal(value[: -len(suffix)]) * factor
        if value[-1] in _DECIMAL and not value[-1].isdigit():
            return Decimal(value[:-1]) * _DECIMAL[value[-1]]
        return Decimal(value)  # plain number or exponent form such as "1e3"
    except InvalidOperation:
        return None


def millicores(text: object) -> float:
    """CPU in millicores ("250m" -> 250, "1.5" -> 1500, "120000n" -> 0.12); 0 when absent or invalid."""
    value = parse_quantity(text)
    return float(value * 1000) if value is not None else 0.0


def mebibytes(text: object) -> float:
    """Memory in MiB ("512Mi" -> 512, "1Gi" -> 1024, bytes -> bytes / 2**20); 0 when absent or invalid."""
    value = parse_quantity(text)
    return float(value / 2**20) if value is not None else 0.0
