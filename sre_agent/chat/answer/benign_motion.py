"""What moved on an object whose investigation found no fault. A page with nothing broken still has a cause, and it is
in what the object did near the alarm: its autoscaler scaled it (demand rose, new pods took their time to start), a
rollout is replacing its pods at the pace their readiness sets, its traffic rose and fell. Each line is a tool's fact
-- the scaler's own rescale events, the workload's spec and status, the Service's request series -- never a guess; a
line is said only when the thing moved."""

from __future__ import annotations

from ...contracts import parse_resource_id
from ..ask import Ask
from ..understand.exact_names import workload_of_service
from ..understand.references import kind_of, owner_of
from .pods import autoscaler_of, rescales
from .traffic import APP_NAMESPACE

LOOKBACK_S = 3 * 3600  # how far back a traffic rise still explains a page that is firing now
ROLLING_KINDS = ("Deployment", "DaemonSet", "StatefulSet")
RISE = 1.5  # a request rate this many times its window's start is a rise worth saying


async def what_moved(ask: Ask, rid: str) -> list[str]:
    """A line per thing that moved on `rid` (a workload, or the Service in front of one) in the last hours."""
    workload = rid
    if kind_of(rid) == "Service":
        workload = await workload_of_service(ask, rid, ROLLING_KINDS) or rid
    elif kind_of(rid) == "Pod":  # "why does each new pod take so long": its controller's rollout
        workload = await owner_of(ask, rid, ROLLING_KINDS) or rid
    if kind_of(workload) not in ROLLING_KINDS:
        return []
    lines = [*await _rescaled(ask, workload), *await _rollout_pace(ask, workload)]
    if kind_of(rid) == "Service" and (rise := await _request_rise(ask, rid)):
        lines.insert(0, rise)
    return lines


async def _rescaled(ask: Ask, workload: str) -> list[str]:
    """"its HorizontalPodAutoscaler web scaled it 4 -> 6 -> 9 -> 13 -> 5 in the last 12 min (max 20)"."""
    hpa = await autoscaler_of(ask, workload)
    said = await rescales(ask, parse_resource_id(workload)[0] or "", hpa) if hpa else None
    return [f"its HorizontalPodAutoscaler {hpa.get('name')} {said}"] if hpa and said else []


def _readiness_delay(spec: dict) -> tuple[int, str]:
    """The least time a new pod takes before it counts as available, and which field says so."""
    template = ((spec.get("template") or {}).get("spec") or {})
    delays = [(int((c.get("readinessProbe") or {}).get("initialDelaySeconds") or 0),
               f"readinessProbe initialDelaySeconds of {c.get('name')}") for c in template.get("containers") or []]
    delays.append((int(spec.get("minReadySeconds") or 0), "minReadySeconds"))
    return max(delays)


async def _rollout_pace(ask: Ask, workload: str) -> list[str]:
    """A rollout still replacing pods, and how long each new one takes: its unavailable pods are the rollout's."""
    namespace, kind, name = parse_resource_id(workload)
    described = await ask.call("kubernetes", "describe", {"kind": kind, "name": name, "namespace": namespace, "events_limit": 0})
    obj = (described.data or {}).get("object") or {}
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    if kind == "DaemonSet":
        want, updated = status.get("desiredNumberScheduled") or 0, status.get("updatedNumberScheduled") or 0
        unavailable = status.get("numberUnavailable") or 0
    else:
        want, updated = spec.get("replicas") or 0, status.get("updatedReplicas") or 0
        unavailable = status.get("unavailableReplicas") or 0
    if not want or (updated >= want and not unavailable):
        return []
    delay, field = _readiness_delay(spec)
    surge = ((spec.get("updateStrategy") or spec.get("strategy") or {}).get("rollingUpdate") or {})
    step = surge.get("maxUnavailable")
    pace = f": each new pod needs {delay} s to be ready ({field})" if delay else ""
    left = f", about {delay * max(want - updated, 1) // 60 + 1} min more" if delay and want > updated else ""
    return [f"a rollout is replacing its pods ({updated} of {want} updated, {unavailable} unavailable"
            + (f", maxUnavailable {step}" if step is not None else "") + f"){pace}{left}"]


async def _request_rise(ask: Ask, service: str) -> str | None:
    """The Service's request rate over the last hours, said when it rose well above where it started."""
    namespace, _, name = parse_resource_id(service)
    data = await ask.call("cloudwatch", "get_metric_data", {
        "namespace": APP_NAMESPACE, "metric_name": "RequestCount", "dimensions": {"Namespace": namespace, "Service": name},
        "start": f"-{LOOKBACK_S}s", "period": 60, "statistics": ["Sum"]})
    values = [float(v) for v in (((data.data or {}).get("series") or {}).get("Sum") or {}).get("values") or []]
    if len(values) < 3 or not values[0] or max(values) < RISE * values[0]:
        return None
    return f"its requests rose {values[0]:.0f} -> {max(values):.0f}/min and are {values[-1]:.0f}/min now (last 3 h)"
