"""The Kubernetes server knows which cluster it is bound to, and a write pinned to another cluster
(`expect_cluster`) is refused before anything reaches the API -- dry runs too -- and audited; every
audit record names the cluster. Resolution tables run on kubeconfig files written here; the writes go
through an in-memory MCP session against a fake cluster that records every call."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from kubernetes.config import ConfigException
from mcp.server.fastmcp import FastMCP

from mcp_servers.common.registry import ToolResult, register
from mcp_servers.common.safety import AuditedWriteGuard, AuditLog, WritePolicy
from mcp_servers.common.serve import server_parser
from mcp_servers.common.settings import settings_from_args
from mcp_servers.kubernetes.cluster_name import ClusterBinding, eks_cluster_name, resolve_cluster
from mcp_servers.kubernetes.kube import KubeClient
from mcp_servers.kubernetes.server import build_server
from mcp_servers.kubernetes.tools.context import ClusterPinnedGuard

from .test_strict_writes import BASE, FakeKube, list_names, session_call

EAST_ARN = "arn:aws:eks:us-east-1:111122223333:cluster/shop-prod"
WRITABLE = WritePolicy(allow_writes=True, namespaces=frozenset({"shop"}), cluster_scoped=True)


def kubeconfig(tmp_path, current: str = "east") -> str:
    """Two contexts whose cluster entries are named otherwise than the contexts: an EKS ARN and a plain name."""
    config = {"apiVersion": "v1", "kind": "Config", "current-context": current,
              "clusters": [{"name": EAST_ARN, "cluster": {"server": "https://east.example:6443"}},
                           {"name": "kind-west", "cluster": {"server": "https://west.example:6443"}}],
              "users": [{"name": "admin", "user": {"token": "s3cr3t-token-value"}}],
              "contexts": [{"name": "east", "context": {"cluster": EAST_ARN, "user": "admin"}},
                           {"name": "west", "context": {"cluster": "kind-west", "user": "admin"}}]}
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(config))
    return str(path)


@pytest.mark.parametrize(("entry", "name"), [
    (EAST_ARN, "shop-prod"),
    ("arn:aws-cn:eks:cn-north-1:111122223333:cluster/beijing", "beijing"),
    ("arn:aws-us-gov:eks:us-gov-west-1:111122223333:cluster/gov_1", "gov_1"),
    ("kind-west", "kind-west"),
    ("shop-prod.eu-west-1.eksctl.io", "shop-prod.eu-west-1.eksctl.io"),  # not an ARN: as written
    ("arn:aws:eks:us-east-1:111122223333:nodegroup/shop-prod/ng/abc", "arn:aws:eks:us-east-1:111122223333:nodegroup/shop-prod/ng/abc"),
    ("arn:aws:eks:us-east-1:1234:cluster/short-account", "arn:aws:eks:us-east-1:1234:cluster/short-account"),
])
def test_an_eks_arn_gives_its_cluster_name_anything_else_stays_as_written(entry, name):
    assert eks_cluster_name(entry) == name


RESOLUTIONS = [
    # (flag, --context, in-cluster) -> (name, name_from, context, kubeconfig cluster entry)
    ((None, None, False), ("shop-prod", "kubeconfig", "east", EAST_ARN)),  # current-context, ARN tail
    ((None, "west", False), ("kind-west", "kubeconfig", "west", "kind-west")),  # the chosen context's cluster entry
    (("payments", None, False), ("payments", "--cluster-name", "east", EAST_ARN)),  # the flag wins
    (("payments", "west", False), ("payments", "--cluster-name", "west", "kind-west")),
    (("  ", "west", False), ("kind-west", "kubeconfig", "west", "kind-west")),  # a blank flag is no flag
    ((None, None, True), (None, "none", None, None)),  # in-cluster without the flag: no name
    (("payments", None, True), ("payments", "--cluster-name", None, None)),
]


@pytest.mark.parametrize(("given", "expected"), RESOLUTIONS, ids=[str(g) for g, _ in RESOLUTIONS])
def test_the_cluster_name_is_the_flag_else_the_chosen_contexts_cluster_entry(tmp_path, given, expected):
    flag, context, in_cluster = given
    bound = resolve_cluster(flag, kubeconfig(tmp_path), context, in_cluster)
    assert (bound.name, bound.name_from, bound.context, bound.kubeconfig_cluster) == expected
    assert bound.in_cluster is in_cluster


def test_a_context_the_kubeconfig_lacks_is_an_error_not_a_guess(tmp_path):
    with pytest.raises(ConfigException, match="no context 'north'"):
        resolve_cluster(None, kubeconfig(tmp_path), "north", False)


@pytest.mark.parametrize(("argv", "env", "expected"), [
    ([], {}, None),
    (["--cluster-name", "shop-prod"], {}, "shop-prod"),
    ([], {"SRE_MCP_CLUSTER_NAME": "from-env"}, "from-env"),
    (["--cluster-name", "from-flag"], {"SRE_MCP_CLUSTER_NAME": "from-env"}, "from-flag"),
])
def test_cluster_name_is_a_kubernetes_flag_with_an_environment_variable(monkeypatch, argv, env, expected):
    monkeypatch.delenv("SRE_MCP_CLUSTER_NAME", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert settings_from_args(server_parser("kubernetes", "").parse_args(argv)).cluster_name == expected
    assert "--cluster-name" not in server_parser("cloudwatch", "").format_help()


def bound_server(name: str | None, kube: Any = None, policy: WritePolicy = WRITABLE) -> tuple[Any, Any, AuditLog]:
    kube, audit = kube or FakeKube(), AuditLog(None, "kubernetes", actor="tester")
    cluster = ClusterBinding(name=name, name_from="kubeconfig" if name else "none", context=name)
    return build_server(kube, policy, audit, cluster=cluster), kube, audit


SCALE = {**BASE, "replicas": 3}
PINS = [
    # (server's cluster, expect_cluster (absent: not sent), dry_run) -> outcome, what the answer says
    ("shop-prod", "shop-prod", False, "applied", "scaled from 2 to 3"),
    ("shop-prod", "shop-prod", True, "dry_run_ok", "scaled from 2 to 3"),
    ("shop-prod", "absent", False, "applied", "scaled from 2 to 3"),  # single-cluster callers: as before
    (None, "absent", True, "dry_run_ok", "scaled from 2 to 3"),
    ("shop-prod", "shop-staging", False, "refused",
     "this server is bound to cluster 'shop-prod', the write was planned for 'shop-staging'. Nothing was changed."),
    ("shop-prod", "shop-staging", True, "refused", "Send the write to the Kubernetes server of cluster 'shop-staging'"),
    ("shop-prod", "Shop-Prod", False, "refused", "planned for 'Shop-Prod'"),  # names are compared exactly
    (None, "shop-prod", False, "refused", "this server has no cluster name"),
    (None, "shop-prod", True, "refused", "Start the server with --cluster-name"),
]


@pytest.mark.parametrize(("bound", "planned", "dry_run", "outcome", "says"), PINS,
                         ids=[f"{b}-{p}-{'dry' if d else 'real'}" for b, p, d, _, _ in PINS])
def test_a_write_pinned_to_another_cluster_is_refused_sends_nothing_and_is_audited(bound, planned, dry_run, outcome, says):
    server, kube, audit = bound_server(bound)
    call = {**SCALE, "dry_run": dry_run, **({} if planned == "absent" else {"expect_cluster": planned})}
    result = session_call(server, "scale", call)
    text = result.content[0].text
    assert result.isError is (outcome == "refused") and says in text, text
    assert len(kube.calls) == (0 if outcome == "refused" else 1)
    [record] = audit.records
    assert (record["tool"], record["outcome"], record["cluster"], record["dry_run"]) == ("scale", outcome, bound, dry_run)
    if outcome == "refused":
        assert record["detail"] == text.removeprefix("Error executing tool scale: ")
        assert record["args"]["expect_cluster"] == planned and record["reason"] == BASE["reason"]


class Untouchable:
    """A cluster no write may reach: any use of it fails the test."""

    server = "https://untouchable"

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the API was used ({name}) by a write pinned to another cluster")


def write_tools(server) -> list[Any]:
    return [t for t in server._tool_manager.list_tools() if t.annotations and t.annotations.readOnlyHint is False]


def test_every_write_tool_declares_expect_cluster_and_no_read_tool_does():
    server, _, _ = bound_server("shop-prod")
    writes = {t.name for t in write_tools(server)}
    assert len(writes) == 21 and {"scale", "rollout_undo", "cordon", "remove_node_taint", "stop_cronjob_pileup",
                                  "set_cronjob_image", "resume_cronjob", "set_key_reference"} <= writes
    for tool in server._tool_manager.list_tools():
        declared = tool.parameters["properties"].get("expect_cluster")
        if tool.name in writes:
            assert declared and "planned for" in declared["description"] and "expect_cluster" not in tool.parameters.get(
                "required", []), tool.name
        else:
            assert declared is None, tool.name


def test_every_write_tool_refuses_another_clusters_write_before_reading_anything():
    server, _, audit = bound_server("shop-prod", kube=Untouchable())
    names = sorted(t.name for t in write_tools(server))
    for name in names:
        result = session_call(server, name, {"reason": "pinned elsewhere", "dry_run": True, "expect_cluster": "shop-staging"})
        assert result.isError and "bound to cluster 'shop-prod'" in result.content[0].text, (name, result.content[0].text)
    assert [(r["tool"], r["outcome"], r["cluster"]) for r in audit.records] == [(n, "refused", "shop-prod") for n in names]


def test_a_server_without_writes_still_says_writes_are_disabled_first():
    server, kube, audit = bound_server("shop-prod", policy=WritePolicy())
    result = session_call(server, "scale", {**SCALE, "expect_cluster": "shop-staging"})
    assert result.isError and "writes are disabled" in result.content[0].text
    assert kube.calls == [] and audit.records[-1]["outcome"] == "refused"


@pytest.mark.parametrize(("server", "fields", "cluster"), [
    ("kubernetes", {"cluster": "shop-prod"}, "shop-prod"),
    ("kubernetes", {"cluster": None}, None),
    ("ssm", None, "absent"),  # the AWS servers' records stay as they were
])
def test_audit_records_carry_the_fields_their_log_was_given(server, fields, cluster):
    record = AuditLog(None, server, fields=fields).write(tool="t", args={}, reason="why", dry_run=False, outcome="applied")
    assert record.get("cluster", "absent") == cluster and record["server"] == server and record["outcome"] == "applied"


@pytest.mark.parametrize(("context", "flag", "expected"), [
    (None, None, {"cluster": "shop-prod", "name_from": "kubeconfig", "context": "east", "kubeconfig_cluster": EAST_ARN,
                  "server": "https://east.example:6443"}),
    ("west", None, {"cluster": "kind-west", "name_from": "kubeconfig", "context": "west", "kubeconfig_cluster": "kind-west",
                    "server": "https://west.example:6443"}),
    ("west", "payments", {"cluster": "payments", "name_from": "--cluster-name", "context": "west",
                          "kubeconfig_cluster": "kind-west", "server": "https://west.example:6443"}),
])
def test_cluster_info_says_where_the_server_points_and_no_credentials(tmp_path, context, flag, expected):
    path = kubeconfig(tmp_path)
    kube = KubeClient(path, context)  # builds its configuration only: nothing is asked of a cluster
    server = build_server(kube, WritePolicy(), AuditLog(None, "kubernetes"),
                          cluster=resolve_cluster(flag, path, context, kube.in_cluster))
    assert "cluster_info" in list_names(server)  # a read tool: listed with writes off
    result = session_call(server, "cluster_info", {})
    assert not result.isError and result.structuredContent == {**expected, "redacted": 0}
    assert "s3cr3t" not in result.content[0].text


def test_cluster_info_of_an_in_cluster_server_without_a_name():
    server = build_server(FakeKube(), WritePolicy(), AuditLog(None, "kubernetes"), cluster=ClusterBinding(in_cluster=True))
    answer = session_call(server, "cluster_info", {}).structuredContent
    assert answer == {"cluster": None, "name_from": "none", "context": "in-cluster", "kubeconfig_cluster": None,
                      "server": "https://fake", "redacted": 0}


class Done(ToolResult):
    done: bool


def test_a_tool_may_not_declare_an_argument_its_write_guard_reads():
    guard = ClusterPinnedGuard(WRITABLE, AuditLog(None, "kubernetes"), cluster="shop-prod")

    def clash(reason: str, expect_cluster: str | None = None) -> Done:
        return Done(done=True)

    with pytest.raises(TypeError, match="expect_cluster, which its write guard reads itself"):
        register(FastMCP("t"), clash, title="t", read_only=False, destructive=False, idempotent=True, open_world=False,
                 guard=guard)
    assert [p.name for p in guard.parameters()] == ["expect_cluster"]
    assert AuditedWriteGuard(WRITABLE, AuditLog(None, "ssm")).parameters() == ()  # the SSM server's writes: no such argument
