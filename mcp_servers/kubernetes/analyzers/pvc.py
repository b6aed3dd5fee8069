"""PersistentVolumeClaim analyzer, ported from k8sgpt pkg/analyzer/pvc.go: a Pending claim whose
latest event is ProvisioningFailed. Beyond k8sgpt: a Pending claim naming a StorageClass that
does not exist (checked against the StorageClass objects, with the event as evidence), and a
Pending claim whose latest event is another Warning (FailedBinding: no volume and no class).
A Pending claim with no Warning stays unreported, as in k8sgpt: it may just be new, or waiting
for its first consumer (WaitForFirstConsumer)."""

from __future__ import annotations

from .base import Finding, make_finding
from .describe import describe_event
from .view import ClusterView, name_of, namespace_of, spec_of, status_of


class PersistentVolumeClaimAnalyzer:
    kind = "PersistentVolumeClaim"
    reads: frozenset[str] = frozenset({"StorageClass"})

    def analyze(self, view: ClusterView) -> list[Finding]:
        findings = []
        for pvc in view.of_kind("PersistentVolumeClaim"):
            if status_of(pvc).get("phase") != "Pending":
                continue
            namespace, name = namespace_of(pvc), name_of(pvc)
            storage_class = spec_of(pvc).get("storageClassName")
            event = view.latest_event("PersistentVolumeClaim", name, namespace)
            event_evidence = describe_event(event) if event is not None else None
            if storage_class and view.has_kind("StorageClass") and view.get("StorageClass", storage_class) is None:
                findings.append(make_finding(
                    "PersistentVolumeClaim", pvc, "critical", "StorageClassMissing",
                    f"PersistentVolumeClaim is Pending: it requests storage class {storage_class}, which does not exist",
                    ["status.phase=Pending", f"spec.storageClassName={storage_class}",
                     f"StorageClass {storage_class}: not found", event_evidence],
                ))
                continue
            if event is None or not event.get("message"):
                continue
            if event.get("reason") == "ProvisioningFailed":
                findings.append(make_finding(
                    "PersistentVolumeClaim", pvc, "critical", "ProvisioningFailed",
                    f"PersistentVolumeClaim cannot be provisioned: {event['message']}",
                    ["status.phase=Pending", event_evidence],
                ))
            elif event.get("type") == "Warning":
                findings.append(make_finding(
                    "PersistentVolumeClaim", pvc, "warning", "PVCPending",
                    f"PersistentVolumeClaim is Pending: {event['message']}", ["status.phase=Pending", event_evidence],
                ))
        return findings
