"""How far a quota must rise to admit the pods it refused, read from the API server's own refusal:
`exceeded quota: <name>, requested: requests.cpu=500m, used: requests.cpu=2500m, limited: requests.cpu=3`.
The new limit is what is used plus what every missing pod requests -- plus, for a rollout that raised its
requests, what each pod it still has to replace grows by (the rollout's peak) -- no more."""

from __future__ import annotations

import re
from decimal import Decimal

from ...graph.quantities import format_quantity, quantity

REFUSAL = re.compile(r"exceeded quota: (?P<quota>[\w.-]+), requested: (?P<requested>\S+?), used: (?P<used>\S+?), "
                     r"limited: (?P<limited>[^\s\"']+)")


def _pairs(text: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in text.strip(",").split(",") if "=" in part)


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
