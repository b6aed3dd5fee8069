"""The fix writes for objects that are not workloads -- a Service's selector and targetPort, an HPA's
maxReplicas, a node's taint -- driven through a real MCP stdio session against the lab's API emulator,
read back with the official client. Each refuses a change that would reach nothing, lower capacity or
touch what Kubernetes manages itself, and audits every attempt."""

from __future__ import annotations

import pytest
from kubernetes import client
from mcp_harness import stdio_client_for

from .audit_records import last_audit

MODULE = "mcp_servers.kubernetes"


@pytest.fixture(scope="module")
def mcp(lab, audit_path):
    # '*': node writes are cluster-scoped
    session = stdio_client_for(MODULE, ["--allow-writes", "--namespaces", "*", "--audit-log", str(audit_path),
                                        "--max-replicas", "50"], lab.env())
    yield session
    session.close()


def test_a_typoed_selector_is_pointed_back_at_pods_and_never_at_nothing(mcp, api, audit_path):
    core = client.CoreV1Api(api)
    core.patch_namespaced_service("catalog", "shop", {"spec": {"selector": {"app": "catalgo"}}})
    nothing = mcp.call("set_service_selector", {"namespace": "shop", "name": "catalog", "selector": {"app": "nosuch"},
                                                "reason": "selector test"})
    assert nothing.is_error and "no pod in shop carries" in nothing.text, nothing.text
    assert last_audit(audit_path) == ("set_service_selector", "refused")
    stale = mcp.call("set_service_selector", {"namespace": "shop", "name": "catalog", "selector": {"app": "catalog"},
                                              "reason": "selector test", "expect_selector": {"app": "catalog-v2"}})
    assert stale.is_error and "precondition failed" in stale.text, stale.text
    dry = mcp.call("set_service_selector", {"namespace": "shop", "name": "catalog", "selector": {"app": "catalog"},
                                            "reason": "selector test", "dry_run": True})
    assert not dry.is_error and core.read_namespaced_service("catalog", "shop").spec.selector == {"app": "catalgo"}
    fixed = mcp.call("set_service_selector", {"namespace": "shop", "name": "catalog", "selector": {"app": "catalog"},
                                              "reason": "selector test", "expect_selector": {"app": "catalgo"}})
    assert not fixed.is_error, fixed.text
    assert core.read_namespaced_service("catalog", "shop").spec.selector == {"app": "catalog"}
    assert last_audit(audit_path) == ("set_service_selector", "applied")


def test_a_selector_key_the_new_one_drops_is_removed(mcp, api):
    core = client.CoreV1Api(api)
    core.patch_namespaced_service("search", "shop", {"spec": {"selector": {"app": "search", "tier": "api"}}})
    fixed = mcp.call("set_service_selector", {"namespace": "shop", "name": "search", "selector": {"app": "search"},
                                              "reason": "selector test"})
    assert not fixed.is_error, fixed.text
    assert core.read_namespaced_service("search", "shop").spec.selector == {"app": "search"}


def test_a_target_port_goes_only_to_a_port_the_pods_declare_and_other_ports_stay(mcp, api, audit_path):
    core = client.CoreV1Api(api)
    core.patch_namespaced_service("inventory", "shop", {"spec": {"ports": [
        {"name": "http", "port": 8080, "targetPort": "htp"}, {"name": "admin", "port": 9090, "targetPort": 9090}]}})
    undeclared = mcp.call("set_service_target_port", {"namespace": "shop", "name": "inventory", "port": 8080,
                                                      "target_port": "web", "reason": "port test"})
    assert undeclared.is_error and "declare no port named 'web'" in undeclared.text, undeclared.text
    no_port = mcp.call("set_service_target_port", {"namespace": "shop", "name": "inventory", "port": 81,
                                                   "target_port": "http", "reason": "port test"})
    assert no_port.is_error and "has no port 81" in no_port.text, no_port.text
    fixed = mcp.call("set_service_target_port", {"namespace": "shop", "name": "inventory", "port": 8080,
                                                 "target_port": "http", "reason": "port test", "expect_target_port": "htp"})
    assert not fixed.is_error, fixed.text
    ports = {p.port: p.target_port for p in core.read_namespaced_service("inventory", "shop").spec.ports}
    assert ports == {8080: "http", 9090: 9090}
    assert last_audit(audit_path) == ("set_service_target_port", "applied")


def test_an_autoscaler_cap_is_only_raised_and_within_the_servers_maximum(mcp, api, audit_path):
    autoscaling = client.AutoscalingV2Api(api)
    autoscaling.create_namespaced_horizontal_pod_autoscaler("shop", {
        "metadata": {"name": "checkout"}, "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "checkout"},
            "minReplicas": 1, "maxReplicas": 3,
            "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization",
                                                                                     "averageUtilization": 70}}}]}})
    lowered = mcp.call("raise_hpa_max", {"namespace": "shop", "name": "checkout", "max_replicas": 2, "reason": "hpa test"})
    assert lowered.is_error and "only raises" in lowered.text, lowered.text
    runaway = mcp.call("raise_hpa_max", {"namespace": "shop", "name": "checkout", "max_replicas": 51, "reason": "hpa test"})
    assert runaway.is_error and "--max-replicas" in runaway.text, runaway.text
    raised = mcp.call("raise_hpa_max", {"namespace": "shop", "name": "checkout", "max_replicas": 6, "reason": "hpa test",
                                        "expect_max_replicas": 3})
    assert not raised.is_error, raised.text
    assert autoscaling.read_namespaced_horizontal_pod_autoscaler("checkout", "shop").spec.max_replicas == 6
    assert last_audit(audit_path) == ("raise_hpa_max", "applied")


def test_a_maintenance_taint_is_removed_and_a_controllers_taint_is_refused(mcp, api, audit_path):
    core = client.CoreV1Api(api)
    node = core.list_node().items[0].metadata.name
    core.patch_node(node, {"spec": {"taints": [{"key": "maintenance", "value": "kernel", "effect": "NoSchedule"},
                                               {"key": "dedicated", "value": "db", "effect": "NoSchedule"}]}})
    system = mcp.call("remove_node_taint", {"node": node, "key": "node.kubernetes.io/unreachable", "effect": "NoExecute",
                                            "reason": "taint test"})
    assert system.is_error and "set by Kubernetes itself" in system.text, system.text
    absent = mcp.call("remove_node_taint", {"node": node, "key": "maintenance", "effect": "NoExecute", "reason": "taint test"})
    assert absent.is_error and "has no taint maintenance:NoExecute" in absent.text, absent.text
    removed = mcp.call("remove_node_taint", {"node": node, "key": "maintenance", "effect": "NoSchedule", "reason": "taint test"})
    assert not removed.is_error, removed.text
    assert [(t.key, t.effect) for t in core.read_node(node).spec.taints] == [("dedicated", "NoSchedule")]
    assert last_audit(audit_path) == ("remove_node_taint", "applied")


def test_without_writes_allowed_none_of_them_is_listed(lab):
    session = stdio_client_for(MODULE, [], lab.env())
    try:
        names = {tool.name for tool in session.list_tools()}
    finally:
        session.close()
    assert not names & {"set_service_selector", "set_service_target_port", "raise_hpa_max", "remove_node_taint"}


def test_node_writes_open_with_allow_node_writes_while_namespaced_writes_stay_narrow(lab, api):
    """--allow-node-writes: a node's cordon or taint without '*' -- writes elsewhere stay limited to --namespaces."""
    core = client.CoreV1Api(api)
    node = core.list_node().items[-1].metadata.name
    session = stdio_client_for(MODULE, ["--allow-writes", "--namespaces", "payments", "--allow-node-writes"], lab.env())
    try:
        cordoned = session.call("cordon", {"node": node, "reason": "node writes test", "dry_run": True})
        assert not cordoned.is_error, cordoned.text
        elsewhere = session.call("set_service_selector", {"namespace": "shop", "name": "catalog",
                                                          "selector": {"app": "catalog"}, "reason": "node writes test"})
        assert elsewhere.is_error and "not in this server's allow-list" in elsewhere.text, elsewhere.text
    finally:
        session.close()
    narrow = stdio_client_for(MODULE, ["--allow-writes", "--namespaces", "payments"], lab.env())
    try:
        refused = narrow.call("cordon", {"node": node, "reason": "node writes test", "dry_run": True})
        assert refused.is_error and "--allow-node-writes" in refused.text, refused.text
    finally:
        narrow.close()
