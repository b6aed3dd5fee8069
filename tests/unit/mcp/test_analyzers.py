"""The analyzer table: every case in tests/analyzer_cases runs through run_analyzers against an
in-memory snapshot, and must produce exactly its expected findings."""

from __future__ import annotations

import json
import re

import pytest

from mcp_servers.kubernetes.analyzers import ClusterView, Finding, kinds_to_fetch, registered_analyzers, run_analyzers
from mcp_servers.kubernetes.analyzers.view import CLUSTER_SCOPED_KINDS
from tests.analyzer_cases import CASES, AnalyzerCase

DNS_1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")


def snapshot(case: AnalyzerCase) -> ClusterView:
    """The case as a complete snapshot: every kind an analyzer reads counts as fetched."""
    return ClusterView.from_objects(case.objects, fetched_kinds=kinds_to_fetch())


def describe(findings: list[Finding]) -> str:
    return "\n".join(f"  {f.resource} {f.reason} [{f.severity}] {f.message}" for f in findings) or "  (none)"


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_case_produces_exactly_the_expected_findings(case: AnalyzerCase) -> None:
    findings = run_analyzers(snapshot(case), kinds=case.kinds, namespace=case.namespace)

    produced = {(f.resource, f.reason): f for f in findings}
    wanted = {(e.resource, e.reason): e for e in case.expected}
    assert produced.keys() == wanted.keys(), (
        f"{case.id}: findings differ\nmissing: {sorted(wanted.keys() - produced.keys())}\n"
        f"unexpected: {sorted(produced.keys() - wanted.keys())}\nproduced:\n{describe(findings)}"
    )
    for key, expected in wanted.items():
        finding = produced[key]
        assert finding.severity == expected.severity, f"{key}: severity {finding.severity}, want {expected.severity}"
        assert expected.message in finding.message, f"{key}: {expected.message!r} not in {finding.message!r}"
        assert finding.evidence, f"{key}: a finding must quote what triggered it"
        if expected.owner is not None:
            assert finding.owner == expected.owner, f"{key}: owner {finding.owner}, want {expected.owner}"


def test_at_least_thirty_cases_are_ported_from_k8sgpt() -> None:
    ported = [case for case in CASES if case.k8sgpt_test]
    assert len(ported) >= 30
    for case in ported:
        assert case.k8sgpt_test.startswith("Test") and case.id == f"k8sgpt/{case.k8sgpt_test}", case.id


def test_case_ids_are_unique() -> None:
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids)), [i for i in ids if ids.count(i) > 1]


def test_every_analyzer_is_exercised_by_a_finding() -> None:
    kinds_with_findings = {expected.resource.split("/")[-2] for case in CASES for expected in case.expected}
    assert {analyzer.kind for analyzer in registered_analyzers()} <= kinds_with_findings


@pytest.mark.parametrize("case", [c for c in CASES if c.api_valid], ids=[c.id for c in CASES if c.api_valid])
def test_case_objects_could_be_created_in_an_api_server(case: AnalyzerCase) -> None:
    """The emulator test pushes these objects through the API: keep them API-shaped."""
    json.dumps(case.objects)  # plain JSON, no Python-only values
    for obj in case.objects:
        metadata = obj.get("metadata") or {}
        where = f"{case.id}: {obj.get('kind')} {metadata.get('name')}"
        assert obj.get("apiVersion") and obj.get("kind"), where
        assert DNS_1123_SUBDOMAIN.match(metadata.get("name") or ""), f"{where}: not a DNS-1123 name"
        if obj["kind"] in CLUSTER_SCOPED_KINDS:
            assert "namespace" not in metadata, f"{where}: cluster-scoped objects have no namespace"
        else:
            assert metadata.get("namespace"), f"{where}: namespaced objects need a namespace"
        for field in ("containers", "initContainers"):
            for container in (obj.get("spec") or {}).get(field) or []:
                assert container.get("name") and container.get("image"), f"{where}: containers need a name and an image"
