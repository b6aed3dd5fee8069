"""The RBAC manifests grant exactly what the Kubernetes MCP server's tools request -- measured, not
listed by hand: every tool is run against a lab (writes as server-side dry runs, which RBAC checks
like real writes) and every request the lab's API server serves is turned into the
(apiGroup, resource, verb) kube-apiserver would authorize.

The one deliberate gap is Secrets: some tools do read them (below), and the read-only ClusterRole
still grants no Secret access, because `get`/`list` on secrets hands over every value."""

from __future__ import annotations

import pytest

from ...unit.infra.manifests import base_documents, one, optional_documents
from ...unit.infra.rbac_model import READ_VERBS, Permission, granted
from .tool_requests import record_tool_requests

# Requested by the tools, withheld by the manifests, and what a tool does without them (a 403).
WITHHELD = {
    Permission("", "secrets", "get"): "describe, get_resources and find_resource asked for Secrets answer the API's "
                                      "403; ownership skips service hosts named only inside Secrets",
    Permission("", "secrets", "list"): "analyze lists Secrets to check that referenced ones exist: it needs them to "
                                       "be skipped on a 403 (mcp_servers/kubernetes/tools/analysis.py)",
}
# The tools that read Secrets, measured; a new reader must be looked at before it is listed here.
SECRET_READERS = {"get_resources", "describe", "find_resource", "analyze", "ownership"}
# What every authenticated identity may read (the system:discovery ClusterRole), so no manifest grants it.
DISCOVERY_PATHS = ("/api", "/apis", "/version", "/openapi")


@pytest.fixture(scope="module")
def measured():
    from sre_agent.lab.lab import Lab

    lab = Lab(history_minutes=30).start()
    try:
        lab.load("bad-image")
        yield record_tool_requests(lab)
    finally:
        lab.stop()


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
