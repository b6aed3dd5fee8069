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

    def put_metric_data(self, namespace: str, data: list[dict[str, Any]]) -> None:
        """`data` in PutMetricData's shape (MetricName, Dimensions [{Name, Value}], Timestamp (aware
        datetime), Value, Unit)."""
        if not data:
            return
        if self._fast_datum is None:
            self._fast_datum = self._check_fast_path(namespace, data[0])
            data = data[1:]
        if not self._fast_datum:
            self._cloudwatch.put_metric_data(namespace, data)
            return
        from moto.cloudwatch.models import Dimension, MetricDatum

        store = self._cloudwatch.metric_data
        for item in data:
            # moto's constructor re-creates the Dimension objects and registers every datum for
            # its introspection API; the lab writes ~35,000 datapoints per load, so it builds the
            # same object directly and shares one dimension list per series.
            key = (item["MetricName"], tuple((d["Name"], d["Value"]) for d in item["Dimensions"]))
            dimensions = self._dimensions.get(key)
            if dimensions is None:
                dimensions = self._dimensions[key] = [Dimension(n, v) for n, v in key[1]]
            datum = object.__new__(MetricDatum)
            datum.__dict__.update(namespace=namespace, name=item["MetricName"], timestamp=item["Timestamp"],
                                  dimensions=dimensions, unit=item.get("Unit"), value=float(item["Value"]))
            store.append(datum)

    def _check_fast_path(self, namespace: str, sample: dict[str, Any]) -> bool:
        """Write one datum the public way and check ours would build the same object; if moto's
        model changed, every write takes the public (slower) path."""
        self._cloudwatch.put_metric_data(namespace, [sample])
        reference = self._cloudwatch.metric_data[-1]
        return set(vars(reference)) == {"namespace", "name", "timestamp", "dimensions", "unit", "value"}

    def put_log_events(self, group: str, stream: str, events: list[dict[str, Any]]) -> None:
        """Creates the group and stream when needed; `events` sorted by timestamp (ms)."""
        if group not in self._logs.groups:
            self._logs.create_log_group(group, tags={})
        if stream not in self._logs.groups[group].streams:
            self._logs.create_log_stream(group, stream)
        self._logs.put_log_events(group, stream, events)

    def ssm_commands(self) -> list[Any]:
        """Run Command invocations sent to this account (moto's Command objects), oldest first."""
        from moto.ssm.models import ssm_backends

        return list(ssm_backends[self.account_id][self._region]._commands)
