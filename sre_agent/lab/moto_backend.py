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
