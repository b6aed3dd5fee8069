"""The lab's AWS feed: moto (server.py) fed by the world.

Every simulated minute the feed samples the world into CloudWatch series the way the CloudWatch
agent's Container Insights publishes them (namespace ContainerInsights; dimension sets [ClusterName],
[ClusterName, Namespace], [ClusterName, Namespace, PodName] -- PodName is the workload's name --,
[ClusterName, Namespace, Service] and [ClusterName, InstanceId, NodeName]), plus the applications'
own metrics (requests, 5xx, latency) in namespace Application, as apps publish them through the
embedded metric format: Container Insights has no request metrics. Counts are whole numbers and 5xx
never exceed requests. It ships the containers' log lines to CloudWatch Logs (log_shipping.py), and
evaluates the lab's alarms the way CloudWatch would (N of the last periods breaching) -- moto stores
alarms but never evaluates them. Alarms, topics and notifications go through boto3 over HTTP; the
bulk history (datapoints, log lines) is written into the lab account's moto backends directly
(moto_backend.py). Every reader goes through boto3 over HTTP and sees exactly what a real agent would.
After each minute the feed tells its `on_sample` listeners, which read the minute's `service_samples`: the
lab's Prometheus counters (prometheus/) add up the requests CloudWatch got."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from ..kube.quantity import cpu_millicores, memory_mib
from ..world import noise
from ..world.controllers.common import workload_name
from ..world.service_graph import ServiceStats, error_status
from ..world.telemetry import throttled_share
from .log_shipping import DEFAULT_SHIPPING, LogShipping, ShippedEvent, ship
from .moto_backend import LabAccount, MotoBackends
from .prometheus_metrics import sample_jobs, sample_volumes
from .server import client

if TYPE_CHECKING:
    from ..world.world import World

CI_NAMESPACE = "ContainerInsights"
APP_NAMESPACE = "Application"
ALARM_TOPIC = "sre-lab-alarms"


@dataclass(frozen=True)
class AlarmSpec:
    name: str
    description: str
    metric_namespace: str
    metric_name: str
    dimensions: tuple[tuple[str, str], ...]
    statistic: str = "Sum"
    period: int = 60
    evaluation_periods: int = 3
    datapoints_to_alarm: int | None = None
    threshold: float = 0.0
    comparison: str = "GreaterThanThreshold"

    def breaches(self, value: float) -> bool:
        return {
            "GreaterThanThreshold": value > self.threshold,
            "GreaterThanOrEqualToThreshold": value >= self.threshold,
            "LessThanThreshold": value < self.threshold,
            "LessThanOrEqualToThreshold": value <= self.threshold,
        }[self.comparison]


SeriesKey = tuple[str, str, tuple[tuple[str, str], ...]]


@dataclass(frozen=True)
class ServiceSample:
    """One service's minute as its app metrics published it (RequestCount, 5xxCount, LatencyP50/P99): what the
    Prometheus request counters add up, so both sources count the same requests."""
    namespace: str
    service: str
    requests: int
    errors: int
    error_status: int  # the HTTP status of those errors
    latency_p50_ms: float | None  # None: no pod was ready to measure one (the load balancer answered)
    latency_p99_ms: float | None


@dataclass(frozen=True)
class AlarmTransition:
    alarm: str
    state: str
    reason: str
    reason_data: str
    at: datetime


def _aggregate(statistic: str, values: list[float]) -> float:
    return {"Sum": sum, "Maximum": max, "Minimum": min, "SampleCount": len,
            "Average": lambda v: sum(v) / len(v)}[statistic](values)


def _dimensions(dims: dict[str, str]) -> tuple[tuple[str, str], ...]:
    """A series' dimensions in one canonical order (built once per entity, shared by its metrics)."""
    return tuple(sorted(dims.items()))


def instance_id(node: dict) -> str:
    """The EC2 instance behind a node: the last part of its providerID (aws:///us-east-1a/i-0abc...),
    else one derived from its name (a node registered without a cloud provider)."""
    provider = (node.get("spec") or {}).get("providerID") or ""
    tail = provider.rsplit("/", 1)[-1]
    return tail if tail.startswith("i-") else f"i-0{noise.key(node['metadata']['name']) % 16**16:016x}"


def split_errors(requests: float, error_rate: float, jitter: float) -> tuple[int, int]:
    """(requests, 5xx) as the whole numbers a counter reports: 5xx is the jittered share of the
    requests, rounded, never more than the requests themselves."""
    total = max(0, round(requests))
    errors = max(0, round(total * min(1.0, error_rate) * (1 + jitter)))
    return total, min(total, errors)


class AwsFeed:
    """Samples the world each simulated minute and ships metrics, logs and alarm states to moto."""

    def __init__(self, world: World, endpoint_url: str, account: LabAccount) -> None:
        self.world = world
        self.endpoint_url = endpoint_url
        self.cloudwatch = client("cloudwatch", endpoint_url, account)
        self.sns = client("sns", endpoint_url, account)
        # Bulk metrics and logs (see moto_backend.py); alarm history stamped with the world's clock.
        self.backends = MotoBackends(account.account_id, clock=world.clock.now)
        self.series: dict[SeriesKey, list[tuple[datetime, float]]] = defaultdict(list)
        self._pending_metrics: list[dict] = []
        self._restarts_seen: dict[str, int] = {}
        self._noise_keys: dict[SeriesKey, int] = {}
        self._minute_index = 0
        self.alarms: dict[str, AlarmSpec] = {}
        self.alarm_states: dict[str, str] = {}
        self._alarm_transitions: list[AlarmTransition] = []
        self.last_fired: dict[str, AlarmTransition] = {}  # per alarm, its last OK -> ALARM transition (its page)
        self.topic_arn: str | None = None
        self.last_sample: datetime | None = None
        self.log_shipping: tuple[LogShipping, ...] = DEFAULT_SHIPPING
        self.prometheus = False  # the agent also scrapes kube-state-metrics and the kubelets (prometheus_metrics.py)
        self.service_samples: list[ServiceSample] = []  # the last minute's, per service with traffic
        self.on_sample: list[Callable[[], None]] = []  # told after each minute is sampled (the lab's Prometheus counters)

    # --- setup ----------------------------------------------------------------------------
    def create_topic(self) -> str:
        self.topic_arn = self.sns.create_topic(Name=ALARM_TOPIC)["TopicArn"]
        return self.topic_arn

    def add_alarm(self, spec: AlarmSpec) -> None:
        self.alarms[spec.name] = spec
        self.alarm_states[spec.name] = "INSUFFICIENT_DATA"
        self.cloudwatch.put_metric_alarm(
            AlarmName=spec.name, AlarmDescription=spec.description, Namespace=spec.metric_namespace,
            MetricName=spec.metric_name, Dimensions=[{"Name": k, "Value": v} for k, v in spec.dimensions],
            Statistic=spec.statistic, Period=spec.period, EvaluationPeriods=spec.evaluation_periods,
            DatapointsToAlarm=spec.datapoints_to_alarm or spec.evaluation_periods,
            Threshold=spec.threshold, ComparisonOperator=spec.comparison, TreatMissingData="notBreaching",
            AlarmActions=[self.topic_arn] if self.topic_arn else [], ActionsEnabled=True,
        )

    # --- sampling -------------------------------------------------------------------------
    def _noise(self, key: SeriesKey, jitter: float) -> float:
        """The relative noise real measurements have, `jitter` wide (deterministic per series and
        minute, so a scenario replays identically)."""
        seed = self._noise_keys.get(key)
        if seed is None:
            seed = self._noise_keys[key] = noise.key(key)
        return jitter * noise.gaussians_at(seed, self._minute_index)[0]

    def _put(self, namespace: str, name: str, dims: tuple[tuple[str, str], ...], value: float,
             at: datetime, unit: str, jitter: float = 0.0) -> float:
        """One datapoint, with `jitter` relative noise; a Count is a whole number. Returns the value published."""
        key: SeriesKey = (namespace, name, dims)
        if jitter:
            value = max(0.0, value * (1 + self._noise(key, jitter)))
        value = float(round(value)) if unit == "Count" else round(value, 4)
        self.series[key].append((at, value))
        self._pending_metrics.append((key, at, value, unit))
        return value

    def sample(self, at: datetime) -> None:
        """One 1-minute sample of everything, stamped `at` (a minute boundary)."""
        world, model = self.world, self.world.traffic_model
        self._minute_index = int(at.timestamp()) // 60
        cluster = {"ClusterName": world.cluster_name}
        nodes = world.list("Node")
        node_alloc = {}
        for node in nodes:
            name = node["metadata"]["name"]
            allocatable = (node.get("status") or {}).get("allocatable") or {}
            node_alloc[name] = (cpu_millicores(allocatable.get("cpu", "1")) / 1000, memory_mib(allocatable.get("memory", "1Gi")))
        failed_nodes = 0
        pods_per_node: dict[str, int] = defaultdict(int)
        for pod in world.pods_in(None):
            if pod["status"].get("phase") == "Running" and pod["spec"].get("nodeName"):
                pods_per_node[pod["spec"]["nodeName"]] += 1
        ready_usage: list[tuple[float, float]] = []
        for node in nodes:
            name = node["metadata"]["name"]
            dims = _dimensions({**cluster, "InstanceId": instance_id(node), "NodeName": name})
            ready = name not in world.node_faults
            failed_nodes += 0 if ready else 1
            self._put(CI_NAMESPACE, "node_status_condition_ready", dims, 1.0 if ready else 0.0, at, "Count")
            if ready:
                cpu, mem = model.node_usage.get(name, (0.15, 600.0))
                cores, mib = node_alloc[name]
                ready_usage.append((100 * cpu / max(cores, 0.001), 100 * mem / max(mib, 1)))
                self._put(CI_NAMESPACE, "node_cpu_utilization", dims, ready_usage[-1][0], at, "Percent", 0.03)
                self._put(CI_NAMESPACE, "node_memory_utilization", dims, ready_usage[-1][1], at, "Percent", 0.01)
                self._put(CI_NAMESPACE, "node_number_of_running_pods", dims, pods_per_node.get(name, 0), at, "Count")
        cluster_dims = _dimensions(cluster)
        self._put(CI_NAMESPACE, "cluster_failed_node_count", cluster_dims, failed_nodes, at, "Count")
        self._put(CI_NAMESPACE, "cluster_node_count", cluster_dims, len(nodes), at, "Count")
        if ready_usage:  # the [ClusterName] roll-up of the node series
            self._put(CI_NAMESPACE, "node_cpu_utilization", cluster_dims, sum(u[0] for u in ready_usage) / len(ready_usage),
                      at, "Percent")
            self._put(CI_NAMESPACE, "node_memory_utilization", cluster_dims,
                      sum(u[1] for u in ready_usage) / len(ready_usage), at, "Percent")
        # Per workload (Container Insights' PodName dimension is the workload name).
        workloads: dict[tuple[str, str], list[dict]] = defaultdict(list)
        for pod in world.pods_in(None):
            workloads[(pod["metadata"]["namespace"], workload_name(pod))].append(pod)
        running_by_namespace: dict[str, int] = defaultdict(int)
        for (namespace, _), pods in workloads.items():
            running_by_namespace[namespace] += sum(1 for p in pods if p["status"].get("phase") == "Running")
        for namespace, running in running_by_namespace.items():
            self._put(CI_NAMESPACE, "namespace_number_of_running_pods", _dimensions({**cluster, "Namespace": namespace}),
                      running, at, "Count")
        for (namespace, workload), pods in workloads.items():
            dims = _dimensions({**cluster, "Namespace": namespace, "PodName": workload})
            usages = [model.pod_usage.get(p["metadata"]["uid"]) for p in pods]
            usages = [u for u in usages if u is not None]
            restarts_now = sum(world.pod_restarts(p) for p in pods)
            key = f"{namespace}/{workload}"
            restarts_delta = max(0, restarts_now - self._restarts_seen.get(key, restarts_now))
            self._restarts_seen[key] = restarts_now
            self._put(CI_NAMESPACE, "pod_number_of_container_restarts", dims, restarts_delta, at, "Count")
            running = sum(1 for p in pods if world.pod_ready(p))
            self._put(CI_NAMESPACE, "pod_number_of_running_containers", dims, running, at, "Count")
            if not usages:
                continue
            cpu = sum(u.cpu_m for u in usages) / len(usages)
            mem = sum(u.memory_mib for u in usages) / len(usages)
            node_cores = max(node_alloc.values(), default=(4.0, 16384.0))
            self._put(CI_NAMESPACE, "pod_cpu_utilization", dims, 100 * cpu / 1000 / node_cores[0], at, "Percent")
            self._put(CI_NAMESPACE, "pod_memory_utilization", dims, 100 * mem / node_cores[1], at, "Percent")
            self._put(CI_NAMESPACE, "pod_memory_working_set", dims, mem * 2**20, at, "Bytes")
            cpu_limits = [u for u in usages if u.cpu_limit_m]
            if cpu_limits:
                self._put(CI_NAMESPACE, "pod_cpu_utilization_over_pod_limit", dims,
                          100 * sum(u.cpu_m / u.cpu_limit_m for u in cpu_limits) / len(cpu_limits), at, "Percent")
                self._put(CI_NAMESPACE, "container_cpu_throttled_ratio", dims,
                          100 * throttled_share(max(u.throttle for u in cpu_limits)), at, "Percent")
            mem_limits = [u for u in usages if u.memory_limit_mib]
            if mem_limits:
                self._put(CI_NAMESPACE, "pod_memory_utilization_over_pod_limit", dims,
                          100 * sum(u.memory_mib / u.memory_limit_mib for u in mem_limits) / len(mem_limits), at, "Percent")
        for deploy in world.list("Deployment"):
            dims = _dimensions({**cluster, "Namespace": deploy["metadata"]["namespace"], "PodName": deploy["metadata"]["name"]})
            status = deploy.get("status") or {}
            self._put(CI_NAMESPACE, "deployment_status_replicas_unavailable", dims,
                      status.get("unavailableReplicas", 0), at, "Count")
        for ds in world.list("DaemonSet"):  # Container Insights (enhanced observability) per DaemonSet
            dims = _dimensions({**cluster, "Namespace": ds["metadata"]["namespace"], "PodName": ds["metadata"]["name"]})
            status = ds.get("status") or {}
            for metric, field in (("daemonset_status_desired_number_scheduled", "desiredNumberScheduled"),
                                  ("daemonset_status_number_available", "numberAvailable"),
                                  ("daemonset_status_number_unavailable", "numberUnavailable")):
                self._put(CI_NAMESPACE, metric, dims, status.get(field, 0), at, "Count")
        self.service_samples = [sample for key, stats in model.services.items()
                                if (sample := self._sample_service(key, stats, cluster, at)) is not None]
        if self.prometheus:
            sample_jobs(world, self._put, at)
            sample_volumes(world, self._put, at)
        self.last_sample = at
        self._evaluate_alarms(at)
        for listener in self.on_sample:
            listener()

    def _sample_service(self, key: str, stats: ServiceStats, cluster: dict[str, str], at: datetime) -> ServiceSample | None:
        """A service's running pods, and its app metrics when it has traffic."""
        dims = _dimensions({**cluster, "Namespace": stats.namespace, "Service": stats.name})
        self._put(CI_NAMESPACE, "service_number_of_running_pods", dims, stats.ready_pods, at, "Count")
        external = key in self.world.external_traffic
        if stats.rps <= 0 and not external:
            return None
        # With no ready pods an internal service's own instrumentation goes silent, but requests
        # from outside still reach its load balancer, which answers each one with a 503.
        requests = stats.rps * 60 if stats.ready_pods or external else 0.0
        requests *= 1 + self._noise((APP_NAMESPACE, "RequestCount", dims), 0.05)
        total, errors = split_errors(requests, stats.error_rate, self._noise((APP_NAMESPACE, "5xxCount", dims), 0.1))
        self._put(APP_NAMESPACE, "RequestCount", dims, total, at, "Count")
        self._put(APP_NAMESPACE, "5xxCount", dims, errors, at, "Count")
        if not stats.ready_pods:
            return ServiceSample(stats.namespace, stats.name, total, errors, 503, None, None)
        p50 = self._put(APP_NAMESPACE, "LatencyP50", dims, stats.latency_p50_ms, at, "Milliseconds", 0.05)
        p99 = self._put(APP_NAMESPACE, "LatencyP99", dims, stats.latency_p99_ms, at, "Milliseconds", 0.08)
        status = error_status(bool(stats.failing_dependencies), bool(stats.pod_error))
        return ServiceSample(stats.namespace, stats.name, total, errors, status, p50, p99)

    def _evaluate_alarms(self, at: datetime) -> None:
        """CloudWatch's evaluation: aggregate each of the last `evaluation_periods` periods with the
        alarm's statistic, ALARM when at least `datapoints_to_alarm` of them breach; missing data is
        not breaching (the lab's alarms are created with TreatMissingData=notBreaching)."""
        for name, spec in self.alarms.items():
            points = self.series.get((spec.metric_namespace, spec.metric_name, spec.dimensions), [])
            window = points[-(spec.period // 60 * spec.evaluation_periods + 2):]  # the feed samples once a minute
            periods: list[float] = []
            for index in range(spec.evaluation_periods, 0, -1):
                end = at - timedelta(seconds=spec.period * (index - 1))
                begin = end - timedelta(seconds=spec.period)
                values = [v for t, v in window if begin < t <= end]
                if values:
                    periods.append(_aggregate(spec.statistic, values))
            breaching = [v for v in periods if spec.breaches(v)]
            needed = spec.datapoints_to_alarm or spec.evaluation_periods
            state = "ALARM" if len(breaching) >= needed else "OK"
            if not periods:
                reason = "Threshold Crossed: no datapoints were received for the evaluation periods (treated as not breaching)."
            else:
                shown = ", ".join(f"{v:g}" for v in periods)
                word = ("greater than" if spec.comparison.startswith("Greater") else "less than") + \
                    (" or equal to" if "OrEqual" in spec.comparison else "")
                count = len(breaching) if state == "ALARM" else len(periods) - len(breaching)
                verb = ("was" if count == 1 else "were") + ("" if state == "ALARM" else " not")
                reason = (f"Threshold Crossed: {count} out of the last {len(periods)} datapoints [{shown}] {verb} "
                          f"{word} the threshold ({spec.threshold:g}) (minimum {needed} datapoints for OK -> ALARM transition).")
            if state != self.alarm_states.get(name):
                self.alarm_states[name] = state
                data = {"version": "1.0", "queryDate": at.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
                        "statistic": spec.statistic, "period": spec.period, "recentDatapoints": periods,
                        "threshold": spec.threshold, "evaluatedDatapoints": [
                            {"timestamp": (at - timedelta(seconds=spec.period * i)).strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
                             "value": v} for i, v in enumerate(reversed(periods))]}
                self._alarm_transitions.append(AlarmTransition(name, state, reason, json.dumps(data), at))

    # --- shipping -------------------------------------------------------------------------
    def collect_logs(self) -> list[ShippedEvent]:
        """(group, stream, epoch ms, message) for everything containers wrote since the last flush,
        including pods deleted meanwhile, in the cluster's shipping layouts."""
        lines, self.world.retired_log_lines = self.world.retired_log_lines, []
        # A snapshot: the API server's threads may start or retire pods while the tick ships logs.
        for runtime in list(self.world.runtimes.values()):
            lines.extend(runtime.take_outbox())
        return ship(lines, self.world.cluster_name, self.log_shipping)

    def flush(self, log_lines: list[ShippedEvent] | None = None) -> None:
        """Ship pending metrics, logs and alarm state changes to moto."""
        pending, self._pending_metrics = self._pending_metrics, []
        self.backends.put_datapoints(pending)
        streams: dict[tuple[str, str], list[dict]] = defaultdict(list)
        for group, stream, ts, text in log_lines if log_lines is not None else self.collect_logs():
            streams[(group, stream)].append({"timestamp": ts, "message": text})
        for (group, stream), events in streams.items():
            events.sort(key=lambda e: e["timestamp"])
            self.backends.put_log_events(group, stream, events)
        transitions, self._alarm_transitions = self._alarm_transitions, []
        for change in transitions:  # in order, so an alarm that fired and recovered did both
            self.backends.set_alarm_state(change.alarm, change.state, change.reason, change.reason_data, change.at)
            if change.state == "ALARM":
                self.last_fired[change.alarm] = change
            if change.state == "ALARM" and self.topic_arn:
                spec = self.alarms[change.alarm]
                published = self.sns.publish(TopicArn=self.topic_arn, Subject=f'ALARM: "{change.alarm}" in US East (N. Virginia)'[:99],
                                 Message=json.dumps({
                                     "AlarmName": change.alarm, "AlarmDescription": spec.description,
                                     "NewStateValue": "ALARM", "NewStateReason": change.reason,
                                     "StateChangeTime": change.at.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
                                     "Region": "US East (N. Virginia)", "OldStateValue": "OK",
                                     "Trigger": {"MetricName": spec.metric_name, "Namespace": spec.metric_namespace,
                                                 "Statistic": spec.statistic.upper(), "Period": spec.period,
                                                 "EvaluationPeriods": spec.evaluation_periods,
                                                 "ComparisonOperator": spec.comparison, "Threshold": spec.threshold,
                                                 "Dimensions": [{"name": k, "value": v} for k, v in spec.dimensions]}}))
                with self.backends.alarm_history.at(change.at):
                    self.backends.alarm_history.record_action(change.alarm, self.topic_arn, published["MessageId"])


def minute_floor(when: datetime) -> datetime:
    return when.astimezone(UTC).replace(second=0, microsecond=0)
