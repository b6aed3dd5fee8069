"""A real Prometheus, and optionally a real Alertmanager, for a lab: Debian's `prometheus` scraping the lab's
`/metrics` with the loaded scenario's history backfilled (history.py, `promtool tsdb create-blocks-from
openmetrics`), evaluating the rules given and sending their alerts to an Alertmanager that routes them, resolved
ones too, to a webhook -- the service's /v1/alarms/alertmanager.

    with LabPrometheus(lab, workdir, rules=[...], alert_webhook=url, alert_token=token) as stack:
        stack.url, stack.alertmanager_url

The binaries are found on PATH; a missing one is a StackError naming the Debian package that has it. Each process
writes its log into the work directory, and a process that does not come up is a StackError quoting that log's
last lines."""

from __future__ import annotations

import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import yaml

from .aws.server import free_port
from .prometheus.history import JOB

if TYPE_CHECKING:
    from .lab import Lab

SCRAPE_INTERVAL = "5s"
READY_TIMEOUT_S = 60.0  # a TSDB opening its blocks on a busy machine


class StackError(RuntimeError):
    pass


def find_binary(names: tuple[str, ...], package: str) -> str:
    """The first of `names` on PATH, or a StackError that says what to install."""
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    raise StackError(f"{names[0]} is not installed: install Debian's {package} package (apt-get install {package}; in a "
                     f"checkout, `make prometheus` installs both) or put {' or '.join(names)} on PATH")


def alertmanager_config(webhook_url: str, token: str | None) -> dict[str, Any]:
    """Every alert to one webhook, resolved ones too, without a grouping wait (one incident per alert is the
    service's job: it correlates them)."""
    hook: dict[str, Any] = {"url": webhook_url, "send_resolved": True}
    if token:
        hook["http_config"] = {"authorization": {"type": "Bearer", "credentials": token}}
    return {"route": {"receiver": "sre-agent", "group_by": ["alertname"], "group_wait": "1s", "group_interval": "5s",
                      "repeat_interval": "1h"},
            "receivers": [{"name": "sre-agent", "webhook_configs": [hook]}]}


class _Process:
    def __init__(self, what: str, argv: list[str], log: Path, ready_url: str) -> None:
        self.what, self.log, self.ready_url = what, log, ready_url
        with log.open("ab") as out:
            self.proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def wait_ready(self, timeout_s: float = READY_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise StackError(f"{self.what} exited with {self.proc.returncode}: {self.tail()}")
            try:
                with urllib.request.urlopen(self.ready_url, timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise StackError(f"{self.what} was not ready at {self.ready_url} after {timeout_s:.0f}s: {self.tail()}")

    def tail(self, lines: int = 5) -> str:
        try:
            return " | ".join(self.log.read_text(errors="replace").strip().splitlines()[-lines:]) or "(no output)"
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class LabPrometheus:
    def __init__(self, lab: Lab, workdir: Path, *, rules: list[dict[str, Any]] | None = None,
                 alert_webhook: str | None = None, alert_token: str | None = None,
                 scrape_interval: str = SCRAPE_INTERVAL, world_time: bool = False) -> None:
        """`world_time`: for a Prometheus read for the world's history (an investigation, an evaluation) on a lab
        running faster than real time, samples stamped with the world's time (prometheus/scrape.py); without it,
        Prometheus' own time, as its rules need."""
        self.lab, self.workdir, self.rules, self.world_time = lab, workdir, rules or [], world_time
        self.alert_webhook, self.alert_token, self.scrape_interval = alert_webhook, alert_token, scrape_interval
        self.url = ""
        self.alertmanager_url: str | None = None
        self._processes: list[_Process] = []

    def start(self) -> LabPrometheus:
        prometheus = find_binary(("prometheus",), "prometheus")
        alertmanager = find_binary(("prometheus-alertmanager", "alertmanager"), "prometheus-alertmanager") \
            if self.alert_webhook else None
        self.workdir.mkdir(parents=True, exist_ok=True)
        if self.lab.metrics is not None:
            self.lab.metrics.world_time = self.world_time
        data = self.workdir / "data"
        shutil.rmtree(data, ignore_errors=True)  # one lab's history: never mixed with an earlier run's
        try:
            if self.lab.prometheus_history is not None:
                self._backfill(self.lab.prometheus_history, data)
            if alertmanager:
                self._start_alertmanager(alertmanager)
            self._start_prometheus(prometheus, data)
        except BaseException:
            self.stop()
            raise
        return self

    def _backfill(self, history: Path, data: Path) -> None:
        promtool = find_binary(("promtool",), "prometheus")
        done = subprocess.run([promtool, "tsdb", "create-blocks-from", "openmetrics", str(history), str(data)],
                              capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            raise StackError(f"promtool could not backfill the lab's history from {history}: "
                             f"{(done.stderr or done.stdout).strip()[-600:]}")

    def _start_alertmanager(self, binary: str) -> None:
        assert self.alert_webhook
        config = self.workdir / "alertmanager.yml"
        config.write_text(yaml.safe_dump(alertmanager_config(self.alert_webhook, self.alert_token)))
        config.chmod(0o600)  # it holds the webhook's bearer token
        port = free_port()
        process = _Process("Alertmanager", [binary, f"--config.file={config}",
                                            f"--storage.path={self.workdir / 'alertmanager-data'}",
                                            f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address="],
                           self.workdir / "alertmanager.log", f"http://127.0.0.1:{port}/-/ready")
        self._processes.append(process)
        process.wait_ready()
        self.alertmanager_url = f"http://127.0.0.1:{port}"

    def _start_prometheus(self, binary: str, data: Path) -> None:
        target = self.lab.scrape_url.split("://", 1)[1].split("/", 1)[0]
        config: dict[str, Any] = {
            "global": {"scrape_interval": self.scrape_interval, "evaluation_interval": self.scrape_interval},
            "scrape_configs": [{"job_name": JOB, "static_configs": [{"targets": [target]}]}]}
        if self.rules:
            (self.workdir / "rules.yml").write_text(yaml.safe_dump({"groups": [{"name": "sre-lab", "rules": self.rules}]}))
            config["rule_files"] = [str(self.workdir / "rules.yml")]
        if self.alertmanager_url:
            config["alerting"] = {"alertmanagers": [{"static_configs": [{"targets": [
                self.alertmanager_url.removeprefix("http://")]}]}]}
        (self.workdir / "prometheus.yml").write_text(yaml.safe_dump(config))
        port = free_port()
        process = _Process("Prometheus", [binary, f"--config.file={self.workdir / 'prometheus.yml'}",
                                          f"--storage.tsdb.path={data}", f"--web.listen-address=127.0.0.1:{port}",
                                          # the history's blocks are hours old: kept, not expired on the first compaction
                                          "--storage.tsdb.retention.time=30d"],
                           self.workdir / "prometheus.log", f"http://127.0.0.1:{port}/-/ready")
        self._processes.append(process)
        process.wait_ready()
        self.url = f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        for process in reversed(self._processes):
            process.stop()
        self._processes.clear()

    def __enter__(self) -> LabPrometheus:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


@contextmanager
def for_metrics_source(lab: Lab, metrics_source: str, workdir: Path) -> Iterator[str | None]:
    """Prometheus' URL for a Metrics agent that reads it (`metrics_source` prometheus or both): a real Prometheus on
    `lab`, its loaded scenario's history backfilled (the lab made with prometheus_history), read for that history so
    stamped with the world's time, stopped on the way out. None, and nothing started, for cloudwatch."""
    if metrics_source == "cloudwatch":
        yield None
        return
    with LabPrometheus(lab, workdir / "prometheus", world_time=True) as stack:
        yield stack.url
