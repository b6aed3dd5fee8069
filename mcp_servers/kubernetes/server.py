"""The Kubernetes MCP server: kubectl-grade reads, k8sgpt-grade analysis, and gated writes.

    python -m mcp_servers.kubernetes                      # stdio, read-only
    python -m mcp_servers.kubernetes --allow-writes --namespaces shop,payments --audit-log audit.jsonl
    python -m mcp_servers.kubernetes --http --port 8081 --token "$TOKEN"

Works against any cluster through a kubeconfig (KUBECONFIG, --kubeconfig) or in-cluster config."""

from __future__ import annotations

import argparse
import copy
import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from mcp.server.fastmcp import FastMCP
from mcp.server.fastmcp.exceptions import ToolError
from pydantic import Field

from ..common.errors import call_backend
from ..common.results import compact
from ..common.safety import AuditLog, WritePolicy
from ..common.serve import base_parser, policy_from_args, preflight, run
from .analyzers import ClusterView, kinds_to_fetch, run_analyzers
from .kube import KINDS, KubeClient, resolve_kind
from .summaries import event_summary, sanitize, summarize

REVISION = "deployment.kubernetes.io/revision"
TEMPLATE_HASH = "pod-template-hash"
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet")

Namespace = Annotated[str, Field(min_length=1, max_length=63, pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
                                 description="Kubernetes namespace")]
Name = Annotated[str, Field(min_length=1, max_length=253, description="object name")]
Reason = Annotated[str, Field(min_length=3, max_length=500, description="why this change is made (goes to the audit log)")]
DryRun = Annotated[bool, Field(description="validate on the server (server-side dry run) without changing anything")]


def rid(kind: str, name: str, namespace: str | None) -> str:
    spec = KINDS.get(kind)
    return f"{namespace}/{kind}/{name}" if namespace and (spec is None or spec.namespaced) else f"{kind}/{name}"


def build_server(kube: KubeClient, policy: WritePolicy, audit: AuditLog) -> FastMCP:
    mcp = FastMCP("sre-kubernetes", log_level="WARNING", instructions=(
        "Read and diagnose a Kubernetes cluster: get_resources, describe, pod_logs, events, rollout_history, top, "
        "find_resource, ownership (owners, selected pods, dependents and dependencies of a workload), analyze "
        "(k8sgpt-style findings). Writes (rollout_undo, rollout_restart, scale, set_image, set_resources, delete_pod, "
        "cordon, uncordon) are gated by the server's own --allow-writes and --namespaces and support dry_run."))

    def k8s(fn, what: str):
        return call_backend(fn, what)

    def check_namespace(namespace: str | None) -> None:
        if namespace:
            k8s(lambda: kube.get("Namespace", None, namespace), f"namespace {namespace!r}")

    # --- reads ---------------------------------------------------------------------------------
    @mcp.tool()
    def get_resources(
        kind: Annotated[str, Field(description="Pod, Deployment, Service, Node, Event, ... (kubectl short names work)")],
        namespace: Annotated[str | None, Field(description="namespace; omit for all namespaces")] = None,
        label_selector: Annotated[str | None, Field(description="e.g. app=checkout,tier!=db")] = None,
        field_selector: Annotated[str | None, Field(description="e.g. status.phase!=Running")] = None,
        limit: Annotated[int, Field(ge=1, le=5000)] = 200,
    ) -> str:
        """List objects of one kind with the facts kubectl get -o wide shows (never Secret values)."""
        try:
            spec = resolve_kind(kind)
        except ValueError as exc:
            raise ToolError(str(exc)) from None
        check_namespace(namespace)
        items = k8s(lambda: kube.list(spec.kind, namespace, label_selector, field_selector), f"list {spec.kind}")
        rows = [summarize(spec.kind, item) for item in items[:limit]]
        return compact({"kind": spec.kind, "namespace": namespace or "(all)", "count": len(items), "items": rows},
                       hint="add a namespace or label_selector, or lower limit")

    @mcp.tool()
    def describe(kind: str, name: Name, namespace: Annotated[str | None, Field(description="omit for cluster-scoped kinds")] = None,
                 events_limit: Annotated[int, Field(ge=0, le=200)] = 20) -> str:
        """One object (sanitised: no managedFields, secrets masked) and its recent events, like kubectl describe."""
        try:
            spec = resolve_kind(kind)
        except ValueError as exc:
            raise ToolError(str(exc)) from None
        if spec.namespaced and not namespace:
            raise ToolError(f"describe {spec.kind}: namespace is required for namespaced kinds")
        obj = k8s(lambda: kube.get(spec.kind, namespace, name), f"{spec.kind} {name!r} in namespace {namespace!r}")
        events = _events_for(spec.kind, name, namespace or "default")
        return compact({"resource": rid(spec.kind, name, namespace), "object": sanitize(spec.kind, obj),
                        "events": events[:events_limit]}, hint="describe returns one object; lower events_limit")

    def _events_for(kind: str, name: str, namespace: str, warnings_only: bool = False) -> list[dict]:
        selector = f"involvedObject.kind={kind},involvedObject.name={name}"
        if warnings_only:
            selector += ",type=Warning"
        items = k8s(lambda: kube.list("Event", namespace, field_selector=selector), f"events of {kind}/{name}")
        items.sort(key=lambda e: e.get("lastTimestamp") or e.get("eventTime") or "", reverse=True)
        return [event_summary(e) for e in items]

    @mcp.tool()
    def pod_logs(namespace: Namespace, name: Name,
                 container: Annotated[str | None, Field(description="required when the pod has several containers")] = None,
                 previous: Annotated[bool, Field(description="logs of the previous (crashed) container instance")] = False,
                 tail: Annotated[int, Field(ge=1, le=5000)] = 200,
                 since_seconds: Annotated[int | None, Field(ge=1, le=86400 * 7)] = None,
                 grep: Annotated[str | None, Field(max_length=200, description="case-insensitive regex filter")] = None) -> str:
        """A container's log lines (tail, since, previous instance, optional regex filter)."""
        pattern = None
        if grep:
            try:
                pattern = re.compile(grep, re.IGNORECASE)
            except re.error as exc:
                raise ToolError(f"grep {grep!r} is not a valid regular expression: {exc}") from None
        text = k8s(lambda: kube.pod_log(namespace, name, container, previous, tail if not pattern else 5000, since_seconds),
                   f"logs of pod {name!r} in namespace {namespace!r}")
        lines = text.splitlines()
        if pattern:
            lines = [line for line in lines if pattern.search(line)][-tail:]
        return compact({"pod": f"{namespace}/{name}", "container": container, "previous": previous,
                        "lines": lines}, hint="lower tail, add since_seconds or grep")

    @mcp.tool()
    def events(namespace: Annotated[str | None, Field(description="omit for all namespaces")] = None,
               kind: str | None = None, name: str | None = None,
               warnings_only: bool = True, limit: Annotated[int, Field(ge=1, le=1000)] = 50) -> str:
        """Events, newest first; by object (kind+name) and/or warnings only."""
        check_namespace(namespace)
        selectors = []
        if kind:
            selectors.append(f"involvedObject.kind={resolve_kind(kind).kind}")
        if name:
            selectors.append(f"involvedObject.name={name}")
        if warnings_only:
            selectors.append("type=Warning")
        items = k8s(lambda: kube.list("Event", namespace, field_selector=",".join(selectors) or None), "list events")
        items.sort(key=lambda e: e.get("lastTimestamp") or e.get("eventTime") or "", reverse=True)
        return compact({"count": len(items), "events": [event_summary(e) for e in items[:limit]]},
                       hint="filter by kind/name or lower limit")

    def _owned_replicasets(namespace: str, deploy: dict) -> list[dict]:
        uid = deploy["metadata"]["uid"]
        sets = k8s(lambda: kube.list("ReplicaSet", namespace), "list ReplicaSets")
        owned = [rs for rs in sets if any(r.get("uid") == uid for r in rs["metadata"].get("ownerReferences") or [])]
        return sorted(owned, key=lambda rs: int((rs["metadata"].get("annotations") or {}).get(REVISION, 0)))

    @mcp.tool()
    def rollout_history(namespace: Namespace, name: Name) -> str:
        """A Deployment's revisions (from its ReplicaSets): revision, images, when, replicas, change cause."""
        deploy = k8s(lambda: kube.get("Deployment", namespace, name), f"Deployment {name!r} in {namespace!r}")
        current = (deploy["metadata"].get("annotations") or {}).get(REVISION)
        rows = []
        for rs in _owned_replicasets(namespace, deploy):
            annotations = rs["metadata"].get("annotations") or {}
            rows.append({"revision": int(annotations.get(REVISION, 0)), "replicaset": rs["metadata"]["name"],
                         "images": [c.get("image") for c in rs["spec"]["template"]["spec"].get("containers") or []],
                         "created": rs["metadata"].get("creationTimestamp"),
                         "replicas": rs["spec"].get("replicas", 0), "ready": (rs.get("status") or {}).get("readyReplicas", 0),
                         "change_cause": annotations.get("kubernetes.io/change-cause"),
                         "current": annotations.get(REVISION) == current})
        return compact({"deployment": rid("Deployment", name, namespace), "current_revision": int(current or 0),
                        "revisions": rows})

    @mcp.tool()
    def top(kind: Literal["pods", "nodes"] = "pods", namespace: str | None = None,
            sort_by: Literal["cpu", "memory"] = "cpu", limit: Annotated[int, Field(ge=1, le=1000)] = 30) -> str:
        """CPU (millicores) and memory (MiB) from metrics.k8s.io, highest first."""
        metrics_kind = "PodMetrics" if kind == "pods" else "NodeMetrics"
        items = k8s(lambda: kube.list(metrics_kind, namespace if kind == "pods" else None), f"metrics.k8s.io {kind}")
        rows = []
        for item in items:
            usages = [c["usage"] for c in item.get("containers") or []] if kind == "pods" else [item.get("usage") or {}]
            cpu = sum(_cpu_m(u.get("cpu")) for u in usages)
            mem = sum(_mem_mib(u.get("memory")) for u in usages)
            rows.append({"name": item["metadata"]["name"], "namespace": item["metadata"].get("namespace"),
                         "cpu_m": round(cpu), "memory_mib": round(mem)})
        rows.sort(key=lambda r: r["cpu_m" if sort_by == "cpu" else "memory_mib"], reverse=True)
        return compact({"kind": kind, "items": rows[:limit]})

    @mcp.tool()
    def find_resource(name: Annotated[str, Field(min_length=2, max_length=253)],
                      kinds: Annotated[list[str] | None, Field(description="kinds to search; default workloads, pods, services")] = None) -> str:
        """Find objects by (part of) their name across all namespaces."""
        wanted = [resolve_kind(k).kind for k in kinds] if kinds else ["Deployment", "StatefulSet", "DaemonSet", "Service", "Pod", "Node"]
        matches = []
        for kind in wanted:
            for obj in k8s(lambda kind=kind: kube.list(kind), f"list {kind}"):
                obj_name = obj["metadata"]["name"]
                if name == obj_name or name in obj_name:
                    matches.append({"resource": rid(kind, obj_name, obj["metadata"].get("namespace")),
                                    "exact": name == obj_name})
        matches.sort(key=lambda m: not m["exact"])
        return compact({"query": name, "matches": matches}, hint="use a longer name or fewer kinds")

    @mcp.tool()
    def ownership(kind: str, name: Name, namespace: Annotated[str | None, Field(description="omit for Nodes")] = None) -> str:
        """Walk the object graph: pod -> ReplicaSet -> Deployment and its node; workload -> pods, the Services
        selecting it and the in-cluster services it calls (from its env); Service -> selected pods, endpoints
        and the workloads that call it; Node -> pods on it."""
        spec = resolve_kind(kind)
        obj = k8s(lambda: kube.get(spec.kind, namespace if spec.namespaced else None, name), f"{spec.kind} {name!r}")
        result: dict[str, Any] = {"resource": rid(spec.kind, name, namespace)}
        if spec.kind == "Node":
            pods = k8s(lambda: kube.list("Pod", field_selector=f"spec.nodeName={name}"), f"pods on {name}")
            result["pods"] = [rid("Pod", p["metadata"]["name"], p["metadata"]["namespace"]) for p in pods]
            return compact(result)
        if spec.kind == "Pod":
            chain, current = [], obj
            while True:
                refs = current["metadata"].get("ownerReferences") or []
                if not refs:
                    break
                ref = refs[0]
                chain.append(rid(ref["kind"], ref["name"], namespace))
                if ref["kind"] not in KINDS:
                    break
                current = k8s(lambda ref=ref: kube.get(ref["kind"], namespace, ref["name"]), f"owner {ref['kind']}/{ref['name']}")
            result["owners"] = chain
            result["node"] = obj["spec"].get("nodeName")
            labels = obj["metadata"].get("labels") or {}
            pod_spec = obj["spec"]
        elif spec.kind in WORKLOAD_KINDS + ("ReplicaSet", "Job"):
            selector = (obj["spec"].get("selector") or {}).get("matchLabels") or {}
            pods = k8s(lambda: kube.list("Pod", namespace, label_selector=",".join(f"{k}={v}" for k, v in selector.items())),
                       "pods of workload")
            result["pods"] = [{"pod": p["metadata"]["name"], "node": p["spec"].get("nodeName"),
                               "ready": all(s.get("ready") for s in (p.get("status") or {}).get("containerStatuses") or [{}])}
                              for p in pods]
            labels = ((obj["spec"].get("template") or {}).get("metadata") or {}).get("labels") or {}
            pod_spec = (obj["spec"].get("template") or {}).get("spec") or {}
        elif spec.kind == "Service":
            selector = obj["spec"].get("selector") or {}
            pods = k8s(lambda: kube.list("Pod", namespace, label_selector=",".join(f"{k}={v}" for k, v in selector.items())),
                       "pods selected by the Service") if selector else []
            endpoints = k8s(lambda: kube.get("Endpoints", namespace, name), f"Endpoints {name!r}")
            subsets = endpoints.get("subsets") or []
            result.update({"selector": selector, "selected_pods": [p["metadata"]["name"] for p in pods],
                           "ready_endpoints": sum(len(s.get("addresses") or []) for s in subsets),
                           "not_ready_endpoints": sum(len(s.get("notReadyAddresses") or []) for s in subsets),
                           "called_by": _callers_of(name, namespace)})
            return compact(result)
        else:
            raise ToolError(f"ownership: {spec.kind} is not walkable; use Pod, Deployment, StatefulSet, DaemonSet, "
                            "ReplicaSet, Job, Service or Node")
        services = k8s(lambda: kube.list("Service", namespace), "list Services")
        result["selected_by_services"] = [s["metadata"]["name"] for s in services if (s["spec"].get("selector") or {})
                                          and all(labels.get(k) == v for k, v in s["spec"]["selector"].items())]
        result["calls"] = _dependencies_of(pod_spec, namespace)
        return compact(result)

    SERVICE_HOST = re.compile(r"(?:^|//|@)([a-z0-9-]+)(?:\.([a-z0-9-]+))?(?:\.svc(?:\.cluster\.local)?)?(?::\d+)")

    def _env_values(pod_spec: dict, namespace: str) -> list[tuple[str, str]]:
        """(env var, value) including values from ConfigMaps and Secrets. Used only to find service
        hosts inside this server: the values themselves are never returned to the client."""
        cache: dict[tuple[str, str], dict] = {}

        def source(kind: str, name: str) -> dict:
            if (kind, name) not in cache:
                try:
                    data = kube.get(kind, namespace, name).get("data") or {}
                except Exception:
                    data = {}
                if kind == "Secret":
                    import base64

                    data = {k: base64.b64decode(v).decode(errors="replace") for k, v in data.items()}
                cache[(kind, name)] = data
            return cache[(kind, name)]

        values = []
        for container in pod_spec.get("containers") or []:
            for ref in container.get("envFrom") or []:
                for key, kind in (("configMapRef", "ConfigMap"), ("secretRef", "Secret")):
                    if ref.get(key):
                        values.extend(source(kind, ref[key]["name"]).items())
            for var in container.get("env") or []:
                if var.get("value") is not None:
                    values.append((var["name"], str(var["value"])))
                    continue
                value_from = var.get("valueFrom") or {}
                for key, kind in (("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret")):
                    ref = value_from.get(key)
                    if ref:
                        values.append((var["name"], str(source(kind, ref["name"]).get(ref["key"], ""))))
        return values

    def _service_refs(pod_spec: dict, namespace: str) -> list[tuple[str, str, str]]:
        """(env var, service namespace, service name) for env values that name in-cluster services."""
        found = []
        for name, value in _env_values(pod_spec, namespace):
            match = SERVICE_HOST.search(value)
            if match:
                found.append((name, match.group(2) if match.group(2) and match.group(2) != "svc" else namespace,
                              match.group(1)))
        return found

    def _dependencies_of(pod_spec: dict, namespace: str) -> list[dict]:
        deps = []
        for env_name, svc_ns, svc_name in _service_refs(pod_spec, namespace):
            try:
                endpoints = kube.get("Endpoints", svc_ns, svc_name)
            except Exception:
                deps.append({"env": env_name, "service": rid("Service", svc_name, svc_ns), "exists": False})
                continue
            subsets = endpoints.get("subsets") or []
            deps.append({"env": env_name, "service": rid("Service", svc_name, svc_ns), "exists": True,
                         "ready_endpoints": sum(len(s.get("addresses") or []) for s in subsets),
                         "not_ready_endpoints": sum(len(s.get("notReadyAddresses") or []) for s in subsets)})
        return deps

    def _callers_of(service: str, namespace: str) -> list[str]:
        callers = set()
        for kind in ("Deployment", "StatefulSet", "DaemonSet"):
            for workload in k8s(lambda kind=kind: kube.list(kind), f"list {kind}"):
                pod_spec = (workload["spec"].get("template") or {}).get("spec") or {}
                for _, svc_ns, svc_name in _service_refs(pod_spec, workload["metadata"]["namespace"]):
                    if (svc_ns, svc_name) == (namespace, service):
                        callers.add(rid(kind, workload["metadata"]["name"], workload["metadata"]["namespace"]))
        return sorted(callers)

    @mcp.tool()
    def analyze(namespace: Annotated[str | None, Field(description="omit for the whole cluster")] = None,
                kinds: Annotated[list[str] | None, Field(description="analyzers to run, e.g. [Pod, Service]; default all")] = None,
                min_severity: Literal["info", "warning", "critical"] = "warning") -> str:
        """k8sgpt-style analysis: structured findings {resource, kind, severity, reason, message, evidence}."""
        check_namespace(namespace)
        try:
            fetch = kinds_to_fetch(kinds)
        except ValueError as exc:
            raise ToolError(str(exc)) from None
        objects: dict[str, list[dict]] = {}
        for kind in sorted(fetch):
            if kind not in KINDS:
                continue
            scoped = namespace if KINDS[kind].namespaced else None
            items = k8s(lambda kind=kind, scoped=scoped: kube.list(kind, scoped), f"list {kind}")
            if kind == "Secret":
                items = [{**s, "data": {k: "" for k in (s.get("data") or {})}} for s in items]
            objects[kind] = items
        findings = run_analyzers(ClusterView(objects), kinds, namespace)
        order = {"info": 0, "warning": 1, "critical": 2}
        rows = [f.model_dump() for f in findings if order.get(f.severity, 1) >= order[min_severity]]
        return compact({"scope": namespace or "(cluster)", "count": len(rows), "findings": rows},
                       hint="pass a namespace or fewer kinds")

    # --- writes ----------------------------------------------------------------------------------
    def _write(tool: str, namespace: str | None, args: dict, reason: str, dry_run: bool, action) -> str:
        try:
            policy.check(tool, namespace)
        except ToolError as exc:
            audit.write(tool=tool, args=args, reason=reason, dry_run=dry_run, outcome="refused", detail=str(exc))
            raise
        try:
            detail = call_backend(action, f"{tool} {args}")
        except ToolError as exc:
            audit.write(tool=tool, args=args, reason=reason, dry_run=dry_run, outcome="failed", detail=str(exc))
            raise
        record = audit.write(tool=tool, args=args, reason=reason, dry_run=dry_run,
                             outcome="dry_run_ok" if dry_run else "applied", detail=detail)
        return compact({"tool": tool, "dry_run": dry_run, "result": detail, "audit": {"ts": record["ts"], "actor": record["actor"]}})

    def _dry(dry_run: bool) -> dict:
        return {"dry_run": "All"} if dry_run else {}

    def _patch_workload(kind: str, namespace: str, name: str, body: dict, dry_run: bool):
        fn = {"Deployment": kube.apps.patch_namespaced_deployment, "StatefulSet": kube.apps.patch_namespaced_stateful_set,
              "DaemonSet": kube.apps.patch_namespaced_daemon_set}[kind]
        return fn(name, namespace, body, _request_timeout=10, **_dry(dry_run))

    @mcp.tool()
    def rollout_restart(namespace: Namespace, name: Name, reason: Reason, dry_run: DryRun = False,
                        kind: Literal["Deployment", "StatefulSet", "DaemonSet"] = "Deployment") -> str:
        """Restart a workload's pods (kubectl rollout restart: stamps restartedAt on the pod template)."""
        body = {"spec": {"template": {"metadata": {"annotations": {
            "kubectl.kubernetes.io/restartedAt": datetime.now(UTC).isoformat()}}}}}
        return _write("rollout_restart", namespace, {"kind": kind, "namespace": namespace, "name": name}, reason, dry_run,
                      lambda: (_patch_workload(kind, namespace, name, body, dry_run), f"restarted {kind}/{name}")[1])

    @mcp.tool()
    def rollout_undo(namespace: Namespace, name: Name, reason: Reason, dry_run: DryRun = False,
                     to_revision: Annotated[int | None, Field(ge=1, description="default: the previous revision")] = None) -> str:
        """Roll a Deployment back to a previous revision (kubectl rollout undo)."""
        def action() -> str:
            deploy = kube.get("Deployment", namespace, name)
            sets = _owned_replicasets(namespace, deploy)
            current = int((deploy["metadata"].get("annotations") or {}).get(REVISION, 0))
            revisions = {int((rs["metadata"].get("annotations") or {}).get(REVISION, 0)): rs for rs in sets}
            target_rev = to_revision or max((r for r in revisions if r < current), default=None)
            if target_rev is None or target_rev not in revisions:
                raise ToolError(f"rollout_undo: no revision {to_revision or 'before ' + str(current)} for "
                                f"Deployment {namespace}/{name} (revisions: {sorted(revisions)})")
            template = copy.deepcopy(revisions[target_rev]["spec"]["template"])
            (template.get("metadata") or {}).get("labels", {}).pop(TEMPLATE_HASH, None)
            ops = [{"op": "replace", "path": "/spec/template", "value": template}]
            kube.apps.patch_namespaced_deployment(name, namespace, ops, _request_timeout=10, **_dry(dry_run))
            images = [c.get("image") for c in template["spec"].get("containers") or []]
            return f"Deployment {namespace}/{name} rolled back from revision {current} to {target_rev} (images {images})"

        return _write("rollout_undo", namespace, {"namespace": namespace, "name": name, "to_revision": to_revision},
                      reason, dry_run, action)

    @mcp.tool()
    def scale(namespace: Namespace, name: Name, replicas: Annotated[int, Field(ge=0, le=1000)], reason: Reason,
              dry_run: DryRun = False, kind: Literal["Deployment", "StatefulSet"] = "Deployment") -> str:
        """Set a workload's replica count through its scale subresource."""
        def action() -> str:
            fn = kube.apps.patch_namespaced_deployment_scale if kind == "Deployment" else kube.apps.patch_namespaced_stateful_set_scale
            before = kube.get(kind, namespace, name)["spec"].get("replicas")
            fn(name, namespace, {"spec": {"replicas": replicas}}, _request_timeout=10, **_dry(dry_run))
            return f"{kind} {namespace}/{name} scaled from {before} to {replicas}"

        return _write("scale", namespace, {"kind": kind, "namespace": namespace, "name": name, "replicas": replicas},
                      reason, dry_run, action)

    @mcp.tool()
    def set_image(namespace: Namespace, name: Name, container: Name, image: Annotated[str, Field(min_length=3, max_length=500)],
                  reason: Reason, dry_run: DryRun = False,
                  kind: Literal["Deployment", "StatefulSet", "DaemonSet"] = "Deployment") -> str:
        """Change one container's image (kubectl set image)."""
        body = {"spec": {"template": {"spec": {"containers": [{"name": container, "image": image}]}}}}
        return _write("set_image", namespace, {"kind": kind, "namespace": namespace, "name": name, "container": container,
                                               "image": image}, reason, dry_run,
                      lambda: (_patch_workload(kind, namespace, name, body, dry_run), f"{kind}/{name} {container} -> {image}")[1])

    @mcp.tool()
    def set_resources(namespace: Namespace, name: Name, container: Name, reason: Reason,
                      requests: Annotated[dict[str, str] | None, Field(description='e.g. {"cpu": "250m", "memory": "512Mi"}')] = None,
                      limits: Annotated[dict[str, str] | None, Field(description='e.g. {"memory": "1Gi"}')] = None,
                      dry_run: DryRun = False, kind: Literal["Deployment", "StatefulSet", "DaemonSet"] = "Deployment") -> str:
        """Change one container's resource requests/limits (kubectl set resources)."""
        if not requests and not limits:
            raise ToolError("set_resources: give requests and/or limits")
        for key in list((requests or {}).keys()) + list((limits or {}).keys()):
            if key not in ("cpu", "memory", "ephemeral-storage"):
                raise ToolError(f"set_resources: unknown resource {key!r}; use cpu, memory or ephemeral-storage")
        resources = {k: v for k, v in (("requests", requests), ("limits", limits)) if v}
        body = {"spec": {"template": {"spec": {"containers": [{"name": container, "resources": resources}]}}}}
        return _write("set_resources", namespace, {"kind": kind, "namespace": namespace, "name": name, "container": container,
                                                   **resources}, reason, dry_run,
                      lambda: (_patch_workload(kind, namespace, name, body, dry_run), f"{kind}/{name} {container} resources {resources}")[1])

    @mcp.tool()
    def delete_pod(namespace: Namespace, name: Name, reason: Reason, dry_run: DryRun = False,
                   grace_period_seconds: Annotated[int | None, Field(ge=0, le=3600)] = None) -> str:
        """Delete one pod (its controller replaces it)."""
        def action() -> str:
            kwargs = {"grace_period_seconds": grace_period_seconds} if grace_period_seconds is not None else {}
            kube.core.delete_namespaced_pod(name, namespace, _request_timeout=10, **_dry(dry_run), **kwargs)
            return f"pod {namespace}/{name} deleted"

        return _write("delete_pod", namespace, {"namespace": namespace, "name": name}, reason, dry_run, action)

    def _cordon(node: str, unschedulable: bool, reason: str, dry_run: bool) -> str:
        tool = "cordon" if unschedulable else "uncordon"
        return _write(tool, None, {"node": node}, reason, dry_run, lambda: (
            kube.core.patch_node(node, {"spec": {"unschedulable": unschedulable}}, _request_timeout=10, **_dry(dry_run)),
            f"node {node} {'cordoned' if unschedulable else 'uncordoned'}")[1])

    @mcp.tool()
    def cordon(node: Name, reason: Reason, dry_run: DryRun = False) -> str:
        """Mark a node unschedulable (cluster-scoped: needs '*' in the server's --namespaces)."""
        return _cordon(node, True, reason, dry_run)

    @mcp.tool()
    def uncordon(node: Name, reason: Reason, dry_run: DryRun = False) -> str:
        """Mark a node schedulable again (cluster-scoped: needs '*' in the server's --namespaces)."""
        return _cordon(node, False, reason, dry_run)

    return mcp


def _cpu_m(value: str | None) -> float:
    if not value:
        return 0.0
    if value.endswith("n"):
        return float(value[:-1]) / 1e6
    if value.endswith("u"):
        return float(value[:-1]) / 1e3
    if value.endswith("m"):
        return float(value[:-1])
    return float(value) * 1000


def _mem_mib(value: str | None) -> float:
    if not value:
        return 0.0
    units = {"Ki": 1 / 1024, "Mi": 1, "Gi": 1024, "Ti": 1024 * 1024}
    for suffix, factor in units.items():
        if value.endswith(suffix):
            return float(value[: -len(suffix)]) * factor
    return float(value) / 2**20


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = base_parser("sre-mcp-kubernetes", __doc__, writes=True)
    parser.add_argument("--kubeconfig", default=None, help="kubeconfig path (default: $KUBECONFIG, ~/.kube/config, in-cluster)")
    parser.add_argument("--context", default=None, help="kubeconfig context")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    preflight(args)
    policy, audit = policy_from_args(args, "kubernetes")
    if policy.allow_writes and not policy.namespaces:
        raise SystemExit("error: --allow-writes needs --namespaces (comma-separated, or '*' for all)")
    try:
        kube = KubeClient(args.kubeconfig, args.context)
    except Exception as exc:  # no kubeconfig, bad context, not in a cluster
        raise SystemExit(f"error: cannot load Kubernetes configuration: {exc}. Set KUBECONFIG or pass --kubeconfig.") from None
    run(build_server(kube, policy, audit), args)


if __name__ == "__main__":
    main()
