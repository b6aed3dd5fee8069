"""The one module that reaches into moto's in-process backends.

Why: a scenario replays three hours of history, about 35,000 datapoints and thousands of log lines.
Sending those through boto3 -> HTTP -> moto's request parser took 20 s per load; writing them into
the same backend objects moto's HTTP handlers use takes milliseconds, and every reader (the
responder, the tests, the CLI) still goes through boto3 over HTTP and sees exactly what it would
have seen. Only bulk history takes this path; alarms, topics and everything a client might
configure still go through the public API.

moto keeps its state per process and per account. So that two labs in one process (a test
session, a parallel evaluation) never see each other's alarms and logs, each lab gets its own
account: the first lab in a process takes moto's default account (so default "testing" credentials
still work), any concurrent lab gets a fresh account with its own IAM access key, and a stopped lab
wipes its account."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

REGION = "us-east-1"

_lock = threading.Lock()
_in_use: set[str] = set()


@dataclass(frozen=True)
class LabAccount:
    account_id: str
    access_key_id: str
    secret_access_key: str


def _default_account_id() -> str:
    from moto.core import DEFAULT_ACCOUNT_ID

    return DEFAULT_ACCOUNT_ID


def _wipe(account_id: str) -> None:
    """Forget everything moto holds for one account (every service), leaving other accounts alone."""
    from moto.core.base_backend import BackendDict

    for backend in list(BackendDict._instances):
        if account_id in backend:
            try:
                for regional in backend[account_id].values():
                    regional.reset()
            except Exception:  # a service that cannot reset is simply dropped below
                pass
            dict.__delitem__(backend, account_id)


def claim_account() -> LabAccount:
    with _lock:
        default = _default_account_id()
        if default not in _in_use:
            _in_use.add(default)
            _wipe(default)  # a previous lab in this process may have left data behind
            return LabAccount(default, "testing", "testing")
        rng = random.Random()
        while True:
            account_id = f"{rng.randrange(10**11, 10**12)}"
            if account_id not in _in_use:
                break
        _in_use.add(account_id)
    from moto.iam.models import iam_backends

    iam = iam_backends[account_id]["aws"]
    iam.create_user(REGION, "sre-lab")
    key = iam.create_access_key("sre-lab")
    return LabAccount(account_id, key.access_key_id, key.secret_access_key)


def release_account(account: LabAccount) -> None:
    with _lock:
        _wipe(account.account_id)
        _in_use.discard(account.account_id)


def _naive_utc(when: datetime) -> datetime:
    return when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when


class MotoBackends:
    """Bulk writes straight into one account's CloudWatch and CloudWatch Logs backends."""

    def __init__(self, account_id: str, region: str = REGION) -> None:
        from moto.cloudwatch.models import cloudwatch_backends
        from moto.logs.models import logs_backends

        self.account_id = account_id
        self._cloudwatch = cloudwatch_backends[account_id][region]
        self._logs = logs_backends[account_id][region]
        self._region = region
        self._fast_datum: bool | None = None
        self._dimensions: dict[tuple, list] = {}
        self.index = MetricIndex(self._cloudwatch)

    def put_datapoints(self, points: list[tuple[tuple[str, str, tuple[tuple[str, str], ...]], Any, float, str]]) -> None:
        """Datapoints as ((namespace, metric name, ((dimension, value), ...)), timestamp, value, unit),
        the timestamp an aware datetime: what PutMetricData would store."""
        if not points:
            return
        # moto keeps timestamps as naive UTC (that is what its request parser produces).
        points = [(key, _naive_utc(at), value, unit) for key, at, value, unit in points]
        if self._fast_datum is None:
            (namespace, name, dims), at, value, unit = points[0]
            self._cloudwatch.put_metric_data(namespace, [{
                "MetricName": name, "Dimensions": [{"Name": k, "Value": v} for k, v in dims],
                "Timestamp": at, "Value": value, "Unit": unit}])
            reference = self._cloudwatch.metric_data[-1]
            self.index.add(points[0][0], reference)
            # If moto's datum ever grows other fields, every write takes the public (slower) path.
            self._fast_datum = set(vars(reference)) == {"namespace", "name", "timestamp", "dimensions", "unit", "value"}
            points = points[1:]
        from moto.cloudwatch.models import Dimension, MetricDatum

        store = self._cloudwatch.metric_data
        for key, at, value, unit in points:
            namespace, name, dims = key
            if not self._fast_datum:
                self._cloudwatch.put_metric_data(namespace, [{
                    "MetricName": name, "Dimensions": [{"Name": k, "Value": v} for k, v in dims],
                    "Timestamp": at, "Value": value, "Unit": unit}])
                self.index.add(key, self._cloudwatch.metric_data[-1])
                continue
            # moto's constructor re-creates the Dimension objects and registers every datum for
            # its introspection API; a load writes ~35,000 datapoints, so build the same object
            # directly, sharing one dimension list per series.
            dimensions = self._dimensions.get(key)
            if dimensions is None:
                dimensions = self._dimensions[key] = [Dimension(k, v) for k, v in dims]
            datum = object.__new__(MetricDatum)
            datum.__dict__.update(namespace=namespace, name=name, timestamp=at, dimensions=dimensions,
                                  unit=unit, value=float(value))
            store.append(datum)
            self.index.add(key, datum)

    def put_log_events(self, group: str, stream: str, events: list[dict[str, Any]]) -> None:
        """Creates the group and stream when needed; `events` sorted by timestamp (ms)."""
        if group not in self._logs.groups:
            self._logs.create_log_group(group, tags={})
        if stream not in self._logs.groups[group].streams:
            self._logs.create_log_stream(group, stream)
        self._logs.put_log_events(group, stream, events)

    def set_alarm_state(self, alarm: str, state: str, reason: str, reason_data: str, at: Any) -> None:
        """SetAlarmState, stamped with the simulated moment it happened rather than the wall clock."""
        self._cloudwatch.set_alarm_state(alarm, reason, reason_data, state)
        record = self._cloudwatch.alarms.get(alarm)
        if record is not None and hasattr(record, "state_updated_timestamp"):
            record.state_updated_timestamp = _naive_utc(at)

    def ssm_commands(self) -> list[Any]:
        """Run Command invocations sent to this account (moto's Command objects), oldest first."""
        from moto.ssm.models import ssm_backends

        return list(ssm_backends[self.account_id][self._region]._commands)


class MetricIndex:
    """Series index for moto's CloudWatch reads, installed on the lab account's backend only.

    moto keeps every datapoint in one flat list and scans it for every read: GetMetricData is
    O(periods x datapoints) and ListMetrics O(datapoints^2) -- with three hours of a cluster's
    metrics a ListMetrics took over a minute. The index groups datapoints by series as they are
    written, and the read handlers below hand moto's own query code just the series a request
    names, so results (shapes, statistics, metric math) are moto's, only fast. If anything wrote
    datapoints the index has not seen (a client's PutMetricData), reads fall back to moto's scan."""

    def __init__(self, backend: Any) -> None:
        self._backend = backend
        self._series: dict[tuple, list[Any]] = {}  # (namespace, name, dims) -> datums in time order
        self._by_name: dict[str, list[tuple]] = {}
        self._count = 0
        cls = type(backend)
        backend.get_metric_data = self._wrap(cls.get_metric_data, self._for_metric_data)
        backend.get_metric_statistics = self._wrap(cls.get_metric_statistics, self._for_statistics)
        backend.get_filtered_metrics = self._filtered_metrics

    def add(self, key: tuple, datum: Any) -> None:
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = []
            self._by_name.setdefault(key[1], []).append(key)
        series.append(datum)
        self._count += 1

    def _complete(self) -> bool:
        return self._count == len(self._backend.metric_data) and not self._backend.aws_metric_data

    def _wrap(self, original: Any, select: Any) -> Any:
        def handler(*args: Any, **kwargs: Any) -> Any:
            datums = select(*args, **kwargs) if self._complete() else None
            if datums is None:
                return original(self._backend, *args, **kwargs)
            return original(_OnlyThese(self._backend, datums), *args, **kwargs)
        return handler

    def _for_metric_data(self, queries: list[dict[str, Any]], *args: Any, **kwargs: Any) -> list[Any] | None:
        if any("MetricStat" not in q and str(q.get("Expression", "")).startswith("SELECT") for q in queries):
            return None  # Metrics Insights reads everything
        chosen: dict[tuple, None] = {}
        for query in queries:
            metric = (query.get("MetricStat") or {}).get("Metric")
            if not metric:
                continue
            wanted = {(d["Name"], d.get("Value")) for d in metric.get("Dimensions") or []}
            for key in self._by_name.get(metric.get("MetricName", ""), []):
                if not wanted or set(key[2]) == wanted:
                    chosen[key] = None
        return [d for key in chosen for d in self._series[key]]

    def _for_statistics(self, namespace: str, metric_name: str, *args: Any, **kwargs: Any) -> list[Any]:
        return [d for key in self._by_name.get(metric_name, []) if key[0] == namespace for d in self._series[key]]

    def _filtered_metrics(self, metric_name: str, namespace: str, dimensions: list[dict[str, str]]) -> list[Any]:
        """ListMetrics: one datum per series (what moto returns), filtered by moto's own rules."""
        if not self._complete():
            return type(self._backend).get_filtered_metrics(self._backend, metric_name, namespace, dimensions)
        return [series[0] for series in self._series.values()
                if series[0].filter(namespace=namespace, name=metric_name, dimensions=dimensions)]


class _OnlyThese:
    """The backend as moto's query code sees it, holding only the datapoints a request can match."""

    def __init__(self, backend: Any, datums: list[Any]) -> None:
        self._backend = backend
        self._datums = datums

    def get_all_metrics(self) -> list[Any]:
        return self._datums

    def __getattr__(self, name: str) -> Any:
        return getattr(self._backend, name)
