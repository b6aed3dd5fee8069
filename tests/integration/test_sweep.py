"""`sre-agent sweep` over the real MCP servers (stdio) against the lab: a stopped lab, or an unreachable AWS
endpoint, is status unknown naming the backend, never healthy; a namespace scope; the CLI's exit codes,
--json and --diff. Every catalog scenario is swept in test_sweep_catalog.py."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys

import pytest

from sre_agent.app.servers import ServerConnection, stdio_servers
from sre_agent.app.toolbox import Toolbox
from sre_agent.lab.lab import Lab
from sre_agent.sweep.engine import run_sweep
from sre_agent.sweep.models import SweepReport

CLI = [sys.executable, "-m", "sre_agent.cli"]


def sweep_over(env: dict[str, str], namespace: str | None = None) -> SweepReport:
    return sweep_with(stdio_servers(env, allow_writes=False, namespaces=[]), namespace)


def sweep_with(connections: dict[str, ServerConnection], namespace: str | None = None) -> SweepReport:
    async def go() -> SweepReport:
        async with Toolbox(connections) as tools:
            return await run_sweep(tools, namespace)
    return asyncio.run(go())


def closed_port() -> int:
    with socket.socket() as sock:  # bound then released: nothing listens there
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("keep_kubeconfig", [True, False], ids=["api-down", "kubeconfig-gone"])
def test_stopped_lab_is_could_not_check_not_healthy(tmp_path, keep_kubeconfig):
    lab = Lab(state_dir=tmp_path / "lab" if keep_kubeconfig else None).start()
    lab.load("healthy-baseline")
    env = lab.env()
    lab.stop()  # with its own temporary state dir the kubeconfig goes too: the server cannot even start
    report = sweep_over(env)
    assert report.status == "unknown" and not report.problems
    reasons = {c.backend: c for c in report.coverage}
    assert reasons["kubernetes"].status == "could_not_check" and reasons["kubernetes"].reason


def test_unreachable_aws_is_could_not_check_cloudwatch():
    with Lab() as lab:
        lab.load("healthy-baseline")
        env = {**lab.env(), "AWS_ENDPOINT_URL": f"http://127.0.0.1:{closed_port()}"}
        report = sweep_over(env)
    assert report.status == "unknown"
    checks = {c.backend: c.status for c in report.coverage}
    assert checks["cloudwatch"] == "could_not_check" and checks["kubernetes"] == "checked"


def test_namespace_sweep_reports_only_that_scope():
    with Lab() as lab:
        lab.load("bad-image")
        report = sweep_over(lab.env(), "monitoring")
    assert report.scope == "monitoring" and report.status == "healthy", [p.resource for p in report.problems]


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, "sweep", *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **env}, stdin=subprocess.DEVNULL)


def test_cli_exit_codes_json_and_diff(tmp_path):
    state = ["--state-dir", str(tmp_path)]
    with Lab() as lab:
        lab.load("bad-image")
        first = cli("--json", *state, env=lab.env())
        assert first.returncode == 1, first.stderr[-2000:]
        report = SweepReport.model_validate(json.loads(first.stdout))
        assert report.status == "problems" and report.problems[0].resource == "shop/Deployment/catalog"
        assert "sweep:" in first.stderr  # progress goes to stderr
        # The second sweep compares with the first (saved in the state dir): nothing new, nothing resolved.
        second = cli("--markdown", *state, env=lab.env())
        assert second.returncode == 1 and "0 new, 0 resolved" in second.stdout, second.stdout[-2000:]
        previous = tmp_path / "previous.json"
        previous.write_text(json.dumps({**json.loads(first.stdout), "problems": []}))
        third = cli("--diff", str(previous), *state, env=lab.env())
        assert "new: shop/Deployment/catalog" in third.stdout
        healthy_ns = cli("-n", "monitoring", *state, env=lab.env())
        assert healthy_ns.returncode == 0, healthy_ns.stdout[-2000:]
        env = lab.env()
    down = cli(*state, env=env)
    assert down.returncode == 2
    assert "could not check kubernetes" in down.stderr and "Traceback" not in down.stderr + down.stdout
    bad = cli("--diff", str(tmp_path / "nope.json"), *state, env=env)
    assert bad.returncode == 2 and "cannot read previous sweep" in bad.stderr
