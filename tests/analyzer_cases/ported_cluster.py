"""Cases ported from k8sgpt's pvc_test.go, node_test.go, hpa_test.go, pdb_test.go and the three
configmap tests."""

from __future__ import annotations

from .builders import (
    condition,
    configmap,
    container,
    deployment,
    event,
    hpa,
    node,
    pdb,
    pod,
    pvc,
    replicaset,
    replication_controller,
    resources,
    statefulset,
)
from .model import AnalyzerCase, expect


def _ported(test: str, kind: str, objects: list, expected: list, **fields) -> AnalyzerCase:
    return AnalyzerCase(id=f"k8sgpt/{test}", k8sgpt_test=test, objects=objects, expected=expected,
                        namespace=fields.pop("namespace", "default"), kinds=[kind], **fields)


_PVC_EVENTS_NOTE = (
    "k8sgpt's fake clientset ignores the involvedObject field selector, so its unattached events "
    "served every PVC; here each event names the PVC it is about, and the two empty events are dropped"
)

_RESOURCED = [container("example", "nginx", resources=resources())]
_BARE = [container("example", "nginx")]


def _hpa_case(test: str, objects: list, expected: list, **fields) -> AnalyzerCase:
    return _ported(test, "HorizontalPodAutoscaler", objects, expected, **fields)


def _pdb_expression_case(name: str, requirement: dict, text: str) -> AnalyzerCase:
    return _ported(
        f"TestPodDisruptionBudgetAnalyzerMatchExpressionOperatorPhrasing/{name}", "PodDisruptionBudget",
        [pdb("pdb", selector={"matchExpressions": [requirement]}, min_available=1,
             conditions=[condition("DisruptionAllowed", "False", "InsufficientPods")])],
        [expect("test/PodDisruptionBudget/pdb", "DisruptionBlocked", "warning", f"InsufficientPods, expected pdb pod label {text}")],
        namespace="test",
    )


def _configmap_case(test: str, configmaps: list, pods: list, expected: list, **fields) -> AnalyzerCase:
    return _ported(test, "ConfigMap", configmaps + pods, expected, **fields)


CASES = [
    # --- PersistentVolumeClaim -----------------------------------------------------------------
    _ported(
        "TestPersistentVolumeClaimAnalyzer/PV1 and PVC5 report failures", "PersistentVolumeClaim",
        [
            event("PersistentVolumeClaim", "pvc1", "default", "ProvisioningFailed", "PVC provisioning failed", type_=None),
            event("PersistentVolumeClaim", "pvc5", "default", "ProvisioningFailed", "PVC provisioning failed", type_=None),
            pvc("pvc1"), pvc("pvc2", phase="Bound"), pvc("pvc3", phase="Lost"), pvc("pvc4", "test", phase="Lost"), pvc("pvc5"),
        ],
        [
            expect("default/PersistentVolumeClaim/pvc1", "ProvisioningFailed", "critical", "PVC provisioning failed"),
            expect("default/PersistentVolumeClaim/pvc5", "ProvisioningFailed", "critical", "PVC provisioning failed"),
        ],
        note=_PVC_EVENTS_NOTE,
    ),
    _ported("TestPersistentVolumeClaimAnalyzer/no event", "PersistentVolumeClaim", [pvc("pvc1")], []),
    _ported(
        "TestPersistentVolumeClaimAnalyzer/event other than provision failure", "PersistentVolumeClaim",
        [event("PersistentVolumeClaim", "pvc1", "default", "UnknownReason", type_=None), pvc("pvc1")], [],
        note=_PVC_EVENTS_NOTE,
    ),
    _ported(
        "TestPersistentVolumeClaimAnalyzer/event without error message", "PersistentVolumeClaim",
        [event("PersistentVolumeClaim", "pvc1", "default", "ProvisioningFailed", type_=None), pvc("pvc1")], [],
        note=_PVC_EVENTS_NOTE,
    ),
    # --- Node ----------------------------------------------------------------------------------
    _ported(
        "TestNodeAnalyzer", "Node",
        [
            node("node1"),
            node("node2", conditions=[
                condition("Ready", "True"), condition("Ready", "False"), condition("Ready", "Unknown"),
                condition("MemoryPressure", "True"), condition("DiskPressure", "True"), condition("PIDPressure", "True"),
                condition("NetworkUnavailable", "True"), condition("MemoryPressure", "Unknown"),
                condition("DiskPressure", "Unknown"), condition("PIDPressure", "Unknown"),
                condition("NetworkUnavailable", "Unknown"), condition("UnknownNodeConditionType", "CompletelyUnknown"),
                condition("MemoryPressure", "False"), condition("DiskPressure", "False"),
                condition("PIDPressure", "False"), condition("NetworkUnavailable", "False"),
            ]),
            node("node3", conditions=[condition("Ready", "True")]),
        ],
        [
            expect("Node/node2", "NodeNotReady", "critical", "node2 has condition of type Ready, status False"),
            expect("Node/node2", "MemoryPressure", "warning", "condition of type MemoryPressure, status True"),
            expect("Node/node2", "DiskPressure", "warning", "condition of type DiskPressure, status Unknown"),
            expect("Node/node2", "PIDPressure", "warning", "condition of type PIDPressure"),
            expect("Node/node2", "NetworkUnavailable", "warning", "condition of type NetworkUnavailable"),
            expect("Node/node2", "NodeConditionAbnormal", "warning", "UnknownNodeConditionType, status CompletelyUnknown"),
        ],
        namespace="test",
        note="k8sgpt: 11 failures for node2; folded by kind of problem into 6 findings carrying the 11 as evidence. "
             "Nodes are cluster-scoped, so the namespace filter keeps them",
    ),
    # --- HorizontalPodAutoscaler ---------------------------------------------------------------
    _hpa_case(
        "TestHPAAnalyzerWithUnsuportedScaleTargetRef",
        [hpa("example", target_kind="unsupported")],
        [expect("default/HorizontalPodAutoscaler/example", "ScaleTargetUnsupported", "warning",
                "HorizontalPodAutoscaler uses unsupported as ScaleTargetRef which is not an option.")],
        note="k8sgpt also adds 'unsupported/ which does not exist'; one finding says it",
    ),
    _hpa_case(
        "TestHPAAnalyzerWithNonExistentScaleTargetRef",
        [hpa("example", target_name="non-existent")],
        [expect("default/HorizontalPodAutoscaler/example", "ScaleTargetMissing", "critical",
                "HorizontalPodAutoscaler uses Deployment/non-existent as ScaleTargetRef which does not exist.")],
    ),
    _hpa_case("TestHPAAnalyzerWithExistingScaleTargetRefAsDeployment",
              [hpa("example"), deployment("example", replicas=None, containers=_RESOURCED)], []),
    _hpa_case("TestHPAAnalyzerWithExistingScaleTargetRefAsReplicationController",
              [hpa("example", target_kind="ReplicationController"), replication_controller("example", containers=_RESOURCED)], []),
    _hpa_case("TestHPAAnalyzerWithExistingScaleTargetRefAsReplicaSet",
              [hpa("example", target_kind="ReplicaSet"), replicaset("example", containers=_RESOURCED)], []),
    _hpa_case("TestHPAAnalyzerWithExistingScaleTargetRefAsStatefulSet",
              [hpa("example", target_kind="StatefulSet"), statefulset("example", service_name="example", containers=_RESOURCED)], []),
    _hpa_case(
        "TestHPAAnalyzerWithExistingScaleTargetRefWithoutSpecifyingResources",
        [hpa("example"), deployment("example", replicas=None, containers=_BARE)],
        [expect("default/HorizontalPodAutoscaler/example", "ResourcesNotConfigured", "warning",
                "Deployment default/example does not have resource configured.")],
    ),
    _hpa_case(
        "TestHPAAnalyzerNamespaceFiltering",
        [hpa("example"), hpa("example", "other-namespace")],
        [expect("default/HorizontalPodAutoscaler/example", "ScaleTargetMissing", "critical", "which does not exist")],
        note="k8sgpt's HPAs have no spec at all, which the API rejects; here both point at a missing Deployment",
    ),
    _hpa_case(
        "TestHPAAnalyzerStatusFieldAbleToScale",
        [hpa("example", conditions=[condition("AbleToScale", "False", message="test reason")])],
        [
            expect("default/HorizontalPodAutoscaler/example", "HPAUnableToScale", "warning", "test reason"),
            expect("default/HorizontalPodAutoscaler/example", "ScaleTargetMissing", "critical", "Deployment/example"),
        ],
    ),
    _hpa_case(
        "TestHPAAnalyzerStatusFieldScalingActive",
        [hpa("example", conditions=[condition("ScalingActive", "False", message="test reason")])],
        [
            expect("default/HorizontalPodAutoscaler/example", "HPAScalingInactive", "warning", "test reason"),
            expect("default/HorizontalPodAutoscaler/example", "ScaleTargetMissing", "critical", "Deployment/example"),
        ],
    ),
    _hpa_case(
        "TestHPAAnalyzerStatusFieldScalingLimited",
        [hpa("example", conditions=[condition("ScalingLimited", "False", message="test reason")])],
        [expect("default/HorizontalPodAutoscaler/example", "ScaleTargetMissing", "critical", "Deployment/example")],
        note="ScalingLimited=False is the healthy state; k8sgpt reports it, here only the missing target is",
    ),
    _hpa_case(
        "TestHPAAnalyzerStatusField",
        [hpa("example", conditions=[
            condition("AbleToScale", "True", message="recommended size matches current size"),
            condition("ScalingActive", "True", message="the HPA was able to successfully calculate a replica count"),
            condition("ScalingLimited", "True", message="the desired replica count is less than the minimum replica count"),
        ])],
        [
            expect("default/HorizontalPodAutoscaler/example", "HPAScalingLimited", "info",
                   "the desired replica count is less than the minimum replica count"),
            expect("default/HorizontalPodAutoscaler/example", "ScaleTargetMissing", "critical", "Deployment/example"),
        ],
    ),
    _hpa_case(
        "TestHPAAnalyzerStatusScalingLimitedError",
        [
            hpa("example", conditions=[
                condition("AbleToScale", "True", message="recommended size matches current size"),
                condition("ScalingActive", "True", message="the HPA was able to successfully calculate a replica count"),
                condition("ScalingLimited", "True", message="the desired replica count is less than the minimum replica count"),
            ]),
            deployment("example", replicas=None, containers=_BARE),
        ],
        [
            expect("default/HorizontalPodAutoscaler/example", "HPAScalingLimited", "info",
                   "the desired replica count is less than the minimum replica count"),
            expect("default/HorizontalPodAutoscaler/example", "ResourcesNotConfigured", "warning", "does not have resource configured"),
        ],
    ),
    # --- PodDisruptionBudget -------------------------------------------------------------------
    _ported(
        "TestPodDisruptionBudgetAnalyzer", "PodDisruptionBudget",
        [
            pdb("pdb1"),
            pdb("pdb2", conditions=[]),
            pdb("pdb3", max_unavailable=17, min_available=7,
                selector={"matchLabels": {"label1": "test1", "label2": "test2"}},
                conditions=[condition("DisruptionAllowed", "False", "test reason")]),
            pdb("pdb4", selector={}, conditions=[condition("DisruptionAllowed", "False", "test reason")]),
        ],
        [
            expect("test/PodDisruptionBudget/pdb3", "DisruptionBlocked", "warning",
                   "test reason, expected pdb pod label label1=test1; test reason, expected pdb pod label label2=test2"),
            expect("test/PodDisruptionBudget/pdb4", "DisruptionBlocked", "warning", "selector {} selects every pod"),
        ],
        namespace="test",
        api_valid=False,
        note="pdb3 sets both minAvailable and maxUnavailable, which the API rejects. k8sgpt's test checks only pdb3; "
             "an empty selector selects every pod, so a blocked pdb4 is reported too (as current k8sgpt does)",
    ),
    _ported(
        "TestPodDisruptionBudgetAnalyzer_MultipleConditionsOrdering", "PodDisruptionBudget",
        [
            pdb("allowed-pdb", min_available=1, selector={"matchLabels": {"app": "allowed"}}, conditions=[
                condition("CustomCondition", "False", "CustomReason"), condition("DisruptionAllowed", "True", "SufficientPods")]),
            pdb("blocked-pdb", min_available=1, selector={"matchLabels": {"app": "blocked"}}, conditions=[
                condition("CustomCondition", "True", "CustomReason"), condition("DisruptionAllowed", "False", "InsufficientPods")]),
        ],
        [expect("test/PodDisruptionBudget/blocked-pdb", "DisruptionBlocked", "warning",
                "InsufficientPods, expected pdb pod label app=blocked")],
        namespace="test",
    ),
    _ported(
        "TestPodDisruptionBudgetAnalyzerNonMatchLabelsSelectors", "PodDisruptionBudget",
        [
            pdb("empty-selector", min_available=1, selector={}, conditions=[condition("DisruptionAllowed", "False", "InsufficientPods")]),
            pdb("match-expressions", min_available=1,
                selector={"matchExpressions": [{"key": "app", "operator": "In", "values": ["web"]}]},
                conditions=[condition("DisruptionAllowed", "False", "InsufficientPods")]),
            pdb("nil-selector", min_available=1, conditions=[condition("DisruptionAllowed", "False", "InsufficientPods")]),
        ],
        [
            expect("test/PodDisruptionBudget/empty-selector", "DisruptionBlocked", "warning", "selects every pod in namespace test"),
            expect("test/PodDisruptionBudget/match-expressions", "DisruptionBlocked", "warning",
                   "InsufficientPods, expected pdb pod label app in (web)"),
        ],
        namespace="test",
    ),
    _pdb_expression_case("in", {"key": "app", "operator": "In", "values": ["web"]}, "app in (web)"),
    _pdb_expression_case("not in", {"key": "app", "operator": "NotIn", "values": ["web"]}, "app not in (web)"),
    _pdb_expression_case("exists", {"key": "app", "operator": "Exists"}, "app exists"),
    _pdb_expression_case("does not exist", {"key": "app", "operator": "DoesNotExist"}, "app does not exist"),
    # --- ConfigMap -----------------------------------------------------------------------------
    _configmap_case("TestConfigMapAnalyzer/unused configmap", [configmap("unused-cm", data={"key": "value"})], [],
                    [expect("default/ConfigMap/unused-cm", "ConfigMapUnused", "info",
                            "ConfigMap unused-cm is not used by any pods in the namespace")]),
    _configmap_case("TestConfigMapAnalyzer/empty configmap", [configmap("empty-cm")], [],
                    [expect("default/ConfigMap/empty-cm", "ConfigMapUnused", "info", "is not used"),
                     expect("default/ConfigMap/empty-cm", "ConfigMapEmpty", "info", "ConfigMap empty-cm is empty")],
                    note="k8sgpt counts results (1 ConfigMap); it too carries both failures"),
    _configmap_case("TestConfigMapAnalyzer/large configmap", [configmap("large-cm", data={"key": "x" * (1024 * 1024 + 1)})], [],
                    [expect("default/ConfigMap/large-cm", "ConfigMapUnused", "info", "is not used"),
                     expect("default/ConfigMap/large-cm", "ConfigMapTooLarge", "warning",
                            "ConfigMap large-cm is larger than 1MB (1048577 bytes)")],
                    api_valid=False, note="the API server rejects a ConfigMap over 1 MiB"),
    _configmap_case(
        "TestConfigMapAnalyzer/used configmap", [configmap("used-cm", data={"key": "value"})],
        [pod("test-pod", phase=None, containers=[container("test-container", envFrom=[{"configMapRef": {"name": "used-cm"}}])])],
        [],
    ),
    _configmap_case(
        "TestConfigMapAnalyzer_ProjectedVolumeUsage/configmap used only via projected volume source",
        [configmap("projected-cm", data={"ca.crt": "dummy", "foo": "bar"})],
        [pod("projected-pod", phase=None, containers=[container("app")], volumes=[
            {"name": "cfg", "projected": {"sources": [{"configMap": {"name": "projected-cm"}}]}}])],
        [],
    ),
    _configmap_case(
        "TestConfigMapAnalyzer_ProjectedVolumeUsage/kube-root-ca.crt used via kubelet projected service-account volume",
        [configmap("kube-root-ca.crt", data={"ca.crt": "dummy", "foo": "bar"})],
        [pod("sa-pod", phase=None, containers=[container("app")], volumes=[{"name": "kube-api-access", "projected": {"sources": [
            {"serviceAccountToken": {"path": "token"}},
            {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
            {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"fieldPath": "metadata.namespace"}}]}},
        ]}}])],
        [],
    ),
    _configmap_case(
        "TestConfigMapAnalyzer_ProjectedVolumeUsage/unused configmap is still reported",
        [configmap("unused-cm", data={"ca.crt": "dummy", "foo": "bar"})],
        [pod("other-pod", phase=None, containers=[container("app")])],
        [expect("default/ConfigMap/unused-cm", "ConfigMapUnused", "info", "ConfigMap unused-cm is not used")],
    ),
    _configmap_case(
        "TestConfigMapAnalyzer_InitContainerUsage/configmap used by init container via envFrom",
        [configmap("init-cm", data={"foo": "bar"})],
        [pod("init-pod", phase=None, containers=[container("app")],
             init_containers=[container("init", envFrom=[{"configMapRef": {"name": "init-cm"}}])])],
        [],
    ),
    _configmap_case(
        "TestConfigMapAnalyzer_InitContainerUsage/configmap used by init container via env valueFrom",
        [configmap("init-env-cm", data={"foo": "bar"})],
        [pod("init-pod2", phase=None, containers=[container("app")], init_containers=[container("init", env=[
            {"name": "FOO", "valueFrom": {"configMapKeyRef": {"name": "init-env-cm", "key": "foo"}}}])])],
        [],
    ),
]
