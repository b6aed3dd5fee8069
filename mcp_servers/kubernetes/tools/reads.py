"""Reads kubectl would do: get, describe, top, and finding an object by name."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.server.fastmcp import FastMCP
from mcp.server.fastmcp.exceptions import ToolError
from pydantic import Field

from ...common.registry import Row, ToolResult, tool_decorator
from ..ids import names_exactly, resource_id
from ..kube import Kind, gc_paused, resolve_kind
from ..quantity import mebibytes, millicores
from ..summaries import sanitize, summarize
from .context import EventRow, KubeTools, Name


class ResourceList(ToolResult):
    kind: str
    namespace: str = Field(description="the namespace listed, or (all)")
    count: int = Field(description="objects found (items may hold fewer: limit)")
    items: list[dict[str, Any]] = Field(description="one row per object, the facts kubectl get -o wide shows for its kind")


class Description(ToolResult):
    resource: str = Field(description="resource id: namespace/Kind/name or Kind/name")
    object: dict[str, Any] = Field(description="the object without managedFields, secret values masked")
    events: list[EventRow] = Field(description="its events, newest first")
    used_by: list[str] | None = Field(default=None, description="a PersistentVolumeClaim's pods that mount it "
                                      "(kubectl describe pvc's Used By)")


class Usage(Row):
    name: str
    namespace: str | None
    cpu_m: int = Field(description="CPU in millicores")
    memory_mib: int = Field(description="memory in MiB")
    container: str | None = Field(default=None, description="with containers=true: the pod's container this row is")


class TopResult(ToolResult):
    kind: Literal["pods", "nodes"]
    items: list[Usage]


class Match(Row):
    resource: str
    exact: bool


class FindResult(ToolResult):
    query: str
    matches: list[Match] = Field(description="exact matches first")


def _name_row(kind: str, obj: dict) -> dict[str, Any]:
    meta = obj.get("metadata") or {}
    return {"name": meta.get("name"), **({"namespace": meta["namespace"]} if meta.get("namespace") else {})}


def _kind(kind: str) -> Kind:
    try:
        return resolve_kind(kind)
    except ValueError as exc:
        raise ToolError(str(exc)) from None


def register(mcp: FastMCP, ctx: KubeTools) -> None:
    tool = tool_decorator(mcp)
    kube = ctx.kube

    @tool(title="List Kubernetes objects", read_only=True, destructive=False, idempotent=True, open_world=True,
          hint="add a namespace or label_selector, or lower limit")
    def get_resources(
        kind: Annotated[str, Field(description="Pod, Deployment, Service, Node, Event, ... (kubectl short names work)")],
        namespace: Annotated[str | None, Field(description="namespace; omit for all namespaces")] = None,
        label_selector: Annotated[str | None, Field(description="e.g. app=checkout,tier!=db")] = None,
        field_selector: Annotated[str | None, Field(description="e.g. status.phase!=Running")] = None,
        limit: Annotated[int, Field(ge=1, le=5000)] = 200,
        output: Annotated[Literal["wide", "name"], Field(description=(
            "wide: the facts kubectl get -o wide shows; name: only each object's name and namespace (kubectl get "
            "-o name) -- an inventory, about a fifth of the size, so a whole cluster's list fits in one result"))] = "wide",
    ) -> ResourceList:
        """List objects of one kind with the facts kubectl get -o wide shows (never Secret values)."""
        spec = _kind(kind)
        ctx.check_namespace(namespace)
        row = summarize if output == "wide" else _name_row
        with gc_paused:  # a cluster-wide list is a large tree of which only the rows outlive the call
            items = ctx.k8s(lambda: kube.list(spec.kind, namespace, label_selector, field_selector), f"list {spec.kind}")
            return ResourceList(kind=spec.kind, namespace=namespace or "(all)", count=len(items),
                                items=[row(spec.kind, item) for item in items[:limit]])

    @tool(title="Describe one Kubernetes object", read_only=True, destructive=False, idempotent=True, open_world=True,
          hint="describe returns one object; lower events_limit")
    def describe(kind: str, name: Name,
                 namespace: Annotated[str | None, Field(description="omit for cluster-scoped kinds")] = None,
                 events_limit: Annotated[int, Field(ge=0, le=200)] = 20) -> Description:
        """One object (sanitised: managedFields cut to who wrote it when, secrets masked) and its recent events, like kubectl describe."""
        spec = _kind(kind)
        if spec.namespaced and not namespace:
            raise ToolError(f"describe {spec.kind}: namespace is required for namespaced kinds")
        obj = ctx.k8s(lambda: kube.get(spec.kind, namespace, name), f"{spec.kind} {name!r} in namespace {namespace!r}")
        events = ctx.events_for(spec.kind, name, namespace or "default")
        used_by = None
        if spec.kind == "PersistentVolumeClaim":  # who writes to it: where "why is it filling" is answered
            pods = ctx.k8s(lambda: kube.list("Pod", namespace), f"list Pod in {namespace!r}")
            used_by = [pod["metadata"]["name"] for pod in pods if _mounts(pod, name)]
        return Description(resource=resource_id(spec.kind, name, namespace), object=sanitize(spec.kind, obj),
                           events=events[:events_limit], used_by=used_by)

    @tool(title="CPU and memory use (kubectl top)", read_only=True, destructive=False, idempotent=True,
          open_world=True)
    def top(kind: Literal["pods", "nodes"] = "pods", namespace: str | None = None,
            sort_by: Literal["cpu", "memory"] = "cpu", limit: Annotated[int, Field(ge=1, le=1000)] = 30,
            containers: Annotated[bool, Field(description="pods: one row per container (kubectl top pods --containers)")]
            = False) -> TopResult:
        """CPU (millicores) and memory (MiB) from metrics.k8s.io, highest first."""
        metrics_kind = "PodMetrics" if kind == "pods" else "NodeMetrics"
        items = ctx.k8s(lambda: kube.list(metrics_kind, namespace if kind == "pods" else None), f"metrics.k8s.io {kind}")
        rows = []
        for item in items:
            if kind == "pods" and containers:  # a sidecar's use apart from its app's: which one nears its limit
                rows += [Usage(name=item["metadata"]["name"], namespace=item["metadata"].get("namespace"),
                               container=c.get("name"), cpu_m=round(millicores((c.get("usage") or {}).get("cpu"))),
                               memory_mib=round(mebibytes((c.get("usage") or {}).get("memory"))))
                         for c in item.get("containers") or []]
                continue
            usages = [c["usage"] for c in item.get("containers") or []] if kind == "pods" else [item.get("usage") or {}]
            rows.append(Usage(name=item["metadata"]["name"], namespace=item["metadata"].get("namespace"),
                              cpu_m=round(sum(millicores(u.get("cpu")) for u in usages)),
                              memory_mib=round(sum(mebibytes(u.get("memory")) for u in usages))))
        rows.sort(key=lambda r: r.cpu_m if sort_by == "cpu" else r.memory_mib, reverse=True)
        return TopResult(kind=kind, items=rows[:limit])

    @tool(title="Find objects by name", read_only=True, destructive=False, idempotent=True, open_world=True,
          hint="use a longer name or fewer kinds")
    def find_resource(name: Annotated[str, Field(min_length=2, max_length=253)],
                      kinds: Annotated[list[str] | None,
                                       Field(description="kinds to search; default workloads, pods, services")] = None,
                      ) -> FindResult:
        """Find objects by (part of) their name across all namespaces."""
        wanted = ([_kind(k).kind for k in kinds] if kinds
                  else ["Deployment", "StatefulSet", "DaemonSet", "Service", "Pod", "Node"])
        matches = []
        for kind in wanted:
            for obj in ctx.k8s(lambda kind=kind: kube.list(kind), f"list {kind}"):
                obj_name = obj["metadata"]["name"]
                if name in obj_name:
                    matches.append(Match(resource=resource_id(kind, obj_name, obj["metadata"].get("namespace")),
                                         exact=names_exactly(name, kind, obj_name)))
        matches.sort(key=lambda m: not m.exact)
        return FindResult(query=name, matches=matches)


def _mounts(pod: dict, claim: str) -> bool:
    return any((volume.get("persistentVolumeClaim") or {}).get("claimName") == claim
               for volume in (pod.get("spec") or {}).get("volumes") or [])
