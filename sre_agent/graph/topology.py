"""The object graph as the tools showed it: ownership and dependency edges read from structured tool
results, recorded where tool results are recorded (graph/context.py), kept in the state as `links`.

Only what a tool returned becomes a link -- an owner reference, a Service's selector, a workload's
pods, the services its environment names, the node a pod runs on -- never what a brain says about
it, so a model cannot talk an edge into existence. Every link is written in the direction of
"depends on" (from a symptom towards what can cause it): a Service depends on the pods it selects,
a pod on its owner and its node, a workload on its pods and on the services it calls. The causal
rule (graph/causal.py) walks them from the alarmed resource to a plan's target.

Pure functions over (record, parsed result): a table test holds tool results and the links."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

from ..contracts import ToolCallRecord, parse_resource_id, resource_id

Relation = Literal["owned_by", "runs", "runs_on", "selects", "calls", "mounts", "selector", "labels"]
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job")


class Link(BaseModel):
    """One structural fact a tool result showed. Edges name a `target`; `selector` and `labels` facts
    carry label sets instead (a Service's selector, a pod's or pod template's labels), matched in
    graph/causal.py, because a selector and the labels it matches usually arrive in different calls."""

    source: str  # resource id
    relation: Relation
    target: str = ""
    labels: dict[str, str] = {}
    evidence: str = ""  # the ToolCallRecord id that showed it


def _rid(kind: str, name: Any, namespace: Any) -> str | None:
    if not isinstance(name, str) or not name:
        return None
    return resource_id(kind, name, namespace if isinstance(namespace, str) and namespace else None)


def _str_labels(value: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def links_from_result(record: ToolCallRecord, data: Any) -> list[Link]:
    """The links one successful Kubernetes tool result shows (none for other servers or shapes)."""
    if record.server != "kubernetes" or not record.ok or not isinstance(data, dict):
        return []
    reader = READERS.get(record.tool)
    if reader is None:
        return []
    links = reader(record.args, data)
    return [link.model_copy(update={"evidence": record.id}) for link in links if link.source and link.source != link.target]


def _ownership(args: dict[str, Any], data: dict[str, Any]) -> list[Link]:
    """The `ownership` walk: owners and node of a pod, pods of a workload, the Services selecting it and
    the services it calls; a Service's selector, selected pods and callers; the pods on a node."""
    resource = data.get("resource")
    if not isinstance(resource, str) or "/" not in resource:
        return []
    namespace, kind, _ = parse_resource_id(resource)
    out: list[Link] = []
    owners = [o for o in data.get("owners") or [] if isinstance(o, str)]
    for child, owner in zip([resource, *owners], owners, strict=False):  # nearest owner first
        out.append(Link(source=child, relation="owned_by", target=owner))
    if kind == "Node":
        out += [Link(source=pod, relation="runs_on", target=resource) for pod in data.get("pods") or [] if isinstance(pod, str)]
        return out
    if isinstance(data.get("node"), str):
        out.append(Link(source=resource, relation="runs_on", target=resource_id("Node", data["node"])))
    for pod in data.get("pods") or []:
        if isinstance(pod, dict) and (pod_id := _rid("Pod", pod.get("pod"), namespace)):
            out.append(Link(source=resource, relation="runs", target=pod_id))
            if isinstance(pod.get("node"), str):
                out.append(Link(source=pod_id, relation="runs_on", target=resource_id("Node", pod["node"])))
    for pod in data.get("selected_pods") or []:
        if pod_id := _rid("Pod", pod, namespace):
            out.append(Link(source=resource, relation="selects", target=pod_id))
    if kind == "Service" and data.get("selector"):
        out.append(Link(source=resource, relation="selector", labels=_str_labels(data.get("selector"))))
    for caller in data.get("called_by") or []:
        if isinstance(caller, str):
            out.append(Link(source=caller, relation="calls", target=resource))
    for service in data.get("selected_by_services") or []:
        if service_id := _rid("Service", service, namespace):
            out.append(Link(source=service_id, relation="selects", target=resource))
    for dependency in data.get("calls") or []:
        if isinstance(dependency, dict) and isinstance(dependency.get("service"), str):
            out.append(Link(source=resource, relation="calls", target=dependency["service"]))
    return out


def _describe(args: dict[str, Any], data: dict[str, Any]) -> list[Link]:
    """One object: its owner references, a Service's selector, the labels its pods carry, a pod's node and claims."""
    obj, resource = data.get("object"), data.get("resource")
    if not isinstance(obj, dict) or not isinstance(resource, str) or "/" not in resource:
        return []
    namespace, kind, _ = parse_resource_id(resource)
    metadata, spec = obj.get("metadata") or {}, obj.get("spec") or {}
    out = [Link(source=resource, relation="owned_by", target=owner_id)
           for ref in metadata.get("ownerReferences") or [] if isinstance(ref, dict)
           if (owner_id := _rid(str(ref.get("kind")), ref.get("name"), namespace))]
    if kind == "Service" and spec.get("selector"):
        out.append(Link(source=resource, relation="selector", labels=_str_labels(spec.get("selector"))))
    elif kind == "Pod":
        if metadata.get("labels"):
            out.append(Link(source=resource, relation="labels", labels=_str_labels(metadata["labels"])))
        if isinstance(spec.get("nodeName"), str):
            out.append(Link(source=resource, relation="runs_on", target=resource_id("Node", spec["nodeName"])))
        for volume in spec.get("volumes") or []:
            claim = ((volume or {}).get("persistentVolumeClaim") or {}).get("claimName")
            if claim_id := _rid("PersistentVolumeClaim", claim, namespace):
                out.append(Link(source=resource, relation="mounts", target=claim_id))
    elif kind in WORKLOAD_KINDS:
        labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels")
        if labels:  # a workload with no pods yet is still what a Service's selector is meant for
            out.append(Link(source=resource, relation="labels", labels=_str_labels(labels)))
    return out


def _analyze(args: dict[str, Any], data: dict[str, Any]) -> list[Link]:
    """Analyzer findings name the object and the workload that owns it (read from owner references)."""
    return [Link(source=item["resource"], relation="owned_by", target=item["owner"])
            for item in data.get("findings") or [] if isinstance(item, dict)
            and isinstance(item.get("resource"), str) and isinstance(item.get("owner"), str)]


READERS = {"ownership": _ownership, "describe": _describe, "analyze": _analyze}
