"""The HorizontalPodAutoscaler controller (autoscaling/v2) on the world clock -- every 15 s while a
scale is under way, once a minute (and on every change) while steady -- reading the world's own CPU
and memory use (the numbers metrics.k8s.io serves).

For each Resource metric it computes what kube-controller-manager computes: utilisation = the
pods' summed usage over their summed requests (Utilization targets) or usage per pod
(AverageValue targets); desired = ceil(current x usage / target), unchanged within the 10 %
tolerance; the highest over the metrics. Scale-up is limited to max(2 x current, current + 4)
per period, scale-down takes the highest recommendation of the last 5 minutes (the default
stabilisation window), and the result is clamped to [minReplicas, maxReplicas]. The target's
spec.replicas is written (event SuccessfulRescale); status carries currentReplicas,
desiredReplicas, currentMetrics, lastScaleTime and the AbleToScale / ScalingActive /
ScalingLimited conditions with Kubernetes' reasons. A pod without a request for the metric's
resource stops utilisation scaling (FailedGetResourceMetric), as on a real cluster.

Not modelled: Pods/Object/External metrics, custom `behavior` policies, container resource
metrics, and the readiness/missing-metric adjustments for unready pods (unready pods are left out)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from ...kube.quantity import cpu_millicores, memory_mib
from ..clock import rfc3339
from ..context import ClusterContext
from .common import is_terminating, write_status

COMPONENT = "horizontal-pod-autoscaler"
SYNC_PERIOD_S = 15
TOLERANCE = 0.1
DOWNSCALE_WINDOW_S = 300
SCALABLE = ("Deployment", "StatefulSet", "ReplicaSet")


class MetricError(Exception):
    """Why a metric cannot be computed, in the controller's words."""


def _target_pods(world: ClusterContext, target: dict) -> list[dict]:
    """The running pods of the target (a Deployment's through its ReplicaSets)."""
    owners = [target]
    if target["kind"] == "Deployment":
        owners = list(world.informer.owned_by("ReplicaSet", target["metadata"]["uid"]))
    return [p for owner in owners for p in world.informer.owned_by("Pod", owner["metadata"]["uid"])
            if not is_terminating(p) and world.pod_ready(p)]


def _request(pod: dict, resource: str) -> float:
    """The pod's summed request (millicores / MiB); MetricError naming the first container without one."""
    total = 0.0
    for container in pod["spec"].get("containers") or []:
        requests = (container.get("resources") or {}).get("requests") or {}
        if resource not in requests:
            raise MetricError(f"failed to get {resource} utilization: missing request for {resource} in container "
                              f"{container['name']} of Pod {pod['metadata']['name']}")
        total += cpu_millicores(requests[resource]) if resource == "cpu" else memory_mib(requests[resource])
    return total


def _measure(world: ClusterContext, metric: dict, pods: list[dict], current: int) -> tuple[int, dict, str]:
    """(recommended replicas, the status' currentMetrics entry, the rescale reason) for one metric."""
    if metric.get("type") != "Resource":
        raise MetricError(f"the lab models Resource metrics only, not {metric.get('type')}")
    resource = (metric.get("resource") or {}).get("name", "")
    target = (metric.get("resource") or {}).get("target") or {}
    if resource not in ("cpu", "memory"):
        raise MetricError(f"failed to get {resource} utilization: no metrics for resource {resource}")
    samples = [(pod, world.pod_usage(pod)) for pod in pods]
    samples = [(pod, usage) for pod, usage in samples if usage is not None]
    if not samples:
        raise MetricError(f"failed to get {resource} utilization: unable to get metrics for resource {resource}: "
                          "no metrics returned from resource metrics API")
    used = sum(usage[0] if resource == "cpu" else usage[1] for _, usage in samples)
    average = used / len(samples)
    average_text = f"{int(average)}m" if resource == "cpu" else f"{int(average * 1024 * 1024)}"
    if target.get("type") == "AverageValue":
        wanted = cpu_millicores(target.get("averageValue")) if resource == "cpu" else memory_mib(target.get("averageValue"))
        ratio = average / wanted if wanted else 0.0
        entry = {"averageValue": average_text}
        reason = f"{resource} resource above target" if ratio > 1 else "All metrics below target"
    else:
        requested = sum(_request(pod, resource) for pod, _ in samples)
        utilization = 100.0 * used / requested if requested else 0.0
        wanted = float(target.get("averageUtilization", 80))
        ratio = utilization / wanted
        entry = {"averageUtilization": int(round(utilization)), "averageValue": average_text}
        reason = (f"{resource} resource utilization (percentage of request) above target" if ratio > 1
                  else "All metrics below target")
    recommended = current if abs(ratio - 1.0) <= TOLERANCE else math.ceil(ratio * len(samples))
    return recommended, {"type": "Resource", "resource": {"name": resource, "current": entry}}, reason


def _condition(kind: str, status: bool, reason: str, message: str, now: datetime, previous: dict) -> dict:
    old = next((c for c in previous.get("conditions") or [] if c.get("type") == kind), None)
    value = "True" if status else "False"
    # A status written without lastTransitionTime (a scenario's, a client's) is stamped now rather than
    # kept empty: Go clients print an empty one as 0001-01-01, and nothing better is known about it.
    kept = old.get("lastTransitionTime") if old and old.get("status") == value else None
    since = kept or rfc3339(now)
    return {"type": kind, "status": value, "lastTransitionTime": since, "reason": reason, "message": message}


def reconcile_hpa(world: ClusterContext, hpa: dict, now: datetime) -> bool:
    uid = hpa["metadata"]["uid"]
    key = f"hpa/{uid}"
    previous = hpa.get("status") or {}
    last_sync = world.hpa_state.get(uid, {}).get("synced")
    if last_sync is not None and (now - last_sync).total_seconds() < SYNC_PERIOD_S:
        world.wakeups[key] = last_sync + timedelta(seconds=SYNC_PERIOD_S)
        return False
    state = world.hpa_state.setdefault(uid, {"recommendations": []})
    state["synced"] = now
    # Woken every period only while scaling is under way (see the end); a steady HPA is re-checked
    # by the world's once-a-minute chores and on every change, which is all a steady one needs.
    world.wakeups.pop(key, None)
    spec = hpa["spec"]
    ref = spec.get("scaleTargetRef") or {}
    namespace = hpa["metadata"]["namespace"]
    target = world.informer.get(ref.get("kind", ""), namespace, ref.get("name", "")) if ref.get("kind") in SCALABLE else None
    if target is None:
        message = f'the HPA controller was unable to get the target\'s current scale: {ref.get("kind", "").lower()}s' \
                  f'.apps "{ref.get("name", "")}" not found'
        world.events.record(hpa, "FailedGetScale", message, now, type_="Warning", component=COMPONENT,
                            count=1 if world.minute_tick else 0)
        write_status(world, hpa, {**previous, "currentReplicas": previous.get("currentReplicas", 0),
                                  "desiredReplicas": previous.get("desiredReplicas", 0),
                                  "conditions": [_condition("AbleToScale", False, "FailedGetScale", message, now, previous)]})
        return False
    current = int(target["spec"].get("replicas", 1))
    able = _condition("AbleToScale", True, "ReadyForNewScale", "recommended size matches current size", now, previous)
    if current == 0:
        write_status(world, hpa, {**previous, "currentReplicas": 0, "desiredReplicas": 0, "conditions": [
            able, _condition("ScalingActive", False, "ScalingDisabled",
                             "scaling is disabled since the replica count of the target is zero", now, previous)]})
        return False
    pods = _target_pods(world, target)
    try:
        results = [_measure(world, metric, pods, current) for metric in spec.get("metrics") or
                   [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization",
                                                                                 "averageUtilization": 80}}}]]
    except MetricError as exc:
        world.events.record(hpa, "FailedGetResourceMetric", str(exc), now, type_="Warning", component=COMPONENT,
                            count=1 if world.minute_tick else 0)
        write_status(world, hpa, {**previous, "currentReplicas": current,
                                  "desiredReplicas": previous.get("desiredReplicas", current), "conditions": [
            able, _condition("ScalingActive", False, "FailedGetResourceMetric", str(exc), now, previous)]})
        return False
    recommended, reason = max((r[0], r[2]) for r in results)
    # Scale-down stabilisation: the highest recommendation of the last five minutes wins.
    window = [(at, n) for at, n in state["recommendations"] if (now - at).total_seconds() < DOWNSCALE_WINDOW_S]
    state["recommendations"] = [*window, (now, recommended)]
    desired = max([recommended, *(n for _, n in window)]) if recommended < current else recommended
    desired = min(desired, max(2 * current, current + 4))  # the default scale-up policy per period
    low, high = int(spec.get("minReplicas", 1)), int(spec.get("maxReplicas", 1))
    limited = ("TooManyReplicas", "the desired replica count is more than the maximum replica count") \
        if desired > high else ("TooFewReplicas", "the desired replica count is less than the minimum replica count") \
        if desired < low else ("DesiredWithinRange", "the desired count is within the acceptable range")
    desired = min(max(desired, low), high)
    status = {"currentReplicas": current, "desiredReplicas": desired,
              "currentMetrics": [r[1] for r in results],
              **({"lastScaleTime": previous["lastScaleTime"]} if previous.get("lastScaleTime") else {})}
    changed = False
    if desired != current:
        target["spec"]["replicas"] = desired
        target["metadata"].pop("resourceVersion", None)
        world.store.replace(target)
        world.events.record(hpa, "SuccessfulRescale", f"New size: {desired}; reason: {reason}", now, component=COMPONENT)
        status["lastScaleTime"] = rfc3339(now)
        able = _condition("AbleToScale", True, "SucceededRescale",
                          f"the HPA controller was able to update the target scale to {desired}", now, previous)
        changed = True
    status["conditions"] = [
        able,
        _condition("ScalingActive", True, "ValidMetricFound", "the HPA was able to successfully calculate a replica "
                   f"count from {results[0][1]['resource']['name']} resource", now, previous),
        _condition("ScalingLimited", limited[0] != "DesiredWithinRange", limited[0], limited[1], now, previous),
    ]
    write_status(world, hpa, status)
    # In motion, or a scale-down held back by the window. A recommendation below minReplicas holds nothing back (the
    # floor does): a steady HPA at its floor is left to the minute chores, not woken every period for nothing.
    if changed or any(min(max(n, low), high) < current for _, n in state["recommendations"]):
        world.wakeups[key] = now + timedelta(seconds=SYNC_PERIOD_S)
    return changed
