"""Error lines that say their own cause (log_causes.yaml), in the words libraries and the Kubernetes API write them,
and refused logins with a Secret nobody changed: each is read as the logging workload's fault, below Kubernetes' own
signals and above a release merely timed before the errors; a Service whose selector spans another app's pods is its
selector's fault. Table tests over lines and findings."""

from __future__ import annotations

import pytest

from mcp_servers.kubernetes.tools.topology import outside_host as server_outside_host
from sre_agent.brains.offline.credentials import OWN_LOGIN_REFUSED
from sre_agent.brains.offline.diagnosis import best, hypotheses
from sre_agent.brains.offline.log_causes import log_causes, named_cause
from sre_agent.brains.offline.logs import errors_point_outside
from sre_agent.brains.offline.services import _same_stem
from sre_agent.contracts import Finding
from sre_agent.graph.endpoint_fixes import endpoint_fixes

WORKLOAD = "coldchain/Deployment/truck-gateway"


@pytest.mark.parametrize("line, cause", [
    ('tls handshake failed: x509: certificate has expired or is not yet valid: current time 2026-11-27T06:01:00Z', "certificate_expired"),
    ("http: TLS handshake error from 10.0.3.7:50412: remote error: tls: bad certificate", "certificate_expired"),  # a server's
    ('leases.coordination.k8s.io "clock-leader" is forbidden: User "system:serviceaccount:auction:clock" cannot update '
     'resource "leases" in API group "coordination.k8s.io"', "api_forbidden"),
    ("HikariPool-1 - Connection is not available, request timed out after 30000ms: connection pool exhausted", "pool_exhausted"),
    ("pq: password authentication failed for user \"loans\"", None),  # refused logins: read beside the Secret instead
    ("GET /v1/orders 500 error=\"upstream orders-db unavailable\"", None),
    ("user alice is forbidden from editing this lot", None),  # an app's own word, not the API server's refusal
    ('upload failed: AccessDenied: User: arn:aws:sts::1:assumed-role/node/i-1 is not authorized to perform: s3:PutObject',
     "cloud_access_denied"),
    ("NoCredentialProviders: no valid credential providers in chain", "cloud_access_denied"),
    ("WebIdentityErr: failed to retrieve credentials", "cloud_access_denied"),
    ("the operator is not authorized to perform this refund", None),  # an app's own word, no service:Action
])
def test_a_line_that_says_its_cause_is_read_as_that_cause(line, cause):
    found = named_cause(line)
    assert (found.id if found else None) == cause


def finding(signal: str, severity: str = "critical", **details) -> Finding:
    return Finding(agent="logs", resource=WORKLOAD, signal=signal, severity=severity, summary=signal, details=details)


def test_every_cause_names_a_category_of_the_closed_list():
    assert {c.category for c in log_causes()} <= {"stale_credential", "missing_config_ref", "crash_missing_config"}


@pytest.mark.parametrize("found, category", [
    ([finding("LogNamedCause", cause="certificate_expired", category="stale_credential")], "stale_credential"),
    # the line outranks a release merely timed before it ...
    ([finding("LogNamedCause", cause="certificate_expired", category="stale_credential"),
      finding("RecentRollout", severity="info", revision=2, changed=["image"], created="2026-11-27T05:00:00Z",
              in_window=True),
      finding("ErrorAnomaly", severity="warning")], "stale_credential"),
    # ... never Kubernetes' own word for the pod's state
    ([finding("LogNamedCause", cause="pool_exhausted", category="crash_missing_config"),
      finding("OOMKilled", ran_seconds=20)], "oom_killed"),
    ([finding("CredentialRefused", credential_secret="loans-api-db")], "stale_credential"),
])
def test_a_named_cause_is_the_logging_workloads_fault(found, category):
    chosen = best(hypotheses(found))
    assert chosen is not None and (chosen.category.value, chosen.resource) == (category, WORKLOAD)


@pytest.mark.parametrize("other_apps, category", [
    (["auction/Deployment/bid-settler"], "service_selector_mismatch"),  # another app's pods take the Service's requests
    ([], None),  # a canary of the same name is meant to share it: its own faults decide
])
def test_a_service_that_spans_another_apps_pods_is_its_selectors_fault(other_apps, category):
    spans = Finding(agent="kubernetes", resource="auction/Service/bids-api", signal="ServiceSpansWorkloads", summary="s",
                    details={"other_apps": other_apps, "workloads": ["auction/Deployment/bids-api", *other_apps]})
    throttled = Finding(agent="metrics", resource="auction/Deployment/bid-settler", signal="CpuThrottled", summary="s")
    chosen = best(hypotheses([spans, throttled]))
    assert not hypotheses([spans])  # no harm seen (no errors, latency or throttling): sharing is not yet a fault
    assert chosen is not None
    assert (chosen.category.value, chosen.resource) == (
        (category, "auction/Service/bids-api") if category else ("cpu_throttling", "auction/Deployment/bid-settler"))


@pytest.mark.parametrize("workload, service, same", [
    ("catalogue-search-canary", "catalogue-search", True), ("catalogue-search", "catalogue-search", True),
    ("bid-settler", "bids-api", False), ("orders", "orders-api", True)])
def test_a_variant_of_a_service_shares_its_stem(workload, service, same):
    assert _same_stem(workload, service) is same


@pytest.mark.parametrize("value, host", [
    ("https://api.tidetext.example.com/v3", "api.tidetext.example.com"),
    ("http://orders-db.orders.svc.cluster.local:5432/db", None),  # a Service's own name
    ("http://pricing.market:8080", None),  # <service>.<namespace>
    ("postgres://app:pw@ledger:5432/db", None),
])
def test_a_url_whose_host_is_no_service_is_a_call_outside(value, host):
    assert server_outside_host(value) == host


def test_failing_calls_that_name_the_vendor_of_an_outside_host_point_outside():
    sms = "comms/Deployment/captain-sms"
    limited = Finding(agent="logs", resource=sms, signal="UpstreamErrors", summary="s",
                      details={"template": "WARN TideText POST /v3/messages -> 429 Too Many Requests"})
    outside = Finding(agent="kubernetes", resource=sms, signal="CallsOutside", summary="s",
                      details={"hosts": ["api.tidetext.example.com"]})
    assert errors_point_outside(sms, [limited, outside]) == "api.tidetext.example.com"
    assert errors_point_outside(sms, [limited]) is None  # no outside host it calls: nothing to point at


@pytest.mark.parametrize(("line", "host"), [
    ("WARN payment via tidepay-connector took 10412ms: upstream timeout from api.tidepay.net (attempt 2/3)", "api.tidepay.net"),
    ("ERROR GET https://api.vendor.example.com/v1/charge -> 504", "api.vendor.example.com"),
    ("ERROR connecting to kafka-0.kafka-headless.data timed out", None),  # a pod's DNS name in namespace data
    ("ERROR could not load app.config.yaml", None),  # a file
    ("ERROR upstream tidepay-connector.billing.svc.cluster.local timed out", None),  # a Service
])
def test_a_host_named_bare_under_a_public_domain_is_outside_the_cluster(line, host):
    from sre_agent.brains.offline.logs import outside_host

    assert outside_host(line) == host


def test_a_value_naming_a_host_no_service_has_is_the_value_holders_fault():
    down = Finding(agent="kubernetes", resource="fines/Deployment/fines-api", signal="DependencyDown", summary="s",
                   details={"dependency": "fines/Service/wallet-tokenizer", "exists": False, "env": "WALLET_TOKENIZER_URL",
                            "source": "ConfigMap/fines-api-flags/WALLET_TOKENIZER_URL"})
    chosen = best(hypotheses([down]))
    assert chosen is not None and (chosen.category.value, chosen.resource) == ("endpoint_misconfigured", "fines/ConfigMap/fines-api-flags")
    (fix,) = endpoint_fixes([down], "fines/ConfigMap/fines-api-flags")
    assert "WALLET_TOKENIZER_URL" in fix.commands[0] and "none in the cluster is close" in fix.needs
    no_endpoints = down.model_copy(update={"details": {**down.details, "exists": True}})
    assert best(hypotheses([no_endpoints])) is None or best(hypotheses([no_endpoints])).category.value != "endpoint_misconfigured"


@pytest.mark.parametrize("line, own", [
    ('pq: password authentication failed for user "loans"', True),
    ('error="search-index: authentication failed for user "catalogue""', True),
    ("WRONGPASS invalid username-password pair or user is disabled.", True),
    ('10.0.3.7 - - "GET /v1/loans HTTP/1.1" 401 23', False),  # a server answering its client: not its own login
    ("unauthorized: token missing", False),
])
def test_only_a_line_about_its_own_login_reads_as_refused_without_a_secret_change(line, own):
    assert bool(OWN_LOGIN_REFUSED.search(line)) is own


def test_a_missing_service_whose_workload_is_there_is_not_the_callers_value():
    down = Finding(agent="kubernetes", resource="fines/Deployment/fines-api", signal="DependencyDown", summary="s",
                   details={"dependency": "fines/Service/wallet", "exists": False, "env": "WALLET_URL",
                            "source": "ConfigMap/fines-flags/WALLET_URL"})
    resolved = Finding(agent="kubernetes", resource="fines/Deployment/wallet", signal="TargetResolved", summary="s",
                       severity="info", details={"asked": "fines/Service/wallet"})
    chosen = best(hypotheses([down, resolved]))
    assert chosen is None or chosen.category.value != "endpoint_misconfigured"
