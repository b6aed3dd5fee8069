"""kubectl / AWS CLI targeting as a user meets it: `sre-agent investigate` in a subprocess picks the
cluster with --context / --kubeconfig / KUBECONFIG and the account with --profile, and a target that
cannot be used -- a context pointing nowhere, a kubeconfig that does not exist, a context or profile
that is not defined -- ends `unknown` (exit 2) naming the backend, never a traceback."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest
import yaml

from sre_agent.lab.lab import Lab

CLI = [sys.executable, "-m", "sre_agent.cli"]
QUESTION = "is checkout in shop healthy?"


@pytest.fixture(scope="module")
def lab():
    with Lab(history_minutes=30) as started:
        started.load("healthy-baseline")
        yield started


@pytest.fixture(scope="module")
def refusing_url():
    """A loopback port nothing listens on (bound, not listening: it refuses every connection)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture(scope="module")
def two_contexts(lab, refusing_url, tmp_path_factory):
    """A kubeconfig with a context for the lab and one for a dead API server; the dead one is current."""
    path = tmp_path_factory.mktemp("kube") / "config"
    clusters = {"lab": lab.api.url, "dead": refusing_url}
    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "dead",
        "clusters": [{"name": n, "cluster": {"server": url}} for n, url in clusters.items()],
        "users": [{"name": "u", "user": {"token": "t"}}],
        "contexts": [{"name": n, "context": {"cluster": n, "user": "u"}} for n in clusters]}))
    return path


def investigate(lab, tmp_path, *args: str, **env: str) -> tuple[subprocess.CompletedProcess, dict | None]:
    environ = {**os.environ, **lab.env(), **env}
    proc = subprocess.run([*CLI, "investigate", "--prompt", QUESTION, "--json", "--state-dir", str(tmp_path), *args],
                          capture_output=True, text=True, timeout=300, env=environ, stdin=subprocess.DEVNULL)
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    try:
        return proc, json.loads(proc.stdout)
    except ValueError:
        return proc, None


def coverage(result: dict) -> dict[str, dict]:
    return {check["backend"]: check for check in result["coverage"]}


def test_context_flag_selects_the_cluster(lab, two_contexts, tmp_path):
    proc, result = investigate(lab, tmp_path, "--kubeconfig", str(two_contexts), "--context", "lab")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert result and result["status"] in ("answered", "healthy")
    assert coverage(result)["kubernetes"]["status"] == "checked"


def test_the_current_context_of_KUBECONFIG_is_used_and_a_dead_one_is_unknown(lab, two_contexts, tmp_path):
    proc, result = investigate(lab, tmp_path, KUBECONFIG=str(two_contexts))  # current-context: dead
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert result and result["status"] == "unknown"
    kube = coverage(result)["kubernetes"]
    assert kube["status"] == "could_not_check" and "unreachable" in kube["reason"]
    assert coverage(result)["cloudwatch"]["status"] == "checked"
    assert "could not reach a verdict: Unknown: Could not check kubernetes" in proc.stderr


@pytest.mark.parametrize("args, env, says", [
    ([], {"KUBECONFIG": "/nonexistent/kubeconfig"}, "cannot load Kubernetes configuration"),
    (["--context", "no-such-context"], {}, "no-such-context"),
], ids=["missing-kubeconfig", "unknown-context"])
def test_a_kubernetes_server_that_cannot_start_is_unknown_not_a_traceback(lab, tmp_path, args, env, says):
    proc, result = investigate(lab, tmp_path, *args, **env)
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert result and result["status"] == "unknown"
    kube = coverage(result)["kubernetes"]
    assert kube["status"] == "could_not_check"
    assert "the kubernetes MCP server did not start" in kube["reason"] and says in kube["reason"]


def test_an_unknown_aws_profile_is_unknown_for_cloudwatch(lab, tmp_path):
    proc, result = investigate(lab, tmp_path, "--profile", "no-such-profile",
                               AWS_CONFIG_FILE=str(tmp_path / "aws-config"), AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "creds"))
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert result and result["status"] == "unknown"
    cloudwatch = coverage(result)["cloudwatch"]
    assert cloudwatch["status"] == "could_not_check" and "no-such-profile" in cloudwatch["reason"]
    assert coverage(result)["kubernetes"]["status"] == "checked"


def test_version_and_namespace_flags(tmp_path):
    version = subprocess.run([*CLI, "--version"], capture_output=True, text=True, timeout=60)
    assert version.returncode == 0 and version.stdout.startswith("sre-agent ")
    bad = subprocess.run([*CLI, "investigate", "--prompt", "x", "-n", "Not_A_Namespace", "--state-dir", str(tmp_path)],
                         capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert bad.returncode == 2 and "is not a Kubernetes namespace name" in bad.stderr and "Traceback" not in bad.stderr
    wrong = subprocess.run([*CLI, "investigate", "--scenario", "bad-image", "-n", "shop", "--state-dir", str(tmp_path)],
                           capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert wrong.returncode == 2 and "-n/--namespace scopes a --prompt question" in wrong.stderr
