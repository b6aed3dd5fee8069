"""How far a quota must rise to admit the pods it refused, read from the API server's own refusal:
`exceeded quota: <name>, requested: requests.cpu=500m, used: requests.cpu=2500m, limited: requests.cpu=3`.
The new limit is what is used plus what every missing pod requests -- plus, for a rollout that raised its
requests, what each pod it still has to replace grows by (the rollout's peak) -- no more."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

REFUSAL = re.compile(r"exceeded quota: (?P<quota>[\w.-]+), requested: (?P<requested>\S+?), used: (?P<used>\S+?), "
                     r"limited: (?P<limited>[^\s\"']+)")
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


def _pairs(text: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in text.strip(",").split(",") if "=" in part)


def format_quantity(resource: str, value: Decimal) -> str:
    if "memory" in resource or "storage" in resource:
        return f"{int((value / SUFFIX['Mi']).to_integral_value(rounding='ROUND_CEILING'))}Mi"
    if "cpu" in resource:
        return f"{int((value * 1000).to_integral_value(rounding='ROUND_CEILING'))}m"
    return str(int(value.to_integral_value(rounding="ROUND_CEILING")))


def raised_limits(message: str, missing_pods: int, replacing: int = 0, growth: dict[str, str] | None = None,
                  ) -> tuple[str, dict[str, str], dict[str, str]] | None:
    """(quota name, new hard limits, current hard limits) that admit `missing_pods` more pods -- and, for a
    rollout whose pods request more than the ones they replace, the `replacing` pods still to be replaced,
    each growing by `growth` (per resource: "memory" -> "512Mi") -- or None when the message is not a quota
    refusal or says nothing usable."""
    match = REFUSAL.search(message)
    if not match or missing_pods < 1:
        return None
    requested, used, limited = (_pairs(match.group(g)) for g in ("requested", "used", "limited"))
    new, current = {}, {}
    for resource, limit in limited.items():
        need, have, cap = (quantity(requested.get(resource, "")), quantity(used.get(resource, "0")), quantity(limit))
        if need is None or have is None or cap is None:
            continue
        more = quantity((growth or {}).get(resource.removeprefix("requests."), "0")) or Decimal(0)
        wanted = have + need * missing_pods + max(more, Decimal(0)) * max(replacing, 0)
        if wanted > cap:
            new[resource], current[resource] = format_quantity(resource, wanted), limit
    return (match.group("quota"), new, current) if new else None
