"""HorizontalPodAutoscaler analyzer, ported from k8sgpt pkg/analyzer/hpa.go: the scale target
must be a supported kind and exist, its pods must declare resources, and unhealthy status
conditions are reported with their message.

Two deliberate differences, both to stop false positives:
  * conditions are read by meaning -- AbleToScale=False, ScalingActive=False and
    ScalingLimited=True are problems; k8sgpt flags every condition that is not True, which
    includes the healthy ScalingLimited=False;
  * "resources configured" means resource *requests*, which utilization targets are computed
    from; k8sgpt also demands limits, which an HPA never reads. Targets scaled only on
    custom or external metrics need neither.
"""

from __future__ import annotations

from .base import Finding, make_finding
from .describe import describe_condition
from .view import ClusterView, KubeObject, namespace_of, spec_of, status_of
from .workload_template import template_pod_spec

SUPPORTED_TARGETS = ("Deployment", "ReplicationController", "ReplicaSet", "StatefulSet")
RESOURCE_METRIC_TYPES = frozenset({"Resource", "ContainerResource"})


def _condition_findings(hpa: KubeObject) -> list[Finding]:
    # The workload it scales owns the finding: an HPA pinned at its max is that workload's capacity problem.
    target = spec_of(hpa).get("scaleTargetRef") or {}
    owner = f"{namespace_of(hpa)}/{target['kind']}/{target['name']}" if target.get("kind") and target.get("name") else None
    findings = []
    for condition in status_of(hpa).get("conditions") or []:
        kind, status = condition.get("type"), condition.get("status")
        # the reason beside the message, as kubectl describe shows both (FailedGetResourceMetric: missing request for cpu)
        reason, message = condition.get("reason") or "", condition.get("message") or ""
        detail = f"{reason}: {message}" if reason and message else message or reason
        evidence = [describe_condition(condition)]
        if kind == "AbleToScale" and status == "False":
            findings.append(make_finding("HorizontalPodAutoscaler", hpa, "warning", "HPAUnableToScale",
                                         f"HorizontalPodAutoscaler cannot scale: {detail}", evidence, owner))
        elif kind == "ScalingActive" and status == "False":
            findings.append(make_finding("HorizontalPodAutoscaler", hpa, "warning", "HPAScalingInactive",
                                         f"HorizontalPodAutoscaler cannot compute a replica count: {detail}", evidence, owner))
        elif kind == "ScalingLimited" and status == "True":
            # At maxReplicas under load is a capacity problem; at minReplicas it is just quiet.
            at_max = condition.get("reason") == "TooManyReplicas"
            bound = f" (maxReplicas {spec_of(hpa).get('maxReplicas')})" if at_max else ""
            findings.append(make_finding("HorizontalPodAutoscaler", hpa, "warning" if at_max else "info", "HPAScalingLimited",
                                         f"HorizontalPodAutoscaler is limited: {detail}{bound}", evidence, owner))
    return findings


def _needs_requests(hpa: KubeObject) -> list[str]:
    """The resources whose requests utilization targets divide usage by (cpu, memory); autoscaling/v1 and an HPA
    without metrics default to CPU utilization."""
    metrics = spec_of(hpa).get("metrics")
    if not metrics:
        return ["cpu"]
    return sorted({str((m.get("resource") or m.get("containerResource") or {}).get("name") or "cpu")
                   for m in metrics if m.get("type") in RESOURCE_METRIC_TYPES})


def _unrequested(containers: list[dict], resources: list[str]) -> list[tuple[str, list[str]]]:
    """(resource, the containers that set no request for it): the HPA computes a resource's utilization only when
    every container of the pod requests it ("missing request for cpu in container envoy")."""
    return [(r, missing) for r in resources
            if (missing := [str(c.get("name")) for c in containers if not ((c.get("resources") or {}).get("requests") or {}).get(r)])]


class HorizontalPodAutoscalerAnalyzer:
    kind = "HorizontalPodAutoscaler"
    reads: frozenset[str] = frozenset(SUPPORTED_TARGETS)

    def analyze(self, view: ClusterView) -> list[Finding]:
        findings: list[Finding] = []
        for hpa in view.of_kind("HorizontalPodAutoscaler"):
            findings += _condition_findings(hpa)
            findings += self.scale_target(view, hpa)
        return findings

    @staticmethod
    def scale_target(view: ClusterView, hpa: KubeObject) -> list[Finding]:
        namespace = namespace_of(hpa)
        target = spec_of(hpa).get("scaleTargetRef") or {}
        kind, name = target.get("kind") or "", target.get("name") or ""
        evidence = [f"spec.scaleTargetRef: kind={kind} name={name}"]
        if kind not in SUPPORTED_TARGETS:
            return [make_finding("HorizontalPodAutoscaler", hpa, "warning", "ScaleTargetUnsupported",
                                 f"HorizontalPodAutoscaler uses {kind or '(no kind)'} as ScaleTargetRef which is not an option.",
                                 evidence)]
        if not view.has_kind(kind):
            return []
        workload = view.get(kind, name, namespace)
        if workload is None:
            return [make_finding("HorizontalPodAutoscaler", hpa, "critical", "ScaleTargetMissing",
                                 f"HorizontalPodAutoscaler uses {kind}/{name} as ScaleTargetRef which does not exist.",
                                 evidence + [f"{kind} {namespace}/{name}: not found"])]
        containers = template_pod_spec(workload).get("containers") or []
        missing = _unrequested(containers, _needs_requests(hpa)) if containers else []
        if missing:
            said = "; ".join(f"no {r} request in container {', '.join(names)}" for r, names in missing)
            # the workload owns it: its template is what to fix (its last rollout may have dropped the requests)
            return [make_finding("HorizontalPodAutoscaler", hpa, "warning", "ResourcesNotConfigured",
                                 f"{kind} {namespace}/{name} does not have resource configured. It has {said}: the "
                                 "autoscaler cannot compute its utilization", evidence + [f"{kind} {name}: {said}"],
                                 f"{namespace}/{kind}/{name}")]
        return []
