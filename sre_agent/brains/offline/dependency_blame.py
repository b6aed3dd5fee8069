"""Releases explained by what they call: a regression of a caller and one of a service it calls (errors and latency flow
up from the dependency, so the caller's release is the bystander), and a caller whose call path reaches a Service with
no ready endpoint (every call reaching it fails, whatever the caller released)."""

from __future__ import annotations

from ...contracts import Finding
from ...contracts import RootCauseCategory as C
from ...graph.state import Hypothesis

DOWN_DEPENDENCY_CAP = 0.45  # below any fault seen on the dependency itself (its crash loop, its empty Service)


def explained_by_dependency(merged: dict[tuple[C, str], Hypothesis], findings: list[Finding]) -> None:
    """A release of a caller and a release of a service it calls, both regressions by their signals: errors and latency
    flow up from a dependency, so the dependency's release explains the caller's symptom and the caller's is the
    bystander (the root-cause rule: the upstream workload, never the alarmed downstream one). The caller's
    hypothesis drops below the dependency's, with the reason said."""
    backs = {str(f.details.get("service")): f.resource for f in findings if f.signal == "Backs"}
    calls = {(f.resource, backs[str(f.details.get("dependency"))]) for f in findings
             if f.signal == "DependsOn" and str(f.details.get("dependency")) in backs}
    regressions = {resource: h for (category, resource), h in merged.items() if category == C.BAD_DEPLOY_REGRESSION}
    for caller, dependency in calls:
        if caller in regressions and dependency in regressions and caller != dependency:
            upstream = regressions[dependency]
            regressions[caller].confidence = min(regressions[caller].confidence, upstream.confidence - 0.15)
            regressions[caller].reasons.append(f"{dependency}, which it calls, has a regression of its own that explains "
                                               "its errors: its own change is not needed to explain them")
    # A dependency with no ready endpoint at all -- called directly or further down the call path -- fails every call
    # that reaches it: that explains the caller's errors whatever the caller released, so the caller's release is not
    # the root (the dependency's own fault is).
    edges = _call_edges(findings)
    for caller, hypothesis in regressions.items():
        service = _down_downstream(caller, edges, backs)
        if service and hypothesis.confidence > DOWN_DEPENDENCY_CAP:
            hypothesis.confidence = DOWN_DEPENDENCY_CAP
            hypothesis.reasons.append(f"{service}, on its call path, has no ready endpoint: every call reaching it fails, "
                                      "which explains its errors without its own release")


def _call_edges(findings: list[Finding]) -> dict[str, list[tuple[str, bool]]]:
    """workload -> (Service it calls, whether that Service has no ready endpoint), from the dependency rows read."""
    edges: dict[str, list[tuple[str, bool]]] = {}
    for f in findings:
        if f.signal in ("DependsOn", "DependencyDown") and f.details.get("dependency") and not f.details.get("port_problem"):
            edges.setdefault(f.resource, []).append((str(f.details["dependency"]), f.signal == "DependencyDown"))
    return edges


def _down_downstream(caller: str, edges: dict[str, list[tuple[str, bool]]], backs: dict[str, str]) -> str | None:
    """The first Service with no ready endpoint on the caller's call path (its calls, their calls, ...), if any."""
    seen, frontier = {caller}, [caller]
    while frontier:
        workload = frontier.pop()
        for service, down in edges.get(workload, []):
            if down:
                return service
            nxt = backs.get(service)
            if nxt and nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    return None
