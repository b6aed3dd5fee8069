"""Traffic, resource use and request logs, derived from the cluster's state.

Requests enter services from outside (a scenario's `traffic`), and each service's pods call the
services their image depends on (found by resolving the URL in the env var the image names). From
that graph the model derives, per service, the request rate, the share of 5xx (its own error rate
plus failures of its dependencies) and latency (its own, stretched by CPU throttling, plus its
slowest synchronous dependency); per pod, CPU and memory. Those numbers feed metrics.k8s.io, the
CloudWatch series and the apps' request logs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from ..kube.quantity import cpu_millicores, memory_mib
from . import noise
from .context import TrafficContext
from .credentials import Accepted, Refusal, accepted_by_service, pod_refusals, presented, refused
from .request_logs import write_request_logs
from .service_graph import ServiceStats, parse_service_host


@dataclass
class PodUsage:
    cpu_m: float
    memory_mib: float
    cpu_limit_m: float
    memory_limit_mib: float
    throttle: float  # need / limit (1 = not throttled), the pod's most throttled container
    containers: list[tuple[str, float, float]]  # (name, cpu cores, memory MiB)
    cpu_limited: dict[str, float] = field(default_factory=dict)  # container with a CPU limit -> its need / limit


def throttled_share(throttle: float) -> float:
    """The share of CFS periods in which a container whose CPU need is `throttle` times its limit is throttled
    (1 - limit / need): what Container Insights' container_cpu_throttled_ratio and cAdvisor's throttled periods say."""
    return max(0.0, 1 - 1 / throttle) if throttle > 0 else 0.0


@lru_cache(maxsize=4096)
def _container_key(pod_uid: str, container: str) -> int:
    return noise.key(pod_uid, container)


def _service_key(url: str, namespace: str) -> str | None:
    target = parse_service_host(url, namespace)
    return f"{target[0]}/{target[1]}" if target else None


class TrafficModel:
    def __init__(self, world: TrafficContext) -> None:
        self.world = world
        self.services: dict[str, ServiceStats] = {}
        self.pod_usage: dict[str, PodUsage] = {}
        self.node_usage: dict[str, tuple[float, float]] = {}
        self.pod_service: dict[str, str] = {}  # pod uid -> "ns/service" it serves
        self.service_ports: dict[str, set[int]] = {}  # "ns/service" -> its ports
        self.oom_due: set[tuple[str, str]] = set()  # (pod uid, container) whose load-driven memory hit the limit
        self.accepted: dict[str, Accepted] = {}  # "ns/service" -> the credentials it accepts (servers that check)
        self.refusals: dict[str, list[Refusal]] = {}  # pod uid -> its dependencies refusing its credentials
        self.full_volumes: dict[str, str] = {}  # pod uid -> the data path whose volume is full

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

    def credential_refused(self, namespace: str, plan, dep) -> str | None:
        """The user whose credential the dependency turns away for this plan, or None."""
        target = parse_service_host(plan.env.get(dep.env, ""), namespace)
        pairs = self.accepted.get(f"{target[0]}/{target[1]}") if target else None
        credential = presented(plan.image, plan.env, dep) if pairs else None
        return credential.user if credential and refused(credential, pairs) else None

    def pod_throttle(self, uid: str) -> float:
        """How far the pod's CPU need is past its limit (1: not throttled), as last sampled."""
        usage = self.pod_usage.get(uid)
        return usage.throttle if usage else 1.0

    def _listens(self, pod: dict, ports: list[int]) -> bool:
        """Some running container of the pod serves one of the endpoint's ports (else: connection refused)."""
        runtime = self.world.runtimes.get(pod["metadata"]["uid"])
        plans = [rt.plan for rt in runtime.containers if rt.plan is not None and rt.plan.image is not None] \
            if runtime else []
        return not ports or not plans or any(port in plan.image.ports for plan in plans for port in ports)

    def update(self, now: datetime) -> bool:
        """The service graph at `now`; True when what apps' readiness reads of it changed (the credentials a
        server accepts), so the world reconciles Endpoints again."""
        world = self.world
        accepted_before = self.accepted
        ready_pods_by_service: dict[str, list[dict]] = {}
        pods_by_uid = {p["metadata"]["uid"]: p for p in world.pods_in(None)}
        self.pod_service = {}
        members: dict[str, list[dict]] = {}  # every pod an Endpoints lists, ready or not
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
                        if uid in pods_by_uid:
                            members.setdefault(key, []).append(pods_by_uid[uid])
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
        auth_share = self._refusals(profile, members, ready_pods_by_service, stats)
        disk_share = self._full_volumes(ready_pods_by_service)
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
                    if target in incoming and (caller, target) not in closed:  # refused logins make no calls
                        incoming[target] += stats[caller].rps * dep.calls_per_request * (1 - auth_share.get((caller, target), 0.0))
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
            pod_error = disk_share.get(key, 0.0) * image.disk_full_error_fraction
            failing = []
            for target, dep in edges.get(key, []):
                target_stats = stats.get(target)
                if target_stats is None or target_stats.ready_pods == 0 or (key, target) in closed:
                    error += dep.error_fraction_when_down
                    failing.append(target)
                    continue
                pod_error += auth_share.get((key, target), 0.0) * dep.error_fraction_when_down
                dep_error, _, dep_p99 = resolve(target, visiting | {key})
                error += dep_error * dep.error_fraction_when_down
                if dep_error > 0.2:
                    failing.append(target)
                slowest = max(slowest, dep_p99)
            result = (min(1.0, error + pod_error), p50 + slowest * 0.5, p99 + slowest)
            stats[key].failing_dependencies, stats[key].pod_error = failing, min(1.0, pod_error)
            done[key] = result
            return result

        for key in stats:
            error, p50, p99 = resolve(key, frozenset())
            stats[key].error_rate, stats[key].latency_p50_ms, stats[key].latency_p99_ms = error, p50, p99
        return self.accepted != accepted_before

    def _refusals(self, profile: dict, members: dict[str, list[dict]],
                  ready: dict[str, list[dict]], stats: dict[str, ServiceStats]) -> dict[tuple[str, str], float]:
        """Which pods' credentials their dependencies refuse (each pod's own env, read at its start), the users
        each server turns away, and per (caller, dependency) the share of the caller's ready pods refused."""
        self.accepted = accepted_by_service(profile, lambda: {
            (s["metadata"]["namespace"], s["metadata"]["name"]): s for s in self.world.list("Secret")})
        self.refusals = {}
        share: dict[tuple[str, str], float] = {}
        if not self.accepted:
            return share
        for key, pods in members.items():
            ready_uids = {p["metadata"]["uid"] for p in ready.get(key, [])}
            counted: dict[str, int] = {}
            for pod in pods:
                found = pod_refusals(self._first_plan([pod]), key.split("/")[0], self.accepted, _service_key)
                if found:
                    self.refusals[pod["metadata"]["uid"]] = found
                for refusal in found:
                    if refusal.target in stats and refusal.user not in stats[refusal.target].rejected_users:
                        stats[refusal.target].rejected_users.append(refusal.user)
                    if pod["metadata"]["uid"] in ready_uids:
                        counted[refusal.target] = counted.get(refusal.target, 0) + 1
            for target, count in counted.items():
                share[(key, target)] = count / len(ready_uids)
        return share

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

    def _full_volumes(self, ready: dict[str, list[dict]]) -> dict[str, float]:
        """Which serving pods write to a full volume (their writes fail), and per service the share of its ready pods."""
        self.full_volumes = {}
        share: dict[str, float] = {}
        for key, pods in ready.items():
            for pod in pods:
                runtime = self.world.runtimes.get(pod["metadata"]["uid"])
                rt = runtime.containers[0] if runtime and runtime.containers else None
                path = self.world.volume_full(pod, rt.name, rt.plan) if rt and rt.plan and rt.plan.image \
                    and rt.plan.image.data_path else None
                if path:
                    self.full_volumes[pod["metadata"]["uid"]] = path
                    share[key] = share.get(key, 0.0) + 1 / len(pods)
        return share

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
        cpu_limited: dict[str, float] = {}
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
            if cpu_limit:
                cpu_limited[rt.name] = max(1.0, need / cpu_limit)
                throttle = max(throttle, cpu_limited[rt.name])
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
        return PodUsage(total_cpu, total_mem, limit_cpu, limit_mem, throttle, containers, cpu_limited)

    # --- request logs -------------------------------------------------------------------------
    def write_request_logs(self, now: datetime, batch_s: float = 0.0, uids: set[str] | None = None) -> None:
        """Each running service container writes its request lines up to `now` (request_logs.py)."""
        write_request_logs(self, now, batch_s, uids)
