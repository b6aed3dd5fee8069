"""A caller's endpoint that nobody serves (graph/endpoint_fixes.py, brains/offline/endpoints.py): which dependency
rows are the caller's own fault, which object holds the value, and the fix written where the value lives."""

from __future__ import annotations

import pytest

from sre_agent.brains.offline.endpoints import misaimed
from sre_agent.contracts import Finding
from sre_agent.graph.endpoint_fixes import endpoint_fixes, value_holder

W = "shop/Deployment/checkout"


@pytest.mark.parametrize("dep, wrong", [
    ({"exists": True, "port": 8443, "exposed_ports": [8080]}, True),  # a port the Service does not expose
    ({"exists": False, "similar_services": ["shop/Service/inventory"]}, True),  # a typo: a close name exists
    ({"exists": False, "similar_services": []}, False),  # gone, nothing close: a dependency that is down
    ({"exists": True, "port": 8080, "ready_endpoints": 0}, False),  # the Service's pods are down, not the value
    ({"exists": True, "port": 8080, "port_problem": "targetPort 9090 no selected pod declares"}, False),  # the Service's
])
def test_only_the_callers_own_value_is_misaimed(dep, wrong):
    assert misaimed(dep) is wrong


@pytest.mark.parametrize("source, holder", [
    ("env", W), ("command", W), ("ConfigMap/checkout-endpoints/INVENTORY_URL", "shop/ConfigMap/checkout-endpoints"),
    ("Secret/checkout-db/DATABASE_URL", "shop/Secret/checkout-db"),
])
def test_the_root_is_the_object_holding_the_value(source, holder):
    assert value_holder(W, {"source": source}) == holder


def _finding(**details) -> Finding:
    return Finding(agent="kubernetes", resource=W, signal="EndpointUnserved", summary="checkout's INVENTORY_URL ...",
                   details={"env": "INVENTORY_URL", "container": "checkout", **details}, evidence=["ev-1"])


@pytest.mark.parametrize("details, holder, commands, needs", [
    ({"source": "ConfigMap/checkout-endpoints/INVENTORY_URL", "corrected_value": "http://inventory:8080"},
     "shop/ConfigMap/checkout-endpoints",
     ["kubectl -n shop patch configmap checkout-endpoints --type merge -p '{\"data\": {\"INVENTORY_URL\": "
      "\"http://inventory:8080\"}}'", "kubectl -n shop rollout restart deployment/checkout"], ""),
    ({"source": "Secret/checkout-db/DSN", "similar_services": ["shop/Service/inventory"]}, "shop/Secret/checkout-db",
     ["kubectl -n shop patch secret checkout-db --type merge -p '{\"stringData\": {\"DSN\": "
      "\"<value naming a host and port that answer>\"}}'", "kubectl -n shop rollout restart deployment/checkout"],
     "the endpoint INVENTORY_URL should name (inventory)"),
    ({"source": "env", "corrected_value": "http://inventory:8080"}, W,
     ["kubectl -n shop set env deployment/checkout -c checkout INVENTORY_URL=http://inventory:8080"], ""),
    # a host in an init container's command ("wait-for inventry:8080"): that one word replaced in the template
    ({"source": "command", "path": "/initContainers/0/command/1", "corrected_value": "inventory:8080"}, W,
     ["kubectl -n shop patch deployment checkout --type json -p '[{\"op\": \"replace\", \"path\": "
      "\"/spec/template/spec/initContainers/0/command/1\", \"value\": \"inventory:8080\"}]'"], ""),
])
def test_the_fix_changes_the_value_where_it_lives(details, holder, commands, needs):
    [fix] = endpoint_fixes([_finding(**details)], holder)
    assert (fix.resource, fix.commands, fix.needs) == (holder, commands, needs)
