"""Walking the object graph: owners, selected pods, the Services in front of a workload and the
in-cluster services it calls (found in its environment, whose values never leave the server)."""

from __future__ import annotations

import base64
import difflib
import re
from typing import Annotated, Any, NamedTuple
from urllib.parse import urlsplit

from mcp.server.fastmcp import FastMCP
from mcp.server.fastmcp.exceptions import ToolError
from pydantic import Field

from ...common.registry import Row, ToolResult, tool_decorator
from ..analyzers.service_ports import port_reach
from ..ids import resource_id
from ..kube import KINDS, KubeClient, resolve_kind
from ..summaries import last_written
from .context import KubeTools, Name
from .endpoint_values import corrected_host, corrected_port, text_edit

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet")
WALKABLE = WORKLOAD_KINDS + ("ReplicaSet", "Job")
# A Service name is a DNS-1035 label: it starts with a letter -- so a time ("22:00") or an address
# ("10.0.0.5:5432") is not read as a call to a Service. A host is a Service when it is <name>,
# <name>.<namespace> or <name>.<namespace>.svc[.cluster.local]; anything longer is outside the cluster.
SERVICE_NAME = re.compile(r"[a-z][a-z0-9-]*")
BARE_HOST_PORT = re.compile(r"([a-z][a-z0-9.-]*):(\d+)")
SERVICE_FQDN = re.compile(r"[a-z][a-z0-9-]*\.[a-z][a-z0-9-]*\.svc(?:\.cluster\.local)?\.?")  # a Service's DNS name


def service_host(value: str, port_beside: int | None = None) -> tuple[str, str | None, int | None] | None:
    """(service, namespace or None, port) of the first in-cluster Service an env value names. URLs are
    parsed as URLs, so their credentials ("postgres://wms:1pass@db:5432") are never read as a host. A host alone names
    a Service only as its cluster DNS name (`<name>.<namespace>.svc[.cluster.local]`: DB_HOST beside DB_PORT), with the
    port its `_PORT` sibling says (`port_beside`, None when none does)."""
    for token in re.split(r"[\s,;]+", value.strip()):
        host, port = None, None
        if "://" in token:
            try:
                parts = urlsplit(token)
                host, port = parts.hostname, parts.port
            except ValueError:  # a port that is not a number, or out of range
                continue
        elif match := BARE_HOST_PORT.fullmatch(token):
            host, port = match.group(1), int(match.group(2))
        elif SERVICE_FQDN.fullmatch(token):
            host, port = token.rstrip("."), port_beside
        if not host or (port is None and not SERVICE_FQDN.fullmatch(host)):
            continue
        labels = host.split(".")
        if labels[2:] not in ([], ["svc"], ["svc", "cluster", "local"]) or not SERVICE_NAME.fullmatch(labels[0]):
            continue
        namespace = labels[1] if len(labels) > 1 and labels[1] != "svc" else None
        if namespace is not None and not SERVICE_NAME.fullmatch(namespace):
            continue
        return labels[0], namespace, port
    return None


class PodPlacement(Row):
    pod: str
    node: str | None
    ready: bool
    started: str | None = Field(None, description="status.startTime: when the pod started (env from Secrets is read then)")
    restarts: int = Field(0, description="container restarts, all containers summed (a Ready pod may be restarting)")


class Dependency(Row):
    env: str = Field(description="the env var naming the service (for a command word: '<container> command|args')")
    source: str = Field("env", description=(
        "where the env var's value lives: env (written in the pod template), command (a word of a container's "
        "command or args, in the pod template), or ConfigMap/<name>/<key> or "
        "Secret/<name>/<key> -- the object to change when the value is wrong (the value never leaves the server)"))
    service: str = Field(description="resource id of the Service")
    port: int | None = Field(None, description="the port the caller connects to (from the URL in its env)")
    exists: bool
    similar_services: list[str] | None = Field(None, description=(
        "a Service that does not exist: the Services of that namespace with a close name (a typo in the value?)"))
    exposed_ports: list[int] | None = Field(None, description="the ports the Service exposes, when the caller's is not one")
    container: str | None = Field(None, description="the caller's container whose env (or command) holds the value")
    path: str | None = Field(None, description=(
        "for a host in a container's command or args (source 'command'): the JSON pointer of that word in the pod "
        "spec, e.g. /initContainers/0/command/1"))
    corrected_value: str | None = Field(None, description=(
        "the value with the one host or port that does answer (a single close Service name, or the Service's only "
        "port) -- for a value written in the pod template or a ConfigMap; never for a Secret's"))
    corrected_edit: dict[str, str] | None = Field(None, description=(
        "the same correction as the one part that changes ({find, replace}: a host, a port): what set_config_value's "
        "`edit` takes where the value is shown masked"))
    ready_endpoints: int | None = None
    not_ready_endpoints: int | None = None
    external_name: str | None = Field(None, description=(
        "an ExternalName Service: the host outside the cluster its name resolves to (it has no endpoints of its own)"))
    alias_written: str | None = Field(None, description=(
        "for an ExternalName: when the Service was last written (created or changed) -- an alias made or repointed "
        "just before its callers fail is the change to look at; one standing for months is not"))
    port_problem: str | None = Field(None, description=(
        "why connections to it are refused although it has endpoints, or why it has none although its pods are "
        "Ready: a port the caller names that the Service does not expose, or a targetPort no selected pod declares"))


class OutsideCall(Row):
    env: str = Field(description="the env var whose URL names the host")
    source: str = Field(description="env, or ConfigMap/<name>/<key> (a Secret's URL is never read for this)")
    host: str


class ServicePort(Row):
    port: int | None
    target_port: str = Field(description="as the Service says it: a number or a port name")
    protocol: str
    reached: bool | None = Field(description="a selected pod declares it (None: the pods declare no ports, or none runs)")
    declared: list[str] = Field(description="the ports the selected pods declare, name:port/PROTOCOL")


class Ownership(ToolResult):
    """Keys depend on the kind walked: a Pod has owners and node; a workload pods; a Service
    selector, selected_pods, endpoints and called_by; a Node the pods on it."""

    resource: str
    owners: list[str] | None = Field(None, description="Pod: owner chain, nearest first")
    node: str | None = Field(None, description="Pod: the node it runs on")
    pods: list[PodPlacement] | list[str] | None = Field(None, description="workload: its pods; Node: resource ids of pods on it")
    selector: dict[str, str] | None = None
    selected_pods: list[str] | None = None
    ready_endpoints: int | None = None
    not_ready_endpoints: int | None = None
    called_by: list[str] | None = Field(None, description="Service: workloads whose env names it")
    selected_by_services: list[str] | None = None
    calls: list[Dependency] | None = Field(None, description="in-cluster services named in the pod template's env")
    calls_outside: list[OutsideCall] | None = Field(None, description=(
        "hosts outside the cluster its env (and the ConfigMaps it reads) names in URLs: a vendor's API, a gateway"))
    ports: list[ServicePort] | None = Field(None, description="Service: each port's targetPort against what its pods declare")


class EnvValue(NamedTuple):
    env: str
    value: str
    source: str  # "env", "command" (a word of a container's command or args), or "ConfigMap/<name>/<key>" / "Secret/..."
    container: str
    path: str = ""  # for "command": the JSON pointer of that word in the pod spec (/initContainers/0/command/1)


def env_values(kube: KubeClient, pod_spec: dict, namespace: str) -> list[EnvValue]:
    """Each env var's value and where it lives, including values from ConfigMaps and Secrets. Used only to find
    service hosts inside this server: the values themselves are never returned to the client."""
    cache: dict[tuple[str, str], dict] = {}

    def source(kind: str, name: str) -> dict:
        if (kind, name) not in cache:
            try:
                data = kube.get(kind, namespace, name).get("data") or {}
            except Exception:
                data = {}
            if kind == "Secret":
                data = {k: base64.b64decode(v).decode(errors="replace") for k, v in data.items()}
            cache[(kind, name)] = data
        return cache[(kind, name)]

    values = []
    for group in ("initContainers", "containers"):  # "wait-for db:5432" in an init container's command is a call too
        for index, container in enumerate(pod_spec.get(group) or []):
            for field in ("command", "args"):
                values.extend(EnvValue(f"{container.get('name') or group} {field}", str(word), "command",
                                       container.get("name") or "", f"/{group}/{index}/{field}/{position}")
                              for position, word in enumerate(container.get(field) or []))
    for container in [*(pod_spec.get("initContainers") or []), *(pod_spec.get("containers") or [])]:
        for ref in container.get("envFrom") or []:
            for key, kind in (("configMapRef", "ConfigMap"), ("secretRef", "Secret")):
                if ref.get(key):
                    name = ref[key]["name"]
                    values.extend(EnvValue(k, v, f"{kind}/{name}/{k}", container.get("name") or "")
                                  for k, v in source(kind, name).items())
        for var in container.get("env") or []:
            if var.get("value") is not None:
                values.append(EnvValue(var["name"], str(var["value"]), "env", container.get("name") or ""))
                continue
            value_from = var.get("valueFrom") or {}
            for key, kind in (("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret")):
                ref = value_from.get(key)
                if ref:
                    values.append(EnvValue(var["name"], str(source(kind, ref["name"]).get(ref["key"], "")),
                                           f"{kind}/{ref['name']}/{ref['key']}", container.get("name") or ""))
    return values


class ServiceRef(NamedTuple):
    env: EnvValue
    namespace: str
    service: str
    port: int | None  # None: a host named alone, no port said beside it


def outside_host(value: str) -> str | None:
    """The host of the first URL in an env value that is not a Service's name (<name>[.<namespace>[.svc[...]]])."""
    for token in re.split(r"[\s,;]+", value.strip()):
        if "://" not in token:
            continue
        try:
            host = urlsplit(token).hostname
        except ValueError:
            continue
        if host and host.count(".") >= 2 and host.split(".")[2:] not in (["svc"], ["svc", "cluster", "local"]):
            return host
    return None


def outside_calls(kube: KubeClient, pod_spec: dict, namespace: str) -> list[OutsideCall]:
    return [OutsideCall(env=v.env, source=v.source, host=host) for v in env_values(kube, pod_spec, namespace)
            if not v.source.startswith("Secret/") and (host := outside_host(v.value))]


def service_refs(kube: KubeClient, pod_spec: dict, namespace: str) -> list[ServiceRef]:
    """The in-cluster Services the env values name, each with the value's source and the port it connects to."""
    found = []
    values = env_values(kube, pod_spec, namespace)
    said = {(v.container, v.env): v.value for v in values}
    for value in values:
        beside = said.get((value.container, value.env[:-4] + "PORT")) if value.env.upper().endswith("HOST") else None
        host = service_host(value.value, int(beside) if beside and beside.strip().isdigit() else None)
        if host:
            found.append(ServiceRef(value, host[1] or namespace, host[0], host[2]))
    return found


def _unreached(reach: list, service_id: str) -> str | None:
    missed = [r for r in reach if r.reached is False]
    return "; ".join(r.sentence(service_id) for r in missed) or None


def _pod_ready(pod: dict) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in (pod.get("status") or {}).get("conditions") or [])


def label_selector(labels: dict[str, str]) -> str:
    """An equality selector as the API takes it in `labelSelector`: k1=v1,k2=v2."""
    return ",".join(f"{k}={v}" for k, v in labels.items())


def register(mcp: FastMCP, ctx: KubeTools) -> None:
    tool = tool_decorator(mcp)
    kube = ctx.kube

    def dependencies_of(pod_spec: dict, namespace: str) -> list[Dependency]:
        deps = []
        for ref in service_refs(kube, pod_spec, namespace):
            service = resource_id("Service", ref.service, ref.namespace)
            where = {"env": ref.env.env, "source": ref.env.source, "service": service, "port": ref.port,
                     "container": ref.env.container or None, "path": ref.env.path or None}
            shown = not ref.env.source.startswith("Secret/")  # a Secret's value never leaves the server
            try:  # the Service is what the name resolves to (Endpoints may outlive it, or be written by hand)
                found = kube.get("Service", ref.namespace, ref.service)
                if (found.get("spec") or {}).get("type") == "ExternalName":  # a DNS alias to a host outside: no endpoints
                    deps.append(Dependency(**where, exists=True, external_name=found["spec"].get("externalName"),
                                           alias_written=last_written(found.get("metadata") or {})))
                    continue
                endpoints = kube.get("Endpoints", ref.namespace, ref.service)
            except Exception:
                similar = similar_services(ref.namespace, ref.service, namespace)
                corrected = corrected_host(ref.env.value, ref.service, similar, ref.namespace) if shown else None
                deps.append(Dependency(**where, exists=False, similar_services=similar, corrected_value=corrected,
                                       corrected_edit=text_edit(ref.env.value, corrected) if corrected else None))
                continue
            subsets = endpoints.get("subsets") or []
            problem, exposed = port_problem(ref.namespace, ref.service, service, ref.port)
            corrected = corrected_port(ref.env.value, ref.port, exposed) if shown and exposed else None
            deps.append(Dependency(**where, exists=True,
                                   ready_endpoints=sum(len(s.get("addresses") or []) for s in subsets),
                                   not_ready_endpoints=sum(len(s.get("notReadyAddresses") or []) for s in subsets),
                                   port_problem=problem, exposed_ports=exposed, corrected_value=corrected,
                                   corrected_edit=text_edit(ref.env.value, corrected) if corrected else None))
        return deps

    def similar_services(namespace: str, name: str, caller_namespace: str) -> list[str]:
        """Services whose names are close to one that does not exist: what the host most likely meant -- the very
        name in another namespace (the caller's own first: the namespace part is what is wrong, as when a Service
        moved namespaces; an exact name outranks a look-alike: `pharmacy-api.clinical` after pharmacy-api moved is not
        `pharmacy-db` there); else a close name in the namespace the host names (a typo); else (a typo in both) a
        close name in a close namespace."""
        try:
            everywhere = [(s["metadata"]["namespace"], s["metadata"]["name"]) for s in kube.list("Service", None)]
        except Exception:
            return []
        same_name = sorted((ns != caller_namespace, ns) for ns, n in everywhere if n == name and ns != namespace)
        if same_name:
            return [resource_id("Service", name, ns) for _, ns in same_name][:3]
        close = difflib.get_close_matches(name, [n for ns, n in everywhere if ns == namespace], n=3, cutoff=0.75)
        if close:
            return [resource_id("Service", n, namespace) for n in close]
        return [resource_id("Service", n, ns) for ns, n in everywhere if ns != namespace
                and difflib.SequenceMatcher(None, ns, namespace).ratio() >= 0.75
                and difflib.SequenceMatcher(None, n, name).ratio() >= 0.75][:3]

    def port_problem(namespace: str, name: str, service_id: str, port: int | None) -> tuple[str | None, list[int] | None]:
        """Connections the caller makes that cannot reach the app: a port the Service does not expose (with the
        ports it does), or a targetPort its Ready pods do not declare. None when it reaches them, or nothing says
        (no port said: a host named alone)."""
        if port is None:
            return None, None
        try:
            service = kube.get("Service", namespace, name)
        except Exception:
            return None, None
        exposed = [p.get("port") for p in service["spec"].get("ports") or []]
        headless = service["spec"].get("clusterIP") == "None"  # DNS names the pods: the caller uses their ports
        if exposed and port not in exposed and not headless:
            return (f"the caller connects to port {port}; Service {service_id} exposes {', '.join(map(str, exposed))}",
                    [int(p) for p in exposed if p is not None])
        selector = service["spec"].get("selector") or {}
        pods = [p for p in kube.list("Pod", namespace, label_selector=label_selector(selector)) if _pod_ready(p)] if selector else []
        wanted = [p for p in service["spec"].get("ports") or [] if p.get("port") == port]
        if headless and not wanted:
            wanted = [{"port": port, "targetPort": port}]
        return _unreached(port_reach({"spec": {"ports": wanted}}, [p["spec"] for p in pods]), service_id), None

    def callers_of(service: str, namespace: str) -> list[str]:
        callers = set()
        for kind in WORKLOAD_KINDS:
            for workload in ctx.k8s(lambda kind=kind: kube.list(kind), f"list {kind}"):
                pod_spec = (workload["spec"].get("template") or {}).get("spec") or {}
                for ref in service_refs(kube, pod_spec, workload["metadata"]["namespace"]):
                    if (ref.namespace, ref.service) == (namespace, service):
                        callers.add(resource_id(kind, workload["metadata"]["name"], workload["metadata"]["namespace"]))
        return sorted(callers)

    @tool(title="Walk owners, pods and service dependencies", read_only=True, destructive=False, idempotent=True,
          open_world=True)
    def ownership(kind: str, name: Name,
                  namespace: Annotated[str | None, Field(description="omit for Nodes")] = None) -> Ownership:
        """Walk the object graph: pod -> ReplicaSet -> Deployment and its node; workload -> pods, the Services
        selecting it and the in-cluster services it calls (from its env); Service -> selected pods, endpoints
        and the workloads that call it; Node -> pods on it."""
        try:
            spec = resolve_kind(kind)
        except ValueError as exc:
            raise ToolError(str(exc)) from None
        if spec.kind not in WALKABLE + ("Pod", "Service", "Node"):
            raise ToolError(f"ownership: {spec.kind} is not walkable; use Pod, Deployment, StatefulSet, DaemonSet, "
                            "ReplicaSet, Job, Service or Node")
        obj = ctx.k8s(lambda: kube.get(spec.kind, namespace if spec.namespaced else None, name), f"{spec.kind} {name!r}")
        result: dict[str, Any] = {"resource": resource_id(spec.kind, name, namespace)}
        if spec.kind == "Node":
            pods = ctx.k8s(lambda: kube.list("Pod", field_selector=f"spec.nodeName={name}"), f"pods on {name}")
            result["pods"] = [resource_id("Pod", p["metadata"]["name"], p["metadata"]["namespace"]) for p in pods]
            return Ownership(**result)
        if spec.kind == "Service":
            selector = obj["spec"].get("selector") or {}
            pods = ctx.k8s(lambda: kube.list("Pod", namespace, label_selector=label_selector(selector)),
                           "pods selected by the Service") if selector else []
            endpoints = ctx.k8s(lambda: kube.get("Endpoints", namespace, name), f"Endpoints {name!r}")
            subsets = endpoints.get("subsets") or []
            reach = port_reach(obj, [p["spec"] for p in pods if _pod_ready(p)])
            return Ownership(**result, selector=selector, selected_pods=[p["metadata"]["name"] for p in pods],
                             ready_endpoints=sum(len(s.get("addresses") or []) for s in subsets),
                             not_ready_endpoints=sum(len(s.get("notReadyAddresses") or []) for s in subsets),
                             called_by=callers_of(name, namespace),
                             ports=[ServicePort(port=r.port, target_port=r.target_port, protocol=r.protocol,
                                                reached=r.reached, declared=r.declared) for r in reach])
        if spec.kind == "Pod":
            chain, current = [], obj
            while True:
                refs = current["metadata"].get("ownerReferences") or []
                if not refs:
                    break
                ref = refs[0]
                chain.append(resource_id(ref["kind"], ref["name"], namespace))
                if ref["kind"] not in KINDS:
                    break
                current = ctx.k8s(lambda ref=ref: kube.get(ref["kind"], namespace, ref["name"]),
                                  f"owner {ref['kind']}/{ref['name']}")
            result["owners"] = chain
            result["node"] = obj["spec"].get("nodeName")
            labels = obj["metadata"].get("labels") or {}
            pod_spec = obj["spec"]
        else:
            selector = (obj["spec"].get("selector") or {}).get("matchLabels") or {}
            pods = ctx.k8s(lambda: kube.list("Pod", namespace, label_selector=label_selector(selector)), "pods of workload")
            result["pods"] = [PodPlacement(pod=p["metadata"]["name"], node=p["spec"].get("nodeName"),
                                           ready=all(s.get("ready") for s in
                                                     (p.get("status") or {}).get("containerStatuses") or [{}]),
                                           started=(p.get("status") or {}).get("startTime"),
                                           restarts=sum(int(c.get("restartCount") or 0) for c in
                                                        (p.get("status") or {}).get("containerStatuses") or []))
                              for p in pods]
            labels = ((obj["spec"].get("template") or {}).get("metadata") or {}).get("labels") or {}
            pod_spec = (obj["spec"].get("template") or {}).get("spec") or {}
        services = ctx.k8s(lambda: kube.list("Service", namespace), "list Services")
        result["selected_by_services"] = [s["metadata"]["name"] for s in services if (s["spec"].get("selector") or {})
                                          and all(labels.get(k) == v for k, v in s["spec"]["selector"].items())]
        result["calls"] = dependencies_of(pod_spec, namespace)
        result["calls_outside"] = outside_calls(kube, pod_spec, namespace) or None
        return Ownership(**result)
