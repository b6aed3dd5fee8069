"""The MCP contract of all three servers, through an in-memory client session: every tool has a
title and all four annotation hints, an outputSchema, an input schema that refuses unknown
arguments; results come back as structuredContent that validates against the outputSchema, with
the same object (compact JSON) as their text, and secret values redacted in both.

Backends are in-process fakes (a canned Kubernetes client) and moto's mock_aws: no lab, no
subprocess."""

from __future__ import annotations

import asyncio
import base64
import json
import os
from typing import Any

import boto3
import jsonschema
import pytest
from botocore.config import Config
from mcp.shared.memory import create_connected_server_and_client_session
from moto import mock_aws

from mcp_servers.cloudwatch.server import build_server as build_cloudwatch
from mcp_servers.common.aws import AwsClients
from mcp_servers.common.safety import AuditLog, WritePolicy
from mcp_servers.kubernetes.server import build_server as build_kubernetes
from mcp_servers.prometheus.client import PrometheusClient
from mcp_servers.prometheus.server import build_server as build_prometheus
from mcp_servers.ssm.library import builtin_runbooks_dir
from mcp_servers.ssm.server import build_server as build_ssm

REGION = "us-east-1"


class FakeKube:
    """The two reads the tools below need, from canned API objects."""

    server = "https://fake"
    OBJECTS = {
        ("Namespace", None, "shop"): {"metadata": {"name": "shop"}},
        ("Secret", "shop", "db"): {"metadata": {"name": "db", "namespace": "shop"}, "type": "Opaque",
                                   "data": {"password": base64.b64encode(b"hunter2").decode()}},
        ("Pod", "shop", "web-1"): {"metadata": {"name": "web-1", "namespace": "shop"},
                                   "spec": {"containers": [{"name": "web", "image": "web:1",
                                                            "env": [{"name": "DB_PASSWORD", "value": "hunter2"}]}]},
                                   "status": {"phase": "Running"}},
    }

    def get(self, kind: str, namespace: str | None, name: str) -> dict:
        try:
            return json.loads(json.dumps(self.OBJECTS[(kind, namespace, name)]))
        except KeyError:
            raise LookupError(f"{kind} {namespace}/{name} not found") from None

    def list(self, kind: str, namespace: str | None = None, label_selector: str | None = None,
             field_selector: str | None = None, limit: int | None = None) -> list[dict]:
        return [self.get(k, ns, n) for (k, ns, n) in self.OBJECTS if k == kind and namespace in (None, ns)]


def aws_clients() -> AwsClients:
    return AwsClients(session=boto3.session.Session(region_name=REGION), endpoint_url=None, config=Config())


@pytest.fixture
def aws(monkeypatch):
    for key in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        yield aws_clients()


def kubernetes_server():
    policy = WritePolicy(allow_writes=True, namespaces=frozenset({"shop"}))
    return build_kubernetes(FakeKube(), policy, AuditLog(None, "kubernetes"))


def ssm_server(aws, allow_writes: bool = True):
    policy = WritePolicy(allow_writes=True, namespaces=frozenset({"*"})) if allow_writes else WritePolicy()
    return build_ssm(aws, policy, AuditLog(None, "ssm"), builtin_runbooks_dir())


async def _session_run(server, steps):
    async with create_connected_server_and_client_session(server._mcp_server) as session:
        return await steps(session)


def run(server, steps):
    return asyncio.run(_session_run(server, steps))


def list_tools(server) -> list:
    async def steps(session):
        return (await session.list_tools()).tools

    return run(server, steps)


def call(server, name: str, args: dict[str, Any]):
    async def steps(session):
        tools = {t.name: t for t in (await session.list_tools()).tools}
        return tools[name], await session.call_tool(name, args)

    return run(server, steps)


def assert_typed(tool, result) -> dict:
    assert not result.isError, result.content
    assert result.structuredContent is not None
    jsonschema.validate(result.structuredContent, tool.outputSchema)
    text = "".join(block.text for block in result.content)
    assert json.loads(text) == result.structuredContent and "\n" not in text  # the same object, compact
    return result.structuredContent


EXPECTED_TOOLS = {
    "kubernetes": {"get_resources", "describe", "pod_logs", "events", "rollout_history", "top", "find_resource",
                   "search_text", "ownership", "analyze", "cluster_info", "rollout_restart", "rollout_undo", "scale",
                   "set_image", "set_resources",
                   "delete_pod", "cordon", "uncordon", "raise_quota", "raise_hpa_max", "set_service_selector",
                   "set_service_target_port", "remove_node_taint", "relax_probe", "add_pull_secret", "expand_claim",
                   "set_config_value", "stop_cronjob_pileup", "set_cronjob_image", "resume_cronjob", "set_key_reference"},
    "cloudwatch": {"list_metrics", "get_metric_data", "detect_anomalies", "describe_alarms", "alarm_history",
                   "describe_log_groups", "filter_log_events", "logs_insights_query", "log_patterns", "trace_summaries"},
    "ssm": {"list_runbooks", "search_runbooks", "get_runbook", "get_parameter", "send_command", "start_automation",
            "command_status"},
    "prometheus": {"promql_query", "promql_range", "promql_series", "promql_label_values", "prometheus_alerts",
                   "prometheus_rules", "promql_anomalies"},
}
KUBERNETES_WRITES = {"rollout_restart", "rollout_undo", "scale", "set_image", "set_resources", "delete_pod", "cordon",
                     "uncordon", "raise_quota", "raise_hpa_max", "set_service_selector", "set_service_target_port",
                     "remove_node_taint", "relax_probe", "add_pull_secret", "expand_claim", "set_config_value",
                     "stop_cronjob_pileup", "set_cronjob_image", "resume_cronjob", "set_key_reference"}
DESTRUCTIVE = {"rollout_restart", "rollout_undo", "scale", "set_image", "set_resources", "delete_pod", "cordon",
               "set_service_selector", "set_service_target_port", "send_command", "start_automation", "relax_probe",
               "set_config_value", "stop_cronjob_pileup", "set_cronjob_image", "set_key_reference"}


@pytest.mark.parametrize("server_name", sorted(EXPECTED_TOOLS))
def test_every_tool_is_typed_annotated_and_strict(server_name, aws):
    server = {"kubernetes": kubernetes_server, "cloudwatch": lambda: build_cloudwatch(aws),
              "ssm": lambda: ssm_server(aws),
              # No Prometheus is asked: listing the tools reads only their declarations.
              "prometheus": lambda: build_prometheus(PrometheusClient("http://127.0.0.1:9"))}[server_name]()
    tools = list_tools(server)
    assert {t.name for t in tools} == EXPECTED_TOOLS[server_name]  # tool names are stable
    for tool in tools:
        notes = tool.annotations
        assert notes is not None and notes.title and tool.title == notes.title, tool.name
        hints = (notes.readOnlyHint, notes.destructiveHint, notes.idempotentHint, notes.openWorldHint)
        assert all(isinstance(h, bool) for h in hints), (tool.name, hints)
        assert notes.destructiveHint == (tool.name in DESTRUCTIVE), tool.name
        if notes.readOnlyHint:
            assert not notes.destructiveHint, tool.name
        assert tool.outputSchema and tool.outputSchema.get("type") == "object", tool.name
        jsonschema.Draft202012Validator.check_schema(tool.outputSchema)
        assert tool.inputSchema.get("additionalProperties") is False, tool.name


def test_kubernetes_without_writes_lists_only_read_tools():
    # A server started without --allow-writes offers only what it can do; with writes, every tool
    # is listed with its annotations (test above).
    server = build_kubernetes(FakeKube(), WritePolicy(), AuditLog(None, "kubernetes"))
    tools = list_tools(server)
    assert {t.name for t in tools} == EXPECTED_TOOLS["kubernetes"] - KUBERNETES_WRITES
    assert all(t.annotations.readOnlyHint is True for t in tools)


def test_ssm_without_writes_lists_only_read_tools(aws):
    tools = list_tools(ssm_server(aws, allow_writes=False))
    assert {t.name for t in tools} == EXPECTED_TOOLS["ssm"] - {"send_command", "start_automation"}
    assert all(t.annotations.readOnlyHint is True for t in tools)


@pytest.mark.parametrize("args, writes", [
    ({"instance_ids": ["i-0123456789abcdef0"], "reason": "restart kubelet"}, False),       # writes off
    ({"instance_ids": ["i-0123456789abcdef0"], "reason": "restart kubelet", "dryRun": True}, True),  # a typo
    ({"instance_ids": [], "reason": "restart kubelet"}, True),                              # invalid
])
def test_ssm_write_refusals_are_audited(aws, args, writes):
    policy = WritePolicy(allow_writes=True, namespaces=frozenset({"*"})) if writes else WritePolicy()
    audit = AuditLog(None, "ssm")
    server = build_ssm(aws, policy, audit, builtin_runbooks_dir())

    async def steps(session):
        return await session.call_tool("send_command", args)

    result = run(server, steps)
    assert result.isError
    assert [(r["tool"], r["outcome"]) for r in audit.records] == [("send_command", "refused")]


def test_kubernetes_results_are_structured_and_redacted():
    server = kubernetes_server()
    tool, result = call(server, "describe", {"kind": "Secret", "name": "db", "namespace": "shop"})
    data = assert_typed(tool, result)
    assert data["resource"] == "shop/Secret/db"
    assert data["object"]["data"] == {"password": "***redacted***"}
    assert "hunter2" not in json.dumps(result.structuredContent) and "aHVudGVyMg" not in json.dumps(data)

    tool, result = call(server, "get_resources", {"kind": "pods", "namespace": "shop"})
    data = assert_typed(tool, result)
    assert (data["kind"], data["namespace"], data["count"]) == ("Pod", "shop", 1)
    assert data["items"][0]["name"] == "web-1"


def test_unknown_arguments_are_refused_by_name_before_anything_runs():
    tool, result = call(kubernetes_server(), "scale", {"namespace": "shop", "name": "web", "replicas": 0,
                                                       "reason": "test", "dryRun": True})
    assert result.isError
    text = result.content[0].text
    assert "'dryRun'" in text and "dry_run" in text and "accepted" in text


def test_cloudwatch_results_validate_against_their_schema(aws):
    aws.client("cloudwatch").put_metric_alarm(
        AlarmName="shop-5xx", MetricName="5xxCount", Namespace="Application", Statistic="Sum", Period=60,
        EvaluationPeriods=1, Threshold=5, ComparisonOperator="GreaterThanThreshold", Dimensions=[{"Name": "Service", "Value": "web"}])
    aws.client("logs").create_log_group(logGroupName="/shop/web")
    server = build_cloudwatch(aws)
    data = assert_typed(*call(server, "describe_alarms", {}))
    assert [a["name"] for a in data["alarms"]] == ["shop-5xx"]
    data = assert_typed(*call(server, "describe_log_groups", {"prefix": "/shop"}))
    assert data["count"] == 1 and data["log_groups"][0]["name"] == "/shop/web"
    data = assert_typed(*call(server, "get_metric_data", {"namespace": "Application", "metric_name": "5xxCount"}))
    assert "note" in data and data["series"]["Average"]["values"] == []


def test_ssm_serves_the_builtin_library_and_masks_parameters(aws, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the built-in library does not depend on the working directory
    aws.client("ssm").put_parameter(Name="/shop/api_key", Value="sk-live-123", Type="String")
    server = ssm_server(aws)
    data = assert_typed(*call(server, "list_runbooks", {}))
    assert data["count"] >= 10 and data["sources"]["file"] == data["count"]
    data = assert_typed(*call(server, "get_parameter", {"name": "/shop/api_key"}))
    assert data["value"] == "***redacted***"
    data = assert_typed(*call(server, "get_runbook", {"id": "bad_image"}))
    assert data["runbook"]["id"] == "bad_image"


def test_builtin_library_ships_the_schema():
    directory = builtin_runbooks_dir()
    assert (directory / "runbook.schema.json").is_file()
    assert len(list(directory.glob("*.yaml"))) >= 10
    assert os.path.isabs(directory)


def test_blocking_backend_calls_do_not_stall_the_server():
    """Two calls into a blocking backend run at the same time: tools run in worker threads, not on the
    event loop (where one slow call used to stall every session). Each call waits at a barrier for the
    other; run one after the other, the first would wait alone and fail."""
    import threading

    barrier = threading.Barrier(2, timeout=30)

    class BlockingKube(FakeKube):
        def list(self, *args, **kwargs):
            barrier.wait()
            return super().list(*args, **kwargs)

    server = build_kubernetes(BlockingKube(), WritePolicy(), AuditLog(None, "kubernetes"))

    async def steps(session):
        return await asyncio.gather(*(session.call_tool("get_resources", {"kind": "Pod"}) for _ in range(2)))

    results = run(server, steps)
    assert not any(r.isError for r in results), [r.content for r in results if r.isError]


def test_a_result_over_the_cap_is_cut_in_both_views(monkeypatch):
    """structuredContent and text are cut alike, with the same `truncated` notice, and the cut
    result still validates against the outputSchema."""
    objects = {("Pod", "shop", f"web-{i}"): {"metadata": {"name": f"web-{i}", "namespace": "shop"},
                                             "spec": {"containers": [{"name": "web", "image": "web:1"}]},
                                             "status": {"phase": "Running"}} for i in range(200)}
    monkeypatch.setattr(FakeKube, "OBJECTS", {**FakeKube.OBJECTS, **objects})
    from mcp_servers.common import results

    monkeypatch.setattr(results, "_max_chars", 3000)
    tool, result = call(kubernetes_server(), "get_resources", {"kind": "Pod", "namespace": "shop"})
    data = assert_typed(tool, result)
    notice = data["truncated"]
    assert notice["field"] == "items" and notice["kept"] == len(data["items"]) and notice["omitted"] > 0
    assert "label_selector" in notice["hint"] and data["count"] == 200
    assert len("".join(block.text for block in result.content)) <= 3000
