"""The Kubernetes server's write tools refuse what the API server would get wrong or silently
accept: tables of calls through an in-memory MCP session against a fake cluster that records
every patch. Each refusal says what was wrong, sends nothing, and is in the audit log."""

from __future__ import annotations

import asyncio
import copy
from decimal import Decimal
from typing import Any

import pytest
from mcp.shared.memory import create_connected_server_and_client_session

from mcp_servers.common.safety import AuditLog, WritePolicy
from mcp_servers.common.serve import policy_from_settings
from mcp_servers.common.settings import ServerSettings
from mcp_servers.kubernetes.quantity import parse_quantity
from mcp_servers.kubernetes.server import build_server

WEB = {"kind": "Deployment", "metadata": {"name": "web", "namespace": "shop", "uid": "u1"},
       "spec": {"replicas": 2, "template": {"spec": {
           "initContainers": [{"name": "migrate", "image": "migrate:1"}],
           "containers": [{"name": "app", "image": "web:1", "resources": {"limits": {"memory": "1Gi", "cpu": "1"}}},
                          {"name": "proxy", "image": "envoy:1"}]}}}}


class FakeApps:
    def __init__(self, calls: list) -> None:
        self.calls = calls

    def __getattr__(self, name: str):
        def record(*args: Any, **kwargs: Any) -> None:
            self.calls.append((name, args, kwargs))
        return record


class FakeKube:
    server = "https://fake"

    def __init__(self) -> None:
        self.calls: list = []
        self.apps = FakeApps(self.calls)

    def get(self, kind: str, namespace: str | None, name: str) -> dict:
        if (kind, namespace, name) == ("Deployment", "shop", "web"):
            return copy.deepcopy(WEB)
        raise LookupError(f"{kind} {namespace}/{name} not found")


def session_call(server, name: str, args: dict) -> Any:
    async def steps():
        async with create_connected_server_and_client_session(server._mcp_server) as session:
            return await session.call_tool(name, args)
    return asyncio.run(steps())


@pytest.fixture
def cluster():
    kube, audit = FakeKube(), AuditLog(None, "kubernetes", actor="tester")
    server = build_server(kube, WritePolicy(allow_writes=True, namespaces=frozenset({"shop"})), audit)
    return server, kube, audit


BASE = {"namespace": "shop", "name": "web", "reason": "strict tool test"}
REFUSALS = [
    ("set_image", {"container": "sidecar", "image": "x:1"}, ["'sidecar'", "containers: app, proxy", "init containers: migrate"]),
    ("set_image", {"container": "sidecar", "image": "x:1", "dry_run": True}, ["no container 'sidecar'"]),
    ("set_resources", {"container": "sidecar", "limits": {"memory": "1Gi"}}, ["no container 'sidecar'", "app, proxy"]),
    ("set_resources", {"container": "app", "limits": {"memory": "512MB"}}, ["limits.memory", "'512MB'", "512Mi"]),
    ("set_resources", {"container": "app", "requests": {"cpu": "half"}}, ["requests.cpu", "'half'", "250m"]),
    ("set_resources", {"container": "app", "requests": {"cpu": "-1"}}, ["requests.cpu", "negative"]),
    ("set_resources", {"container": "app", "requests": {"gpu": "1"}}, ["unknown resource 'gpu'"]),
    ("set_resources", {"container": "app"}, ["give requests and/or limits"]),
    ("set_resources", {"container": "app", "requests": {"memory": "2Gi"}}, ["requests.memory 2Gi is above limits.memory 1Gi"]),
    ("set_resources", {"container": "proxy", "requests": {"cpu": "2"}, "limits": {"cpu": "500m"}},
     ["requests.cpu 2 is above limits.cpu 500m", "'proxy'"]),
    ("scale", {"replicas": -1}, ["replicas -1 is below the minimum of 0"]),
    ("scale", {"replicas": 5000}, ["replicas 5000 is above this server's maximum of 1000"]),
    ("scale", {"replicas": 2, "namespace": "payments"}, ["allow-list"]),
]


@pytest.mark.parametrize(("tool", "args", "says"), REFUSALS, ids=[f"{t}-{i}" for i, (t, _, _) in enumerate(REFUSALS)])
def test_refusals_say_what_was_wrong_send_nothing_and_are_audited(cluster, tool, args, says):
    server, kube, audit = cluster
    call = {**BASE, **args}
    result = session_call(server, tool, call)
    assert result.isError
    text = result.content[0].text
    assert all(s in text for s in says), text
    assert kube.calls == []  # nothing reached the API
    record = audit.records[-1]
    assert (record["tool"], record["outcome"], record["actor"], record["reason"]) == (tool, "refused", "tester", BASE["reason"])
    assert record["dry_run"] is bool(args.get("dry_run")) and all(s in record["detail"] for s in says)
    assert record["args"]["namespace"] == call["namespace"]


ACCEPTED = [
    ("set_image", {"container": "proxy", "image": "envoy:2"},
     {"spec": {"template": {"spec": {"containers": [{"name": "proxy", "image": "envoy:2"}]}}}}),
    ("set_image", {"container": "migrate", "image": "migrate:2"},
     {"spec": {"template": {"spec": {"initContainers": [{"name": "migrate", "image": "migrate:2"}]}}}}),
    ("set_resources", {"container": "app", "requests": {"memory": "512Mi", "cpu": "250m"}},
     {"spec": {"template": {"spec": {"containers": [{"name": "app", "resources": {
         "requests": {"memory": "512Mi", "cpu": "250m"}}}]}}}}),
    ("set_resources", {"container": "app", "requests": {"memory": "2Gi"}, "limits": {"memory": "4Gi"}},
     {"spec": {"template": {"spec": {"containers": [{"name": "app", "resources": {
         "requests": {"memory": "2Gi"}, "limits": {"memory": "4Gi"}}}]}}}}),
    ("scale", {"replicas": 0}, {"spec": {"replicas": 0}}),
    ("scale", {"replicas": 1000}, {"spec": {"replicas": 1000}}),
]


@pytest.mark.parametrize(("tool", "args", "body"), ACCEPTED, ids=[f"{t}-{i}" for i, (t, _, _) in enumerate(ACCEPTED)])
def test_valid_writes_patch_exactly_what_was_asked(cluster, tool, args, body):
    server, kube, audit = cluster
    result = session_call(server, tool, {**BASE, **args, "dry_run": True})
    assert not result.isError, result.content[0].text
    [(_, call_args, kwargs)] = kube.calls
    assert call_args[2] == body and kwargs["dry_run"] == "All"
    assert audit.records[-1]["outcome"] == "dry_run_ok"


def test_replica_bounds_are_in_the_schema_and_follow_the_server_setting():
    server = build_server(FakeKube(), WritePolicy(), AuditLog(None, "kubernetes"))
    replicas = server._tool_manager.get_tool("scale").parameters["properties"]["replicas"]
    assert (replicas["minimum"], replicas["maximum"]) == (0, 1000) and "1000" in replicas["description"]

    kube, audit = FakeKube(), AuditLog(None, "kubernetes")
    small = build_server(kube, WritePolicy(allow_writes=True, namespaces=frozenset({"shop"})), audit, max_replicas=5)
    replicas = small._tool_manager.get_tool("scale").parameters["properties"]["replicas"]
    assert replicas["maximum"] == 5 and "--max-replicas" in replicas["description"]
    result = session_call(small, "scale", {**BASE, "replicas": 6})
    assert result.isError and "maximum of 5" in result.content[0].text and "SRE_MCP_MAX_REPLICAS" in result.content[0].text
    assert kube.calls == [] and audit.records[-1]["outcome"] == "refused"
    assert not session_call(small, "scale", {**BASE, "replicas": 5, "dry_run": True}).isError


@pytest.mark.parametrize(("text", "value"), [("250m", "0.25"), ("1.5", "1.5"), ("512Mi", str(512 * 2**20)), ("1e3", "1E+3"),
                                             (".5", "0.5"), ("2G", "2000000000"), ("512MB", None), ("half", None),
                                             ("inf", None), ("NaN", None), ("1_000", None), ("", None), ("Mi", None)])
def test_the_one_quantity_parser_follows_kubernetes_grammar(text, value):
    assert parse_quantity(text) == (None if value is None else Decimal(value))


def list_names(server) -> set[str]:
    async def steps():
        async with create_connected_server_and_client_session(server._mcp_server) as session:
            return {t.name for t in (await session.list_tools()).tools}
    return asyncio.run(steps())


def test_arguments_refused_before_the_tool_runs_are_audited(cluster):
    server, kube, audit = cluster
    bad = [({**BASE, "replicas": "many"}, "replicas"), ({**BASE, "replicas": 1, "dryRun": True}, "'dryRun'"),
           ({**BASE, "replicas": 1, "namespace": "Not_A_Namespace"}, "namespace"), ({"namespace": "shop", "name": "web"}, "reason")]
    for args, says in bad:
        result = session_call(server, "scale", args)
        assert result.isError and says in result.content[0].text
        record = audit.records[-1]
        assert (record["tool"], record["outcome"]) == ("scale", "refused") and says in record["detail"], record
        assert record["args"] == args and record["reason"] == args.get("reason", "")
    assert kube.calls == [] and len(audit.records) == len(bad)


def test_a_server_without_writes_lists_only_reads_and_refuses_a_write_call_anyway():
    kube, audit = FakeKube(), AuditLog(None, "kubernetes")
    server = build_server(kube, WritePolicy(), audit)
    names = list_names(server)
    assert "get_resources" in names and not names & {"scale", "set_image", "set_resources", "delete_pod", "cordon",
                                                      "uncordon", "rollout_undo", "rollout_restart"}
    # hidden, not gone: a client that calls one anyway is told why, whatever its arguments, and it is audited
    for args in ({**BASE, "replicas": 3}, {"replicas": "lots"}):
        result = session_call(server, "scale", args)
        assert result.isError and "writes are disabled" in result.content[0].text and "--allow-writes" in result.content[0].text
        assert audit.records[-1]["outcome"] == "refused" and audit.records[-1]["args"] == args
    assert kube.calls == []
    writable = build_server(FakeKube(), WritePolicy(allow_writes=True, namespaces=frozenset({"shop"})), audit)
    assert {"scale", "set_image", "set_resources"} <= list_names(writable)


def test_a_server_with_writes_refuses_to_start_when_its_audit_log_cannot_be_written(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    settings = ServerSettings(allow_writes=True, namespaces="shop", audit_log=blocker / "audit.jsonl")
    with pytest.raises(SystemExit, match="cannot be appended to"):
        policy_from_settings(settings, "kubernetes")
    policy, audit = policy_from_settings(ServerSettings(allow_writes=True, namespaces="shop",
                                                        audit_log=tmp_path / "logs" / "audit.jsonl"), "kubernetes")
    assert policy.allow_writes and (tmp_path / "logs" / "audit.jsonl").exists()
