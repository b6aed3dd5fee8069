"""Alertmanager webhooks (version 4) -> incidents and resolutions: where the labels point, stable
correlation keys, and payloads that are refused with the field named."""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest

from sre_agent.app.intake import IntakeError
from sre_agent.service.sources.alertmanager import (
    AlertmanagerPayloadError,
    Resolution,
    affected_from_labels,
    alertmanager_batch,
)

NOW = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)


@pytest.mark.parametrize("labels, affected", [
    ({"namespace": "shop", "deployment": "payment-api"}, ["shop/Deployment/payment-api"]),
    ({"namespace": "shop", "statefulset": "postgres"}, ["shop/StatefulSet/postgres"]),
    ({"namespace": "monitoring", "daemonset": "node-exporter"}, ["monitoring/DaemonSet/node-exporter"]),
    ({"namespace": "shop", "service": "frontend"}, ["shop/Service/frontend"]),
    ({"namespace": "shop", "pod": "payment-api-7d9f8b6c5d-x2x4z"}, ["shop/Deployment/payment-api"]),
    ({"namespace": "shop", "pod": "checkout-v2-5f6b7c8d9-abc"}, ["shop/Pod/checkout-v2-5f6b7c8d9-abc"]),  # suffix of 3
    ({"namespace": "shop", "pod": "postgres-0"}, ["shop/Pod/postgres-0"]),  # a StatefulSet's pod
    ({"namespace": "shop", "pod": "api-canary-x2x4z"}, ["shop/Pod/api-canary-x2x4z"]),  # "canary" is no template hash
    ({"namespace": "shop", "pod": "fluentd-x2x4z"}, ["shop/Pod/fluentd-x2x4z"]),  # a DaemonSet's pod: one suffix
    ({"namespace": "shop", "deployment": "payment-api", "pod": "other-7d9f8b6c5d-x2x4z", "node": "node-3"},
     ["shop/Deployment/payment-api"]),  # the workload label wins
    ({"namespace": "shop", "node": "node-3"}, ["Node/node-3"]),
    ({"node": "ip-10-0-1-23.eu-west-1.compute.internal"}, ["Node/ip-10-0-1-23.eu-west-1.compute.internal"]),
    ({"instance": "node-3:9100", "job": "node-exporter"}, ["Node/node-3"]),
    ({"instance": "node-3"}, ["Node/node-3"]),
    ({"namespace": "shop", "instance": "10.0.1.23:8080"}, ["shop"]),  # a scrape target inside a namespace is no node
    ({"namespace": "shop"}, ["shop"]),
    ({"alertname": "Watchdog"}, []),
    ({"namespace": "Shop/Prod", "deployment": "payment-api"}, []),  # not a namespace name: nothing to point at
    ({"namespace": "shop", "deployment": "../../etc"}, ["shop"]),  # not an object name: only the namespace is sure
    ({"instance": "[::1]:9090"}, []),
], ids=lambda value: json.dumps(value) if isinstance(value, dict) else None)
def test_labels_point_at_the_affected_resource(labels, affected):
    assert affected_from_labels(labels) == affected


def _alert(status: str, name: str, fingerprint: str | None, **labels) -> dict:
    alert = {"status": status, "labels": {"alertname": name, **labels},
             "annotations": {"summary": f"{name} is bad", "description": "longer text", "runbook_url": "https://runbooks/x"},
             "startsAt": "2026-03-01T12:01:02.123456789Z",
             "endsAt": "2026-03-01T12:20:00Z" if status == "resolved" else "0001-01-01T00:00:00Z",
             "generatorURL": "http://prometheus:9090/graph?g0.expr=up"}
    if fingerprint is not None:
        alert["fingerprint"] = fingerprint
    return alert


GROUPED = {
    "version": "4", "groupKey": '{}:{namespace="shop"}', "truncatedAlerts": 0, "status": "firing", "receiver": "sre-agent",
    "groupLabels": {"namespace": "shop"}, "commonLabels": {"namespace": "shop"}, "commonAnnotations": {},
    "externalURL": "http://alertmanager:9093",
    "alerts": [
        _alert("firing", "KubePodCrashLooping", "a1b2c3d4e5f60718", namespace="shop", pod="payment-api-7d9f8b6c5d-x2x4z",
               severity="warning"),
        _alert("firing", "KubeNodeNotReady", None, node="node-3", severity="page"),
        _alert("resolved", "KubeDeploymentReplicasMismatch", "0f0e0d0c0b0a0908", namespace="shop", deployment="frontend"),
    ],
}


def test_a_grouped_payload_is_two_incidents_and_a_resolution():
    batch = alertmanager_batch(copy.deepcopy(GROUPED), now=NOW)
    crash, node = batch.firing
    assert len(batch.firing) == 2 and len(batch.resolved) == 1

    assert crash.title == "KubePodCrashLooping: KubePodCrashLooping is bad"
    assert crash.source == "alarm" and crash.severity == "medium"  # warning -> medium
    assert crash.affected == ["shop/Deployment/payment-api"]
    assert crash.correlation_key == "alertmanager:a1b2c3d4e5f60718"
    assert crash.started_at == datetime(2026, 3, 1, 12, 1, 2, 123456, tzinfo=UTC)
    assert crash.window_start == crash.started_at - timedelta(hours=1) and crash.window_end == NOW
    assert crash.id.startswith("inc-20260301-1201-") and len(crash.id) == len("inc-20260301-1201-") + 8
    assert crash.alarm == {"AlarmName": "KubePodCrashLooping", "NewStateValue": "ALARM",
                           "NewStateReason": "KubePodCrashLooping is bad", "Source": "alertmanager",
                           "Labels": {"alertname": "KubePodCrashLooping", "namespace": "shop",
                                      "pod": "payment-api-7d9f8b6c5d-x2x4z", "severity": "warning"},
                           "Trigger": {"MetricName": None, "Namespace": None, "Dimensions": {}, "Period": None,
                                       "EvaluationPeriods": None}}

    assert node.severity == "critical" and node.affected == ["Node/node-3"]  # page -> critical
    labels = {"alertname": "KubeNodeNotReady", "node": "node-3", "severity": "page"}
    expected = hashlib.sha1(json.dumps(sorted(labels.items())).encode()).hexdigest()[:16]
    assert node.correlation_key == f"alertmanager:{expected}"  # no fingerprint: a hash of the sorted labels

    assert batch.resolved == [Resolution(correlation_key="alertmanager:0f0e0d0c0b0a0908",
                                         alert_name="KubeDeploymentReplicasMismatch",
                                         reason="KubeDeploymentReplicasMismatch is bad",
                                         resolved_at=datetime(2026, 3, 1, 12, 20, tzinfo=UTC))]


def test_the_same_alert_twice_has_the_same_key_and_id():
    first = alertmanager_batch(copy.deepcopy(GROUPED), now=NOW)
    again = copy.deepcopy(GROUPED)
    again["alerts"][1]["labels"] = dict(reversed(list(again["alerts"][1]["labels"].items())))  # label order is no identity
    second = alertmanager_batch(again, now=NOW + timedelta(minutes=5))
    assert [i.correlation_key for i in first.firing] == [i.correlation_key for i in second.firing]
    assert [i.id for i in first.firing] == [i.id for i in second.firing]
    assert first.firing[0].correlation_key != first.firing[1].correlation_key


def test_the_firing_and_the_resolved_notification_of_one_alert_share_the_key():
    firing = alertmanager_batch({**GROUPED, "alerts": [_alert("firing", "X", None, namespace="shop", service="cart")]}, now=NOW)
    resolved = alertmanager_batch({**GROUPED, "status": "resolved",
                                   "alerts": [_alert("resolved", "X", None, namespace="shop", service="cart")]}, now=NOW)
    assert firing.firing[0].correlation_key == resolved.resolved[0].correlation_key
    assert firing.resolved == [] and resolved.firing == []


@pytest.mark.parametrize("severity, expected", [
    ("critical", "critical"), ("high", "high"), ("medium", "medium"), ("low", "low"),
    ("warning", "medium"), ("page", "critical"), ("info", "low"), ("CRITICAL", "critical"), ("none", "high"), (None, "high"),
])
def test_severity_comes_from_the_severity_label(severity, expected):
    labels = {"severity": severity} if severity else {}
    alert = _alert("firing", "X", "aa", **labels)
    assert alertmanager_batch({**GROUPED, "alerts": [alert]}, now=NOW).firing[0].severity == expected


def test_annotations_shape_only_the_words():
    """An annotation naming a resource or a severity moves nothing: only title and reason read them."""
    alert = _alert("firing", "HighLatency", "bb", namespace="shop", service="frontend")
    alert["annotations"] = {"summary": "p99 above 2s", "namespace": "kube-system", "deployment": "coredns",
                            "severity": "critical", "fingerprint": "ffff"}
    incident = alertmanager_batch({**GROUPED, "alerts": [alert]}, now=NOW).firing[0]
    assert incident.affected == ["shop/Service/frontend"] and incident.severity == "high"
    assert incident.correlation_key == "alertmanager:bb" and incident.title == "HighLatency: p99 above 2s"


def test_without_a_summary_the_description_is_the_reason_and_without_either_the_name_is_the_title():
    described = _alert("firing", "A", "cc")
    described["annotations"] = {"description": "disk 95% full"}
    bare = _alert("firing", "B", "dd")
    bare["annotations"] = {}
    first, second = alertmanager_batch({**GROUPED, "alerts": [described, bare]}, now=NOW).firing
    assert (first.title, first.alarm["NewStateReason"]) == ("A: disk 95% full", "disk 95% full")
    assert (second.title, second.alarm["NewStateReason"]) == ("B", None)


def test_a_resolution_without_an_end_time_is_resolved_now():
    alert = _alert("resolved", "A", "ee")
    alert["endsAt"] = "0001-01-01T00:00:00Z"
    alert["annotations"] = {}
    (resolution,) = alertmanager_batch({**GROUPED, "alerts": [alert]}, now=NOW).resolved
    assert resolution.resolved_at == NOW and resolution.reason == "resolved in Alertmanager"


def test_a_fingerprint_that_is_not_hex_is_not_trusted_as_a_key():
    alert = _alert("firing", "A", "shop|../etc")
    key = alertmanager_batch({**GROUPED, "alerts": [alert]}, now=NOW).firing[0].correlation_key
    assert key != "alertmanager:shop|../etc" and len(key) == len("alertmanager:") + 16


def test_a_start_time_with_an_offset_is_the_same_moment_in_utc():
    alert = _alert("firing", "A", "ff")
    alert["startsAt"] = "2026-03-01T14:01:02+02:00"
    incident = alertmanager_batch({**GROUPED, "alerts": [alert]}, now=NOW).firing[0]
    assert incident.started_at == datetime(2026, 3, 1, 12, 1, 2, tzinfo=UTC) and incident.id.startswith("inc-20260301-1201-")


def _bad(change) -> dict:
    payload = copy.deepcopy(GROUPED)
    change(payload)
    return payload


@pytest.mark.parametrize("payload, words", [
    (_bad(lambda p: p.update(version="3")), "version '3' is not supported"),
    (_bad(lambda p: p.pop("version")), "version None is not supported"),
    (_bad(lambda p: p.update(version=4)), "version 4 is not supported"),
    (_bad(lambda p: p.update(alerts={"status": "firing"})), "alerts: Input should be a valid list"),
    (_bad(lambda p: p.pop("alerts")), "alerts: Field required"),
    (_bad(lambda p: p["alerts"][0].update(labels="alertname=X")), "alerts.0.labels: Input should be a valid dictionary"),
    (_bad(lambda p: p["alerts"][1]["labels"].update(severity=3)), "alerts.1.labels.severity: Input should be a valid string"),
    (_bad(lambda p: p["alerts"][2].update(status="pending")), "alerts.2.status: Input should be 'firing' or 'resolved'"),
    (_bad(lambda p: p["alerts"][0].update(startsAt="yesterday")), "alerts.0.startsAt: Input should be a valid datetime"),
    (_bad(lambda p: p.update(status="ok")), "status: Input should be 'firing' or 'resolved'"),
    ([GROUPED], "a JSON object, not a list"),
], ids=["version-3", "no-version", "version-int", "alerts-dict", "no-alerts", "labels-string", "label-int",
        "alert-status", "starts-at", "group-status", "a-list"])
def test_a_bad_payload_names_the_field(payload, words):
    with pytest.raises(AlertmanagerPayloadError) as caught:
        alertmanager_batch(payload, now=NOW)
    assert words in str(caught.value)
    assert isinstance(caught.value, IntakeError) and isinstance(caught.value, ValueError)
