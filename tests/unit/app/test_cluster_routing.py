"""Routing an incident to one of several configured clusters: by what its notification says (a ClusterName
dimension, a cluster label, its account), never a guess -- no signal, signals that disagree, or a cluster that is
not configured: investigated in none, and the reason says which."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sre_agent.app.cluster_routing import route_incident, routed, unrouted_result
from sre_agent.app.clusters import ClusterSettings
from sre_agent.app.intake import incident_from_alarm, incident_from_question
from sre_agent.service.sources.alertmanager import alertmanager_batch

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
CLUSTERS = [ClusterSettings(name="prod-eu", aws_account="111111111111", aws_region="eu-west-1"),
            ClusterSettings(name="prod-us", aws_account="222222222222"),
            ClusterSettings(name="staging", aws_account="333333333333"),
            ClusterSettings(name="dev-b", aws_account="333333333333")]


def alarm(dimensions: dict[str, str], **fields) -> dict:
    return {"AlarmName": "checkout-5xx", "NewStateValue": "ALARM", "StateChangeTime": "2026-11-26T09:58:00Z",
            "Trigger": {"MetricName": "5xxCount", "Namespace": "Application",
                        "Dimensions": [{"name": k, "value": v} for k, v in dimensions.items()]}, **fields}


def eventbridge(account: str, region: str, dimensions: dict[str, str]) -> dict:
    return {"detail-type": "CloudWatch Alarm State Change", "account": account, "region": region,
            "time": "2026-11-26T09:58:00Z", "resources": [f"arn:aws:cloudwatch:{region}:{account}:alarm:checkout-5xx"],
            "detail": {"alarmName": "checkout-5xx", "state": {"value": "ALARM", "reason": "threshold"},
                       "configuration": {"metrics": [{"metricStat": {"metric": {
                           "name": "5xxCount", "namespace": "Application", "dimensions": dimensions}}}]}}}


@pytest.mark.parametrize("payload, cluster, signal", [
    (alarm({"ClusterName": "prod-us", "Namespace": "shop", "Service": "checkout"}), "prod-us", "ClusterName dimension"),
    (alarm({"cluster": "staging", "namespace": "shop"}), "staging", "cluster dimension"),
    # An account tied to one cluster names it (SNS: AWSAccountId; the AlarmArn's region must fit the cluster's).
    (alarm({"Namespace": "shop"}, AWSAccountId="222222222222"), "prod-us", "account 222222222222"),
    (alarm({"Namespace": "shop"}, AlarmArn="arn:aws:cloudwatch:eu-west-1:111111111111:alarm:checkout-5xx"),
     "prod-eu", "account 111111111111 (eu-west-1)"),
    (eventbridge("111111111111", "eu-west-1", {"Namespace": "shop"}), "prod-eu", "account 111111111111"),
    # The dimension and the account agree.
    (eventbridge("222222222222", "us-east-1", {"ClusterName": "prod-us"}), "prod-us", "ClusterName dimension"),
])
def test_an_alarm_goes_to_the_cluster_its_notification_names(payload, cluster, signal):
    route = route_incident(incident_from_alarm(payload, now=NOW), CLUSTERS)
    assert route.cluster is not None and route.cluster.name == cluster
    assert signal in route.signal


@pytest.mark.parametrize("payload, why", [
    (alarm({"Namespace": "shop", "Service": "checkout"}), "names no cluster"),
    (alarm({"ClusterName": "prod-ap", "Namespace": "shop"}), "'prod-ap', which is not one of the configured"),
    (alarm({"ClusterName": "prod-eu", "cluster": "prod-us"}), "name different clusters"),
    # The dimension says one cluster, the account is another's: which one is wrong cannot be told.
    (eventbridge("222222222222", "us-east-1", {"ClusterName": "prod-eu"}), "which is prod-us's"),
    # One account, two clusters, nothing else: a guess either way.
    (alarm({"Namespace": "shop"}, AWSAccountId="333333333333"), "several clusters (staging, dev-b)"),
    # The account's cluster is configured for another region.
    (alarm({"Namespace": "shop"}, AlarmArn="arn:aws:cloudwatch:us-west-2:111111111111:alarm:x"), "names no cluster"),
])
def test_an_alarm_whose_cluster_cannot_be_told_is_investigated_in_none(payload, why):
    route = route_incident(incident_from_alarm(payload, now=NOW), CLUSTERS)
    assert route.cluster is None
    assert why in route.why_none


def test_an_alertmanager_alert_goes_by_its_cluster_label():
    webhook = {"version": "4", "status": "firing", "receiver": "sre-agent", "groupKey": "{}:{}", "alerts": [
        {"status": "firing", "labels": {"alertname": "KubePodCrashLooping", "cluster": "staging", "namespace": "shop",
                                        "pod": "checkout-7d9-x"}, "annotations": {},
         "startsAt": "2026-11-26T09:50:00Z", "fingerprint": "0123456789abcdef"}]}
    incident = alertmanager_batch(webhook).firing[0]
    route = route_incident(incident, CLUSTERS)
    assert route.cluster is not None and route.cluster.name == "staging" and route.signal == "its cluster label"


def test_a_question_goes_where_its_asker_says_and_nowhere_unless_one_cluster_is_configured():
    question = incident_from_question("is checkout healthy?", now=NOW)
    assert route_incident(question, CLUSTERS).cluster is None
    named = route_incident(question.model_copy(update={"cluster": "dev-b"}), CLUSTERS)
    assert named.cluster is not None and named.cluster.name == "dev-b"
    unknown = route_incident(question.model_copy(update={"cluster": "prod-ap"}), CLUSTERS)
    assert unknown.cluster is None and "not one of the configured clusters" in unknown.why_none
    only = route_incident(question, [ClusterSettings(name="solo")])
    assert only.cluster is not None and only.cluster.name == "solo" and only.signal == "the only configured cluster"


def test_a_routed_incident_carries_its_cluster_and_an_account_routed_key_tells_clusters_apart():
    by_dimension = incident_from_alarm(alarm({"ClusterName": "prod-us", "Namespace": "shop"}), now=NOW)
    incident = routed(by_dimension, route_incident(by_dimension, CLUSTERS))
    assert incident.cluster == "prod-us" and incident.correlation_key == by_dimension.correlation_key  # already in it
    by_account = incident_from_alarm(alarm({"Namespace": "shop"}, AWSAccountId="222222222222"), now=NOW)
    incident = routed(by_account, route_incident(by_account, CLUSTERS))
    assert incident.cluster == "prod-us" and incident.correlation_key == f"{by_account.correlation_key}@prod-us"


def test_an_unrouted_incident_ends_escalated_saying_why_and_that_no_cluster_was_read():
    incident = incident_from_alarm(alarm({"Namespace": "shop"}), now=NOW)
    route = route_incident(incident, CLUSTERS)
    result = unrouted_result(incident, route, "run-1")
    assert result.status == "escalated" and result.cluster is None
    assert route.why_none in result.diagnosis.summary
    assert [(c.backend, c.status) for c in result.coverage] == [("kubernetes", "not_asked")]
