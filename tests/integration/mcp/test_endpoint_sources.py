"""Where a caller's endpoint comes from, and whether anything serves it: the ownership walk names, for every
in-cluster Service a workload's env points at, the object the value lives in (the pod template, a ConfigMap key,
a Secret key -- never the value), the ports a Service exposes when the caller's is not one of them, and the
close names of a Service that does not exist (a typo in a host). Over a real MCP session against the lab."""

from __future__ import annotations

import base64

import pytest
from kubernetes import client, config
from mcp_harness import stdio_client_for

from sre_agent.lab.lab import Lab

pytestmark = pytest.mark.slow


def _caller(name: str, env: list[dict]) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": "shop"},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "app", "image": "registry.example.com/shop/frontend:2.4.1",
                                                           "env": env}]}}}}


@pytest.fixture(scope="module")
def mcp():
    lab = Lab(history_minutes=10).start()
    lab.load("healthy-baseline")
    cfg = client.Configuration()
    config.load_kube_config(config_file=str(lab.kubeconfig), client_configuration=cfg)
    api = client.ApiClient(cfg)
    core, apps = client.CoreV1Api(api), client.AppsV1Api(api)
    core.create_namespaced_config_map("shop", {"metadata": {"name": "caller-endpoints"},
                                               "data": {"CHECKOUT_URL": "http://checkout.shop.svc.cluster.local:8443",
                                                        "SEARCH_URL": "http://search.platform.svc.cluster.local:8080",
                                                        "ORDERS_URL": "http://checkout.legacy.svc.cluster.local:8080",
                                                        "RETIRED_URL": "http://retired.shop.svc.cluster.local:8080"}})
    # checkout moved out of "legacy", which keeps a look-alike (checkout-db): the caller still names the old namespace
    core.create_namespace({"metadata": {"name": "legacy"}})
    core.create_namespaced_service("legacy", {"metadata": {"name": "checkout-db"},
                                              "spec": {"selector": {"app": "checkout-db"}, "ports": [{"port": 5432}]}})
    # a Service deleted: its Endpoints go with it (the endpoints controller), so its name names nothing
    core.create_namespaced_service("shop", {"metadata": {"name": "retired"},
                                            "spec": {"selector": {"app": "frontend"}, "ports": [{"port": 8080}]}})
    lab.advance(60)
    core.delete_namespaced_service("retired", "shop")
    lab.advance(60)
    core.create_namespaced_secret("shop", {"metadata": {"name": "caller-db"}, "data": {
        "CATALOG_DSN": base64.b64encode(b"postgres://app:hunter2@catlog.shop:8080/db").decode()}})
    caller = _caller("caller", [
        {"name": "CHECKOUT_URL", "valueFrom": {"configMapKeyRef": {"name": "caller-endpoints", "key": "CHECKOUT_URL"}}},
        {"name": "CATALOG_DSN", "valueFrom": {"secretKeyRef": {"name": "caller-db", "key": "CATALOG_DSN"}}},
        {"name": "SEARCH_URL", "valueFrom": {"configMapKeyRef": {"name": "caller-endpoints", "key": "SEARCH_URL"}}},
        {"name": "FRONTEND_URL", "value": "http://frontend:80"},
        {"name": "ORDERS_URL", "valueFrom": {"configMapKeyRef": {"name": "caller-endpoints", "key": "ORDERS_URL"}}},
        {"name": "RETIRED_URL", "valueFrom": {"configMapKeyRef": {"name": "caller-endpoints", "key": "RETIRED_URL"}}}])
    # an init container that waits for a host named in its command (a typo in it keeps every new pod in Init)
    caller["spec"]["template"]["spec"]["initContainers"] = [
        {"name": "wait-for-db", "image": "registry.example.com/shop/frontend:2.4.1",
         "command": ["wait-for", "catlog.shop.svc.cluster.local:8080", "--timeout=0"]}]
    apps.create_namespaced_deployment("shop", caller)
    session = stdio_client_for("mcp_servers.kubernetes", ["--namespaces", "shop"], lab.env())
    yield session
    session.close()
    lab.stop()


def test_each_dependency_names_where_its_value_lives_and_what_answers_it(mcp):
    walk = mcp.call("ownership", {"kind": "Deployment", "name": "caller", "namespace": "shop"})
    calls = {c["env"]: c for c in walk.json()["calls"]}
    checkout = calls["CHECKOUT_URL"]  # a port the Service does not expose, from a ConfigMap key
    assert checkout["source"] == "ConfigMap/caller-endpoints/CHECKOUT_URL" and checkout["exists"]
    assert checkout["port"] == 8443 and checkout["exposed_ports"] == [8080] and checkout["port_problem"]
    assert checkout["corrected_value"] == "http://checkout.shop.svc.cluster.local:8080" and checkout["container"] == "app"
    catalog = calls["CATALOG_DSN"]  # a host no Service has, from a Secret key: its close names, never the value
    assert catalog["source"] == "Secret/caller-db/CATALOG_DSN" and catalog["exists"] is False
    assert catalog["similar_services"] == ["shop/Service/catalog"]
    assert catalog["corrected_value"] is None  # a Secret's value never leaves the server, corrected or not
    assert "hunter2" not in walk.text and "postgres://" not in walk.text
    search = calls["SEARCH_URL"]  # the right name in the wrong namespace: the very name where it lives, value corrected
    assert search["exists"] is False and search["similar_services"] == ["shop/Service/search"]
    assert search["corrected_value"] == "http://search.shop.svc.cluster.local:8080"
    assert calls["FRONTEND_URL"]["source"] == "env" and calls["FRONTEND_URL"]["exists"]
    assert "corrected_value" not in calls["FRONTEND_URL"] or calls["FRONTEND_URL"]["corrected_value"] is None
    orders = calls["ORDERS_URL"]  # the exact name where it moved outranks a look-alike left where it was
    assert orders["exists"] is False and orders["similar_services"] == ["shop/Service/checkout"]
    assert orders["corrected_value"] == "http://checkout.shop.svc.cluster.local:8080"
    assert calls["RETIRED_URL"]["exists"] is False  # deleted with its Endpoints: not "no ready endpoints"
    waits = calls["wait-for-db command"]  # a word of a container's command: where it sits, its close name, corrected
    assert waits["source"] == "command" and waits["path"] == "/initContainers/0/command/1" and waits["exists"] is False
    assert waits["similar_services"] == ["shop/Service/catalog"] and waits["container"] == "wait-for-db"
    assert waits["corrected_value"] == "catalog.shop.svc.cluster.local:8080"
