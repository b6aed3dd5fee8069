"""The analyzer contract, after k8sgpt's pkg/analyzer: one analyzer per resource kind behind one
tiny interface, reading a ClusterView snapshot and returning structured findings.

    class Analyzer(Protocol):
        kind: str                       # "Pod", "Service", ...
        reads: frozenset[str]           # other kinds it looks at (the server must fetch them)
        def analyze(self, view: ClusterView) -> list[Finding]: ...

`run_analyzers(view, kinds)` runs the registered analyzers (the package registers the built-in
ones on import), merges findings about the same resource and reason, and sorts them most
severe first. `kinds_to_fetch(kinds)` tells the MCP server what to list before building the view.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from .view import ClusterView, KubeObject, resource_id_of

__all__ = [
    "Analyzer",
    "ClusterView",
    "Finding",
    "Severity",
    "kinds_to_fetch",
    "make_finding",
    "merge_findings",
    "quote",
    "register",
    "registered_analyzers",
    "run_analyzers",
]

Severity = Literal["critical", "warning", "info"]
SEVERITY_RANK: dict[str, int] = {"critical": 0, "warning": 1, "info": 2}

# Evidence quotes the object; a 4 KB probe output or quota message helps nobody in a finding.
EVIDENCE_MAX_CHARS = 300


class Finding(BaseModel):
    """One problem with one object, in terms an SRE (or a policy) can act on."""

    model_config = ConfigDict(frozen=True)

    resource: str = Field(description="resource id: namespace/Kind/name, or Kind/name when cluster-scoped")
    kind: str
    severity: Severity
    reason: str = Field(pattern=r"^[A-Z][A-Za-z0-9]*$", description="short stable code, e.g. CrashLoopBackOff")
    message: str
    evidence: list[str] = Field(default_factory=list, description="the fields and events that triggered it")
    owner: str | None = Field(
        default=None,
        description="resource id of the workload that controls this object (k8sgpt's ParentObject), if any",
    )


@runtime_checkable
class Analyzer(Protocol):
    kind: str
    reads: frozenset[str]

    def analyze(self, view: ClusterView) -> list[Finding]: ...


def quote(text: object, limit: int = EVIDENCE_MAX_CHARS) -> str:
    """One line of evidence: whitespace collapsed, long text cut with an ellipsis."""
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def reason_code(text: str, default: str = "Warning") -> str:
    """A Finding reason from free text such as an event reason ("FailedCreatePodSandBox")."""
    code = re.sub(r"[^A-Za-z0-9]", "", text or "")
    return code[0].upper() + code[1:] if code and code[0].isalpha() else default


def make_finding(
    kind: str,
    obj: KubeObject,
    severity: Severity,
    reason: str,
    message: str,
    evidence: Iterable[str] = (),
    owner: str | None = None,
) -> Finding:
    return Finding(
        resource=resource_id_of(kind, obj),
        kind=kind,
        severity=severity,
        reason=reason,
        message=message,
        evidence=[quote(line) for line in evidence if line],
        owner=owner,
    )


def merge_findings(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per (resource, reason): two crashing containers in a pod, or eleven bad
    node conditions folded by type, read as one problem each, with every trigger as evidence."""
    merged: dict[tuple[str, str], Finding] = {}
    for finding in findings:
        key = (finding.resource, finding.reason)
        earlier = merged.get(key)
        if earlier is None:
            merged[key] = finding
            continue
        messages = earlier.message.split("; ")
        merged[key] = earlier.model_copy(
            update={
                "severity": min(earlier.severity, finding.severity, key=SEVERITY_RANK.__getitem__),
                "message": earlier.message
                if finding.message in messages
                else f"{earlier.message}; {finding.message}",
                "evidence": list(dict.fromkeys([*earlier.evidence, *finding.evidence])),
                "owner": earlier.owner or finding.owner,
            }
        )
    return list(merged.values())


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (SEVERITY_RANK[f.severity], f.resource, f.reason))


# --- registry ------------------------------------------------------------------------------

_REGISTRY: dict[str, Analyzer] = {}

# Short names and plurals as kubectl spells them, so "svc" or "pods" from a chat works too.
_SHORT_NAMES = {
    "po": "Pod", "deploy": "Deployment", "rs": "ReplicaSet", "sts": "StatefulSet", "ds": "DaemonSet",
    "cj": "CronJob", "svc": "Service", "ep": "Service", "endpoints": "Service", "ing": "Ingress",
    "pvc": "PersistentVolumeClaim", "no": "Node", "hpa": "HorizontalPodAutoscaler",
    "pdb": "PodDisruptionBudget", "netpol": "NetworkPolicy", "cm": "ConfigMap", "quota": "ResourceQuota",
}


def register(analyzer: Analyzer) -> Analyzer:
    if analyzer.kind in _REGISTRY and _REGISTRY[analyzer.kind] is not analyzer:
        raise ValueError(f"an analyzer for kind {analyzer.kind!r} is already registered; unregister it first")
    _REGISTRY[analyzer.kind] = analyzer
    return analyzer


def registered_analyzers() -> tuple[Analyzer, ...]:
    return tuple(_REGISTRY.values())


def _plural(kind: str) -> str:
    lower = kind.lower()
    if lower.endswith("y"):
        return lower[:-1] + "ies"
    return lower + ("es" if lower.endswith("s") else "s")


def resolve_kinds(kinds: Sequence[str] | None) -> list[Analyzer]:
    """The analyzers for the requested kinds (all of them when None), in registry order."""
    if kinds is None:
        return list(_REGISTRY.values())
    by_name: dict[str, str] = {}
    for kind in _REGISTRY:
        by_name[kind.lower()] = kind
        by_name[_plural(kind)] = kind
    by_name.update({short: kind for short, kind in _SHORT_NAMES.items() if kind in _REGISTRY})
    wanted: set[str] = set()
    for requested in kinds:
        kind = by_name.get(requested.strip().lower())
        if kind is None:
            known = ", ".join(_REGISTRY)
            raise ValueError(
                f"no analyzer for kind {requested!r}; known kinds: {known} "
                "(kubectl short names such as po, deploy, svc, pvc also work)"
            )
        wanted.add(kind)
    return [analyzer for kind, analyzer in _REGISTRY.items() if kind in wanted]


def kinds_to_fetch(kinds: Sequence[str] | None = None) -> frozenset[str]:
    """Every kind the selected analyzers read, Events included: list these, then build the view.
    Secrets are read only for existence (and key names); the server should drop their values."""
    needed: set[str] = {"Event"}
    for analyzer in resolve_kinds(kinds):
        needed.add(analyzer.kind)
        needed.update(analyzer.reads)
    return frozenset(needed)


def run_analyzers(
    view: ClusterView,
    kinds: Sequence[str] | None = None,
    namespace: str | None = None,
) -> list[Finding]:
    """Findings from the selected analyzers, merged per (resource, reason), most severe first.
    With a namespace, only its objects are analyzed (cluster-scoped ones such as Nodes stay)."""
    analyzers = resolve_kinds(kinds)
    if namespace:
        view = view.in_namespace(namespace)
    findings = [finding for analyzer in analyzers for finding in analyzer.analyze(view)]
    return sort_findings(merge_findings(findings))
