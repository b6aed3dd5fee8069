"""What the Kubernetes MCP server tests share: a lab on the bad-image scenario, an audit log path and the official
client against the lab -- one per test module (a module that needs another world defines its own `lab`)."""

from __future__ import annotations

import pytest
from kubernetes import client, config

from sre_agent.lab.lab import Lab


@pytest.fixture(scope="module")
def lab():
    lab = Lab(history_minutes=30).start()
    lab.load("bad-image")
    yield lab
    lab.stop()


@pytest.fixture(scope="module")
def audit_path(tmp_path_factory):
    return tmp_path_factory.mktemp("audit") / "audit.jsonl"


@pytest.fixture(scope="module")
def api(lab):
    cfg = client.Configuration()
    config.load_kube_config(config_file=str(lab.kubeconfig), client_configuration=cfg)
    return client.ApiClient(cfg)
