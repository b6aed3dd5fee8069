"""The analyzer contract around the table: registry and kind names, merging and ordering,
what a partial snapshot may and may not conclude, objects as the official client serializes
them, and the small parsers (cron schedules, quantities, label selectors)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from kubernetes.client import (
    ApiClient,
    V1Container,
    V1ContainerState,
    V1ContainerStateWaiting,
    V1ContainerStatus,
    V1ObjectMeta,
    V1Pod,
    V1PodSpec,
    V1PodStatus,
)

from mcp_servers.kubernetes.analyzers import ClusterView, Finding, kinds_to_fetch, run_analyzers
from mcp_servers.kubernetes.analyzers.base import merge_findings, quote
from mcp_servers.kubernetes.analyzers.cron_schedule import cron_schedule_error
from mcp_servers.kubernetes.analyzers.labels import describe_selector, selector_matches
from mcp_servers.kubernetes.quantity import parse_quantity
from tests.analyzer_cases.builders import (
    condition,
    container,
    deployment,
    event,
    ingress,
    last_terminated,
    node,
    pod,
    running,
    service,
    waiting,
)


def finding(resource: str, reason: str, severity: str = "warning", message: str = "m", evidence=("e",)) -> Finding:
    return Finding(resource=resource, kind=resource.split("/")[-2], severity=severity, reason=reason,
                   message=message, evidence=list(evidence))


# --- registry and kinds ----------------------------------------------------------------------

def test_kinds_accept_kubectl_names_and_reject_unknown_ones_with_the_known_list() -> None:
    view = ClusterView.from_objects([node("node-1", conditions=[condition("Ready", "False")])])
    for spelling in ("Node", "nodes", "no", " NODE "):
        assert [f.reason for f in run_analyzers(view, kinds=[spelling])] == ["NodeNotReady"]
    with pytest.raises(ValueError, match=r"no analyzer for kind 'Gadget'; known kinds: Pod, Deployment"):
        run_analyzers(view, kinds=["Gadget"])


def test_kinds_to_fetch_covers_what_the_selected_analyzers_read() -> None:
    assert kinds_to_fetch(["svc"]) == {"Service", "Endpoints", "Pod", "Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob",
                                       "Event"}
    assert {"Secret", "StorageClass", "IngressClass", "ResourceQuota", "Node"} <= kinds_to_fetch()


def test_findings_are_merged_per_resource_and_reason_then_sorted_most_severe_first() -> None:
    merged = merge_findings([
        finding("ns/Pod/a", "CrashLoopBackOff", "warning", "container x", ["x"]),
        finding("ns/Pod/a", "CrashLoopBackOff", "critical", "container y", ["y"]),
        finding("ns/Pod/a", "CrashLoopBackOff", "critical", "container y", ["y"]),
    ])
    assert len(merged) == 1
    assert merged[0].severity == "critical"
    assert merged[0].message == "container x; container y"
    assert merged[0].evidence == ["x", "y"]

    view = ClusterView.from_objects([
        node("node-1", conditions=[condition("Ready", "True")], unschedulable=True),
        node("node-2", conditions=[condition("Ready", "False")]),
    ])
    assert [f.severity for f in run_analyzers(view)] == ["critical", "warning"]


def test_evidence_lines_are_short() -> None:
    assert quote("a\n  b") == "a b"
    long_line = quote("x" * 1000)
    assert len(long_line) == 300 and long_line.endswith("…")


# --- snapshots -------------------------------------------------------------------------------

def test_objects_without_kind_are_refused_with_what_to_do() -> None:
    with pytest.raises(ValueError, match=r"has no 'kind'.*ClusterView\(\{kind: items\}\)"):
        ClusterView.from_objects([{"metadata": {"name": "x", "namespace": "ns"}}])


def test_a_kind_that_was_not_fetched_is_not_judged_missing() -> None:
    objects = [ingress("web", "shop", class_name="nginx", backends=["web"], tls=[{"secretName": "web-tls"}])]
    fetched_everything = ClusterView.from_objects(objects, fetched_kinds=kinds_to_fetch())
    assert {f.reason for f in run_analyzers(fetched_everything)} == {"IngressClassNotFound", "BackendServiceMissing", "TLSSecretMissing"}
    # A server without RBAC to list Secrets, IngressClasses and Services knows nothing about them.
    ingresses_only = ClusterView({"Ingress": objects})
    assert run_analyzers(ingresses_only) == []


def test_namespace_filter_keeps_cluster_scoped_objects_and_their_events() -> None:
    view = ClusterView.from_objects([
        node("node-1", conditions=[condition("Ready", "False")]),
        event("Node", "node-1", None, "NodeNotReady", "Node node-1 status is now: NodeNotReady"),
        pod("api", "other", phase="Pending", conditions=[{"type": "PodScheduled", "status": "False",
                                                        "reason": "Unschedulable", "message": "0/1 nodes"}]),
    ])
    scoped = view.in_namespace("shop")
    assert [o["metadata"]["name"] for o in scoped.of_kind("Node")] == ["node-1"]
    assert len(scoped.events_for("Node", "node-1")) == 1
    assert scoped.of_kind("Pod") == []
    assert [f.resource for f in run_analyzers(view, namespace="shop")] == ["Node/node-1"]


def test_latest_event_orders_mixed_timestamp_formats() -> None:
    older = event("Pod", "api", "shop", "Unhealthy", "old", last="2024-05-01T10:00:00Z", event_name="e1")
    newer = event("Pod", "api", "shop", "Unhealthy", "new", last="2024-05-01T10:00:00.5+00:00", event_name="e2")
    view = ClusterView.from_objects([newer, older])
    assert [e["message"] for e in view.events_for("Pod", "api", "shop")] == ["old", "new"]
    assert view.latest_event("Pod", "api", "shop")["message"] == "new"


def test_owner_is_found_through_a_replicaset_that_was_not_fetched() -> None:
    crashing = pod("web-7d4b9c-abcde", "shop", owner=("ReplicaSet", "web-7d4b9c"),
                   statuses=[waiting("web", "CrashLoopBackOff", restarts=3, last=last_terminated())])
    view = ClusterView.from_objects([crashing, deployment("web", "shop")])
    [crash] = run_analyzers(view, kinds=["Pod"])
    assert crash.owner == "shop/Deployment/web"


def test_probe_failure_quotes_the_probe_being_checked() -> None:
    view = ClusterView.from_objects([
        pod("web-0", "shop", containers=[container("web", readinessProbe={"httpGet": {"path": "/healthz", "port": 8080}})],
            statuses=[running("web", ready=False)]),
        event("Pod", "web-0", "shop", "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 404",
              field_path="spec.containers{web}"),
    ])
    [probe] = run_analyzers(view, kinds=["Pod"])
    assert "readinessProbe httpGet /healthz port 8080" in probe.evidence


def test_objects_serialized_by_the_official_client_are_understood() -> None:
    """The MCP server lists with the kubernetes client and serializes with sanitize_for_serialization."""
    typed = V1Pod(
        metadata=V1ObjectMeta(name="api", namespace="shop", creation_timestamp=datetime(2024, 5, 1, tzinfo=UTC)),
        spec=V1PodSpec(containers=[V1Container(name="api", image="shop/api:v9.9")]),
        status=V1PodStatus(phase="Pending", container_statuses=[V1ContainerStatus(
            name="api", image="shop/api:v9.9", image_id="", ready=False, restart_count=0,
            state=V1ContainerState(waiting=V1ContainerStateWaiting(reason="ImagePullBackOff",
                                                                   message='Back-off pulling image "shop/api:v9.9"')))]),
    )
    as_json = ApiClient().sanitize_for_serialization(typed)
    [pull] = run_analyzers(ClusterView({"Pod": [as_json]}))
    assert (pull.resource, pull.reason) == ("shop/Pod/api", "ImagePullBackOff")
    assert "shop/api:v9.9" in pull.message


# --- parsers ---------------------------------------------------------------------------------

@pytest.mark.parametrize("schedule", [
    "*/1 * * * *", "0 3 * * *", "30 2 * * MON-FRI", "0 0 1,15 * *", "5/15 * * * *", "0 9-17/2 * JAN-MAR sun",
    "@hourly", "@every 1h30m", "CRON_TZ=Europe/Paris 0 3 * * *", "? * * * *",
])
def test_valid_cron_schedules(schedule: str) -> None:
    assert cron_schedule_error(schedule) is None


@pytest.mark.parametrize("schedule, error", [
    ("*** * * * *", "failed to parse int from '***'"),
    ("", "empty spec string"),
    ("* * * *", "expected exactly 5 fields, found 4"),
    ("60 * * * *", "end of range (60) above maximum (59)"),
    ("* * 0 * *", "beginning of range (0) below minimum (1)"),
    ("* * * * 7", "above maximum (6)"),
    ("*/0 * * * *", "step of range should be a positive number"),
    ("5-1 * * * *", "beginning of range (5) beyond end of range (1)"),
    ("@fortnightly", "unrecognized descriptor"),
    ("@every soon", "failed to parse duration"),
])
def test_invalid_cron_schedules_say_why(schedule: str, error: str) -> None:
    assert error in (cron_schedule_error(schedule) or "")


@pytest.mark.parametrize("text, value", [
    ("500m", Decimal("0.5")), ("2", Decimal(2)), ("1Gi", Decimal(2**30)), ("128Mi", Decimal(128 * 2**20)),
    ("1k", Decimal(1000)), ("1e3", Decimal(1000)), ("1.5", Decimal("1.5")), ("", None), ("lots", None),
])
def test_quantities(text: str, value: Decimal | None) -> None:
    assert parse_quantity(text) == value


@pytest.mark.parametrize("selector, labels, matches", [
    ({"matchLabels": {"app": "web"}}, {"app": "web", "tier": "fe"}, True),
    ({"matchLabels": {"app": "web"}}, {"app": "api"}, False),
    ({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["fe", "be"]}]}, {"tier": "be"}, True),
    ({"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["fe"]}]}, {}, True),
    ({"matchExpressions": [{"key": "canary", "operator": "Exists"}]}, {"canary": ""}, True),
    ({"matchExpressions": [{"key": "canary", "operator": "DoesNotExist"}]}, {"canary": "1"}, False),
    ({}, {"anything": "x"}, True),
    (None, {"anything": "x"}, False),
])
def test_label_selectors(selector, labels, matches: bool) -> None:
    assert selector_matches(selector, labels) is matches


def test_selectors_are_described_as_kubectl_prints_them() -> None:
    selector = {"matchLabels": {"tier": "be", "app": "web"},
                "matchExpressions": [{"key": "env", "operator": "NotIn", "values": ["dev"]},
                                     {"key": "canary", "operator": "DoesNotExist"}]}
    assert describe_selector(selector) == "app=web,tier=be,env notin (dev),!canary"


def test_a_service_selector_matches_through_the_label_index() -> None:
    view = ClusterView.from_objects([
        service("web", "shop", selector={"app": "web"}),
        pod("web-1", "shop", labels={"app": "web", "tier": "fe"}, ready=True, statuses=[running()]),
        pod("web-2", "other", labels={"app": "web"}, ready=True, statuses=[running()]),
        pod("api-1", "shop", labels={"app": "api", "tier": "fe"}, ready=True, statuses=[running()]),
    ])
    assert [p["metadata"]["name"] for p in view.pods_matching("shop", {"matchLabels": {"app": "web", "tier": "fe"}})] == ["web-1"]
    assert [p["metadata"]["name"] for p in view.pods_matching("shop", {"matchLabels": {"tier": "fe"}})] == ["web-1", "api-1"]
    assert view.pod_label_values("shop", "app") == {"web", "api"}
