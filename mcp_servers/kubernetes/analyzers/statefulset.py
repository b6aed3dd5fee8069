"""StatefulSet analyzer, ported from k8sgpt pkg/analyzer/statefulset.go: the governing Service
must exist, volumeClaimTemplates' storage classes must exist, and when fewer replicas are
available than desired the first missing or non-Running pod (or the StatefulSet's latest
non-Normal event, when it could not create one) is reported -- pods start in order, so the
first one stuck is the one blocking the rest. Also: pods Running but not ready, and
pod-template references to missing ConfigMaps/Secrets."""

from __future__ import annotations

from .base import Finding, make_finding, reason_code
from .describe import describe_event
from .held_update import held_update_findings
from .pod_status import pod_is_ready, pod_state_summary
from .view import ClusterView, KubeObject, name_of, namespace_of, spec_of, status_of
from .workload_template import TEMPLATE_READS, pod_template_findings, template_pod_spec


class StatefulSetAnalyzer:
    kind = "StatefulSet"
    reads: frozenset[str] = frozenset({"Service", "StorageClass", "Pod"}) | TEMPLATE_READS

    def analyze(self, view: ClusterView) -> list[Finding]:
        findings: list[Finding] = []
        for sts in view.of_kind("StatefulSet"):
            findings += self.governing_service(view, sts)
            findings += self.storage_classes(view, sts)
            findings += self.pods(view, sts)
            findings += held_update_findings(view, "StatefulSet", sts)
            findings += pod_template_findings(view, "StatefulSet", sts, template_pod_spec(sts))
        return findings

    @staticmethod
    def governing_service(view: ClusterView, sts: KubeObject) -> list[Finding]:
        if not view.has_kind("Service"):
            return []
        namespace = namespace_of(sts)
        service = spec_of(sts).get("serviceName") or ""
        if not service:
            # k8sgpt looks up the empty name and reports it missing; say what that means instead.
            return [make_finding("StatefulSet", sts, "warning", "ServiceMissing",
                                 "StatefulSet has no governing Service (spec.serviceName is empty), "
                                 "so its pods get no stable network identity", ["spec.serviceName="])]
        if view.get("Service", service, namespace) is None:
            return [make_finding("StatefulSet", sts, "warning", "ServiceMissing",
                                 f"StatefulSet uses the service {namespace}/{service} which does not exist.",
                                 [f"spec.serviceName={service}", f"Service {namespace}/{service}: not found"])]
        return []

    @staticmethod
    def storage_classes(view: ClusterView, sts: KubeObject) -> list[Finding]:
        if not view.has_kind("StorageClass"):
            return []
        findings = []
        for template in spec_of(sts).get("volumeClaimTemplates") or []:
            storage_class = (template.get("spec") or {}).get("storageClassName")
            if storage_class and view.get("StorageClass", storage_class) is None:
                findings.append(make_finding(
                    "StatefulSet", sts, "critical", "StorageClassMissing",
                    f"StatefulSet uses the storage class {storage_class} which does not exist.",
                    [f"spec.volumeClaimTemplates[{name_of(template)}].spec.storageClassName={storage_class}",
                     f"StorageClass {storage_class}: not found"],
                ))
        return findings

    @staticmethod
    def pods(view: ClusterView, sts: KubeObject) -> list[Finding]:
        replicas = spec_of(sts).get("replicas")
        status = status_of(sts)
        if replicas is None or not view.has_kind("Pod"):
            return []
        namespace, name = namespace_of(sts), name_of(sts)
        counts = f"spec.replicas={replicas} status.availableReplicas={status.get('availableReplicas') or 0}"
        if replicas != (status.get("availableReplicas") or 0):
            for ordinal in range(replicas):
                pod_name = f"{name}-{ordinal}"
                pod = view.get("Pod", pod_name, namespace)
                if pod is None:
                    event = view.latest_event("StatefulSet", name, namespace)
                    if event is None or event.get("type") == "Normal" or not event.get("message"):
                        return []
                    return [make_finding("StatefulSet", sts, "critical", reason_code(event.get("reason", "")),
                                         f"StatefulSet cannot create pod {pod_name}: {event['message']}",
                                         [counts, f"Pod {namespace}/{pod_name}: not found", describe_event(event)])]
                if status_of(pod).get("phase") != "Running":
                    return [make_finding("StatefulSet", sts, "warning", "PodNotRunning",
                                         f"Statefulset pod {pod_name} in the namespace {namespace} is not in running state.",
                                         [counts, f"Pod {pod_name}: phase={status_of(pod).get('phase') or 'Unknown'} "
                                                  f"status={pod_state_summary(pod)}"])]
        ready = status.get("readyReplicas") or 0
        if ready < replicas:
            not_ready = [
                f"{pod_name} ({pod_state_summary(pod)})"
                for pod_name in (f"{name}-{i}" for i in range(replicas))
                if (pod := view.get("Pod", pod_name, namespace)) is not None and not pod_is_ready(pod)
            ]
            return [make_finding("StatefulSet", sts, "critical" if ready == 0 else "warning", "ReplicasMismatch",
                                 f"StatefulSet {namespace}/{name} has {replicas} replicas but {ready} are ready"
                                 + (f": {', '.join(not_ready[:5])}" if not_ready else ""),
                                 [counts, f"status.readyReplicas={ready}"])]
        return []
