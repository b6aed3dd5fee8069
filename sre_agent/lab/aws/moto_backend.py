"""The one module that reaches into moto's in-process backends.

Why: a scenario replays three hours of history, about 35,000 datapoints and thousands of log lines.
Sending those through boto3 -> HTTP -> moto's request parser took 20 s per load; writing them into
the same backend objects moto's HTTP handlers use takes milliseconds, and every reader (the
responder, the tests, the CLI) still goes through boto3 over HTTP and sees exactly what it would
have seen. Only the feed's own output takes this path (datapoints, log lines, and alarm state
changes, so they carry the simulated moment they happened); alarms, topics and anything a client
might configure go through the public API.

moto keeps its state per process and per account. So that two labs in one process (a test
session, a parallel evaluation) never see each other's alarms and logs, each lab gets its own
account: the first lab in a process takes moto's default account (so default "testing" credentials
still work), any concurrent lab gets a fresh account with its own IAM access key, and a stopped lab
wipes its account."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .alarm_history import AlarmHistory, serve_alarm_history
from .log_filter_patterns import serve_filter_patterns

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


def _wipe(account_id: str, keep: frozenset[str] = frozenset()) -> None:
    """Forget everything moto holds for one account (every service but `keep`), leaving other accounts alone."""
    from moto.core.base_backend import BackendDict

    for backend in list(BackendDict._instances):
        if account_id in backend and backend.service_name not in keep:
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


def wipe_account_data(account: LabAccount) -> None:
    """Empty an account the lab keeps using (a reset): its data goes, its IAM user and access key stay, so
    clients holding its credentials still reach it."""
    with _lock:
        _wipe(account.account_id, keep=frozenset({"iam", "sts"}))


def release_account(account: LabAccount) -> None:
    with _lock:
        _wipe(account.account_id)
        _in_use.discard(account.account_id)


def _naive_utc(when: datetime) -> datetime:
    return when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when


class MotoBackends:
    """Bulk writes straight into one account's CloudWatch and CloudWatch Logs backends."""

    def __init__(self, account_id: str, region: str = REGION, clock: Callable[[], datetime] | None = None) -> None:
        from moto.cloudwatch.models import cloudwatch_backends
        from moto.logs.models import logs_backends

        self.account_id = account_id
        self._cloudwatch = cloudwatch_backends[account_id][region]
        self._logs = logs_backends[account_id][region]
        self._region = region
        self.index = MetricIndex(self._cloudwatch)
        serve_alarm_history()
        serve_filter_patterns()
        # Alarm changes are stamped with the lab's simulated clock (see alarm_history.py).
        self.alarm_history = AlarmHistory.install(self._cloudwatch, clock or (lambda: datetime.now(UTC)))

    def put_datapoints(self, points: list[tuple[tuple[str, str, tuple[tuple[str, str], ...]], datetime, float, str]]) -> None:
        """Datapoints as ((namespace, metric name, ((dimension, value), ...)), aware timestamp,
        value, unit): stored in the lab's series index, readable through every CloudWatch read."""
        self.index.add(points)

    def put_log_events(self, group: str, stream: str, events: list[dict[str, Any]]) -> None:
        """Creates the group and stream when needed; `events` sorted by timestamp (ms)."""
        if group not in self._logs.groups:
            self._logs.create_log_group(group, tags={})
        if stream not in self._logs.groups[group].streams:
            self._logs.create_log_stream(group, stream)
        self._logs.put_log_events(group, stream, events)

    def set_alarm_state(self, alarm: str, state: str, reason: str, reason_data: str, at: Any) -> None:
        """SetAlarmState, stamped with the simulated moment it happened rather than the wall clock."""
        with self.alarm_history.at(at):
            self._cloudwatch.set_alarm_state(alarm, reason, reason_data, state)
        record = self._cloudwatch.alarms.get(alarm)
        if record is not None and hasattr(record, "state_updated_timestamp"):
            record.state_updated_timestamp = _naive_utc(at)

    def ssm_commands(self) -> list[Any]:
        """Run Command invocations sent to this account (moto's Command objects), oldest first."""
        from moto.ssm.models import ssm_backends

        return list(ssm_backends[self.account_id][self._region]._commands)


class MetricIndex:
    """The lab's datapoints, kept by series and served through moto's own read handlers.

    moto keeps every datapoint as an object in one flat list and scans it on every read:
    GetMetricData is O(periods x datapoints), ListMetrics O(datapoints^2) -- with three hours of
    a cluster's metrics a ListMetrics took over a minute, and building the 35,000 objects took a
    second of every scenario load. The index stores plain (timestamp, value, unit) rows per series
    and turns a series into moto's datum objects only when a request names it; the handlers below
    hand moto's query code those datums plus anything clients wrote with PutMetricData, so results
    (shapes, statistics, metric math) are moto's own."""

    _FIELDS = {"namespace", "name", "timestamp", "dimensions", "unit", "value"}

    def __init__(self, backend: Any) -> None:
        self._backend = backend
        self._rows: dict[tuple, list[tuple[datetime, float, str]]] = {}  # series key -> rows in time order
        self._datums: dict[tuple, list[Any]] = {}  # series key -> moto datums built so far
        self._dimensions: dict[tuple, list[Any]] = {}
        self._by_name: dict[str, list[tuple]] = {}
        self._fast: bool | None = None
        cls = type(backend)
        backend.get_metric_data = self._wrap(cls.get_metric_data, self._for_metric_data)
        backend.get_metric_statistics = self._wrap(cls.get_metric_statistics, self._for_statistics)
        backend.get_filtered_metrics = self._filtered_metrics

    def add(self, points: list[tuple[tuple, datetime, float, str]]) -> None:
        for key, at, value, unit in points:
            rows = self._rows.get(key)
            if rows is None:
                rows = self._rows[key] = []
                self._by_name.setdefault(key[1], []).append(key)
            rows.append((_naive_utc(at), float(value), unit))  # moto compares naive UTC timestamps

    def datums(self, key: tuple) -> list[Any]:
        """moto MetricDatum objects for one series (built on first use, extended as it grows)."""
        from moto.cloudwatch.models import Dimension, MetricDatum

        built = self._datums.setdefault(key, [])
        rows = self._rows[key]
        namespace, name, dims = key
        dimensions = self._dimensions.get(key)
        if dimensions is None:
            dimensions = self._dimensions[key] = [Dimension(k, v) for k, v in dims]
        for at, value, unit in rows[len(built):]:
            if self._fast is None:
                reference = MetricDatum(namespace, name, value, [{"Name": k, "Value": v} for k, v in dims], at, unit)
                # Build the same object without moto's constructor (which registers every datum for
                # its introspection API) -- unless moto's datum has grown other fields.
                self._fast = set(vars(reference)) == self._FIELDS
            if self._fast:
                datum = object.__new__(MetricDatum)
                datum.__dict__ = {"namespace": namespace, "name": name, "timestamp": at, "dimensions": dimensions,
                                  "unit": unit, "value": value}
            else:
                datum = MetricDatum(namespace, name, value, [{"Name": k, "Value": v} for k, v in dims], at, unit)
            built.append(datum)
        return built

    def _first(self, key: tuple) -> Any:
        """One datum standing for its series (ListMetrics), without building the whole series."""
        built = self._datums.get(key)
        if not built:
            rows = self._rows[key]
            self._rows[key] = rows[:1]  # build just the first row, then put the rest back
            try:
                built = self.datums(key)
            finally:
                self._rows[key] = rows
        return built[0]

    def _wrap(self, original: Any, select: Any) -> Any:
        def handler(*args: Any, **kwargs: Any) -> Any:
            keys = select(*args, **kwargs)
            datums = [d for key in keys for d in self.datums(key)] + list(self._backend.metric_data)
            return original(_OnlyThese(self._backend, datums), *args, **kwargs)
        return handler

    def _for_metric_data(self, queries: list[dict[str, Any]], *args: Any, **kwargs: Any) -> list[tuple]:
        if any("MetricStat" not in q and str(q.get("Expression", "")).startswith("SELECT") for q in queries):
            return list(self._rows)  # Metrics Insights reads everything
        chosen: dict[tuple, None] = {}
        for query in queries:
            metric = (query.get("MetricStat") or {}).get("Metric")
            if not metric:
                continue
            wanted = {(d["Name"], d.get("Value")) for d in metric.get("Dimensions") or []}
            for key in self._by_name.get(metric.get("MetricName", ""), []):
                if not wanted or set(key[2]) == wanted:
                    chosen[key] = None
        return list(chosen)

    def _for_statistics(self, namespace: str, metric_name: str, *args: Any, **kwargs: Any) -> list[tuple]:
        # The series moto's own filter would keep: every requested dimension among the series' own
        # (a value of None matches any). Without this moto scans every series of the metric name
        # -- 500 services x 3 h is 90,000 datums -- for each GetMetricStatistics.
        dimensions = kwargs.get("dimensions", args[4] if len(args) > 4 else None) or []
        wanted = [(d["Name"], d.get("Value")) for d in dimensions]
        return [key for key in self._by_name.get(metric_name, []) if key[0] == namespace
                and all(any(name == k and (value is None or v is None or value == v) for k, v in key[2])
                        for name, value in wanted)]

    def _filtered_metrics(self, metric_name: str, namespace: str, dimensions: list[dict[str, str]]) -> list[Any]:
        """ListMetrics: one datum per series (what moto returns), filtered by moto's own rules,
        then whatever clients wrote themselves."""
        found = [self._first(key) for key in self._rows]
        found = [d for d in found if d.filter(namespace=namespace, name=metric_name, dimensions=dimensions)]
        theirs = type(self._backend).get_filtered_metrics(self._backend, metric_name, namespace, dimensions)
        return found + theirs


class _OnlyThese:
    """The backend as moto's query code sees it, holding only the datapoints a request can match."""

    def __init__(self, backend: Any, datums: list[Any]) -> None:
        self._backend = backend
        self._datums = datums

    def get_all_metrics(self) -> list[Any]:
        return self._datums

    def __getattr__(self, name: str) -> Any:
        return getattr(self._backend, name)
