"""Kubernetes resource quantities ("500m", "1Gi", "2", "1e3") as exact Decimals."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {"n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "k": Decimal(10**3),
            "M": Decimal(10**6), "G": Decimal(10**9), "T": Decimal(10**12), "P": Decimal(10**15),
            "E": Decimal(10**18)}


def parse_quantity(text: object) -> Decimal | None:
    """The quantity's value, or None when it is not a Kubernetes quantity."""
    if isinstance(text, (int, float)):
        return Decimal(str(text))
    if not isinstance(text, str) or not text.strip():
        return None
    value = text.strip()
    try:
        for suffix, factor in _BINARY.items():
            if value.endswith(suffix):
                return Decimal(value[: -len(suffix)]) * factor
        if value[-1] in _DECIMAL and not value[-1].isdigit():
            return Decimal(value[:-1]) * _DECIMAL[value[-1]]
        return Decimal(value)  # plain number or exponent form such as "1e3"
    except InvalidOperation:
        return None
