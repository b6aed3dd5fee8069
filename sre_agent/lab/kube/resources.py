"""The API resources the lab's Kubernetes API server serves, and the discovery documents
that describe them.

One table (`RESOURCES`) is the single source of truth: the store uses it to know whether a
kind exists and is namespaced, the HTTP layer uses it to route `/apis/{group}/{version}/...`
paths to kinds, and discovery (`/api`, `/apis`, `/apis/{group}/{version}`) is generated from
it. Add a kind here and it is stored, routed and discoverable.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# The verbs every stored resource answers.
_STORED_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")


@dataclass(frozen=True, slots=True)
class ResourceType:
    """One served API resource: a kind at a group/version under a plural URL segment."""

    kind: str
    group: str  # "" for the core (legacy) group served under /api
    version: str
    plural: str
    namespaced: bool
    has_status: bool = False  # has a /status subresource; spec writes leave status alone
    has_scale: bool = False  # has a /scale subresource (autoscaling/v1 Scale)
    short_names: tuple[str, ...] = ()
    # What DELETE answers with, as the official client expects it: the deleted object for the
    # kinds whose generated delete_* method returns a model (V1Pod, V1Service, ...), a Status
    # for the others. Mirrors each registry's ReturnDeletedObject in kube-apiserver.
    delete_returns_object: bool = False
    stored: bool = True  # False: answered from the world hooks (metrics.k8s.io), never stored
    # Discovery categories: `kubectl get all` expands to every resource in the "all" category.
    categories: tuple[str, ...] = ()
    # A create-only review (SelfSubjectAccessReview, ...): answered from the request, never
    # stored, as kube-apiserver answers them.
    review: bool = False
    # An older version served as a read-only view of the stored kind (versions.py converts it).
    view: bool = False
    # Stored, but written only by the world's controllers: clients may get, list and watch.
    read_only: bool = False

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def list_kind(self) -> str:
        return f"{self.kind}List"

    @property
    def singular(self) -> str:
        return self.kind.lower()

    @property
    def group_resource(self) -> str:
        """How Kubernetes names the resource in error messages: `pods`, `deployments.apps`."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def verbs(self) -> tuple[str, ...]:
        if self.review:
            return ("create",)
        if self.view:
            return ("get", "list")
        if self.read_only:
            return ("get", "list", "watch")
        return _STORED_VERBS if self.stored else ("get", "list")


_ALL = ("all",)  # kube-apiserver puts these kinds in the "all" category


def _r(kind: str, group: str, version: str, plural: str, namespaced: bool, **kw: object) -> ResourceType:
    return ResourceType(kind, group, version, plural, namespaced, **kw)  # type: ignore[arg-type]


RESOURCES: tuple[ResourceType, ...] = (
    # core/v1
    _r("Namespace", "", "v1", "namespaces", False, has_status=True, short_names=("ns",)),
    _r("Pod", "", "v1", "pods", True, has_status=True, short_names=("po",), delete_returns_object=True,
       categories=_ALL),
    _r("Event", "", "v1", "events", True, short_names=("ev",)),
    _r("Service", "", "v1", "services", True, has_status=True, short_names=("svc",),
       delete_returns_object=True, categories=_ALL),
    _r("Endpoints", "", "v1", "endpoints", True, short_names=("ep",)),
    _r("Node", "", "v1", "nodes", False, has_status=True, short_names=("no",)),
    _r("ConfigMap", "", "v1", "configmaps", True, short_names=("cm",)),
    _r("Secret", "", "v1", "secrets", True),
    _r("PersistentVolumeClaim", "", "v1", "persistentvolumeclaims", True, has_status=True,
       short_names=("pvc",), delete_returns_object=True),
    _r("PersistentVolume", "", "v1", "persistentvolumes", False, has_status=True,
       short_names=("pv",), delete_returns_object=True),
    _r("ResourceQuota", "", "v1", "resourcequotas", True, has_status=True, short_names=("quota",),
       delete_returns_object=True),
    _r("ServiceAccount", "", "v1", "serviceaccounts", True, short_names=("sa",),
       delete_returns_object=True),
    _r("LimitRange", "", "v1", "limitranges", True, short_names=("limits",)),
    # apps/v1
    _r("Deployment", "apps", "v1", "deployments", True, has_status=True, has_scale=True,
       short_names=("deploy",), categories=_ALL),
    _r("ReplicaSet", "apps", "v1", "replicasets", True, has_status=True, has_scale=True,
       short_names=("rs",), categories=_ALL),
    _r("StatefulSet", "apps", "v1", "statefulsets", True, has_status=True, has_scale=True,
       short_names=("sts",), categories=_ALL),
    _r("DaemonSet", "apps", "v1", "daemonsets", True, has_status=True, short_names=("ds",), categories=_ALL),
    _r("ControllerRevision", "apps", "v1", "controllerrevisions", True),
    # batch/v1
    _r("Job", "batch", "v1", "jobs", True, has_status=True, categories=_ALL),
    _r("CronJob", "batch", "v1", "cronjobs", True, has_status=True, short_names=("cj",), categories=_ALL),
    # networking.k8s.io/v1
    _r("Ingress", "networking.k8s.io", "v1", "ingresses", True, has_status=True, short_names=("ing",)),
    _r("NetworkPolicy", "networking.k8s.io", "v1", "networkpolicies", True, short_names=("netpol",)),
    _r("IngressClass", "networking.k8s.io", "v1", "ingressclasses", False),
    # discovery.k8s.io/v1: mirrored from Endpoints by the world (controllers/endpointslices.py)
    _r("EndpointSlice", "discovery.k8s.io", "v1", "endpointslices", True, read_only=True),
    # storage.k8s.io/v1
    _r("StorageClass", "storage.k8s.io", "v1", "storageclasses", False, short_names=("sc",),
       delete_returns_object=True),
    # autoscaling/v2
    _r("HorizontalPodAutoscaler", "autoscaling", "v2", "horizontalpodautoscalers", True,
       has_status=True, short_names=("hpa",), categories=_ALL),
    # policy/v1
    _r("PodDisruptionBudget", "policy", "v1", "poddisruptionbudgets", True, has_status=True,
       short_names=("pdb",)),
    # metrics.k8s.io/v1beta1: derived by the world on every request, never stored
    _r("PodMetrics", "metrics.k8s.io", "v1beta1", "pods", True, stored=False),
    _r("NodeMetrics", "metrics.k8s.io", "v1beta1", "nodes", False, stored=False),
    # authorization.k8s.io/authentication.k8s.io: what `kubectl auth can-i` and `auth whoami` ask
    _r("SelfSubjectAccessReview", "authorization.k8s.io", "v1", "selfsubjectaccessreviews", False,
       stored=False, review=True),
    _r("SelfSubjectRulesReview", "authorization.k8s.io", "v1", "selfsubjectrulesreviews", False,
       stored=False, review=True),
    _r("SelfSubjectReview", "authentication.k8s.io", "v1", "selfsubjectreviews", False, stored=False,
       review=True),
)

# Older versions of stored kinds, served read-only (converted in versions.py); after RESOURCES so
# discovery keeps the stored version preferred.
VIEWS: tuple[ResourceType, ...] = (
    _r("HorizontalPodAutoscaler", "autoscaling", "v1", "horizontalpodautoscalers", True, has_status=True,
       short_names=("hpa",), view=True),
)

_BY_KIND: dict[str, ResourceType] = {r.kind: r for r in RESOURCES}
_BY_PATH: dict[tuple[str, str, str], ResourceType] = {(r.group, r.version, r.plural): r for r in (*RESOURCES, *VIEWS)}
assert len(_BY_KIND) == len(RESOURCES), "two resources share a kind; the store indexes by kind"


def find_kind(kind: str) -> ResourceType | None:
    return _BY_KIND.get(kind)


def by_kind(kind: str) -> ResourceType:
    """The resource for `kind`; KeyError naming the served kinds when it is not served."""
    try:
        return _BY_KIND[kind]
    except KeyError:
        raise KeyError(
            f"kind {kind!r} is not served by the lab API server; served kinds: {', '.join(sorted(_BY_KIND))}"
        ) from None


def by_path(group: str, version: str, plural: str) -> ResourceType | None:
    return _BY_PATH.get((group, version, plural))


def stored_kinds() -> list[str]:
    return [r.kind for r in RESOURCES if r.stored]


def group_versions() -> list[tuple[str, str]]:
    """(group, version) pairs served under /apis, in registration order."""
    seen: dict[tuple[str, str], None] = {}
    for r in (*RESOURCES, *VIEWS):
        if r.group:
            seen.setdefault((r.group, r.version), None)
    return list(seen)


# --- discovery documents -------------------------------------------------------------------


def core_api_versions(server_address: str) -> dict:
    """`GET /api`."""
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}],
    }


def _group_doc(group: str) -> dict:
    versions = [
        {"groupVersion": f"{g}/{v}", "version": v} for g, v in group_versions() if g == group
    ]
    return {"name": group, "versions": versions, "preferredVersion": versions[0]}


def api_group_list() -> dict:
    """`GET /apis`."""
    groups = list(dict.fromkeys(g for g, _ in group_versions()))
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": [_group_doc(g) for g in groups]}


def api_group(group: str) -> dict | None:
    """`GET /apis/{group}`, or None when the group is not served."""
    if not any(g == group for g, _ in group_versions()):
        return None
    return {"kind": "APIGroup", "apiVersion": "v1", **_group_doc(group)}


def _resource_entry(r: ResourceType) -> dict:
    entry = {
        "name": r.plural,
        "singularName": r.singular,
        "namespaced": r.namespaced,
        "kind": r.kind,
        "verbs": list(r.verbs),
    }
    if r.short_names:
        entry["shortNames"] = list(r.short_names)
    if r.categories:
        entry["categories"] = list(r.categories)
    return entry


def _subresource_entries(r: ResourceType) -> Iterable[dict]:
    base = {"singularName": "", "namespaced": r.namespaced}
    if r.has_status and not r.view:
        yield {**base, "name": f"{r.plural}/status", "kind": r.kind, "verbs": ["get", "patch", "update"]}
    if r.has_scale:
        yield {**base, "name": f"{r.plural}/scale", "group": "autoscaling", "version": "v1",
               "kind": "Scale", "verbs": ["get", "patch", "update"]}
    if r.kind == "Pod":
        yield {**base, "name": "pods/log", "kind": "Pod", "verbs": ["get"]}
        yield {**base, "name": "pods/eviction", "group": "policy", "version": "v1",
               "kind": "Eviction", "verbs": ["create"]}


def api_resource_list(group: str, version: str) -> dict | None:
    """`GET /api/v1` (group "") or `GET /apis/{group}/{version}`; None when not served."""
    served = [r for r in (*RESOURCES, *VIEWS) if r.group == group and r.version == version]
    if not served:
        return None
    resources: list[dict] = []
    for r in served:
        resources.append(_resource_entry(r))
        resources.extend(_subresource_entries(r))
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": f"{group}/{version}" if group else version,
        "resources": resources,
    }
