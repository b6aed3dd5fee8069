"""The value a wrong endpoint should have had, when only one answer fits (tools/topology.py): the Service's only
port, or the one Service with a close name -- never a guess between several; and the one part that changes."""

from __future__ import annotations

import pytest

from mcp_servers.kubernetes.tools.endpoint_values import corrected_host, corrected_port, text_edit


@pytest.mark.parametrize("value, port, exposed, fixed", [
    ("http://checkout.shop.svc.cluster.local:8443", 8443, [8080], "http://checkout.shop.svc.cluster.local:8080"),
    ("checkout:8443/api/v2", 8443, [8080], "checkout:8080/api/v2"),
    ("http://checkout:8443", 8443, [8080, 9090], None),  # which of two ports is a choice, not a fix
    ("http://checkout:84430", 8443, [8080], None),  # a longer number is not that port
])
def test_a_port_the_service_does_not_expose_becomes_its_only_port(value, port, exposed, fixed):
    assert corrected_port(value, port, exposed) == fixed


@pytest.mark.parametrize("value, host, similar, fixed", [
    ("http://ledger-pgg.settlement.svc:5432", "ledger-pgg", ["settlement/Service/ledger-pg"],
     "http://ledger-pg.settlement.svc:5432"),
    ("ledgr:5432", "ledgr", ["settlement/Service/ledger"], "ledger:5432"),
    ("http://ledger-pgg:5432", "ledger-pgg", ["s/Service/ledger-pg", "s/Service/ledger-pga"], None),
    ("http://ledger-pgg:5432", "ledger-pgg", [], None),
])
def test_a_host_no_service_has_becomes_the_one_close_name(value, host, similar, fixed):
    assert corrected_host(value, host, similar) == fixed


@pytest.mark.parametrize("value, host, named_namespace, similar, fixed", [
    # the namespace part is the typo: the one Service of that name in a close namespace
    ("http://catch-registry.landing:8080/v1", "catch-registry", "landing", ["landings/Service/catch-registry"],
     "http://catch-registry.landings:8080/v1"),
    ("http://ledgr.payment.svc.cluster.local:80", "ledgr", "payment", ["payments/Service/ledger"],
     "http://ledger.payments.svc.cluster.local:80"),
    # the same namespace: only the name changes
    ("http://ledgr.payments:80", "ledgr", "payments", ["payments/Service/ledger"], "http://ledger.payments:80"),
])
def test_a_host_whose_namespace_part_is_wrong_becomes_the_close_service_in_its_namespace(value, host, named_namespace,
                                                                                        similar, fixed):
    assert corrected_host(value, host, similar, named_namespace) == fixed


@pytest.mark.parametrize("old, new, edit", [
    # the port of a URL with credentials: only the port, never the password beside it
    ("postgres://rx:s3cr3t@db.rx.svc:6432/rx", "postgres://rx:s3cr3t@db.rx.svc:5432/rx", {"find": "6432", "replace": "5432"}),
    # a host's typo: the whole word, not the letters that differ
    ("http://ledgr.pay:8080", "http://ledger.pay:8080", {"find": "ledgr", "replace": "ledger"}),
    # the same port twice: widened until the part names one place
    ("x:6432,y:6432", "x:5432,y:6432", {"find": ":6432,", "replace": ":5432,"}),
    # the password holds the port's digits: widened past them
    ("amqp://u:pw6432@mq:6432/v", "amqp://u:pw6432@mq:5672/v", {"find": ":6432/", "replace": ":5672/"}),
    ("same", "same", None),
])
def test_a_correction_is_also_said_as_the_one_part_that_changes(old, new, edit):
    assert text_edit(old, new) == edit
    if edit:
        assert old.count(edit["find"]) == 1 and old.replace(edit["find"], edit["replace"]) == new
