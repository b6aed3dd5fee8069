"""The fault-shape development set (sre_agent/eval/scenarios_shapes/, issue 35): each scenario, loaded in a
real lab, shows the shape it was written for (the words a real cluster prints, where it prints them), its
alarm fires, and the truth's remediations -- applied with `Lab.apply_step` -- clear it within 15 minutes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from sre_agent.contracts import parse_resource_id
from sre_agent.lab.lab import Lab
from sre_agent.lab.scenarios.loader import check_admission, load_scenarios
from sre_agent.lab.world.controllers.common import workload_name
from sre_agent.lab.world.images import load_catalog

SET_DIR = Path(__file__).resolve().parents[3] / "sre_agent" / "eval" / "scenarios_shapes"
SCENARIOS = load_scenarios(load_catalog(), [SET_DIR])


@pytest.fixture(scope="module")
def lab():
    with Lab(scenario_dirs=[SET_DIR]) as shared:  # reset per scenario: one lab start for the set
        yield shared


def events(lab: Lab, reason: str | None = None) -> list[str]:
    return [e["message"] for e in lab.store.list("Event") if reason is None or e.get("reason") == reason]


def pods_of(lab: Lab, namespace: str, workload: str) -> list[dict]:
    return [p for p in lab.store.list("Pod", namespace) if workload_name(p) == workload]


def log_lines(lab: Lab, namespace: str, workload: str) -> list[str]:
    lab.world.flush_logs()
    return [text for pod in pods_of(lab, namespace, workload)
            for rt in lab.world.runtimes[pod["metadata"]["uid"]].containers for _, text in rt.log]


def latest(lab: Lab, namespace: str, name: str, dimensions: dict[str, str]) -> float:
    dims = tuple(sorted({"ClusterName": lab.cluster_name, **dimensions}.items()))
    return lab.feed.series[(namespace, name, dims)][-1][1]


def pull_secret_dropped(lab: Lab) -> None:
    pods = pods_of(lab, "shop", "recommendations")
    waiting = [s["state"]["waiting"] for p in pods for s in p["status"]["containerStatuses"] if "waiting" in s["state"]]
    assert {w["reason"] for w in waiting} <= {"ErrImagePull", "ImagePullBackOff"} and waiting
    assert sum(1 for p in pods if p["status"]["containerStatuses"][0]["ready"]) == 3  # the old pods still serve
    assert any("authorization failed: no basic auth credentials" in m for m in events(lab, "Failed"))


def password_rotated(lab: Lab) -> None:
    pods = pods_of(lab, "payments", "ledger")
    assert pods and all(p["status"]["phase"] == "Running" and not p["status"]["containerStatuses"][0]["ready"]
                        for p in pods)
    assert any('password authentication failed for user "ledger"' in line for line in log_lines(lab, "payments", "ledger"))
    assert any(line == 'FATAL:  password authentication failed for user "ledger"'
               for line in log_lines(lab, "payments", "ledger-db"))


def volume_full(lab: Lab) -> None:
    pods = pods_of(lab, "payments", "ledger-db")
    assert pods and all(c["ready"] for p in pods for c in p["status"]["containerStatuses"])
    assert any("No space left on device" in line for line in log_lines(lab, "payments", "ledger-db"))
    claim = {"namespace": "payments", "persistentvolumeclaim": "data-ledger-db-0"}
    assert latest(lab, "ContainerInsights/Prometheus", "kubelet_volume_stats_available_bytes", claim) == 0
    assert latest(lab, "ContainerInsights/Prometheus", "kubelet_volume_stats_capacity_bytes", claim) == 20 * 2**30


def liveness_timeout(lab: Lab) -> None:
    assert sum(p["status"]["containerStatuses"][0]["restartCount"] for p in pods_of(lab, "shop", "search")) >= 2
    unhealthy = events(lab, "Unhealthy")
    assert any(m.startswith('Liveness probe failed: Get "http://') and m.endswith(
        "/healthz\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)") for m in unhealthy), unhealthy


def init_command_missing(lab: Lab) -> None:
    from sre_agent.lab.kube.printers import pod_summary

    [pod] = pods_of(lab, "payments", "ledger-db")
    assert pod_summary(pod, lab.clock.now())[1] == "Init:CrashLoopBackOff"
    last = pod["status"]["initContainerStatuses"][0]["lastState"]["terminated"]
    assert last["reason"] == "StartError" and 'exec: "bash": executable file not found in $PATH' in last["message"]
    assert f"payments/{pod['metadata']['name']}: Init:CrashLoopBackOff" in lab.status()["unhealthy_pods"]


def job_failed(lab: Lab) -> None:
    job = lab.store.get("Job", "payments", "ledger-reconcile")
    assert [c["reason"] for c in job["status"]["conditions"] if c["type"] == "Failed"] == ["BackoffLimitExceeded"]
    dims = {"namespace": "payments", "job_name": "ledger-reconcile"}
    assert latest(lab, "ContainerInsights/Prometheus", "kube_job_status_failed", dims) == 4
    assert latest(lab, "ContainerInsights/Prometheus", "kube_job_status_succeeded", dims) == 0


SYMPTOMS: dict[str, Callable[[Lab], None]] = {
    "sh01-recommendations-pull-secret-dropped": pull_secret_dropped,
    "sh02-ledger-db-password-rotated": password_rotated,
    "sh03-ledger-db-volume-full": volume_full,
    "sh04-search-liveness-timeout-under-load": liveness_timeout,
    "sh05-ledger-db-init-command-missing": init_command_missing,
    "sh06-ledger-reconcile-job-failed": job_failed,
}


def test_every_scenario_of_the_set_has_a_symptom_check():
    assert set(SYMPTOMS) == set(SCENARIOS)


@pytest.mark.parametrize("scenario_id", sorted(SCENARIOS))
def test_the_api_server_admits_the_scenario(scenario_id):
    check_admission(SCENARIOS[scenario_id])


@pytest.mark.slow
@pytest.mark.parametrize("scenario_id", sorted(SCENARIOS))
def test_symptom_alarm_and_remediation(lab, scenario_id):
    if lab.scenario is not None:
        lab.reset()
    loaded = lab.load(scenario_id)
    alarm = loaded.scenario.alarm
    assert lab.alarm_state(alarm.name) == "ALARM"
    SYMPTOMS[scenario_id](lab)
    for step in loaded.scenario.truth.remediations:
        lab.apply_step(step)
    lab.advance(900)
    assert lab.alarm_state(alarm.name) == "OK"
    namespace, kind, name = parse_resource_id(loaded.scenario.truth.resource)
    if kind == "Job":
        job = lab.store.get("Job", namespace, name)
        assert [c["type"] for c in job["status"]["conditions"] if c["status"] == "True"] == ["Complete"]
    if kind in ("Deployment", "StatefulSet"):
        pods = pods_of(lab, namespace, name)
        assert pods and all(c["ready"] for p in pods for c in p["status"]["containerStatuses"]), \
            [(p["metadata"]["name"], p["status"]["containerStatuses"]) for p in pods]
