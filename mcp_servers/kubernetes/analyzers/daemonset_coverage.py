"""Which Ready nodes a DaemonSet's pods could be meant for but do not run on.

A DaemonSet's status counts only the nodes its pod template fits ("desired 12, ready 12"): a node whose taint the
template does not tolerate gets no pod and never shows as missing. Whether that gap is a fault or the design is
read from two general signals:
  * the template tolerates *other values* of the same taint key -- it is meant to run on the dedicated pools of
    that key, and this pool was left out;
  * the gap nodes joined after every node the DaemonSet does run on -- a node group added later that nobody
    extended the DaemonSet to.
Either makes the gap a warning; otherwise it is reported as info (a dedicated pool the agent skips by design).
Nodes its nodeSelector or required node affinity keep it off are never counted, nor node.kubernetes.io/* taints
(cordons and node conditions, which its own pods tolerate or which affect every workload)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from .labels import selector_matches
from .view import ClusterView, KubeObject, labels_of, metadata_of, name_of, namespace_of, parse_time, spec_of, status_of

BLOCKING_EFFECTS = ("NoSchedule", "NoExecute")
SYSTEM_TAINT_PREFIX = "node.kubernetes.io/"


class CoverageGap(BaseModel):
    model_config = ConfigDict(frozen=True)

    nodes: list[str]
    taints: list[str]
    joined_after_covered: bool
    same_key_tolerated: list[str]

    @property
    def looks_like_a_fault(self) -> bool:
        return self.joined_after_covered or bool(self.same_key_tolerated)


def taint_text(taint: dict[str, Any]) -> str:
    key, value, effect = taint.get("key") or "", taint.get("value") or "", taint.get("effect") or ""
    return f"{key}={value}:{effect}" if value else f"{key}:{effect}"


def tolerates(tolerations: list[dict[str, Any]], taint: dict[str, Any]) -> bool:
    """The scheduler's matching: an empty-key Exists tolerates everything; otherwise key, operator and effect."""
    for tol in tolerations:
        if tol.get("effect") and tol.get("effect") != taint.get("effect"):
            continue
        if tol.get("operator") == "Exists":
            if not tol.get("key") or tol.get("key") == taint.get("key"):
                return True
        elif tol.get("key") == taint.get("key") and (tol.get("value") or "") == (taint.get("value") or ""):
            return True
    return False


def _ready(node: KubeObject) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in status_of(node).get("conditions") or [])


def _admitted(node: KubeObject, pod_spec: dict[str, Any]) -> bool:
    """Whether the template's nodeSelector and required node affinity let it onto this node at all."""
    labels = labels_of(node)
    if any(labels.get(k) != v for k, v in (pod_spec.get("nodeSelector") or {}).items()):
        return False
    required = (((pod_spec.get("affinity") or {}).get("nodeAffinity") or {})
                .get("requiredDuringSchedulingIgnoredDuringExecution") or {})
    terms = required.get("nodeSelectorTerms") or []
    return not terms or any(selector_matches({"matchExpressions": t.get("matchExpressions") or []}, labels)
                            for t in terms)


def coverage_gap(view: ClusterView, daemonset: KubeObject, pod_spec: dict[str, Any]) -> CoverageGap | None:
    if not (view.has_kind("Node") and view.has_kind("Pod")):
        return None  # without both lists a node without a pod cannot be told from a node not read
    pods = view.owned_by("Pod", "DaemonSet", name_of(daemonset), namespace_of(daemonset))
    covered = {spec_of(p).get("nodeName") for p in pods}
    tolerations = pod_spec.get("tolerations") or []
    gap: dict[str, list[dict[str, Any]]] = {}
    covered_joined = []
    for node in view.of_kind("Node"):
        if name_of(node) in covered:
            covered_joined.append(parse_time(metadata_of(node).get("creationTimestamp")))
            continue
        if not _ready(node) or not _admitted(node, pod_spec):
            continue
        blocking = [t for t in spec_of(node).get("taints") or [] if t.get("effect") in BLOCKING_EFFECTS
                    and not str(t.get("key") or "").startswith(SYSTEM_TAINT_PREFIX) and not tolerates(tolerations, t)]
        if blocking:
            gap[name_of(node)] = blocking
    if not gap:
        return None
    newest_covered = max(covered_joined, default=None)
    joined_after = newest_covered is not None and all(
        parse_time(metadata_of(view.get("Node", n) or {}).get("creationTimestamp")) > newest_covered for n in gap)
    keys = {t.get("key") for taints in gap.values() for t in taints}
    same_key = sorted(str(k) for k in keys if any(tol.get("key") == k for tol in tolerations))
    return CoverageGap(nodes=sorted(gap), taints=sorted({taint_text(t) for ts in gap.values() for t in ts}),
                       joined_after_covered=joined_after, same_key_tolerated=same_key)
