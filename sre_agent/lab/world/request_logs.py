"""The apps' request logs, written from the traffic model's state: each running service container writes a
sample of its request lines (one per LOG_LINE_EVERY_S) as the world has been since it last wrote -- errors with
the reason its service fails (a dependency down, a credential refused), slow requests, and for an app out of
its Service the retries of the hard dependency it lacks."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from . import noise
from .context import TrafficContext
from .credentials import Refusal
from .images import Dependency
from .service_graph import ServiceStats, error_status, parse_service_host


class TrafficModel(Protocol):
    """What the writer reads of telemetry.TrafficModel (which calls it: importing it here would be a cycle)."""

    world: TrafficContext
    services: dict[str, ServiceStats]
    pod_service: dict[str, str]
    refusals: dict[str, list[Refusal]]
    full_volumes: dict[str, str]

    def credential_refused(self, namespace: str, plan, dep: Dependency) -> str | None: ...

MAX_LOG_LINES_PER_SYNC = 40
LOG_LINE_EVERY_S = 15.0


def write_request_logs(model: TrafficModel, now: datetime, batch_s: float = 0.0, uids: set[str] | None = None) -> None:
    """Each running service container writes its request lines up to `now`, as the world has
    been since it last wrote; a container that wrote less than `batch_s` ago waits (lines are
    stamped with their own times either way, so batching changes nothing a reader sees)."""
    for pod in model.world.pods_in(None):
        if uids is not None and pod["metadata"]["uid"] not in uids:
            continue
        runtime = model.world.runtimes.get(pod["metadata"]["uid"])
        if runtime is None or pod["spec"].get("nodeName") in model.world.node_faults:
            continue
        key = model.pod_service.get(pod["metadata"]["uid"])
        stats = model.services.get(key) if key else None
        for rt in runtime.containers:
            plan = rt.plan
            if rt.state != "running" or plan is None or plan.image is None or plan.image.role != "service":
                continue
            start = rt.logged_until or rt.started_at
            if start is None or (now - start).total_seconds() <= batch_s:
                continue
            if stats is not None and stats.ready_pods > 0 and model.world.pod_ready(pod):  # 0: connections refused
                rt.logged_until = _write_lines(model, pod, rt, plan, stats, start, now)
            else:
                _write_unready_lines(model, pod, rt, plan, start, now)
                rt.logged_until = now

def _write_unready_lines(model: TrafficModel, pod: dict, rt, plan, start: datetime, now: datetime) -> None:
    """A pod out of its Service gets no requests; an app whose hard dependency is gone keeps
    retrying it and says so about once a minute."""
    url = model.world.missing_hard_dependency(pod, plan)
    target = parse_service_host(url, pod["metadata"]["namespace"]) if url else None
    if target is None:
        return
    image = plan.image
    app = image.repository.rsplit("/", 1)[-1]
    host = f"{target[1]}.{target[0]}.svc.cluster.local"
    # It reaches the dependency but is turned away (a stale credential), or it cannot reach it at all.
    user = next((u for dep in image.depends_on if plan.env.get(dep.env) == url
                 for u in [model.credential_refused(pod["metadata"]["namespace"], plan, dep)] if u), None)
    line = image.logs.line("auth_failed", host=host, port=target[2] or 80, dependency=target[1], user=user, app=app) \
        if user else image.logs.line("dependency_down", host=host, port=target[2] or 80, dependency=target[1], app=app)
    first = start + timedelta(seconds=(60 - start.second) % 60 or 60)
    at = first.replace(microsecond=0)
    for _ in range(MAX_LOG_LINES_PER_SYNC):
        if at > now:
            break
        rt.emit(at, line)
        at += timedelta(minutes=1)

def _write_lines(model: TrafficModel, pod: dict, rt, plan, stats: ServiceStats, start: datetime, now: datetime) -> datetime:
    """A sample of a serving container's request log (one line per LOG_LINE_EVERY_S) from
    `start` to `now`; returns how far it got (a remainder shorter than the cadence waits for
    the next call, a span longer than the cap is sampled more thinly)."""
    image = plan.image
    seconds = (now - start).total_seconds()
    count = int(seconds / LOG_LINE_EVERY_S)
    if count <= 0:
        return start
    covered = now if count > MAX_LOG_LINES_PER_SYNC else start + timedelta(seconds=count * LOG_LINE_EVERY_S)
    count = min(count, MAX_LOG_LINES_PER_SYNC)
    error_rate, latency, p99 = stats.error_rate, stats.latency_p50_ms, stats.latency_p99_ms
    failing = stats.failing_dependencies
    refusals = model.refusals.get(pod["metadata"]["uid"], [])
    full = model.full_volumes.get(pod["metadata"]["uid"]) if rt is runtime_first(model, pod) else None
    if stats.pod_error or refusals or full:  # the service's pod-dependent share is this pod's own, or none
        own = sum(r.dep.error_fraction_when_down for r in refusals) + (image.disk_full_error_fraction if full else 0.0)
        error_rate = min(1.0, max(0.0, error_rate - stats.pod_error) + min(1.0, own))
    rejected = stats.rejected_users
    namespace = pod["metadata"]["namespace"]
    app = image.repository.rsplit("/", 1)[-1]
    step = (covered - start).total_seconds() / count
    rng = noise.stream(pod["metadata"]["uid"], rt.name, start)
    for index in range(count):
        at = start + timedelta(seconds=step * (index + 1))
        path = rng.choice(image.request_paths)
        method = "POST" if rng.random() < 0.3 else "GET"
        request_id = f"{rng.getrandbits(48):012x}"
        if rejected:  # a server logs each login it turns away
            rt.emit(at, image.logs.line("auth_rejected", user=rejected[index % len(rejected)], app=app))
        if rng.random() < error_rate:
            if full:
                rt.emit(at, image.logs.line("disk_full", path=full, app=app))
                error = f"write {full}: No space left on device"
            elif refusals:
                refusal = refusals[index % len(refusals)]
                dep_ns, dep_name = refusal.target.split("/")
                port = parse_service_host(plan.env.get(refusal.dep.env, ""), namespace)
                rt.emit(at, image.logs.line("auth_failed", host=f"{dep_name}.{dep_ns}.svc.cluster.local",
                                            port=port[2] if port and port[2] else 80, dependency=dep_name,
                                            user=refusal.user, app=app))
                error = f'{dep_name}: authentication failed for user "{refusal.user}"'
            elif failing:
                dependency = failing[rng.randrange(len(failing))]
                dep_ns, dep_name = dependency.split("/")
                port = next((p for d in image.depends_on for p in [parse_service_host(plan.env.get(d.env, ""), namespace)]
                             if p and p[1] == dep_name and p[2]), None)
                rt.emit(at, image.logs.line(
                    "dependency_down",
                    host=f"{dep_name}.{dep_ns}.svc.cluster.local", port=port[2] if port else 80,
                    dependency=dep_name, app=app))
                error = f"upstream {dep_name} unavailable"
            else:
                error = image.error_message
            rt.emit(at, image.logs.line("request_error", method=method, path=path,
                                        status=error_status(bool(failing), bool(refusals or full)),
                                        latency_ms=int(latency * (0.5 + rng.random())),
                                        request_id=request_id, error=error, app=app))
            continue
        observed = latency * (0.6 + rng.random() * 0.8)
        if rng.random() < 0.05:
            observed = p99 * (0.9 + rng.random() * 0.2)
        rt.emit(at, image.logs.line("request", method=method, path=path, status=200, latency_ms=int(observed),
                                    request_id=request_id, app=app))
        if observed > max(1000.0, image.latency_p99_ms * 3):
            rt.emit(at, image.logs.line("slow", path=path, latency_ms=int(observed), app=app))
    return covered


def runtime_first(model: TrafficModel, pod: dict):
    """The pod's first container (the one the traffic model's per-pod state is about), or None."""
    runtime = model.world.runtimes.get(pod["metadata"]["uid"])
    return runtime.containers[0] if runtime and runtime.containers else None
