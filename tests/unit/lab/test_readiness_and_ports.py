"""Readiness-only failures and Service ports, as the kubelet, the endpoints controller and the
traffic model see them: a failing readiness probe keeps a pod Running and never Ready, its address
under notReadyAddresses; a Service whose targetPort (number or name) matches nothing the selected
pods serve refuses its callers' connections (their errors rise), and its Endpoints list the port as
the real endpoints controller does."""

from __future__ import annotations

import pytest

from tests.unit.lab.world_harness import TinyWorld

SEARCH = "ghcr.io/acme-shop/search:1.12.0"  # serves :8080 (/, /healthz, /ready, /metrics)


def deployment(name: str, image: str, readiness: dict | None = None, ports: list[dict] | None = None,
               env: dict | None = None) -> dict:
    container = {"name": name, "image": image, **({"readinessProbe": readiness} if readiness else {}),
                 **({"ports": ports} if ports else {}),
                 **({"env": [{"name": k, "value": v} for k, v in (env or {}).items()]} if env else {})}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": "lab"},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [container]}}}}


def service(name: str, target_port, port: int = 80) -> dict:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": "lab"},
            "spec": {"selector": {"app": name}, "ports": [{"name": "http", "port": port, "targetPort": target_port}]}}


@pytest.mark.parametrize(("probe", "ready"), [
    ({"httpGet": {"path": "/ready", "port": 8080}}, True),
    ({"httpGet": {"path": "/readyz", "port": 8080}}, False),  # the app answers 404
    ({"httpGet": {"path": "/ready", "port": 9090}}, False),  # nothing listens there
    ({"tcpSocket": {"port": "http"}}, True),  # a named port of the container
])
def test_a_failing_readiness_probe_keeps_the_pod_running_and_out_of_its_endpoints(probe, ready):
    world = TinyWorld()
    world.apply(deployment("search", SEARCH, probe, ports=[{"name": "http", "containerPort": 8080}]))
    world.apply(service("search", 8080))
    world.run(300)
    pods = world.list("Pod")
    assert {p["status"]["phase"] for p in pods} == {"Running"}
    assert {c["status"] for p in pods for c in p["status"]["conditions"] if c["type"] == "Ready"} == {str(ready)}
    assert all(p["status"]["containerStatuses"][0]["restartCount"] == 0 for p in pods)
    [subset] = world.get("Endpoints", "search")["subsets"]
    assert len(subset.get("addresses" if ready else "notReadyAddresses") or []) == 2
    assert not subset.get("notReadyAddresses" if ready else "addresses")
    unhealthy = world.events("Unhealthy")
    assert bool(unhealthy) is not ready
    if not ready:
        assert unhealthy[0]["message"].startswith("Readiness probe failed: ")


FRONT = "ghcr.io/acme-shop/frontend:5.2.0"  # calls CHECKOUT_URL (30% of pages) and CATALOG_URL (every page)
CATALOG = "ghcr.io/acme-shop/catalog:3.1.0"


def ports_world(target_port, container_ports: list[dict] | None, url_port: int = 80) -> TinyWorld:
    world = TinyWorld()
    world.apply(deployment("catalog", CATALOG, ports=container_ports))
    world.apply(service("catalog", target_port))
    world.apply(deployment("frontend", FRONT, env={"CATALOG_URL": f"http://catalog.lab:{url_port}",
                                                   "CHECKOUT_URL": "http://checkout.elsewhere:8080"}))
    world.apply(service("frontend", 8080, port=8080))
    world.world.external_traffic["lab/frontend"] = 20.0
    world.run(300)
    return world


PORT_CASES = [  # (id, targetPort, container ports, caller's port, endpoint ports, addresses, catalog refuses)
    ("numeric-match", 8080, None, 80, [8080], 2, False),
    ("named-match", "http", [{"name": "http", "containerPort": 8080}], 80, [8080], 2, False),
    ("numeric-nothing-listens", 9090, None, 80, [9090], 2, True),  # listed, then refused at connect
    ("named-not-declared", "web", [{"name": "http", "containerPort": 8080}], 80, [], 0, True),
    ("named-wrong-number", "http", [{"name": "http", "containerPort": 9000}], 80, [9000], 2, True),
    ("caller-uses-a-port-the-service-lacks", 8080, None, 8080, [8080], 2, True),
]


@pytest.mark.parametrize(("target", "container_ports", "url_port", "endpoint_ports", "addresses", "refused"),
                         [c[1:] for c in PORT_CASES], ids=[c[0] for c in PORT_CASES])
def test_service_ports_decide_whether_callers_connect(target, container_ports, url_port, endpoint_ports, addresses,
                                                      refused):
    world = ports_world(target, container_ports, url_port)
    subsets = world.get("Endpoints", "catalog")["subsets"]
    assert sorted(p["port"] for s in subsets for p in s["ports"]) == endpoint_ports
    assert sum(len(s.get("addresses") or []) for s in subsets) == addresses
    stats = world.world.traffic_model.services
    frontend_errors = stats["lab/frontend"].error_rate
    assert (frontend_errors > 0.5) is refused
    assert ("lab/catalog" in stats["lab/frontend"].failing_dependencies) is refused
    if refused:  # nothing reaches the app: no pod serves, or no call gets through
        assert stats["lab/catalog"].ready_pods == 0 or stats["lab/catalog"].rps == 0
