"""Which env values name an in-cluster Service the workload calls (the ownership tool's dependency edges)."""

from __future__ import annotations

import pytest

from mcp_servers.kubernetes.tools.topology import SERVICE_HOST


@pytest.mark.parametrize("value, host", [
    ("http://ledger-api:8080/v1", ("ledger-api", None)),
    ("postgres://app@accounts-db.treasury.svc.cluster.local:5432/db", ("accounts-db", "treasury")),
    ("redis:6379", ("redis", None)),
    ("22:00", None),                 # a time of day, not a Service
    ("10.0.0.5:5432", None),          # an address
    ("http://2fa-gateway:80", None),  # not a valid Service name (must start with a letter)
])
def test_a_service_host_starts_with_a_letter(value, host):
    match = SERVICE_HOST.search(value)
    assert (match.group(1), match.group(2)) == host if host else match is None
