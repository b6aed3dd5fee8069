"""One responder, several clusters: an alarm from a fleet of lab clusters -- the fault in one, the same names healthy
in the others -- is investigated in the cluster its alarm names and fixed there; no write reaches another cluster's
API server (counted by those servers, not by what the responder says); an alarm that names no cluster is not
investigated in a guessed one. Over the real CLI with a `clusters:` config, and through `eval --clusters`."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import yaml
from kubernetes import client, config

from sre_agent.eval.fleet_run import fault_cluster, run_scenario_in_fleet
from sre_agent.lab.fleet import LabFleet
from sre_agent.lab.scenarios.loader import load_scenarios
from sre_agent.lab.trigger import lab_namespaces, scenario_trigger
from sre_agent.lab.world.images import load_catalog

# policy.verify_poll_s: a verification check every second rather than every 2 s -- the same two healthy checks in a row
# before "remediated", about half the waiting (as the catalog's graph tests run it)
VERIFY_POLL_S = 1.0


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    fleet = LabFleet(2, state_dir=tmp_path_factory.mktemp("fleet")).start()
    try:
        fleet.load("oom-killed", fault_in=1)
        fleet.run_clock(60)
        yield fleet
    finally:
        fleet.stop()


def investigate(fleet: LabFleet, alarm: dict, tmp_path) -> tuple[int, str, str]:
    (tmp_path / "alarm.json").write_text(json.dumps(alarm))
    (tmp_path / "clusters.yaml").write_text(yaml.safe_dump(
        {"clusters": fleet.clusters_config([lab_namespaces(lab) for lab in fleet.labs])}))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "KUBECONFIG", "SRE_AGENT_"))}
    done = subprocess.run([sys.executable, "-m", "sre_agent.cli", "--config", str(tmp_path / "clusters.yaml"),
                           "investigate", "--alarm-file", str(tmp_path / "alarm.json"), "--remediation", "auto",
                           "--state-dir", str(tmp_path / "state"), "--json"],
                          env={**env, **fleet.profiles_env(), "SRE_AGENT_POLICY_VERIFY_POLL_S": str(VERIFY_POLL_S)},
                          capture_output=True, text=True, timeout=300)
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, done.stdout, done.stderr


def writes(fleet: LabFleet) -> list[int]:
    return [len(lab.api.audit) for lab in fleet.labs if lab.api]


def test_an_alarm_that_names_no_cluster_is_investigated_in_none(fleet, tmp_path):
    alarm = scenario_trigger(fleet.labs[1]).alarm
    assert alarm is not None
    alarm["Trigger"]["Dimensions"] = [d for d in alarm["Trigger"]["Dimensions"] if d["name"] != "ClusterName"]
    alarm.pop("AWSAccountId")
    alarm.pop("AlarmArn")
    before = writes(fleet)
    code, out, _ = investigate(fleet, alarm, tmp_path)
    result = json.loads(out)
    assert code == 1 and result["status"] == "escalated" and result["cluster"] is None
    assert "names no cluster" in result["diagnosis"]["summary"] and result["tool_calls"] == 0
    assert writes(fleet) == before


def test_a_sweep_of_the_configured_clusters_reads_each_with_its_own_account(fleet, tmp_path):
    """`sweep --all-contexts` with `clusters:` configured: each cluster over its own context and AWS profile (an
    account per cluster here, so each has its own CloudWatch servers); the fault found where it is (before the next
    test fixes it)."""
    (tmp_path / "clusters.yaml").write_text(yaml.safe_dump({"clusters": fleet.clusters_config()}))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "KUBECONFIG", "SRE_AGENT_"))}
    done = subprocess.run([sys.executable, "-m", "sre_agent.cli", "--config", str(tmp_path / "clusters.yaml"), "sweep",
                           "--all-contexts", "--json", "--state-dir", str(tmp_path / "state")],
                          env={**env, **fleet.profiles_env()}, capture_output=True, text=True, timeout=300)
    assert "Traceback" not in done.stderr, done.stderr
    report = json.loads(done.stdout)
    assert {c["context"]: c["status"] for c in report["clusters"]} == {"sre-lab-1": "healthy", "sre-lab-2": "problems"}
    assert "2 configured cluster(s)" in done.stderr and done.returncode == 1


def test_chat_asks_every_cluster_then_follows_the_one_with_the_problem(fleet, tmp_path):
    """A question naming no cluster is answered per cluster; the follow-up ("why ...") goes to the one cluster with a
    problem, read back from the session's threads in a new process (a question naming a cluster: unit-tested)."""
    (tmp_path / "clusters.yaml").write_text(yaml.safe_dump({"clusters": fleet.clusters_config()}))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "KUBECONFIG", "SRE_AGENT_"))}

    def chat(*args: str) -> dict:
        done = subprocess.run([sys.executable, "-m", "sre_agent.cli", "--config", str(tmp_path / "clusters.yaml"), "chat",
                               "--json", "--state-dir", str(tmp_path / "state"), *args],
                              env={**env, **fleet.profiles_env()}, capture_output=True, text=True, timeout=300)
        assert "Traceback" not in done.stderr, done.stderr
        return json.loads(done.stdout)

    everywhere = chat("what's broken?")
    assert everywhere["status"] == "problems" and everywhere["form"] == "fleet"
    assert everywhere["headline"].startswith("problems in sre-lab-2 (1 of 2 clusters); healthy: sre-lab-1")
    follow_up = chat("--session", everywhere["session_id"], "why is search failing?")
    assert follow_up["headline"].startswith("sre-lab-2: ") and "oom" in json.dumps(follow_up).lower()


def test_an_alarm_is_fixed_in_the_cluster_it_names_and_nowhere_else(fleet, tmp_path):
    before = writes(fleet)
    code, out, err = investigate(fleet, scenario_trigger(fleet.labs[1]).alarm, tmp_path)
    result = json.loads(out)
    assert "cluster sre-lab-2 (its ClusterName dimension)" in err
    assert (code, result["status"], result["cluster"]) == (0, "remediated", "sre-lab-2"), err[-2000:]
    assert result["actions"][0]["args"]["expect_cluster"] == "sre-lab-2"  # pinned: the server refuses it elsewhere
    after = writes(fleet)
    assert after[0] == before[0] and after[1] == before[1] + 1


def test_a_write_is_counted_by_the_cluster_it_reached(fleet):
    """The wrong-cluster count's own check: a write sent to one cluster's API server is in that server's audit only."""
    before = writes(fleet)
    api = client.AppsV1Api(config.new_client_from_config(str(fleet.kubeconfig), context="sre-lab-1"))
    api.patch_namespaced_deployment_scale("search", "shop", {"spec": {"replicas": 3}})
    assert writes(fleet) == [before[0] + 1, before[1]]
    assert fleet.labs[0].api.audit[-1] == "PATCH Deployment shop/search"


def test_eval_in_a_fleet_routes_each_alarm_by_what_it_names():
    loaded = load_scenarios(load_catalog(), None)["crash-missing-env"]
    row = run_scenario_in_fleet(loaded, clusters=2, prove=False, verify_poll_s=VERIFY_POLL_S)
    assert row.error is None
    assert row.cluster == f"sre-lab-{fault_cluster('crash-missing-env', 0, 2) + 1}"
    assert row.routed_by == "its ClusterName dimension"
    assert row.root_cause_category and row.root_cause_resource and row.mitigation
    assert (row.false_actions, row.wrong_cluster_actions) == (0, 0)
