"""A real Prometheus (Debian's `prometheus`) on loopback, for the tests of the PromQL tools: it scrapes what the
test names (itself by default: `up`, `prometheus_*`), every second, and evaluates the rules given."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import yaml
from serve_process import free_port, running


@contextmanager
def prometheus(workdir: Path, rules: list[dict] | None = None, targets: list[str] | None = None,
               alertmanager: str | None = None) -> Iterator[str]:
    """Prometheus' base URL once it has scraped once; skipped with the reason when the binary is not installed."""
    binary = shutil.which("prometheus")
    if binary is None:
        pytest.skip("no Prometheus: install Debian's prometheus (.ci/run does)")
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    config = {"global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
              "scrape_configs": [{"job_name": "targets", "static_configs": [{"targets": targets or [f"127.0.0.1:{port}"]}]}]}
    if alertmanager:
        config["alerting"] = {"alertmanagers": [{"static_configs": [{"targets": [alertmanager.removeprefix("http://")]}]}]}
    if rules:
        (workdir / "rules.yml").write_text(yaml.safe_dump({"groups": [{"name": "test", "rules": rules}]}))
        config["rule_files"] = [str(workdir / "rules.yml")]
    (workdir / "prometheus.yml").write_text(yaml.safe_dump(config))
    proc = subprocess.Popen([binary, f"--config.file={workdir / 'prometheus.yml'}", f"--storage.tsdb.path={workdir / 'data'}",
                             f"--web.listen-address=127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    with running(proc, lambda: bool(httpx.get(f"{url}/api/v1/query", params={"query": "up"}, timeout=1)
                                    .json()["data"]["result"])):
        yield url
