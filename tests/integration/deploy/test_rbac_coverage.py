"""The RBAC manifests grant exactly what the Kubernetes MCP server's tools request -- measured, not
listed by hand: every tool is run against a lab (writes as server-side dry runs, which RBAC checks
like real writes) and every request the lab's API server serves is turned into the
(apiGroup, resource, verb) kube-apiserver would authorize.

The one deliberate gap is Secrets: some tools do read them (below), and the read-only ClusterRole
still grants no Secret access, because `get`/`list` on secrets hands over every value."""

from __future__ import annotations

import pytest
from mcp_harness import stdio_client_for

from ...unit.infra.manifests import base_documents, one, optional_documents
from ...unit.infra.rbac_model import READ_VERBS, Authorizer, Permission, granted
from .tool_requests import MODULE, RequestRecorder, record_tool_requests

# Requested by the tools, withheld by the manifests, and what a tool does without them (a 403).
WITHHELD = {
    Permission("", "secrets", "get"): "describe, get_resources and find_resource asked for Secrets answer the API's "
                                      "403; ownership skips service hosts named only inside Secrets; add_pull_secret "
                                      "(it checks the Secret is a registry credential) is refused",
    Permission("", "secrets", "list"): "analyze lists Secrets to check that referenced ones exist, search_text to read "
                                       "their notes (never a value): both skip them on a 403 "
                                       "(mcp_servers/kubernetes/tools/analysis.py, text_search.py)",
}
# The tools that read Secrets, measured; a new reader must be looked at before it is listed here.
SECRET_READERS = {"get_resources", "describe", "find_resource", "analyze", "ownership", "add_pull_secret", "search_text"}
# What every authenticated identity may read (the system:discovery ClusterRole), so no manifest grants it.
DISCOVERY_PATHS = ("/api", "/apis", "/version", "/openapi")


@pytest.fixture(scope="module")
def lab():
    from sre_agent.lab.lab import Lab

    lab = Lab(history_minutes=30).start()
    try:
        lab.load("bad-image")
        yield lab
    finally:
        lab.stop()


@pytest.fixture(scope="module")
def measured(lab):
    return record_tool_requests(lab)


@pytest.fixture(scope="module")
def under_the_manifests(lab, measured):
    """A server whose every request the lab answers as RBAC would under the base manifests (403 for
    anything they do not grant). Its own write gate is wide open (`--namespaces *`): what is refused
    here is refused by RBAC alone, the layer that still holds if the server is misconfigured."""
    grants = Authorizer.of(d for d in base_documents() if d["kind"] in ("Role", "ClusterRole"))
    client = stdio_client_for(MODULE, ["--allow-writes", "--namespaces", "*"], lab.env())
    try:
        with RequestRecorder(lab.api, enforce=grants):
            yield client
    finally:
        client.close()


def permissions(measured, *, verbs=None, namespaced=None) -> set[Permission]:
    _, _, requests = measured
    return {a.permission for _, a in requests if a.permission
            and (verbs is None or (a.permission.verb in READ_VERBS) == (verbs == "read"))
            and (namespaced is None or (a.namespace is not None) == namespaced)}


def test_every_tool_the_server_lists_was_exercised(measured):
    listed, called, requests = measured
    assert called == listed, f"not exercised: {sorted(listed - called)}; unknown: {sorted(called - listed)}"
    assert len(requests) > 50


def test_the_tools_make_no_non_resource_requests_beyond_discovery(measured):
    _, _, requests = measured
    paths = {a.non_resource_path for _, a in requests if a.non_resource_path}
    assert all(p.startswith(DISCOVERY_PATHS) for p in paths), sorted(paths)


def test_the_investigation_cluster_role_grants_exactly_the_reads_minus_secrets(measured):
    reads = permissions(measured, verbs="read")
    role = granted([one(base_documents(), "ClusterRole", "sre-agent-investigate")])
    assert role - reads == set(), f"granted but never requested: {sorted(map(str, role - reads))}"
    missing = reads - role - set(WITHHELD)
    assert missing == set(), f"requested but not granted: {sorted(map(str, missing))}"


def test_the_remediation_role_grants_exactly_the_namespaced_writes(measured):
    writes = permissions(measured, verbs="write", namespaced=True)
    role = granted([one(base_documents(), "Role", "sre-agent-remediate")])
    assert role == writes, f"extra: {sorted(map(str, role - writes))}; missing: {sorted(map(str, writes - role))}"


def test_the_opt_in_node_role_grants_exactly_the_cluster_scoped_writes(measured):
    writes = permissions(measured, verbs="write", namespaced=False)
    assert writes == {Permission("", "nodes", "patch")}
    assert granted(optional_documents()) == writes


def test_secrets_are_read_by_the_known_tools_only_and_granted_to_none(measured):
    _, _, requests = measured
    readers = {tool for tool, a in requests if a.permission and a.permission.resource == "secrets"}
    assert readers == SECRET_READERS
    assert {a.permission for _, a in requests if a.permission and a.permission.resource == "secrets"} == set(WITHHELD)
    every_role = [d for d in base_documents() + optional_documents() if d["kind"] in ("Role", "ClusterRole")]
    assert not set(WITHHELD) & granted(every_role)


READS_UNDER_THE_MANIFESTS = [
    ("get_resources", {"kind": "Pod", "namespace": "shop"}),
    ("describe", {"kind": "Deployment", "name": "catalog", "namespace": "shop"}),
    ("pod_logs", {"namespace": "payments", "name": None}),
    ("events", {}),
    ("rollout_history", {"namespace": "shop", "name": "catalog"}),
    ("top", {"kind": "nodes"}),
    ("find_resource", {"name": "catalog"}),
    ("ownership", {"kind": "Deployment", "name": "checkout", "namespace": "shop"}),
    ("analyze", {"kinds": ["Node", "Service", "PersistentVolumeClaim"]}),  # the analyzers that need no Secrets
]


@pytest.mark.parametrize(("tool", "args"), READS_UNDER_THE_MANIFESTS, ids=[t for t, _ in READS_UNDER_THE_MANIFESTS])
def test_investigation_tools_work_under_the_manifests(under_the_manifests, tool, args):
    if tool == "pod_logs":  # a running pod's name, found under the same grants
        pods = under_the_manifests.call("get_resources", {"kind": "Pod", "namespace": "payments",
                                                          "field_selector": "status.phase=Running"}).json()["items"]
        args = {**args, "name": pods[0]["name"], "tail": 5}
    result = under_the_manifests.call(tool, args)
    assert not result.is_error, result.text


def test_a_secret_asked_for_by_name_is_a_clear_access_denied_error(under_the_manifests):
    result = under_the_manifests.call("describe", {"kind": "Secret", "name": "checkout-db", "namespace": "shop"})
    assert result.is_error and "access denied" in result.text and "secrets is forbidden" in result.text, result.text


def first_pod(client, namespace: str) -> str:
    return client.call("get_resources", {"kind": "Pod", "namespace": namespace}).json()["items"][0]["name"]


def test_remediation_works_in_the_roles_namespace_only_and_nodes_stay_closed(under_the_manifests):
    dry = {"reason": "rbac probe", "dry_run": True}
    done = under_the_manifests.call("delete_pod", {"namespace": "shop", "name": first_pod(under_the_manifests, "shop"), **dry})
    assert not done.is_error, done.text
    scaled = under_the_manifests.call("scale", {"namespace": "shop", "name": "checkout", "replicas": 2, **dry})
    assert not scaled.is_error, scaled.text
    elsewhere = under_the_manifests.call("delete_pod", {"namespace": "payments",
                                                        "name": first_pod(under_the_manifests, "payments"), **dry})
    assert elsewhere.is_error and "pods is forbidden" in elsewhere.text, elsewhere.text
    nodes = under_the_manifests.call("get_resources", {"kind": "Node"}).json()["items"]
    cordon = under_the_manifests.call("cordon", {"node": nodes[0]["name"], **dry})
    assert cordon.is_error and "nodes is forbidden" in cordon.text, "cordon needs optional/rbac-nodes.yaml"


def test_a_whole_cluster_analysis_works_without_secret_access(under_the_manifests):
    result = under_the_manifests.call("analyze", {"namespace": "shop"})
    assert not result.is_error, result.text
    assert result.json()["not_read"] == ["Secret"]  # said, not silently skipped
