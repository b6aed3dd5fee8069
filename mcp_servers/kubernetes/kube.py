"""Talking to a Kubernetes API with the official client.

Reads go through `ApiClient.call_api` with `_preload_content=False`, so lists arrive as the API's
own JSON (camelCase, exactly what the analyzers expect) without building thousands of typed
model objects; writes use the typed APIs with server-side dry run. Every call has a timeout."""

from __future__ import annotations

import gc
import json
import threading
from dataclasses import dataclass
from typing import Any

import orjson
from kubernetes import client, config
from kubernetes.client.exceptions import ApiException

DEFAULT_REQUEST_TIMEOUT_S = 10.0


class GcPause:
    """The cyclic garbage collector held off while a large list is decoded and reduced (`with gc_paused:`).

    A 5,000-pod cluster's lists decode to ~260,000 dicts and lists (11 MB of pods alone); the collections their
    allocation triggers walk every live object again and again, so with the collector on the pod list took 3-6x
    as long to decode as without (0.07 s -> 0.23-0.48 s, more the bigger the live heap) and analyze's lists
    0.4-1.0 CPU-s instead of 0.1. What a tool builds from a list is a tree (JSON) that reference counting frees
    as soon as the tool drops it: held off across decode and reduction, none of it is ever walked. Tools run in
    worker threads, so the pause is counted: the collector comes back when the last holder leaves (if it was
    on when the first came); garbage with cycles made meanwhile is collected then. A holder waits at most its
    backend call's deadline."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holders = 0
        self._resume = False

    def __enter__(self) -> None:
        with self._lock:
            if self._holders == 0:
                self._resume = gc.isenabled()
                gc.disable()
            self._holders += 1

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._holders -= 1
            if self._holders == 0 and self._resume:
                gc.enable()


gc_paused = GcPause()


def parse_json(raw: bytes) -> Any:
    """An API response body. orjson: decoding a 5,000-pod list with the json module was a quarter of
    the server's CPU in a sweep. It refuses what the json module accepts in a few corners (integers
    beyond 64 bits, lone surrogates), so those bodies take the slow path rather than failing."""
    with gc_paused:
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            return json.loads(raw)


@dataclass(frozen=True)
class Kind:
    kind: str
    group: str  # "" for core
    version: str
    plural: str
    namespaced: bool

    def path(self, namespace: str | None = None, name: str | None = None, sub: str | None = None) -> str:
        base = "/api/v1" if not self.group else f"/apis/{self.group}/{self.version}"
        if self.namespaced and namespace:
            base += f"/namespaces/{namespace}"
        base += f"/{self.plural}"
        if name:
            base += f"/{name}"
        if sub:
            base += f"/{sub}"
        return base


KINDS: dict[str, Kind] = {k.kind: k for k in [
    Kind("Namespace", "", "v1", "namespaces", False),
    Kind("Node", "", "v1", "nodes", False),
    Kind("Pod", "", "v1", "pods", True),
    Kind("Service", "", "v1", "services", True),
    Kind("Endpoints", "", "v1", "endpoints", True),
    Kind("ConfigMap", "", "v1", "configmaps", True),
    Kind("Secret", "", "v1", "secrets", True),
    Kind("Event", "", "v1", "events", True),
    Kind("PersistentVolumeClaim", "", "v1", "persistentvolumeclaims", True),
    Kind("PersistentVolume", "", "v1", "persistentvolumes", False),
    Kind("ResourceQuota", "", "v1", "resourcequotas", True),
    Kind("LimitRange", "", "v1", "limitranges", True),
    Kind("ServiceAccount", "", "v1", "serviceaccounts", True),
    Kind("Deployment", "apps", "v1", "deployments", True),
    Kind("ReplicaSet", "apps", "v1", "replicasets", True),
    Kind("StatefulSet", "apps", "v1", "statefulsets", True),
    Kind("DaemonSet", "apps", "v1", "daemonsets", True),
    Kind("ControllerRevision", "apps", "v1", "controllerrevisions", True),
    Kind("Job", "batch", "v1", "jobs", True),
    Kind("CronJob", "batch", "v1", "cronjobs", True),
    Kind("Ingress", "networking.k8s.io", "v1", "ingresses", True),
    Kind("NetworkPolicy", "networking.k8s.io", "v1", "networkpolicies", True),
    Kind("IngressClass", "networking.k8s.io", "v1", "ingressclasses", False),
    Kind("StorageClass", "storage.k8s.io", "v1", "storageclasses", False),
    Kind("HorizontalPodAutoscaler", "autoscaling", "v2", "horizontalpodautoscalers", True),
    Kind("PodDisruptionBudget", "policy", "v1", "poddisruptionbudgets", True),
    Kind("PodMetrics", "metrics.k8s.io", "v1beta1", "pods", True),
    Kind("NodeMetrics", "metrics.k8s.io", "v1beta1", "nodes", False),
]}

# metrics.k8s.io kinds are reached through `top`, never by their plural (which is also "pods"/"nodes").
_ALIASES = {k.plural: k.kind for k in KINDS.values() if k.group != "metrics.k8s.io"}
_ALIASES.update({k.kind.lower(): k.kind for k in KINDS.values()})
_ALIASES.update({"po": "Pod", "svc": "Service", "ep": "Endpoints", "cm": "ConfigMap", "ns": "Namespace",
                 "no": "Node", "deploy": "Deployment", "rs": "ReplicaSet", "sts": "StatefulSet", "ds": "DaemonSet",
                 "pvc": "PersistentVolumeClaim", "pv": "PersistentVolume", "hpa": "HorizontalPodAutoscaler",
                 "pdb": "PodDisruptionBudget", "ing": "Ingress", "netpol": "NetworkPolicy", "sc": "StorageClass",
                 "quota": "ResourceQuota", "limits": "LimitRange", "cj": "CronJob", "ev": "Event", "events": "Event"})


def resolve_kind(name: str) -> Kind:
    key = _ALIASES.get(name.lower()) or (name if name in KINDS else None)
    if key is None:
        raise ValueError(f"unknown kind {name!r}; known: {', '.join(sorted(k for k in KINDS if 'Metrics' not in k))}")
    return KINDS[key]


class KubeClient:
    def __init__(self, kubeconfig: str | None = None, context: str | None = None,
                 request_timeout: float = DEFAULT_REQUEST_TIMEOUT_S,
                 configuration: client.Configuration | None = None) -> None:
        """The cluster of a kubeconfig (or the pod's own), or of a ready `configuration` -- eks.py builds one
        from EKS DescribeCluster, with no kubeconfig read at all."""
        self.request_timeout = request_timeout
        self.in_cluster = False  # the pod's service account, no kubeconfig (cluster_name.py: then no cluster name)
        if configuration is None:
            configuration = self._load_configuration(kubeconfig, context)
        configuration.retries = 1
        self.api = client.ApiClient(configuration)
        self.server = configuration.host
        self._core: client.CoreV1Api | None = None
        self._apps: client.AppsV1Api | None = None

    def _load_configuration(self, kubeconfig: str | None, context: str | None) -> client.Configuration:
        configuration = client.Configuration()
        try:  # --kubeconfig, else the client's own lookup: $KUBECONFIG, then ~/.kube/config
            config.load_kube_config(config_file=kubeconfig, context=context, client_configuration=configuration)
        except config.ConfigException as no_kubeconfig:
            if kubeconfig or context:
                raise
            try:
                config.load_incluster_config(client_configuration=configuration)  # running in a pod
                self.in_cluster = True
            except config.ConfigException as not_in_cluster:  # say both: the kubeconfig's problem comes first
                raise config.ConfigException(f"{no_kubeconfig} (KUBECONFIG or ~/.kube/config); and not inside a cluster "
                                             f"({not_in_cluster})") from None
        return configuration

    # The typed APIs cost about a second to build (their modules are large); reads never need them.
    @property
    def core(self) -> client.CoreV1Api:
        if self._core is None:
            self._core = client.CoreV1Api(self.api)
        return self._core

    @property
    def apps(self) -> client.AppsV1Api:
        if self._apps is None:
            self._apps = client.AppsV1Api(self.api)
        return self._apps

    def _get_json(self, path: str, query: list[tuple[str, Any]] | None = None) -> dict:
        method, url, headers, _, _ = self.api.param_serialize(
            "GET", path, query_params=query or [], header_params={"Accept": "application/json"},
            auth_settings=["BearerToken"])
        response = self.api.call_api(method, url, header_params=headers, _request_timeout=self.request_timeout)
        raw = response.read()
        if not 200 <= response.status < 300:
            raise ApiException.from_response(http_resp=response, body=raw.decode(errors="replace"), data=None)
        return parse_json(raw)

    def list(self, kind: str, namespace: str | None = None, label_selector: str | None = None,
             field_selector: str | None = None, limit: int | None = None) -> list[dict]:
        spec = resolve_kind(kind)
        query: list[tuple[str, Any]] = []
        if label_selector:
            query.append(("labelSelector", label_selector))
        if field_selector:
            query.append(("fieldSelector", field_selector))
        if limit:
            query.append(("limit", limit))
        items = self._get_json(spec.path(namespace if spec.namespaced else None), query).get("items") or []
        for item in items:
            item.setdefault("kind", spec.kind)
        return items

    def get(self, kind: str, namespace: str | None, name: str) -> dict:
        spec = resolve_kind(kind)
        obj = self._get_json(spec.path(namespace if spec.namespaced else None, name))
        obj.setdefault("kind", spec.kind)
        return obj

    def merge_patch(self, kind: str, namespace: str | None, name: str, body: dict, dry_run: bool = False) -> dict:
        """A JSON merge patch (RFC 7386: null removes a key, a list is replaced whole) on any kind the
        typed APIs would need a module for (an HPA, a Service's selector); server-side dry run on request."""
        return self._send("PATCH", kind, namespace, name, body, "application/merge-patch+json", dry_run)

    def delete(self, kind: str, namespace: str | None, name: str, propagation: str = "Background",
               dry_run: bool = False) -> dict:
        """Delete one object of any kind the typed APIs would need a module for (a Job), its dependents garbage
        collected as `propagation` says; server-side dry run on request."""
        options = {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": propagation}
        return self._send("DELETE", kind, namespace, name, options, "application/json", dry_run)

    def create(self, kind: str, namespace: str | None, body: dict, dry_run: bool = False) -> dict:
        """Create one object of any kind (a Job started from a CronJob's template); server-side dry run on request."""
        return self._send("POST", kind, namespace, None, body, "application/json", dry_run)

    def _send(self, method: str, kind: str, namespace: str | None, name: str | None, body: dict, content_type: str,
              dry_run: bool) -> dict:
        spec = resolve_kind(kind)
        query: list[tuple[str, Any]] = [("dryRun", "All")] if dry_run else []
        verb, url, headers, payload, _ = self.api.param_serialize(
            method, spec.path(namespace if spec.namespaced else None, name), query_params=query,
            header_params={"Accept": "application/json", "Content-Type": content_type},
            body=body, auth_settings=["BearerToken"])
        response = self.api.call_api(verb, url, header_params=headers, body=payload, _request_timeout=self.request_timeout)
        raw = response.read()
        if not 200 <= response.status < 300:
            raise ApiException.from_response(http_resp=response, body=raw.decode(errors="replace"), data=None)
        return parse_json(raw)

    def pod_log(self, namespace: str, name: str, container: str | None, previous: bool,
                tail_lines: int | None, since_seconds: int | None) -> str:
        kwargs: dict[str, Any] = {"previous": previous, "_request_timeout": self.request_timeout}
        if container:
            kwargs["container"] = container
        if tail_lines is not None:
            kwargs["tail_lines"] = tail_lines
        if since_seconds is not None:
            kwargs["since_seconds"] = since_seconds
        return self.core.read_namespaced_pod_log(name, namespace, **kwargs)
