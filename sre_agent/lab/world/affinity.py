"""Inter-pod affinity as the default scheduler's InterPodAffinity plugin filters and scores it, and
extended resources (nvidia.com/gpu, ...) as NodeResourcesFit counts them. Pure functions over
plain dicts: the scheduler passes the nodes and where the pods already are.

Filters: a pod's required podAntiAffinity term rejects a node whose topology domain (the nodes
sharing its `topologyKey` label value) already runs a matching pod; a required podAffinity term
rejects a node whose domain runs none (unless the pod matches its own term and no such pod exists
anywhere yet, as Kubernetes allows for the first replica); an existing pod's required
anti-affinity rejects a newcomer it matches in its domain. Scoring: preferred anti-affinity
subtracts each term's weight per matching pod in the domain, preferred affinity adds it.

Not modelled: namespaceSelector, matchLabelKeys/mismatchLabelKeys, topology spread constraints."""

from __future__ import annotations

from ..kube.quantity import parse_quantity
from ..kube.selectors import matches_labels

ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules"
AFFINITY = "node(s) didn't match pod affinity rules"
EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules"


def _terms(pod_spec: dict, kind: str, required: bool) -> list[dict]:
    section = ((pod_spec.get("affinity") or {}).get(kind)) or {}
    if required:
        return list(section.get("requiredDuringSchedulingIgnoredDuringExecution") or [])
    return list(section.get("preferredDuringSchedulingIgnoredDuringExecution") or [])


def _matches(term: dict, owner_namespace: str, pod: dict) -> bool:
    namespaces = term.get("namespaces") or [owner_namespace]
    if pod["metadata"].get("namespace") not in namespaces:
        return False
    selector = term.get("labelSelector")
    return selector is not None and matches_labels(selector, pod["metadata"].get("labels") or {})


def _domain(node: dict, key: str) -> str | None:
    return (node["metadata"].get("labels") or {}).get(key)


class Placement:
    """Where pods are now (kept current by the scheduler as it binds pods within one pass)."""

    def __init__(self, nodes: list[dict], pods: list[dict]) -> None:
        self.nodes = {n["metadata"]["name"]: n for n in nodes}
        self.pods: list[tuple[str, dict]] = [(p["spec"]["nodeName"], p) for p in pods
                                             if p["spec"].get("nodeName") in self.nodes]

    def add(self, node_name: str, pod: dict) -> None:
        self.pods.append((node_name, pod))

    def _in_domain(self, node: dict, key: str) -> list[dict]:
        value = _domain(node, key)
        if value is None:
            return []
        return [pod for name, pod in self.pods if _domain(self.nodes[name], key) == value]

    def reason(self, pod: dict, node: dict) -> str | None:
        """The filter's reason fragment when inter-pod affinity rejects `node`, else None."""
        spec, namespace = pod["spec"], pod["metadata"]["namespace"]
        for term in _terms(spec, "podAntiAffinity", required=True):
            if any(_matches(term, namespace, other) for other in self._in_domain(node, term.get("topologyKey", ""))):
                return ANTI_AFFINITY
        for term in _terms(spec, "podAffinity", required=True):
            if not any(_matches(term, namespace, other) for other in self._in_domain(node, term.get("topologyKey", ""))):
                first_of_its_kind = _matches(term, namespace, pod) and not any(
                    _matches(term, namespace, other) for _, other in self.pods)
                if not first_of_its_kind:
                    return AFFINITY
        for other_node, other in self.pods:
            for term in _terms(other["spec"], "podAntiAffinity", required=True):
                key = term.get("topologyKey", "")
                same = _domain(node, key) is not None and _domain(node, key) == _domain(self.nodes[other_node], key)
                if same and _matches(term, other["metadata"]["namespace"], pod):
                    return EXISTING_ANTI_AFFINITY
        return None

    def score(self, pod: dict, node: dict) -> float:
        """Preferred terms: + weight per matching pod in the domain for affinity, - for anti-affinity."""
        total = 0.0
        namespace = pod["metadata"]["namespace"]
        for kind, sign in (("podAffinity", 1.0), ("podAntiAffinity", -1.0)):
            for preferred in _terms(pod["spec"], kind, required=False):
                term = preferred.get("podAffinityTerm") or {}
                hits = sum(1 for other in self._in_domain(node, term.get("topologyKey", ""))
                           if _matches(term, namespace, other))
                total += sign * float(preferred.get("weight", 1)) * hits
        return total


def extended_requests(pod: dict) -> dict[str, float]:
    """Requests of extended resources (names with a domain, e.g. nvidia.com/gpu): integers, and a
    limit alone is the request, as the API server defaults it."""
    wanted: dict[str, float] = {}
    for container in pod["spec"].get("containers") or []:
        resources = container.get("resources") or {}
        merged = {**(resources.get("limits") or {}), **(resources.get("requests") or {})}
        for name, value in merged.items():
            if "/" in name and not name.startswith(("kubernetes.io/", "requests.")):
                wanted[name] = wanted.get(name, 0.0) + parse_quantity(value)
    return wanted


def extended_shortage(node: dict, used: dict[str, float], wanted: dict[str, float]) -> str | None:
    """`Insufficient <resource>` when the node's allocatable cannot hold the request."""
    allocatable = (node.get("status") or {}).get("allocatable") or {}
    for name, amount in sorted(wanted.items()):
        if amount > parse_quantity(allocatable.get(name, "0")) - used.get(name, 0.0) + 1e-9:
            return f"Insufficient {name}"
    return None
