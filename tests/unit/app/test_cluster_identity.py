"""The cluster a run acts on, picked as kubectl picks it: --kubeconfig / KUBECONFIG, --context /
current-context, that context's server."""

from __future__ import annotations

import yaml

from sre_agent.app.cluster import cluster_identity
from sre_agent.app.options import RunOptions

KUBECONFIG = {"current-context": "eu",
              "contexts": [{"name": "eu", "context": {"cluster": "prod-eu"}}, {"name": "us", "context": {"cluster": "prod-us"}}],
              "clusters": [{"name": "prod-eu", "cluster": {"server": "https://eu.example:6443"}},
                           {"name": "prod-us", "cluster": {"server": "https://us.example:6443"}}]}


def test_the_current_context_the_context_flag_and_the_kubeconfig_flag(tmp_path):
    path = tmp_path / "config"
    path.write_text(yaml.safe_dump(KUBECONFIG))
    env = {"KUBECONFIG": str(path)}
    assert cluster_identity(RunOptions(), env) == "https://eu.example:6443"
    assert cluster_identity(RunOptions(server_args={"kubernetes": ["--context", "us"]}), env) == "https://us.example:6443"
    flagged = RunOptions(server_args={"kubernetes": ["--kubeconfig", str(path), "--context", "us"]})
    assert cluster_identity(flagged, {}) == "https://us.example:6443"
    assert cluster_identity(RunOptions(env={"KUBECONFIG": str(path)}), {}) == "https://eu.example:6443"  # a run's own env wins


def test_no_kubeconfig_is_in_cluster_or_unknown(tmp_path):
    missing = {"KUBECONFIG": str(tmp_path / "nope")}
    assert cluster_identity(RunOptions(), missing) == "unknown"
    assert cluster_identity(RunOptions(), {**missing, "KUBERNETES_SERVICE_HOST": "10.0.0.1"}) == "in-cluster:10.0.0.1"
