"""The causal-link rule: an unattended write must land on the evidence path from the alarmed resource.

Two things must hold before the policy lets an action run without a human (graph/policy.py):

1. *On the path*: the object written is reachable from a resource the incident names (the alarm's
   dimensions) along "depends on" links the tools showed (graph/topology.py) -- whatever a brain
   claims. A Deployment that a planted log line or a confused model points at, but which nothing
   the tools returned connects to the symptom, is off the path.
2. *Grounded*: some finding about the object cites a successful tool call about that object (its
   own name in the call's arguments, or one of its pods'), so the diagnosis rests on output about
   the thing being changed, not on output about something else.

Either failing leaves the action to a human, with the missing link named in the reason."""

from __future__ import annotations

from collections import deque

from pydantic import BaseModel

from ..contracts import Finding, ToolCallRecord, parse_resource_id
from .topology import Link

MAX_DEPTH = 12  # Service -> pod -> ReplicaSet -> Deployment -> Service ... a few hops of dependencies


class CausalVerdict(BaseModel):
    linked: bool
    why: str
    path: list[str] = []  # resource ids from the alarmed resource to the target


def _namespace(resource: str) -> str | None:
    try:
        return parse_resource_id(resource)[0]
    except ValueError:
        return None


def is_resource(value: str) -> bool:
    try:
        parse_resource_id(value)
    except ValueError:
        return False
    return "/" in value


def edges_of(links: list[Link]) -> dict[str, set[str]]:
    """Adjacency in the "depends on" direction; a Service also depends on every object in its namespace
    whose labels (a pod's, or a workload's pod template's) its selector matches."""
    out: dict[str, set[str]] = {}
    for link in links:
        if link.target:
            out.setdefault(link.source, set()).add(link.target)
    selectors = {(link.source, tuple(sorted(link.labels.items()))) for link in links if link.relation == "selector" and link.labels}
    labelled = [link for link in links if link.relation == "labels"]
    for service, selector in selectors:
        for item in labelled:
            if _namespace(item.source) == _namespace(service) and all(item.labels.get(k) == v for k, v in selector):
                out.setdefault(service, set()).add(item.source)
    return out


def path_between(sources: list[str], target: str, links: list[Link]) -> list[str] | None:
    """The shortest chain of seen links from any source to `target` (breadth first), or None."""
    edges = edges_of(links)
    previous: dict[str, str | None] = {s: None for s in sources}
    queue = deque((s, 0) for s in sources)
    while queue:
        node, depth = queue.popleft()
        if node == target:
            chain = [node]
            while (before := previous[chain[-1]]) is not None:
                chain.append(before)
            return chain[::-1]
        if depth >= MAX_DEPTH:
            continue
        for nxt in sorted(edges.get(node, ())):
            if nxt not in previous:
                previous[nxt] = node
                queue.append((nxt, depth + 1))
    return None


def owners_of(resource: str, links: list[Link]) -> set[str]:
    """The resource and everything the tools showed owning it, transitively (a pod's ReplicaSet and Deployment)."""
    owned: dict[str, set[str]] = {}
    for link in links:
        if link.relation == "owned_by":
            owned.setdefault(link.source, set()).add(link.target)
    seen, todo = {resource}, [resource]
    while todo:
        for owner in owned.get(todo.pop(), ()):
            if owner not in seen:
                seen.add(owner)
                todo.append(owner)
    return seen


def call_is_about(record: ToolCallRecord, resource: str, links: list[Link]) -> bool:
    """A successful call whose arguments name `resource`, or an object the tools showed it owns (its pods)."""
    if not record.ok:
        return False
    name, namespace, kind = record.args.get("name"), record.args.get("namespace"), record.args.get("kind")
    if not isinstance(name, str):
        return False
    for subject in owned_objects(resource, links):
        s_namespace, s_kind, s_name = parse_resource_id(subject)
        if name == s_name and namespace in (None, s_namespace) and (not isinstance(kind, str) or kind.lower() in
                                                                    (s_kind.lower(), s_kind.lower() + "s")):
            return True
    return False


def owned_objects(resource: str, links: list[Link]) -> list[str]:
    """`resource` and every object the tools showed it owns (a call about a pod is about its Deployment)."""
    owned = {link.source for link in links if link.relation == "owned_by" and link.source != resource}
    return [resource, *sorted(o for o in owned if resource in owners_of(o, links))]


def grounded(resource: str, findings: list[Finding], records: list[ToolCallRecord], links: list[Link]) -> Finding | None:
    """A finding about `resource` (or about an owner of it: a pod's workload) citing a real call about that resource."""
    by_id = {r.id: r for r in records}
    about = owners_of(resource, links)
    for finding in sorted(findings, key=lambda f: f.severity == "info"):  # a problem finding names the grounds best
        if finding.resource not in about:
            continue
        if any(e in by_id and call_is_about(by_id[e], finding.resource, links) for e in finding.evidence):
            return finding
    return None


def causal_link(target: str, affected: list[str], findings: list[Finding], records: list[ToolCallRecord],
                links: list[Link]) -> CausalVerdict:
    sources = [a for a in affected if is_resource(a)]
    if not sources:
        return CausalVerdict(linked=False, why=f"no causal link to {target}: the incident names no resource to start "
                                               f"from ({', '.join(affected) or 'nothing'}), so no evidence path can reach it")
    path = path_between(sources, target, links)
    if path is None:
        return CausalVerdict(linked=False, why=f"no causal link: {target} is not on the evidence path from "
                                               f"{', '.join(sources)} (no ownership or dependency edge seen in tool "
                                               f"results connects them; {len(links)} link(s) seen)")
    finding = grounded(target, findings, records, links)
    if finding is None:
        return CausalVerdict(linked=False, path=path,
                             why=f"no grounded finding: no finding about {target} cites a tool call about it")
    return CausalVerdict(linked=True, path=path,
                         why=f"{target} is on the evidence path {' -> '.join(path)}; {finding.signal} cites "
                             f"{', '.join(finding.evidence)}")
