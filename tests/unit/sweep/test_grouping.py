"""Grouping as tables: observations in (shaped like the real tools' results), root resources out.

Names here are deliberately not the lab's: the rules read signals and edges, never names."""

from __future__ import annotations

import pytest

from sre_agent.sweep.evidence import SweepEvidence
from sre_agent.sweep.grouping import group, observations


def finding(resource, reason, severity="critical", owner=None, message="", evidence=()):
    kind = resource.split("/")[-2]
    return {"resource": resource, "kind": kind, "severity": severity, "reason": reason, "message": message or reason,
            "evidence": list(evidence), "owner": owner}


def alarm(name, dims, state="ALARM", comparison="GreaterThanThreshold"):
    return {"name": name, "state": state, "reason": "Threshold Crossed", "updated": "2030-01-01T10:00:00Z",
            "comparison": comparison, "metric": {"namespace": "Application", "name": "Errors", "statistic": "Sum", "period": 60},
            "dimensions": dims}


def roots(ev: SweepEvidence) -> dict[str, set[str]]:
    return {g.root: {a.anchor for a in g.symptoms} for g in group(ev)}


WORKLOADS = {"web/api": "Deployment", "web/db": "StatefulSet", "web/cache": "Deployment", "ops/agent": "DaemonSet"}

CASES = [
    ("pod findings group under the owning workload",
     SweepEvidence(workloads=WORKLOADS, findings=[
         finding("web/Pod/api-1", "ImagePullBackOff", owner="web/Deployment/api"),
         finding("web/Pod/api-2", "ImagePullBackOff", owner="web/Deployment/api"),
         finding("web/Deployment/api", "ProgressDeadlineExceeded")]),
     {"web/Deployment/api": {"web/Deployment/api"}}),
    ("a Service without ready endpoints folds into the workload whose pods it selects",
     SweepEvidence(workloads=WORKLOADS, service_backing={"web/Service/api": "web/Deployment/api"}, findings=[
         finding("web/Service/api", "EndpointsNotReady"),
         finding("web/Pod/api-1", "CrashLoopBackOff", owner="web/Deployment/api")]),
     {"web/Deployment/api": {"web/Deployment/api", "web/Service/api"}}),
    ("a Service whose selector matches nothing is itself the root",
     SweepEvidence(workloads=WORKLOADS, service_backing={"web/Service/api": "web/Deployment/api"},
                   findings=[finding("web/Service/api", "SelectorMismatch")]),
     {"web/Service/api": {"web/Service/api"}}),
    ("pods rejected by a quota group under the ResourceQuota named by the API server",
     SweepEvidence(workloads=WORKLOADS, findings=[
         finding("web/Deployment/api", "FailedCreate", message='pods "api-x" is forbidden: exceeded quota: team-cpu, requested'),
         finding("web/ReplicaSet/api-5d", "FailedCreate", owner="web/Deployment/api"),
         finding("web/ResourceQuota/team-cpu", "QuotaExceeded")]),
     {"web/ResourceQuota/team-cpu": {"web/Deployment/api", "web/ResourceQuota/team-cpu"}}),
    ("a workload mounting a broken claim groups under the claim",
     SweepEvidence(workloads=WORKLOADS, claims={"web/StatefulSet/db": ["web/PersistentVolumeClaim/data-db-0"]}, findings=[
         finding("web/PersistentVolumeClaim/data-db-0", "StorageClassMissing"),
         finding("web/Pod/db-0", "Unschedulable", owner="web/StatefulSet/db")]),
     {"web/PersistentVolumeClaim/data-db-0": {"web/PersistentVolumeClaim/data-db-0", "web/StatefulSet/db"}}),
    ("workloads whose not-ready pods sit on a NotReady node group under the node; ready elsewhere stays apart",
     SweepEvidence(workloads=WORKLOADS, walks={
         "ops/DaemonSet/agent": {"pods": [{"pod": "agent-a", "node": "n1", "ready": False},
                                          {"pod": "agent-b", "node": "n2", "ready": True}]},
         "web/Deployment/cache": {"pods": [{"pod": "cache-1", "node": "n2", "ready": False}]}}, findings=[
         finding("Node/n1", "NodeNotReady"), finding("ops/DaemonSet/agent", "ReplicasMismatch", "warning"),
         finding("web/Pod/cache-1", "OOMKilled", owner="web/Deployment/cache")]),
     {"Node/n1": {"Node/n1", "ops/DaemonSet/agent"}, "web/Deployment/cache": {"web/Deployment/cache"}}),
    ("a workload failing on healthy nodes too is its own root, even with some failing pods on a NotReady node",
     SweepEvidence(workloads=WORKLOADS, walks={
         "web/Deployment/api": {"pods": [{"pod": "api-1", "node": "n1", "ready": False},
                                         {"pod": "api-2", "node": "n2", "ready": False},
                                         {"pod": "api-3", "node": None, "ready": False}]}}, findings=[
         finding("Node/n1", "NodeNotReady"),
         finding("web/Pod/api-1", "CrashLoopBackOff", owner="web/Deployment/api"),
         finding("web/Pod/api-2", "CrashLoopBackOff", owner="web/Deployment/api")]),
     {"Node/n1": {"Node/n1"}, "web/Deployment/api": {"web/Deployment/api"}}),
    ("a caller without a fault of its own folds into the broken upstream it calls, transitively",
     SweepEvidence(workloads=WORKLOADS, service_backing={"web/Service/db": "web/StatefulSet/db",
                                                         "web/Service/cache": "web/Deployment/cache",
                                                         "web/Service/api": "web/Deployment/api"},
                   walks={"web/Deployment/api": {"calls": [{"service": "web/Service/cache", "exists": True, "ready_endpoints": 2}]},
                          "web/Deployment/cache": {"calls": [{"service": "web/Service/db", "exists": True, "ready_endpoints": 0}]}},
                   alarms=[alarm("api-errors", {"Namespace": "web", "Service": "api"}),
                           alarm("cache-errors", {"Namespace": "web", "PodName": "cache"})],
                   findings=[finding("web/Service/db", "NoEndpoints"), finding("web/Service/cache", "EndpointsNotReady", "warning")]),
     {"web/StatefulSet/db": {"web/Service/db", "web/Deployment/cache", "web/Service/cache", "web/Service/api"}}),
    ("a caller with a fault of its own stays its own problem",
     SweepEvidence(workloads=WORKLOADS, service_backing={"web/Service/db": "web/StatefulSet/db"},
                   walks={"web/Deployment/api": {"calls": [{"service": "web/Service/db", "exists": True, "ready_endpoints": 0}]}},
                   findings=[finding("web/Service/db", "NoEndpoints"),
                             finding("web/Pod/api-1", "CrashLoopBackOff", owner="web/Deployment/api")]),
     {"web/StatefulSet/db": {"web/Service/db"}, "web/Deployment/api": {"web/Deployment/api"}}),
    ("a dependency cycle ends where it closes",
     SweepEvidence(workloads=WORKLOADS, service_backing={"web/Service/api": "web/Deployment/api",
                                                         "web/Service/cache": "web/Deployment/cache"},
                   walks={"web/Deployment/api": {"calls": [{"service": "web/Service/cache", "exists": True, "ready_endpoints": 0}]},
                          "web/Deployment/cache": {"calls": [{"service": "web/Service/api", "exists": True, "ready_endpoints": 0}]}},
                   findings=[finding("web/Service/api", "NoEndpoints"), finding("web/Service/cache", "NoEndpoints")]),
     None),
    ("an alarm whose dimensions name nothing in the cluster stays a problem of its own",
     SweepEvidence(workloads=WORKLOADS, alarms=[alarm("billing-queue-depth", {"QueueName": "billing"})]),
     {"Alarm/billing-queue-depth": {"Alarm/billing-queue-depth"}}),
    ("alarms that are OK or INSUFFICIENT_DATA are not symptoms",
     SweepEvidence(workloads=WORKLOADS, alarms=[alarm("a", {"Namespace": "web", "Service": "api"}, state="OK"),
                                                 alarm("b", {"Namespace": "web", "Service": "api"}, state="INSUFFICIENT_DATA")]),
     {}),
]


@pytest.mark.parametrize(("name", "ev", "expected"), CASES, ids=[c[0] for c in CASES])
def test_roots(name, ev, expected):
    got = roots(ev)
    if expected is None:  # cycle: every anchor still lands in exactly one group, no recursion error
        assert sum(len(v) for v in got.values()) == len({a.anchor for a in observations(ev)})
        return
    assert got == expected


def anomaly(dims, direction, ongoing, bad="up", metric="Errors"):
    return {"namespace": "Application", "metric": metric, "dimensions": dims, "bad_direction": bad,
            "intervals": [{"start": "2030-01-01T09:50:00Z", "direction": direction, "ongoing": ongoing, "deviation_mads": 40.0}]}


@pytest.mark.parametrize(("result", "symptom"), [
    (anomaly({"Namespace": "web", "Service": "api"}, "up", True), True),
    (anomaly({"Namespace": "web", "Service": "api"}, "up", False), False),  # recovered: history, not a symptom
    (anomaly({"Namespace": "web", "Service": "api"}, "down", True), False),  # errors falling is good news
    (anomaly({"Namespace": "web", "Service": "api"}, "down", True, bad="down"), True),  # e.g. running pods below
    (anomaly({"Namespace": "web", "Service": "api"}, "up", True, metric="RequestCount"), False),  # demand, not a fault
])
def test_anomaly_counts_only_when_ongoing_in_the_alarmed_direction(result, symptom):
    ev = SweepEvidence(workloads=WORKLOADS, anomalies=[result])
    assert bool(observations(ev)) is symptom


@pytest.mark.parametrize(("template", "symptom"), [
    ({"severity": "error", "change": "new", "count": 120, "template": "ERROR upstream refused"}, True),
    ({"severity": "error", "change": "new", "count": 2, "template": "ERROR one stray line"}, False),
    ({"severity": "info", "change": "surged", "count": 300, "template": "request served"}, False),
    ({"severity": "error", "change": "steady", "count": 300, "template": "ERROR always there"}, False),
])
def test_log_templates_need_new_or_surged_errors_in_numbers(template, symptom):
    ev = SweepEvidence(workloads=WORKLOADS, log_templates={"web/Deployment/api": [{"template_id": "t1", **template}]})
    assert bool(observations(ev)) is symptom


def test_alarm_mapping_by_container_insights_dimensions():
    ev = SweepEvidence(workloads=WORKLOADS, alarms=[
        alarm("node-down", {"ClusterName": "c", "NodeName": "n7"}),
        alarm("db-restarts", {"ClusterName": "c", "Namespace": "web", "PodName": "db"}),
        alarm("bare-pod", {"ClusterName": "c", "Namespace": "web", "PodName": "debug-shell"})])
    assert {a.anchor for a in observations(ev)} == {"Node/n7", "web/StatefulSet/db", "web/Pod/debug-shell"}


def test_an_alarm_on_requests_arriving_is_traffic_not_a_symptom():
    surge = alarm("api-requests", {"Namespace": "web", "Service": "api"})
    surge["metric"]["name"] = "RequestCount"
    failing = alarm("api-errors", {"Namespace": "web", "Service": "api"})
    assert [a.symptom.signal for a in observations(SweepEvidence(workloads=WORKLOADS, alarms=[surge, failing]))] == ["api-errors"]
