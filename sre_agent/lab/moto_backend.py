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

    def put_metric_data(self, namespace: str, data: list[dict[str, Any]]) -> None:
        """`data` in PutMetricData's shape (MetricName, Dimensions [{Name, Value}], Timestamp, Value, Unit)."""
        self._cloudwatch.put_metric_data(namespace, data)

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
