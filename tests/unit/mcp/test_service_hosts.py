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
