"""The lab's CloudWatch, read over the wire (boto3 and the AWS CLI against moto on loopback), has
the shapes a real EKS account with Container Insights has: metrics in namespace ContainerInsights
with its dimension sets (nodes carry InstanceId and NodeName), container logs as Fluent Bit JSON
records in /aws/containerinsights/<cluster>/application, and application counters that are whole
numbers with 5xx never above requests."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import timedelta

import pytest
from lab_client import LabClients, clients_for, metric_series

CLUSTER = "sre-lab"
APPLICATION_GROUP = f"/aws/containerinsights/{CLUSTER}/application"


@pytest.fixture(scope="module")
def bad_image():
    """bad-image: catalog cannot pull its image, so the storefront answers 5xx (a series with errors)."""
    from sre_agent.lab.lab import Lab

    lab = Lab().start()
    try:
        lab.load("bad-image")
        yield lab, clients_for(lab)
    finally:
        lab.stop()


def _series(clients: LabClients, namespace: str, metric: str) -> list[dict[str, str]]:
    pages = clients.cloudwatch.get_paginator("list_metrics").paginate(Namespace=namespace, MetricName=metric)
    return [{d["Name"]: d["Value"] for d in m["Dimensions"]} for page in pages for m in page["Metrics"]]


def test_node_metrics_carry_instance_id_and_node_name(bad_image):
    lab, clients = bad_image
    instances = {n.metadata.name: n.spec.provider_id.rsplit("/", 1)[-1] for n in clients.core.list_node().items}
    for metric in ("node_cpu_utilization", "node_memory_utilization", "node_status_condition_ready"):
        per_node = [d for d in _series(clients, "ContainerInsights", metric) if "NodeName" in d]
        assert per_node and all(set(d) == {"ClusterName", "InstanceId", "NodeName"} for d in per_node), metric
        assert {d["NodeName"]: d["InstanceId"] for d in per_node} == instances, "the node's EC2 instance (providerID)"
    assert {"ClusterName": CLUSTER} in _series(clients, "ContainerInsights", "node_cpu_utilization")
    assert {"ClusterName": CLUSTER} in _series(clients, "ContainerInsights", "cluster_failed_node_count")


def test_pod_namespace_and_service_metrics_use_container_insights_dimension_sets(bad_image):
    _, clients = bad_image
    sets = {
        "pod_memory_utilization": {"ClusterName", "Namespace", "PodName"},
        "pod_cpu_utilization": {"ClusterName", "Namespace", "PodName"},
        "pod_number_of_container_restarts": {"ClusterName", "Namespace", "PodName"},
        "namespace_number_of_running_pods": {"ClusterName", "Namespace"},
        "service_number_of_running_pods": {"ClusterName", "Namespace", "Service"},
    }
    for metric, dimensions in sets.items():
        found = _series(clients, "ContainerInsights", metric)
        assert found and all(set(d) == dimensions for d in found), metric
    assert {"ClusterName": CLUSTER, "Namespace": "shop", "PodName": "frontend"} in _series(
        clients, "ContainerInsights", "pod_memory_utilization"), "PodName is the workload's name"


def test_container_logs_are_fluent_bit_records_in_the_application_group(bad_image):
    lab, clients = bad_image
    groups = [g["logGroupName"] for g in clients.logs.describe_log_groups()["logGroups"]]
    assert groups == [APPLICATION_GROUP], "the default shipping is Container Insights' only"
    events = clients.logs.filter_log_events(logGroupName=APPLICATION_GROUP, filterPattern="ERROR",
                                            startTime=int((lab.clock.now() - timedelta(minutes=20)).timestamp() * 1000),
                                            limit=50)["events"]
    assert events
    for event in events:
        record = json.loads(event["message"])
        meta = record["kubernetes"]
        assert record["stream"] in ("stdout", "stderr") and "ERROR" in record["log"] and record["log"].endswith("\n")
        assert {"pod_name", "namespace_name", "container_name", "container_image", "host", "pod_id", "docker_id"} <= set(meta)
        stream = event["logStreamName"]
        assert stream.startswith(f"{meta['host']}-application.var.log.containers.")
        assert stream.endswith(f"{meta['pod_name']}_{meta['namespace_name']}_{meta['container_name']}-{meta['docker_id']}.log")
    frontend = [json.loads(e["message"]) for e in events if json.loads(e["message"])["kubernetes"]["namespace_name"] == "shop"]
    assert any(r["kubernetes"]["pod_name"].startswith("frontend-") and r["kubernetes"]["labels"]["app"] == "frontend"
               for r in frontend)


def test_application_counts_are_whole_numbers_and_5xx_never_exceed_requests(bad_image):
    lab, clients = bad_image
    end = lab.clock.now() + timedelta(seconds=1)
    start = end - timedelta(hours=3)
    services = _series(clients, "Application", "RequestCount")
    assert len(services) >= 3
    errors_seen = 0
    for dims in services:
        requests = dict(metric_series(clients, "Application", "RequestCount", dims, "Sum", 60, start, end))
        errors = dict(metric_series(clients, "Application", "5xxCount", dims, "Sum", 60, start, end))
        assert requests and set(errors) <= set(requests), dims
        for at, value in requests.items():
            assert value == int(value) >= 0, (dims, at, value)
            assert errors.get(at, 0) == int(errors.get(at, 0)) <= value, (dims, at, errors.get(at), value)
        errors_seen += sum(errors.values())
    assert errors_seen > 0, "the scenario's storefront does fail: the property is not vacuous"
    for metric in ("pod_number_of_container_restarts", "service_number_of_running_pods", "node_number_of_running_pods"):
        for dims in _series(clients, "ContainerInsights", metric)[:5]:
            values = [v for _, v in metric_series(clients, "ContainerInsights", metric, dims, "Sum", 60, start, end)]
            assert values and all(v == int(v) for v in values), (metric, dims)


@pytest.mark.skipif(shutil.which("aws") is None, reason="the AWS CLI is not installed")
def test_the_aws_cli_sees_the_same_shapes(bad_image):
    lab, _ = bad_image
    env = {**os.environ, **lab.env(), "AWS_PAGER": ""}

    def aws(*args: str) -> dict:
        done = subprocess.run(["aws", *args, "--output", "json"], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    metrics = aws("cloudwatch", "list-metrics", "--namespace", "ContainerInsights", "--metric-name", "node_memory_utilization",
                  "--dimensions", "Name=ClusterName,Value=" + CLUSTER)["Metrics"]
    assert any({d["Name"] for d in m["Dimensions"]} == {"ClusterName", "InstanceId", "NodeName"} for m in metrics)
    events = aws("logs", "filter-log-events", "--log-group-name", APPLICATION_GROUP, "--max-items", "3")["events"]
    assert events and all("kubernetes" in json.loads(e["message"]) for e in events)
