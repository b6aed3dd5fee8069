"""Category, ranking and next step as tables; and whole recorded sweeps (real tool outputs from
the lab, tests/unit/sweep/recorded/) grouped and ranked offline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sre_agent.sweep.evidence import SweepEvidence
from sre_agent.sweep.grouping import Anchored, Group
from sre_agent.sweep.models import Problem, Symptom
from sre_agent.sweep.triage import categorize, rank, to_problem

RECORDED = Path(__file__).parent / "recorded"


def sym(signal, message="", source="analyzer", severity="critical", resource="web/Deployment/api"):
    return Anchored(resource, Symptom(resource=resource, source=source, signal=signal, message=message or signal,
                                      severity=severity))


@pytest.mark.parametrize(("root", "symptoms", "folded", "category"), [
    ("web/Deployment/api", [sym("ImagePullBackOff")], set(), "bad_image"),
    ("web/Deployment/api", [sym("ConfigRefMissing")], set(), "missing_config_ref"),
    ("web/Deployment/api", [sym("OOMKilled", "Container api is in CrashLoopBackOff: last termination OOMKilled")], set(), "oom_killed"),
    ("web/Deployment/api", [sym("OOMKilled", "Container api restarted after being OOMKilled", severity="warning"),
                            sym("pod_memory_utilization_over_pod_limit", source="anomaly", severity="warning")], set(), "memory_leak"),
    ("web/Deployment/api", [sym("OOMKilled", "Container api restarted after being OOMKilled", severity="warning")], set(),
     "oom_killed"),  # killed at the limit, with no sign of memory climbing: not a leak
    ("batch/Job/backfill", [sym("OOMKilled", "Container survey was OOMKilled (exit code 137), memory limit 64Mi",
                                resource="batch/Job/backfill")], set(), "oom_killed"),
    ("web/Deployment/api", [sym("CrashLoopBackOff", "exit code 137; liveness probe failing: 404")], set(), "probe_misconfig"),
    ("web/Deployment/api", [sym("CrashLoopBackOff", "exit code 2"),
                            sym("t1", "new log template x10: FATAL: environment variable API_KEY is required", source="logs")],
     set(), "crash_missing_config"),
    ("web/Deployment/api", [sym("CrashLoopBackOff", "exit code 1")], set(), ""),  # the signals do not say why
    ("web/Deployment/api", [sym("Unschedulable")], set(), "unschedulable"),
    ("ops/DaemonSet/agent", [sym("NodesNotCovered", severity="warning", resource="ops/DaemonSet/agent")], set(), "unschedulable"),
    ("web/Deployment/api", [sym("container_cpu_throttled_ratio", source="anomaly", severity="warning")], set(), "cpu_throttling"),
    ("Node/n1", [sym("NodeNotReady", resource="Node/n1")], set(), "node_failure"),
    ("web/PersistentVolumeClaim/d", [sym("StorageClassMissing", resource="web/PersistentVolumeClaim/d")], set(), "pvc_pending"),
    ("web/ResourceQuota/q", [sym("QuotaExceeded", resource="web/ResourceQuota/q")], set(), "quota_exceeded"),
    ("web/Service/api", [sym("SelectorMismatch", resource="web/Service/api")], set(), "service_selector_mismatch"),
    ("web/Deployment/db", [sym("NoEndpoints", resource="web/Service/db")], {"web/Service/db", "web/Deployment/api"},
     "dependency_failure"),
    ("web/Deployment/db", [sym("NoEndpoints", resource="web/Service/db")], {"web/Service/db"}, ""),  # its own Service only
])
def test_category_by_signal(root, symptoms, folded, category):
    assert categorize(Group(root=root, symptoms=symptoms, folded=folded), SweepEvidence(), None) == category


def test_recent_rollout_before_the_onset_is_a_regression():
    ev = SweepEvidence(rollouts={"web/Deployment/api": {"revisions": [
        {"revision": 4, "current": False, "created": "2030-01-01T08:00:00Z"},
        {"revision": 5, "current": True, "created": "2030-01-01T09:45:00Z"}]}})
    group = Group(root="web/Deployment/api", symptoms=[sym("Errors", source="anomaly", severity="warning")])
    from sre_agent.contracts import parse_time
    assert categorize(group, ev, parse_time("2030-01-01T09:50:00Z")) == "bad_deploy_regression"
    assert categorize(group, ev, parse_time("2030-01-01T12:00:00Z")) == ""  # long before the onset: not a suspect


def test_a_daemonset_missing_from_nodes_is_told_to_add_a_toleration_not_to_roll_back():
    runbook = {"id": "unschedulable", "category": "unschedulable"}
    ev = SweepEvidence(runbooks=[runbook], runbook_docs={"unschedulable": {
        "remediation": [{"name": "Roll back", "tool": "rollout_undo"}]}})
    gap = sym("NodesNotCovered", "DaemonSet ops/agent runs no pod on 2 Ready node(s) (gpu-0, gpu-1)", severity="warning",
              resource="ops/DaemonSet/agent")
    made = to_problem(Group(root="ops/DaemonSet/agent", symptoms=[gap]), ev)
    assert made.category == "unschedulable" and made.next_step.action is None
    assert made.next_step.runbook == "unschedulable" and "add a toleration" in made.next_step.note
    assert "gpu-0, gpu-1" in made.summary


def problem(resource, severity, blast=(), alarms=0):
    symptoms = [Symptom(resource=resource, source="alarm", signal=f"a{i}", message="", severity="critical") for i in range(alarms)]
    return Problem(resource=resource, severity=severity, summary="", blast_radius=list(blast), symptoms=symptoms)


def test_ranking_worst_first():
    ranked = rank([problem("a/Deployment/small", "warning"), problem("Node/n1", "critical", blast=["x", "y", "z"]),
                   problem("a/Deployment/alarmed", "critical", alarms=1), problem("a/Deployment/plain", "critical")])
    assert [p.resource for p in ranked] == ["Node/n1", "a/Deployment/alarmed", "a/Deployment/plain", "a/Deployment/small"]


def test_next_step_names_the_runbook_action_on_the_blocked_workload_never_runs_it():
    ev = SweepEvidence(runbooks=[{"id": "quota_exceeded", "category": "quota_exceeded"}],
                       runbook_docs={"quota_exceeded": {"remediation": [{"name": "Scale back", "tool": "scale"}]}})
    group = Group(root="web/ResourceQuota/q", symptoms=[sym("QuotaExceeded", resource="web/ResourceQuota/q"),
                                                        sym("FailedCreate", resource="web/Deployment/api")],
                  folded={"web/Deployment/api"})
    step = to_problem(group, ev).next_step
    assert (step.runbook, step.action) == ("quota_exceeded", "scale web/Deployment/api")
    assert "never runs" in step.note and "no runbook remediation applies" not in step.note


def load(name: str) -> SweepEvidence:
    return SweepEvidence.model_validate(json.loads((RECORDED / f"{name}.json").read_text()))


# Recorded from the lab (real analyzers, alarms, anomalies, walks): the expected root is the one object whose
# change clears the fault, and it must rank first.
@pytest.mark.parametrize(("name", "first", "category", "absorbed"), [
    ("node-not-ready", "Node/ip-10-0-2-34.ec2.internal", "node_failure", "payments/Deployment/ledger"),
    ("upstream-dependency-down", "payments/Deployment/ledger", "dependency_failure", "shop/Deployment/checkout"),
    ("bad-deploy-regression", "shop/Deployment/checkout", "bad_deploy_regression", "shop/Deployment/frontend"),
    ("pvc-pending", "monitoring/PersistentVolumeClaim/grafana-data", "pvc_pending", "monitoring/Deployment/grafana"),
    ("quota-exceeded", "shop/ResourceQuota/shop-compute", "quota_exceeded", "shop/Deployment/frontend"),
])
def test_recorded_sweeps_rank_the_root_first(name, first, category, absorbed):
    from sre_agent.sweep.grouping import group
    ranked = rank([to_problem(g, load(name)) for g in group(load(name))])
    assert ranked[0].resource == first
    assert ranked[0].category == category
    assert absorbed in ranked[0].blast_radius
    assert ranked[0].since is not None and ranked[0].next_step.runbook == category


@pytest.mark.parametrize("name", ["healthy-baseline", "traffic-spike-self-healed"])
def test_recorded_healthy_worlds_have_no_problem(name):
    from sre_agent.sweep.grouping import group
    assert group(load(name)) == []



def test_a_long_symptom_is_cut_at_a_word_and_says_so():
    long = "Service has no endpoints, expected label app=ledger: " + "no pod is running with these labels " * 6 + "(see its finding)"
    folded = {f"payments/Deployment/caller-{i}" for i in range(5)}
    problem = to_problem(Group(root="payments/Deployment/ledger", symptoms=[sym("NoEndpoints", long, resource="payments/Service/ledger")],
                               folded=folded), SweepEvidence())
    assert problem.summary.endswith(" these ...; 5 dependent object(s) affected"), problem.summary
    assert "(see its" not in problem.summary
    whole = to_problem(Group(root="Node/n1", symptoms=[sym("NodeNotReady", "kubelet stopped posting", resource="Node/n1")]),
                       SweepEvidence())
    assert whole.summary.endswith("NodeNotReady: kubelet stopped posting")


@pytest.mark.parametrize("root, action", [
    ("finops/Job/cost-export", None),                                  # no tool rolls back or resizes a Job
    ("shop/Deployment/api", "rollout_undo shop/Deployment/api"),       # the first step, which a Deployment takes
])
def test_a_sweeps_proposed_action_is_one_a_tool_can_take_on_that_kind(root, action):
    from sre_agent.sweep.evidence import SweepEvidence
    from sre_agent.sweep.triage import next_step

    steps = [{"name": "Roll back", "tool": "rollout_undo"}, {"name": "Raise the limit", "tool": "set_resources"}]
    ev = SweepEvidence(runbooks=[{"id": "oom_killed", "category": "oom_killed"}],
                       runbook_docs={"oom_killed": {"remediation": steps}})
    step = next_step("oom_killed", root, ev, [])
    assert step.runbook == "oom_killed" and step.action == action
    if action is None:
        assert "by hand" in step.note
