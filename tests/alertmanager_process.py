"""A real Alertmanager (Debian's `prometheus-alertmanager`) on loopback, for the tests that read alerts back
from it; and the alerts as Alertmanager's API and webhook carry them."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import yaml
from serve_process import free_port, running

BINARY = "prometheus-alertmanager"
CONFIG = """route:
  receiver: nobody
receivers:
  - name: nobody
"""


def webhook_config(url: str, token: str) -> str:
    """Route every alert to one webhook at once (no grouping wait), resolved ones too, with a bearer token."""
    return yaml.safe_dump({"route": {"receiver": "hook", "group_by": ["alertname"], "group_wait": "1s",
                                     "group_interval": "1s", "repeat_interval": "1h"},
                           "receivers": [{"name": "hook", "webhook_configs": [{
                               "url": url, "send_resolved": True,
                               "http_config": {"authorization": {"type": "Bearer", "credentials": token}}}]}]})


@contextmanager
def alertmanager(workdir: Path, config: str = CONFIG) -> Iterator[str]:
    """Alertmanager's base URL once it is ready; skipped with the reason when the binary is not installed."""
    binary = shutil.which(BINARY) or shutil.which("alertmanager")
    if binary is None:
        pytest.skip(f"no Alertmanager: install Debian's {BINARY} (.ci/run does)")
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "alertmanager.yml").write_text(config)
    port = free_port()
    proc = subprocess.Popen([binary, f"--config.file={workdir / 'alertmanager.yml'}", f"--storage.path={workdir / 'data'}",
                             f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address="],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    with running(proc, lambda: httpx.get(f"{url}/-/ready", timeout=1).status_code == 200):
        yield url


def post_alert(url: str, labels: dict[str, str], *, firing: bool = True) -> dict:
    """Send one alert to Alertmanager as Prometheus does (firing: ends in 5 minutes unless resent; resolved:
    ends now), and return it as Alertmanager lists it (with its fingerprint), or {} once it is not active."""
    now = datetime.now(UTC)
    ends = now + timedelta(minutes=5) if firing else now - timedelta(seconds=1)
    alert = {"labels": labels, "annotations": {"summary": f"{labels['alertname']} fired"},
             "startsAt": (now - timedelta(minutes=2)).isoformat(), "endsAt": ends.isoformat()}
    httpx.post(f"{url}/api/v2/alerts", json=[alert], timeout=10).raise_for_status()
    listed = httpx.get(f"{url}/api/v2/alerts", params={"active": "true"}, timeout=10).json()
    return next((a for a in listed if a["labels"] == labels), {})


def webhook(alert: dict, status: str) -> dict:
    """Alertmanager's webhook (v4) for one alert as its API lists it."""
    body = {"status": status, "labels": alert["labels"], "annotations": alert.get("annotations", {}),
            "startsAt": alert["startsAt"], "endsAt": alert["endsAt"] if status == "resolved" else "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus:9090/graph", "fingerprint": alert["fingerprint"]}
    return {"version": "4", "groupKey": "{}:{}", "truncatedAlerts": 0, "status": status, "receiver": "sre-agent",
            "groupLabels": {}, "commonLabels": alert["labels"], "commonAnnotations": {}, "externalURL": "http://am",
            "alerts": [body]}
