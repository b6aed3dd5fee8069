"""Kubernetes resource quantities ("500m", "1.5Gi", "268435456") as numbers, and back as the unit people write:
memory and storage in whole Mi, CPU in whole millicores, rounded up -- shared by the quota raise (brains), a
raised memory limit (graph/resource_fixes.py) and chat's headroom answers."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

SUFFIX = {"m": Decimal("0.001"), "k": Decimal(10) ** 3, "M": Decimal(10) ** 6, "G": Decimal(10) ** 9,
          "T": Decimal(10) ** 12, "Ki": Decimal(2) ** 10, "Mi": Decimal(2) ** 20, "Gi": Decimal(2) ** 30,
          "Ti": Decimal(2) ** 40}
QUANTITY = re.compile(r"^(\d+(?:\.\d+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$")


def quantity(text: str) -> Decimal | None:
    match = QUANTITY.match(text.strip())
    if not match:
        return None
    try:
        return Decimal(match.group(1)) * SUFFIX.get(match.group(2) or "", Decimal(1))
    except InvalidOperation:
        return None


def format_quantity(resource: str, value: Decimal) -> str:
    if "memory" in resource or "storage" in resource:
        return f"{int((value / SUFFIX['Mi']).to_integral_value(rounding='ROUND_CEILING'))}Mi"
    if "cpu" in resource:
        return f"{int((value * 1000).to_integral_value(rounding='ROUND_CEILING'))}m"
    return str(int(value.to_integral_value(rounding="ROUND_CEILING")))
