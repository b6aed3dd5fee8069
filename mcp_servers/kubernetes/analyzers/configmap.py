"""ConfigMap analyzer, ported from k8sgpt pkg/analyzer/configmap.go: unused ConfigMaps (not read
by any pod's volumes, projected volumes, env or envFrom, init containers included), empty ones,
and ones over 1 MiB; ConfigMaps loaded by sidecars through the API (Grafana dashboards,
Prometheus rules, ...) and ones annotated to skip the check are left alone.

Beyond k8sgpt: pod templates of workloads count as users (a Deployment scaled to zero still
needs its ConfigMap), and kube-root-ca.crt -- which the control plane puts in every namespace --
is never called unused. Missing ConfigMaps are reported by the Pod and workload analyzers.
"""

from __future__ import annotations

from collections import defaultdict

from .base import Finding, make_finding
from .pod_template import configmaps_used
from .view import ClusterView, KubeObject, annotations_of, labels_of, name_of, namespace_of, spec_of
from .workload_template import template_pod_spec

SIDECAR_LABELS = ("grafana_dashboard", "grafana_datasource", "prometheus_rule", "fluentd_config")
DYNAMICALLY_LOADED_LABEL = "k8sgpt.ai/dynamically-loaded"
SKIP_USAGE_CHECK_ANNOTATION = "k8sgpt.ai/skip-usage-check"
SYSTEM_MANAGED = frozenset({"kube-root-ca.crt"})
MAX_BYTES = 1024 * 1024
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job")


def _size_in_bytes(configmap: KubeObject) -> int:
    text = sum(len(value.encode()) for value in (configmap.get("data") or {}).values())
    binary = sum(len(value) * 3 // 4 for value in (configmap.get("binaryData") or {}).values())  # base64 in JSON
    return text + binary


def _used_by_namespace(view: ClusterView) -> dict[str, set[str]]:
    used: dict[str, set[str]] = defaultdict(set)
    for pod in view.of_kind("Pod"):
        used[namespace_of(pod)] |= configmaps_used(spec_of(pod))
    for kind in WORKLOAD_KINDS:
        for workload in view.of_kind(kind):
            used[namespace_of(workload)] |= configmaps_used(template_pod_spec(workload))
    for cronjob in view.of_kind("CronJob"):
        job_spec = (spec_of(cronjob).get("jobTemplate") or {}).get("spec") or {}
        used[namespace_of(cronjob)] |= configmaps_used((job_spec.get("template") or {}).get("spec") or {})
    return used


def _loaded_by_sidecar(configmap: KubeObject) -> bool:
    labels = labels_of(configmap)
    return any(label in labels for label in SIDECAR_LABELS) or labels.get(DYNAMICALLY_LOADED_LABEL) == "true"


class ConfigMapAnalyzer:
    kind = "ConfigMap"
    reads: frozenset[str] = frozenset({"Pod", "CronJob", *WORKLOAD_KINDS})

    def analyze(self, view: ClusterView) -> list[Finding]:
        used = _used_by_namespace(view)
        findings = []
        for configmap in view.of_kind("ConfigMap"):
            name = name_of(configmap)
            if _loaded_by_sidecar(configmap) or annotations_of(configmap).get(SKIP_USAGE_CHECK_ANNOTATION) == "true":
                continue
            if name in SYSTEM_MANAGED:
                continue
            if view.has_kind("Pod") and name not in used[namespace_of(configmap)]:
                findings.append(make_finding("ConfigMap", configmap, "info", "ConfigMapUnused",
                                             f"ConfigMap {name} is not used by any pods in the namespace",
                                             [f"no pod or pod template in namespace {namespace_of(configmap)} references it"]))
            if not configmap.get("data") and not configmap.get("binaryData"):
                findings.append(make_finding("ConfigMap", configmap, "info", "ConfigMapEmpty",
                                             f"ConfigMap {name} is empty", ["data and binaryData are empty"]))
            size = _size_in_bytes(configmap)
            if size > MAX_BYTES:
                findings.append(make_finding("ConfigMap", configmap, "warning", "ConfigMapTooLarge",
                                             f"ConfigMap {name} is larger than 1MB ({size} bytes)",
                                             [f"data+binaryData: {size} bytes > {MAX_BYTES}"]))
        return findings
