"""Traffic, resource use and request logs, derived from the cluster's state.

Requests enter services from outside (a scenario's `traffic`), and each service's pods call the
services their image depends on (found by resolving the URL in the env var the image names). From
that graph the model derives, per service, the request rate, the share of 5xx (its own error rate
plus failures of its dependencies) and latency (its own, stretched by CPU throttling, plus its
slowest synchronous dependency); per pod, CPU and memory. Those numbers feed metrics.k8s.io, the
CloudWatch series and the apps' request logs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from urllib.parse import urlparse

from ..kube.quantity import cpu_millicores, memory_mib
from . import noise
from .context import TrafficContext

MAX_LOG_LINES_PER_SYNC = 40
LOG_LINE_EVERY_S = 15.0


@dataclass
class ServiceStats:
    namespace: str
    name: str
    ready_pods: int = 0
    rps: float = 0.0
    error_rate: float = 0.0
    latency_p50_ms: float = 0.0
    latency_p99_ms: float = 0.0
    failing_dependencies: list[str] = field(default_factory=list)


@dataclass
class PodUsage:
    cpu_m: float
    memory_mib: float
    cpu_limit_m: float
    memory_limit_mib: float
    throttle: float  # need / limit (1 = not throttled)
    containers: list[tuple[str, float, float]]  # (name, cpu cores, memory MiB)


@lru_cache(maxsize=4096)
def _container_key(pod_uid: str, container: str) -> int:
    return noise.key(pod_uid, container)


@lru_cache(maxsize=4096)  # the same few URLs are resolved on every sync
def parse_service_host(value: str, namespace: str) -> tuple[str, str, int | None] | None:
    """'http://ledger.payments.svc.cluster.local:8080/x' -> ('payments', 'ledger', 8080)."""
    if not value:
        return None
    url = urlparse(value if "://" in value else f"tcp://{value}")
    host = url.hostname or ""
    if not host or host[0].isdigit():
        return None
    parts = host.split(".")
    service_ns = parts[1] if len(parts) > 1 and parts[1] != "svc" else namespace
    try:
        port = url.port
    except ValueError:
        port = None
    return service_ns, parts[0], port


class TrafficModel:
    def __init__(self, world: TrafficContext) -> None:
        self.world = world
        self.services: dict[str, ServiceStats] = {}
        self.pod_usage: dict[str, PodUsage] = {}
        self.node_usage: dict[str, tuple[float, float]] = {}
        self.pod_service: dict[str, str] = {}  # pod uid -> "ns/service" it serves
        self.service_ports: dict[str, set[int]] = {}  # "ns/service" -> its ports
        self.oom_due: set[tuple[str, str]] = set()  # (pod uid, container) whose load-driven memory hit the limit

    # --- topology -------------------------------------------------------------------------
    def dependency_up(self, namespace: str, url: str) -> bool:
        target = parse_service_host(url, namespace)
        if target is None:
            return True  # not an in-cluster service: outside the lab's world
        stats = self.services.get(f"{target[0]}/{target[1]}")
        return stats is not None and stats.ready_pods > 0 and self._port_open(target)

    def _port_open(self, target: tuple[str, str, int | None]) -> bool:
        """A caller's URL names a port the Service has (one without a port is taken as right)."""
        ports = self.service_ports.get(f"{target[0]}/{target[1]}")
        return target[2] is None or not ports or target[2] in ports

    def _listens(self, pod: dict, ports: list[int]) -> bool:
        """Some running container of the pod serves one of the endpoint's ports (else: connection refused)."""
        runtime = self.world.runtimes.get(pod["metadata"]["uid"])
        plans = [rt.plan for rt in runtime.containers if rt.plan is not None and rt.plan.image is not None] \
            if runtime else []
        return not ports or not plans or any(port in plan.image.ports for plan in plans for port in ports)

    def update(self, now: datetime) -> None:
        world = self.world
        ready_pods_by_service: dict[str, list[dict]] = {}
        pods_by_uid = {p["metadata"]["uid"]: p for p in world.pods_in(None)}
        self.pod_service = {}
        for endpoints in world.list("Endpoints"):
            key = f"{endpoints['metadata']['namespace']}/{endpoints['metadata']['name']}"
            pods = []
            for subset in endpoints.get("subsets") or []:
                ports = [p["port"] for p in subset.get("ports") or [] if p.get("protocol", "TCP") == "TCP"]
                for address in subset.get("addresses") or []:
                    pod = pods_by_uid.get((address.get("targetRef") or {}).get("uid"))
                    if pod is not None and self._listens(pod, ports):
                        pods.append(pod)
                for address in (subset.get("addresses") or []) + (subset.get("notReadyAddresses") or []):
                    uid = (address.get("targetRef") or {}).get("uid")
                    if uid:
                        self.pod_service.setdefault(uid, key)
            ready_pods_by_service[key] = pods
        services = {f"{s['metadata']['namespace']}/{s['metadata']['name']}": s for s in world.list("Service")}
        self.service_ports = {key: {p.get("port") for p in s["spec"].get("ports") or []} for key, s in services.items()}
        stats = {key: ServiceStats(namespace=key.split("/")[0], name=key.split("/")[1],
                                   ready_pods=len(ready_pods_by_service.get(key, [])))
                 for key in services}
        self.services = stats
        edges: dict[str, list[tuple[str, object]]] = {}
        closed: set[tuple[str, str]] = set()  # (caller, service) whose URL names a port the Service lacks
        profile: dict[str, object] = {}
        for key, pods in ready_pods_by_service.items():
            if key not in stats:
                continue
            plan = self._first_plan(pods)
            if plan is None or plan.image is None:
                continue
            profile[key] = plan
            namespace = key.split("/")[0]
            for dep in plan.image.depends_on:
                target = parse_service_host(plan.env.get(dep.env, ""), namespace)
                if target is not None:
                    edges.setdefault(key, []).append((f"{target[0]}/{target[1]}", dep))
                    if not self._port_open(target):
                        closed.add((key, f"{target[0]}/{target[1]}"))
        # Request rates flow from callers to dependencies (relaxation; the graph is small and acyclic in practice).
        for key, rps in world.external_traffic.items():
            if key in stats:
                stats[key].rps = rps
        for _ in range(len(stats) + 1):
            incoming = {key: world.external_traffic.get(key, 0.0) for key in stats}
            for caller, deps in edges.items():
                if stats[caller].ready_pods == 0:
                    continue
                for target, dep in deps:
                    if target in incoming and (caller, target) not in closed:
                        incoming[target] += stats[caller].rps * dep.calls_per_request
            if all(abs(incoming[k] - stats[k].rps) < 1e-9 for k in stats):
                break
            for key in stats:
                stats[key].rps = incoming[key]
        # Pod resource use (needs rps per pod) and throttling.
        throttle_by_service = self.update_usage(now)
        # Errors and latency flow back from dependencies to callers.
        done: dict[str, tuple[float, float, float]] = {}

        def resolve(key: str, visiting: frozenset[str]) -> tuple[float, float, float]:
            if key in done:
                return done[key]
            if key in visiting or key not in stats:
                return (0.0, 0.0, 0.0)
            plan = profile.get(key)
            if plan is None:
                result = (1.0 if stats[key].ready_pods == 0 else 0.0, 0.0, 0.0)
                done[key] = result
                return result
            image = plan.image
            throttle = throttle_by_service.get(key, 1.0)
            stretch = min(50.0, throttle ** 2)
            error = image.error_rate + (0.15 if throttle > 2.5 else 0.0)
            p50, p99 = image.latency_p50_ms * stretch, image.latency_p99_ms * stretch
            slowest = 0.0
            failing = []
            for target, dep in edges.get(key, []):
                target_stats = stats.get(target)
                if target_stats is None or target_stats.ready_pods == 0 or (key, target) in closed:
                    error += dep.error_fraction_when_down
                    failing.append(target)
                    continue
                dep_error, _, dep_p99 = resolve(target, visiting | {key})
                error += dep_error * dep.error_fraction_when_down
                if dep_error > 0.2:
                    failing.append(target)
                slowest = max(slowest, dep_p99)
            result = (min(1.0, error), p50 + slowest * 0.5, p99 + slowest)
            stats[key].failing_dependencies = failing
            done[key] = result
            return result

        for key in stats:
            error, p50, p99 = resolve(key, frozenset())
            stats[key].error_rate, stats[key].latency_p50_ms, stats[key].latency_p99_ms = error, p50, p99

    def update_usage(self, now: datetime) -> dict[str, float]:
        """CPU and memory of every pod and node at `now` (memory drifts with uptime, usage jitters
        by the minute) with the service graph as last computed; returns each service's worst CPU
        throttling (need / limit) among its ready pods. Cheap: the once-a-minute chores call only
        this, since nothing that shapes the graph changed."""
        world = self.world
        self.pod_usage = {}
        self.oom_due = set()
        throttle_by_service: dict[str, float] = {}
        node_usage: dict[str, list[float]] = {}
        for pod in world.pods_in(None):
            usage = self._pod_usage(pod, self.services, now)
            if usage is None:
                continue
            uid = pod["metadata"]["uid"]
            self.pod_usage[uid] = usage
            key = self.pod_service.get(uid)
            if key and world.pod_ready(pod):
                throttle_by_service[key] = max(throttle_by_service.get(key, 1.0), usage.throttle)
            node = pod["spec"].get("nodeName")
            if node:
                total = node_usage.setdefault(node, [0.0, 0.0])
                total[0] += usage.cpu_m / 1000
                total[1] += usage.memory_mib
        self.node_usage = {k: (v[0] + 0.15, v[1] + 600.0) for k, v in node_usage.items()}  # + system daemons
        return throttle_by_service

    def _first_plan(self, pods: list[dict]):
        for pod in pods:
            runtime = self.world.runtimes.get(pod["metadata"]["uid"])
            if runtime and runtime.containers and runtime.containers[0].plan:
                return runtime.containers[0].plan
        return None

    def _pod_usage(self, pod: dict, stats: dict[str, ServiceStats], now: datetime) -> PodUsage | None:
        runtime = self.world.runtimes.get(pod["metadata"]["uid"])
        if runtime is None or pod["spec"].get("nodeName") in self.world.node_faults:
            return None
        key = self.pod_service.get(pod["metadata"]["uid"])
        service = stats.get(key) if key else None
        serving = service is not None and service.ready_pods > 0 and self.world.pod_ready(pod)
        rps_per_pod = service.rps / service.ready_pods if serving else 0.0
        specs = {c["name"]: c for c in pod["spec"].get("containers") or []}
        total_cpu = total_mem = limit_cpu = limit_mem = 0.0
        throttle = 1.0
        containers = []
        for rt in runtime.containers:
            plan = rt.plan
            if rt.state != "running" or plan is None or plan.image is None:
                continue
            image = plan.image
            limits = ((specs.get(rt.name) or {}).get("resources") or {}).get("limits") or {}
            cpu_limit = cpu_millicores(limits.get("cpu")) if limits.get("cpu") else 0.0
            mem_limit = memory_mib(limits.get("memory")) if limits.get("memory") else 0.0
            need = image.cpu_idle_m + image.cpu_per_rps_m * rps_per_pod
            used_cpu = min(need, cpu_limit) if cpu_limit else need
            if cpu_limit and need > cpu_limit:
                throttle = max(throttle, need / cpu_limit)
            memory = image.memory_at(rt.uptime_s(now)) + image.memory_per_rps_mib * rps_per_pod
            if mem_limit and image.memory_per_rps_mib and memory >= mem_limit:
                self.oom_due.add((pod["metadata"]["uid"], rt.name))  # load pushed it past the cgroup limit
            if mem_limit:
                memory = min(memory, mem_limit * 0.999)
            cpu_noise, memory_noise = noise.gaussians_at(_container_key(pod["metadata"]["uid"], rt.name),
                                                         int(now.timestamp()) // 60)
            used_cpu *= 1 + 0.04 * cpu_noise
            memory *= 1 + 0.005 * memory_noise
            containers.append((rt.name, max(0.0, used_cpu) / 1000, max(1.0, memory)))
            total_cpu += max(0.0, used_cpu)
            total_mem += memory
            limit_cpu += cpu_limit
            limit_mem += mem_limit
        if not containers:
            return None
        return PodUsage(total_cpu, total_mem, limit_cpu, limit_mem, throttle, containers)

    # --- request logs -------------------------------------------------------------------------
    def write_request_logs(self, now: datetime, batch_s: float = 0.0, uids: set[str] | None = None) -> None:
        """Each running service container writes its request lines up to `now`, as the world has
        been since it last wrote; a container that wrote less than `batch_s` ago waits (lines are
        stamped with their own times either way, so batching changes nothing a reader sees)."""
        for pod in self.world.pods_in(None):
            if uids is not None and pod["metadata"]["uid"] not in uids:
                continue
            runtime = self.world.runtimes.get(pod["metadata"]["uid"])
            if runtime is None or pod["spec"].get("nodeName") in self.world.node_faults:
                continue
            key = self.pod_service.get(pod["metadata"]["uid"])
            stats = self.services.get(key) if key else None
            for rt in runtime.containers:
                plan = rt.plan
                if rt.state != "running" or plan is None or plan.image is None or plan.image.role != "service":
                    continue
                start = rt.logged_until or rt.started_at
                if start is None or (now - start).total_seconds() <= batch_s:
                    continue
                if stats is not None and stats.ready_pods > 0 and self.world.pod_ready(pod):  # 0: connections refused
                    rt.logged_until = self._write_lines(pod, rt, plan, stats, start, now)
                else:
                    self._write_unready_lines(pod, rt, plan, start, now)
                    rt.logged_until = now

    def _write_unready_lines(self, pod: dict, rt, plan, start: datetime, now: datetime) -> None:
        """A pod out of its Service gets no requests; an app whose hard dependency is gone keeps
        retrying it and says so about once a minute."""
        url = self.world.missing_hard_dependency(pod, plan)
        target = parse_service_host(url, pod["metadata"]["namespace"]) if url else None
        if target is None:
            return
        image = plan.image
        app = image.repository.rsplit("/", 1)[-1]
        first = start + timedelta(seconds=(60 - start.second) % 60 or 60)
        at = first.replace(microsecond=0)
        for _ in range(MAX_LOG_LINES_PER_SYNC):
            if at > now:
                break
            rt.emit(at, image.logs.line("dependency_down", host=f"{target[1]}.{target[0]}.svc.cluster.local",
                                        port=target[2] or 80, dependency=target[1], app=app))
            at += timedelta(minutes=1)

    def _write_lines(self, pod: dict, rt, plan, stats: ServiceStats, start: datetime, now: datetime) -> datetime:
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
        namespace = pod["metadata"]["namespace"]
        app = image.repository.rsplit("/", 1)[-1]
        step = (covered - start).total_seconds() / count
        rng = noise.stream(pod["metadata"]["uid"], rt.name, start)
        for index in range(count):
            at = start + timedelta(seconds=step * (index + 1))
            path = rng.choice(image.request_paths)
            method = "POST" if rng.random() < 0.3 else "GET"
            request_id = f"{rng.getrandbits(48):012x}"
            if rng.random() < error_rate:
                if failing:
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
                rt.emit(at, image.logs.line("request_error", method=method, path=path, status=503 if failing else 500,
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
