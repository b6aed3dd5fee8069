"""Evidence fingerprints: independent of names, so the same fault on another workload shares them."""

from __future__ import annotations

import pytest

from sre_agent.contracts import Finding
from sre_agent.memory.fingerprints import fault_fingerprints, fingerprints, mask_template, overlap


@pytest.mark.parametrize(("template", "masked"), [
    ("connection refused to payments-db.shop.svc:5432 after 3 retries", "connection refused to <*> after <*> retries"),
    ("connection refused to ledger-db.pay.svc:6543 after 12 retries", "connection refused to <*> after <*> retries"),
    ('could not read config "/etc/app/config.yaml": no such file', "could not read config <*>: no such file"),
    ("OOM: allocation of 123456 bytes failed", "oom: allocation of <*> bytes failed"),
    ("Worker   STARTED\tok", "worker started ok"),
])
def test_a_template_loses_its_names_numbers_and_quoted_values(template, masked):
    assert mask_template(template) == masked


def finding(signal: str, resource: str = "shop/Deployment/search", severity: str = "critical", **details) -> Finding:
    return Finding(agent="kubernetes", resource=resource, signal=signal, summary=signal, severity=severity, details=details)


def test_fingerprints_name_kinds_of_evidence_never_objects():
    prints = fingerprints([
        finding("OOMKilled"), finding("OOMKilled", "shop/Deployment/search"),  # once
        finding("WorkloadSpec", severity="info"),  # bookkeeping: not evidence
        finding("RecentRollout", severity="info", changed=["resources", "image"]),
        finding("ErrorAnomaly", "shop/Service/search", severity="warning", metric="5xxCount"),
        finding("MemoryRamp", severity="warning"),
        finding("UpstreamErrors", severity="warning", template="dial tcp 10.0.3.7:5432: connect: connection refused"),
    ])
    assert prints == sorted(["signal:OOMKilled", "changed:resources", "changed:image", "signal:ErrorAnomaly",
                             "metric:ErrorAnomaly:5xxCount", "signal:MemoryRamp", "metric:MemoryRamp",
                             "signal:UpstreamErrors", "template:dial tcp <*> connect: connection refused"])
    assert not any("search" in p for p in prints)


@pytest.mark.parametrize(("a", "b", "share"), [
    (["x", "y"], ["x", "y"], 1.0), (["x", "y"], ["y", "z"], 1 / 3), ([], [], 0.0), (["x"], [], 0.0)])
def test_overlap_is_the_jaccard_share(a, b, share):
    assert overlap(a, b) == pytest.approx(share)


def test_the_faults_own_fingerprints_are_its_root_resources_without_how_it_paged():
    root = "shop/Deployment/search"
    findings = [finding("OOMKilled"), finding("RecentRollout", severity="info", changed=["resources"]),
                finding("ErrorAnomaly", severity="warning", metric="5xxCount"),  # the symptom on the root: how it paged
                finding("NoReadyEndpoints", "shop/Service/search"),  # the symptom elsewhere
                finding("CpuThrottled", metric="cpu")]  # a saturation of the root: the fault, not how it paged
    assert fault_fingerprints(findings, root) == ["changed:resources", "signal:CpuThrottled", "signal:OOMKilled"]
    assert fault_fingerprints(findings, "") == []
