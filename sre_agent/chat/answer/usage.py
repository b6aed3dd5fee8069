"""How a workload copes, from its Container Insights series: CPU throttling in the last 10 minutes and memory
against its limit; and how its Service serves, from the app's own metrics: the share of requests that failed.
"Is X ok" needs these too -- a workload can have every pod Ready, no finding and no alarm of its
own, and still be throttled into the latency its callers alarm on. And what a ResourceQuota has used of each limit,
with the room it leaves."""

from __future__ import annotations

import re
from decimal import Decimal

from ...brains.offline.metrics import CONTAINER_INSIGHTS, THROTTLED_PERCENT
from ...contracts import parse_resource_id
from ...graph.quantities import format_quantity, quantity
from ..ask import Ask
from .pods import owner_id
from .traffic import APP_NAMESPACE

MEMORY_NEAR_LIMIT_PERCENT = 90.0  # a working set this close to the limit is one burst from an OOM kill
# A service failing this share of its requests is failing its callers, whatever its pods' readiness says (a healthy
# service fails well under 1%; a broken dependency or a bad release fails tens of percent).
FAILING_SHARE_PERCENT = 5.0


async def _recent(ask: Ask, metric: str, dimensions: dict, statistic: str, namespace: str = CONTAINER_INSIGHTS) -> list[float]:
    data = await ask.call("cloudwatch", "get_metric_data", {"namespace": namespace, "metric_name": metric,
                                                            "dimensions": dimensions, "start": "-10m", "period": 60,
                                                            "statistics": [statistic]})
    return [float(v) for v in (((data.data or {}).get("series") or {}).get(statistic) or {}).get("values") or []]


async def resource_pressure(ask: Ask, rid: str, trouble: list[str]) -> list[str]:
    """Facts (and trouble, when over the line) about a workload's CPU throttling and memory use, last 10 minutes."""
    namespace, _, name = parse_resource_id(rid)
    listed = await ask.call("cloudwatch", "list_metrics", {"namespace": CONTAINER_INSIGHTS, "max_results": 200,
                                                           "dimensions": {"Namespace": namespace, "PodName": name}})
    series = {m["metric"]: m["dimensions"] for m in (listed.data or {}).get("metrics") or []
              if set(m["dimensions"]) <= {"ClusterName", "Namespace", "PodName"}}
    lines = []
    if "container_cpu_throttled_ratio" in series:
        values = await _recent(ask, "container_cpu_throttled_ratio", series["container_cpu_throttled_ratio"], "Average")
        if values:
            throttled = sum(values) / len(values)
            lines.append(f"CPU throttled {throttled:.0f}% of the time in the last 10 minutes")
            if throttled >= THROTTLED_PERCENT:
                trouble.append(f"CPU throttled {throttled:.0f}% of the time in the last 10 minutes: its CPU limit holds it back")
    if "pod_memory_utilization_over_pod_limit" in series:
        values = await _recent(ask, "pod_memory_utilization_over_pod_limit", series["pod_memory_utilization_over_pod_limit"],
                               "Maximum")
        if values:
            lines.append(f"memory at {values[-1]:.0f}% of its limit (max {max(values):.0f}% in the last 10 minutes)")
            if max(values) >= MEMORY_NEAR_LIMIT_PERCENT:
                trouble.append(f"memory reached {max(values):.0f}% of its limit in the last 10 minutes")
    return lines


async def service_errors(ask: Ask, namespace: str, service: str, trouble: list[str]) -> list[str]:
    """Facts (and trouble, over the line) about the share of a Service's requests that failed in the last 10 minutes,
    from the app's own metrics (namespace Application, dimensions Namespace and Service): Ready pods can still fail
    every request (a dependency down, a bad setting)."""
    listed = await ask.call("cloudwatch", "list_metrics", {"namespace": APP_NAMESPACE,
                                                           "dimensions": {"Namespace": namespace, "Service": service}})
    series = {m["metric"]: m["dimensions"] for m in (listed.data or {}).get("metrics") or []}
    if "RequestCount" not in series or "5xxCount" not in series:
        return []
    requests = await _recent(ask, "RequestCount", series["RequestCount"], "Sum", namespace=APP_NAMESPACE)
    errors = await _recent(ask, "5xxCount", series["5xxCount"], "Sum", namespace=APP_NAMESPACE)
    if not requests or sum(requests) <= 0:
        return []
    share = 100.0 * sum(errors) / sum(requests)
    minutes = len(requests)
    line = (f"Service {service} failed {share:.1f}% of its requests in the last {minutes} minutes "
            f"({sum(errors) / minutes:.0f} 5xx/min of {sum(requests) / minutes:.0f} requests/min)")
    if share >= FAILING_SHARE_PERCENT:
        trouble.append(line)
    return [line]


async def failing_calls(ask: Ask, calls: list[dict]) -> list[str]:
    """The services a failing workload calls that fail too, or have no ready endpoint: where its errors come from."""
    lines = []
    for dep in calls[:4]:
        dep_namespace, _, dep_name = parse_resource_id(str(dep.get("service") or ""))
        if not dep.get("exists") or not dep.get("ready_endpoints"):
            lines.append(f"it calls {dep.get('service')} (via {dep.get('env')}), which has no ready endpoint")
            continue
        failing: list[str] = []
        await service_errors(ask, dep_namespace or "", dep_name, failing)
        lines += [f"it calls {dep.get('service')} (via {dep.get('env')}), which fails too: {f}" for f in failing]
    return lines


def _left(key: str, used: str | None, limit: str) -> str:
    """" (1400m left)": the headroom a quota leaves, in the unit a request would be written in."""
    have, cap = quantity(str(used or "0")), quantity(str(limit))
    if have is None or cap is None:
        return ""
    return f" ({format_quantity(key, max(cap - have, Decimal(0)))} left)"


async def quota_usage(ask: Ask, rid: str) -> str:
    namespace, _, name = parse_resource_id(rid)
    described = await ask.call("kubernetes", "describe", {"kind": "ResourceQuota", "name": name, "namespace": namespace})
    state = ((described.data or {}).get("object") or {}).get("status") or {}
    hard, used = state.get("hard") or {}, state.get("used") or {}
    # kubectl get quota's USED/HARD ("pods: 4/20") beside the words
    usage = "; ".join(f"{key} used {used.get(key, '?')} of {limit} ({used.get(key, '?')}/{limit}){_left(key, used.get(key), limit)}"
                      for key, limit in sorted(hard.items()))
    return f"{rid}: {usage or 'no usage reported'}"


# a CronJob's run: the Job controller names it <cronjob>-<scheduled minute>
_SCHEDULED_RUN = re.compile(r"-\d{6,}$")
DONE_PHASES = {"Succeeded", "Failed", "Completed"}  # pods a quota no longer counts
MAX_HOLDERS = 3


def _holder(pod: dict) -> str:
    """What a pod's quota share belongs to, as a reader names it: its workload (pods.owner_id: a ReplicaSet's pods are
    their Deployment's), a CronJob's runs together, else the pod itself."""
    _, kind, name = owner_id(pod).split("/", 2)
    stem = _SCHEDULED_RUN.sub("", name)
    return f"Job runs {stem}-*" if kind == "Job" and stem != name else f"{kind}/{name}"


async def quota_holders(ask: Ask, namespace: str) -> list[str]:
    """"What's eating the quota": the namespace's live pods grouped by what runs them, the biggest requests first."""
    listed = await ask.call("kubernetes", "get_resources", {"kind": "Pod", "namespace": namespace, "limit": 5000})
    held: dict[str, list[Decimal]] = {}
    for pod in (listed.data or {}).get("items") or []:
        if pod.get("status") in DONE_PHASES:
            continue
        requests = pod.get("requests") or {}
        cpu, memory = quantity(str(requests.get("cpu", "0"))), quantity(str(requests.get("memory", "0")))
        share = held.setdefault(_holder(pod), [Decimal(0), Decimal(0), Decimal(0)])
        share[0] += 1
        share[1] += cpu or Decimal(0)
        share[2] += memory or Decimal(0)
    ranked = sorted(held.items(), key=lambda item: (item[1][1], item[1][2]), reverse=True)
    return [f"held by {who}: {int(n)} pod(s) requesting cpu {format_quantity('cpu', cpu)}, memory "
            f"{format_quantity('memory', memory)}" for who, (n, cpu, memory) in ranked[:MAX_HOLDERS]]
