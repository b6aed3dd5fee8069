"""Analyzer cases as data: cluster objects in (plain API JSON), findings out.

`CASES` is the whole table. tests/test_analyzers.py runs it against an in-memory ClusterView;
an emulator test can create each case's objects in the lab's Kubernetes API emulator, read them
back through the official client and expect the same findings (skip cases with api_valid=False:
a real API server would reject one of their objects).

Ported cases (id "k8sgpt/<Go test name>") carry the k8sgpt test they reproduce in `k8sgpt_test`.
"""

from __future__ import annotations

from . import daemonset_coverage, healthy, ported_cluster, ported_network, ported_pod, ported_workloads, sre_extras
from .model import AnalyzerCase, ExpectedFinding

CASES: list[AnalyzerCase] = [
    *ported_pod.CASES,
    *ported_workloads.CASES,
    *ported_network.CASES,
    *ported_cluster.CASES,
    *sre_extras.CASES,
    *daemonset_coverage.CASES,
    *healthy.CASES,
]

__all__ = ["CASES", "AnalyzerCase", "ExpectedFinding"]
