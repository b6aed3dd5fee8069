"""The real `kubectl` against the fault-shape scenarios (sre_agent/eval/scenarios_shapes/, issue 35): what a
person sees is what a cluster shows -- the registry's "no basic auth credentials" in `describe pod`, a claim
grown by `kubectl patch pvc` (and a shrink refused), the liveness timeouts in `get events`, an init container
that cannot start as `Init:CrashLoopBackOff` with runc's words. One lab, reset per scenario."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from .kubectl_cli import NEEDS_KUBECTL, kubectl

pytestmark = NEEDS_KUBECTL

SET_DIR = Path(__file__).resolve().parents[3] / "sre_agent" / "eval" / "scenarios_shapes"


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    from sre_agent.lab.lab import Lab

    shared = Lab(scenario_dirs=[SET_DIR]).start()
    shared.kube_cache = tmp_path_factory.mktemp("kube-cache")
    yield shared
    shared.stop()


def load(lab, scenario_id: str) -> None:
    if lab.scenario is not None:
        lab.reset()
    lab.load(scenario_id)


def rows(out: str) -> list[list[str]]:
    return [re.split(r"\s{2,}", line.strip()) for line in out.splitlines()[1:] if line.strip()]


def test_a_pull_refused_by_a_private_registry(lab):
    load(lab, "sh01-recommendations-pull-secret-dropped")
    pods = rows(kubectl(lab, "get", "pods", "-n", "shop", "-l", "app=recommendations"))
    stuck = [r for r in pods if r[2] in ("ImagePullBackOff", "ErrImagePull")]
    assert len(stuck) == 2 and sum(1 for r in pods if r[2] == "Running" and r[1] == "1/1") == 3, pods
    described = kubectl(lab, "describe", "pod", "-n", "shop", stuck[0][0])
    assert "pull access denied, repository does not exist or may require authorization: authorization failed: " \
           "no basic auth credentials" in described


def test_a_full_claim_grown_with_kubectl_patch(lab):
    load(lab, "sh03-ledger-db-volume-full")
    refused = kubectl(lab, "patch", "pvc", "data-ledger-db-0", "-n", "payments", "--type=merge",
                      "-p", '{"spec":{"resources":{"requests":{"storage":"10Gi"}}}}', check=False)
    assert "field can not be less than previous value" in refused
    kubectl(lab, "patch", "pvc", "data-ledger-db-0", "-n", "payments", "--type=merge",
            "-p", '{"spec":{"resources":{"requests":{"storage":"40Gi"}}}}')
    lab.advance(90)
    claim = json.loads(kubectl(lab, "get", "pvc", "data-ledger-db-0", "-n", "payments", "-o", "json"))
    assert claim["status"]["capacity"]["storage"] == "40Gi"
    events = kubectl(lab, "get", "events", "-n", "payments", "--field-selector",
                     "involvedObject.name=data-ledger-db-0")
    assert "Resizing" in events and "FileSystemResizeSuccessful" in events


def test_liveness_timeouts_under_load_in_the_events(lab):
    load(lab, "sh04-search-liveness-timeout-under-load")
    events = kubectl(lab, "get", "events", "-n", "shop", "--field-selector", "reason=Unhealthy")
    assert "context deadline exceeded (Client.Timeout exceeded while awaiting headers)" in events
    assert any(r[2] in ("CrashLoopBackOff", "Running") and int(r[3].split()[0]) > 0
               for r in rows(kubectl(lab, "get", "pods", "-n", "shop", "-l", "app=search")))


def test_an_init_container_whose_command_the_image_lacks(lab):
    load(lab, "sh05-ledger-db-init-command-missing")
    [pod] = rows(kubectl(lab, "get", "pods", "-n", "payments", "-l", "app=ledger-db"))
    assert pod[0] == "ledger-db-0" and pod[1] == "0/1" and pod[2] == "Init:CrashLoopBackOff", pod
    described = kubectl(lab, "describe", "pod", "ledger-db-0", "-n", "payments")
    assert "StartError" in described and 'exec: "bash": executable file not found in $PATH' in described
