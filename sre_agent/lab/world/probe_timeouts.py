"""Probes that time out under load: an httpGet liveness probe whose endpoint answers slower than its
`timeoutSeconds` fails as the kubelet's HTTP prober does -- `Get "http://<ip>:<port><path>": context deadline
exceeded (Client.Timeout exceeded while awaiting headers)` -- and `failureThreshold` failures `periodSeconds`
apart kill the container (exit 137), which restarts with back-off. The endpoint's latency comes from the
traffic model (the image's `probe_latency_ms` stretched by the pod's CPU throttling, plus its service's p99
when `probe_waits_for_requests`), so a liveness probe that passes at idle kills pods under load; a longer
timeoutSeconds, or less load, lets them live."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from .images import ResolvedImage
from .kubelet import PodRuntime
from .service_graph import ServiceStats

MAX_STRETCH = 50.0  # as the traffic model caps a throttled request's stretch


class ProbeContext(Protocol):
    runtimes: dict[str, PodRuntime]
    node_faults: dict[str, datetime]
    probe_timeouts: dict[tuple[str, str], datetime]  # (pod uid, container) -> its first timed-out probe

    def pods_in(self, namespace: str | None) -> list[dict]: ...


class UsageSource(Protocol):
    services: dict[str, ServiceStats]
    pod_service: dict[str, str]

    def pod_throttle(self, uid: str) -> float: ...


def probe_latency_ms(image: ResolvedImage, throttle: float, service_p99_ms: float) -> float:
    """How long the app's probe endpoint takes to answer now."""
    latency = image.probe_latency_ms * min(MAX_STRETCH, throttle ** 2)
    return latency + (service_p99_ms if image.probe_waits_for_requests else 0.0)


def timed_out_message(container: dict, probe: dict) -> str:
    check = probe["httpGet"]
    port = check.get("port", "")
    named = {p.get("name"): p.get("containerPort") for p in container.get("ports") or [] if p.get("name")}
    port = named.get(port, port) if isinstance(port, str) else port
    scheme = str(check.get("scheme", "HTTP")).lower()
    return (f'Get "{scheme}://{{ip}}:{port}{check.get("path", "/")}": context deadline exceeded '
            "(Client.Timeout exceeded while awaiting headers)")


def liveness_timeouts(world: ProbeContext, traffic: UsageSource, now: datetime) -> bool:
    """Plan a liveness kill for every running container whose httpGet liveness probe times out now, and
    take it back from those whose probe answers in time again; True when a plan changed."""
    changed = False
    for pod in world.pods_in(None):
        uid = pod["metadata"]["uid"]
        runtime = world.runtimes.get(uid)
        if runtime is None or pod["spec"].get("nodeName") in world.node_faults:
            continue
        specs = {c["name"]: c for c in pod["spec"].get("containers") or []}
        stats = traffic.services.get(traffic.pod_service.get(uid, ""))
        p99 = stats.latency_p99_ms if stats is not None and stats.ready_pods else 0.0
        for rt in runtime.containers:
            spec, plan, key = specs.get(rt.name) or {}, rt.plan, (uid, rt.name)
            probe = spec.get("livenessProbe") or {}
            if rt.state != "running" or plan is None or plan.image is None or "httpGet" not in probe \
                    or rt.started_at is None:
                world.probe_timeouts.pop(key, None)
                continue
            up = (now - rt.started_at).total_seconds() >= max(plan.image.startup_seconds,
                                                               float(probe.get("initialDelaySeconds", 0)))
            slow = probe_latency_ms(plan.image, traffic.pod_throttle(uid), p99) > 1000 * float(probe.get("timeoutSeconds", 1))
            if up and slow:
                first = world.probe_timeouts.get(key)
                if first is None or first < rt.started_at:
                    first = world.probe_timeouts[key] = now
                kill_after = (first - rt.started_at).total_seconds() + \
                    float(probe.get("periodSeconds", 10)) * int(probe.get("failureThreshold", 3))
                if plan.before_timeouts is None and (plan.terminate_after_s is None or kill_after < plan.terminate_after_s):
                    plan.before_timeouts = (plan.terminate_after_s, plan.exit_code, plan.termination_reason,
                                            plan.liveness_failure)
                    plan.terminate_after_s, plan.exit_code, plan.termination_reason = kill_after, 137, "Error"
                    plan.liveness_failure = timed_out_message(spec, probe)
                    changed = True
                continue
            world.probe_timeouts.pop(key, None)
            if plan.before_timeouts is not None:  # it answers in time again before the kill: no kill
                plan.terminate_after_s, plan.exit_code, plan.termination_reason, plan.liveness_failure = plan.before_timeouts
                plan.before_timeouts = None
                changed = True
    return changed
