"""Picking one workload's lines out of a group shared by a cluster's containers: pod names a
controller generates, stream names log shippers write, and the Fluent Bit record's envelope."""

from __future__ import annotations

import json

import pytest

from mcp_servers.cloudwatch.container_logs import (
    ContainerLine,
    WorkloadSelector,
    keep,
    pod_of_workload,
    read_line,
    stream_parts,
)

CID = "0f00b187c39166ddeee85e87a43f41a372442acb8e9d394b24c452e03b7ed2fb"


@pytest.mark.parametrize(("pod", "prefix", "ours"), [
    ("payment-api-7d9fb8c6d5-x2kq9", "payment-api", True),     # Deployment: pod-template-hash + suffix
    ("payment-api-x2kq9", "payment-api", True),                # DaemonSet / Job
    ("ledger-db-0", "ledger-db", True),                        # StatefulSet ordinal
    ("nightly-29876543-x2kq9", "nightly", True),               # CronJob: scheduled minute + Job pod suffix
    ("payment-api", "payment-api", True),                      # a bare pod by its own name
    ("payment-api-worker-x2kq9", "payment-api", False),        # another workload whose name extends it
    ("payment-api-v2-x2kq9", "payment-api", False),
    ("payment-apix-x2kq9", "payment-api", False),
    ("payment-api-7d9fb8c6d5-x2kq9", "payment", False),        # a prefix that is not the whole name
])
def test_a_pod_belongs_to_a_workload_only_through_what_controllers_append(pod, prefix, ours):
    assert pod_of_workload(pod, prefix) is ours


@pytest.mark.parametrize(("stream", "parts"), [
    (f"ip-10-0-1-21.ec2.internal-application.var.log.containers.search-sd7x5drnk9-bsd6m_shop_search-{CID}.log",
     ("search-sd7x5drnk9-bsd6m", "shop", "search")),
    (f"ledger-db-0_payments_postgres-{CID}", ("ledger-db-0", "payments", "postgres")),  # Fluentd's naming
    ("payments-7c9d-x2kq9/payments", None),                                            # a per-app group's stream
    ("kube-apiserver-audit-1234", None),
])
def test_stream_names_of_container_log_files_name_pod_namespace_and_container(stream, parts):
    assert stream_parts(stream) == parts


def test_a_fluent_bit_record_is_read_as_its_log_line_and_metadata():
    record = {"time": "2026-11-22T19:50:34.000000000Z", "stream": "stdout", "_p": "F", "log": "ERROR upstream down\n",
              "kubernetes": {"pod_name": "frontend-abcdfg7h8j-x2kq9", "namespace_name": "shop",
                             "container_name": "frontend", "host": "ip-10-0-1-21.ec2.internal"}}
    line = read_line(json.dumps(record))
    assert line == ContainerLine("ERROR upstream down", pod="frontend-abcdfg7h8j-x2kq9", namespace="shop",
                                 container="frontend", host="ip-10-0-1-21.ec2.internal")


@pytest.mark.parametrize("message", [
    "ERROR upstream down",                       # plain text
    '{"level": "error", "msg": "no log key"}',   # an app's own JSON line
    '{"log": 42}',
    '{"log": "unterminated',
])
def test_anything_else_is_read_as_it_is(message):
    assert read_line(message) == ContainerLine(message)


@pytest.mark.parametrize(("line", "selector", "kept"), [
    (ContainerLine("x", pod="frontend-x2kq9", namespace="shop", container="frontend"),
     WorkloadSelector("frontend", "shop"), True),
    (ContainerLine("x", pod="frontend-x2kq9", namespace="staging", container="frontend"),
     WorkloadSelector("frontend", "shop"), False),
    (ContainerLine("x", pod="frontend-x2kq9", namespace="shop", container="envoy"),
     WorkloadSelector("frontend", "shop", "frontend"), False),
    (ContainerLine("x", pod="catalog-x2kq9", namespace="shop", container="catalog"), WorkloadSelector("frontend"), False),
    (ContainerLine("plain line without metadata"), WorkloadSelector("frontend", "shop"), True),
    (ContainerLine("x", pod="catalog-x2kq9", namespace="shop"), WorkloadSelector(), True),
])
def test_records_with_metadata_must_be_the_workloads_plain_lines_are_kept(line, selector, kept):
    assert keep(line, selector) is kept
