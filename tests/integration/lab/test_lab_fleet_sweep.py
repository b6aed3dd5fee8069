"""Several clusters as one fleet: `sre-agent sweep --all-contexts` over a three-cluster lab (one kubeconfig, three
contexts, the fault in one cluster and the same names healthy in the others) reports per cluster, finds the fault
only where it is, ties no other cluster's alarm to a cluster, and says "could not check" of a cluster whose API
server is gone -- without calling the fleet healthy or giving up on the clusters it could read."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from sre_agent.lab.fleet import LabFleet


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    fleet = LabFleet(3, state_dir=tmp_path_factory.mktemp("fleet")).start()
    try:
        fleet.load("crash-missing-env", fault_in=1)
        yield fleet
    finally:
        fleet.stop()


def sweep_all(fleet: LabFleet, state_dir) -> tuple[int, dict]:
    done = subprocess.run([sys.executable, "-m", "sre_agent.cli", "sweep", "--all-contexts", "--json", "--state-dir",
                           str(state_dir)], env={**os.environ, **fleet.env()}, capture_output=True, text=True, timeout=300)
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, json.loads(done.stdout)


def test_the_fault_is_found_in_its_cluster_only(fleet, tmp_path):
    code, report = sweep_all(fleet, tmp_path)
    by_cluster = {c["context"]: c for c in report["clusters"]}
    assert {name: c["status"] for name, c in by_cluster.items()} == \
        {"sre-lab-1": "healthy", "sre-lab-2": "problems", "sre-lab-3": "healthy"}
    assert [p["resource"] for p in by_cluster["sre-lab-2"]["report"]["problems"]] == ["payments/Deployment/payments"]
    assert report["status"] == "problems" and code == 1


def test_a_cluster_that_cannot_be_reached_is_could_not_check_and_the_rest_are_still_read(fleet, tmp_path):
    fleet.labs[2].stop_backend("kubernetes")
    code, report = sweep_all(fleet, tmp_path)
    by_cluster = {c["context"]: c for c in report["clusters"]}
    assert by_cluster["sre-lab-3"]["status"] == "unknown"
    assert by_cluster["sre-lab-1"]["status"] == "healthy" and by_cluster["sre-lab-2"]["status"] == "problems"
    assert code == 1  # 2 only when no cluster could be checked
