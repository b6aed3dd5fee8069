"""Which env values name an in-cluster Service the workload calls (the ownership tool's dependency edges)."""

from __future__ import annotations

import pytest

from mcp_servers.kubernetes.tools.topology import service_host


@pytest.mark.parametrize("value, host", [
    ("http://ledger-api:8080/v1", ("ledger-api", None, 8080)),
    ("postgres://app@accounts-db.treasury.svc.cluster.local:5432/db", ("accounts-db", "treasury", 5432)),
    # credentials whose password starts with a digit are not a host "wms" on port 1
    ("postgres://wms:1nv3nt0ry-pg@inventory-db.warehouse.svc.cluster.local:5432/inventory", ("inventory-db", "warehouse", 5432)),
    ("amqp://user:p%40ss@broker.queues.svc:5672", ("broker", "queues", 5672)),
    ("redis:6379", ("redis", None, 6379)),
    ("orders.shop:9092,orders.shop:9093", ("orders", "shop", 9092)),
    ("22:00", None),                  # a time of day, not a Service
    ("10.0.0.5:5432", None),          # an address
    ("http://2fa-gateway:80", None),  # not a valid Service name (must start with a letter)
    ("https://api.stripe.com:443/v1", None),  # outside the cluster
    ("http://ledger-api/v1", None),   # no port: nothing to check the Service's ports against
    ("http://ledger-api:99999", None),  # not a port
])
def test_a_service_host_is_read_from_urls_and_host_port_pairs(value, host):
    assert service_host(value) == host


@pytest.mark.parametrize("value, beside, host", [
    # DB_HOST beside DB_PORT: a Service's cluster DNS name alone, the port its sibling says
    ("schedules-db-replica.sailings.svc.cluster.local", 3306, ("schedules-db-replica", "sailings", 3306)),
    ("cache.shop.svc", None, ("cache", "shop", None)),  # no port said: the Service still named, its ports unchecked
    ("cache.shop.svc.cluster.local.", 6379, ("cache", "shop", 6379)),  # the root dot of a DNS name
    ("api.example.com", 443, None),  # a host outside the cluster
    ("db", 5432, None),  # a bare word: too many things are called db
])
def test_a_services_dns_name_alone_names_it_with_the_port_said_beside_it(value, beside, host):
    assert service_host(value, beside) == host


def test_a_host_env_takes_its_port_from_the_port_env_beside_it_in_the_same_container():
    from mcp_servers.kubernetes.tools.topology import service_refs
    spec = {"containers": [{"name": "api", "env": [{"name": "DB_HOST", "value": "orders-db.shop.svc.cluster.local"},
                                                   {"name": "DB_PORT", "value": "3306"}]},
                           {"name": "sidecar", "env": [{"name": "DB_HOST", "value": "orders-db.shop.svc"}]}]}
    refs = service_refs(None, spec, "shop")  # type: ignore[arg-type] -- literal env values: no object is read
    assert [(r.env.container, r.service, r.namespace, r.port) for r in refs] == [
        ("api", "orders-db", "shop", 3306), ("sidecar", "orders-db", "shop", None)]
