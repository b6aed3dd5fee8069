"""A workload whose AWS calls are denied while its ServiceAccount names no IAM role (EKS roles for service accounts):
the ServiceAccount is the root and its fix names the role again and restarts the pods; with a role named, the denial is
the workload's own (its role lacks the permission). The log window of a workload starts before its symptom's onset, so
lines that began with the onset are new against the span before it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sre_agent.brains.offline.cloud_identity import calls_aws
from sre_agent.brains.offline.diagnosis import best, hypotheses
from sre_agent.brains.offline.logs import since_onset_minutes
from sre_agent.contracts import Finding, Incident
from sre_agent.graph.access_fixes import cloud_role_fixes
from sre_agent.graph.state import Investigation

WORKLOAD = "billing/Deployment/exporter"
ACCOUNT = "billing/ServiceAccount/exporter"


def _denied() -> Finding:
    return Finding(agent="logs", resource=WORKLOAD, signal="LogNamedCause", severity="critical", summary="denied",
                   details={"cause": "cloud_access_denied", "category": "crash_missing_config"})


def _account(role: str | None) -> Finding:
    return Finding(agent="kubernetes", resource=ACCOUNT, signal="CloudRole" if role else "NoCloudRole",
                   severity="info" if role else "warning", summary="account",
                   details={"workload": WORKLOAD, **({"role": role} if role else {})}, evidence=["ev-3"])


@pytest.mark.parametrize("found, root", [
    ([_denied(), _account(None)], ACCOUNT),  # no role named: the pods run as the node's role
    ([_denied(), _account("arn:aws:iam::1:role/exporter")], WORKLOAD),  # a role named: its permissions, the workload's
    ([_account(None)], None),  # no role but nothing denied (it may need none): no fault
])
def test_denied_aws_calls_root_at_the_account_that_names_no_role(found, root):
    chosen = best(hypotheses(found))
    assert (chosen.resource if chosen else None) == root
    if root:
        assert chosen.category.value == "crash_missing_config"


def test_the_fix_names_the_role_again_and_restarts_the_pods():
    fix = cloud_role_fixes([_account(None)], ACCOUNT)[0]
    assert fix.commands == ["kubectl -n billing annotate serviceaccount exporter eks.amazonaws.com/role-arn=<role ARN>",
                            "kubectl -n billing rollout restart deployment/exporter"]
    assert "role" in fix.needs and fix.evidence == ["ev-3"]
    assert cloud_role_fixes([_account("arn:aws:iam::1:role/x")], ACCOUNT) == []


@pytest.mark.parametrize("hosts, aws", [
    (["sqs.us-east-1.amazonaws.com"], True), (["s3.eu-west-1.amazonaws.com."], True),
    (["api.stripe.com"], False), ([], False)])
def test_only_a_workload_that_calls_aws_has_its_role_read(hosts, aws):
    assert calls_aws(hosts) is aws


END = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)


def _with_onset(minutes_before: float | None) -> Investigation:
    incident = Incident(id="inc-1", title="spool filling", started_at=END, window_start=END - timedelta(hours=1),
                        window_end=END, affected=[WORKLOAD])
    findings = [] if minutes_before is None else [Finding(
        agent="metrics", resource=WORKLOAD, signal="MetricAnomaly", summary="anomalous",
        details={"onset": (END - timedelta(minutes=minutes_before)).isoformat()})]
    return Investigation(incident=incident, started_epoch=0.0, findings=findings)


@pytest.mark.parametrize("onset, minutes", [
    (None, 30),  # no onset known: the recent half hour
    (5, 30),  # a fresh symptom: the half hour covers it
    (56, 71),  # an hour-old symptom: from a quarter of an hour before it
    (300, 90),  # older than the store is read at hand: capped
])
def test_a_workloads_lines_are_read_from_before_its_onset(onset, minutes):
    assert since_onset_minutes(_with_onset(onset)) == minutes
