"""Beyond k8sgpt: the failures an SRE meets first, each as a small cluster run through *all*
analyzers, so every finding the snapshot produces is listed -- the symptom on the pod, the
workload it belongs to, and the object to fix."""

from __future__ import annotations

from .builders import (
    address,
    condition,
    configmap,
    container,
    cronjob,
    deployment,
    endpoints,
    event,
    hpa,
    job,
    last_terminated,
    node,
    pod,
    pvc,
    replicaset,
    resource_quota,
    running,
    service,
    statefulset,
    storage_class,
    terminated,
    unschedulable,
    waiting,
)
from .model import AnalyzerCase, expect


def _case(name: str, objects: list, expected: list, **fields) -> AnalyzerCase:
    return AnalyzerCase(id=f"sre/{name}", objects=objects, expected=expected, **fields)


NOT_READY = [{"type": "Ready", "status": "False"}]
QUOTA_REJECTION = ('pods "web-7d4b9c-x2x9k" is forbidden: exceeded quota: compute-quota, requested: requests.cpu=500m, '
                   "used: requests.cpu=2, limited: requests.cpu=2")


def _crashing_web_pod(suffix: str) -> dict:
    return pod(f"web-7d4b9c-{suffix}", "shop", labels={"app": "web"}, owner=("ReplicaSet", "web-7d4b9c"),
               conditions=NOT_READY, statuses=[waiting(
                   "api", "CrashLoopBackOff", f"back-off 5m0s restarting failed container=api pod=web-7d4b9c-{suffix}",
                   restarts=7, last=last_terminated("Error", 1), image="shop/web:1.4.2")])


def _deployment_with_pod(name: str, namespace: str, pod_status: dict, *, containers: list, rs_hash: str = "5f6c8d") -> list:
    """A one-replica Deployment, its ReplicaSet and its one failing pod."""
    rs = f"{name}-{rs_hash}"
    return [
        deployment(name, namespace, replicas=1, status={"replicas": 1, "readyReplicas": 0, "unavailableReplicas": 1},
                   containers=containers),
        replicaset(rs, namespace, replicas=1, owner=name, labels={"app": name}, status={"replicas": 1}),
        pod(f"{rs}-abcde", namespace, labels={"app": name}, owner=("ReplicaSet", rs), conditions=NOT_READY,
            containers=containers, statuses=[pod_status]),
    ]


_CHECKOUT_CONTAINERS = [container("checkout", "shop/checkout:3.1", envFrom=[{"configMapRef": {"name": "feature-flags"}}],
                                  env=[{"name": "DB_URL", "valueFrom": {"configMapKeyRef": {"name": "app-config", "key": "DB_URL"}}}])]

def _on_delete_sts(pod_image: str, pod_labels: dict) -> list:
    """A two-member OnDelete StatefulSet whose template (mb/fare-sync:2.1.0, revision fare-sync-7f) reached no pod:
    its Service and its two pods, running `pod_image` with `pod_labels`."""
    sts = statefulset("fare-sync", "tickets", service_name="fare-sync", replicas=2,
                      containers=[container("sync", "mb/fare-sync:2.1.0")],
                      status={"replicas": 2, "readyReplicas": 2, "updatedReplicas": 0,
                              "currentRevision": "fare-sync-6d", "updateRevision": "fare-sync-7f"})
    return [{**sts, "spec": {**sts["spec"], "updateStrategy": {"type": "OnDelete"}}},
            service("fare-sync", "tickets", selector={"app": "fare-sync"}),
            *(pod(f"fare-sync-{i}", "tickets", labels=pod_labels, owner=("StatefulSet", "fare-sync"),
                  containers=[container("sync", pod_image)], statuses=[running("sync")]) for i in (0, 1))]


CASES = [
    _case(
        "crashloop-with-exit-code-and-owner",
        [
            deployment("web", "shop", replicas=2, status={"replicas": 2, "readyReplicas": 0, "unavailableReplicas": 2},
                       containers=[container("api", "shop/web:1.4.2")]),
            replicaset("web-7d4b9c", "shop", replicas=2, owner="web", labels={"app": "web"}, status={"replicas": 2}),
            _crashing_web_pod("abcde"),
            _crashing_web_pod("fghij"),
            event("Pod", "web-7d4b9c-abcde", "shop", "BackOff", "Back-off restarting failed container api", count=31,
                  field_path="spec.containers{api}"),
        ],
        [
            expect("shop/Pod/web-7d4b9c-abcde", "CrashLoopBackOff", "critical",
                   "the last termination reason is Error (exit code 1); 7 restarts", owner="shop/Deployment/web"),
            expect("shop/Pod/web-7d4b9c-fghij", "CrashLoopBackOff", "critical", "exit code 1", owner="shop/Deployment/web"),
            expect("shop/Deployment/web", "ReplicasMismatch", "critical", "has 2 replicas but 0 are available"),
        ],
    ),
    _case(
        "oomkilled-crashloop-names-memory-limit",
        [pod("worker", "jobs", containers=[container("worker", "shop/worker:2.0", resources={"limits": {"memory": "64Mi"}})],
             statuses=[waiting("worker", "CrashLoopBackOff", restarts=4, last=last_terminated("OOMKilled", 137))])],
        [expect("jobs/Pod/worker", "OOMKilled", "critical",
                "the last termination reason is OOMKilled (exit code 137), memory limit 64Mi; 4 restarts")],
    ),
    _case(
        "oomkilled-then-restarted-is-still-reported",
        [pod("cache", "jobs", containers=[container("redis", "redis:7", resources={"limits": {"memory": "256Mi"}})],
             statuses=[running("redis", restarts=2, last=last_terminated("OOMKilled", 137), image="redis:7")])],
        [expect("jobs/Pod/cache", "OOMKilled", "warning", "restarted after being OOMKilled (exit code 137), memory limit 256Mi")],
    ),
    _case(
        "image-pull-errors-name-the-image",
        [
            pod("api-1", "shop", statuses=[waiting("api", "ErrImagePull",
                                                   'rpc error: code = NotFound desc = failed to pull and unpack image '
                                                   '"registry.example.com/shop/api:v9.9": not found',
                                                   image="registry.example.com/shop/api:v9.9")], phase="Pending"),
            pod("api-2", "shop", statuses=[waiting("api", "ImagePullBackOff",
                                                   'Back-off pulling image "registry.example.com/shop/api:v9.9"',
                                                   image="registry.example.com/shop/api:v9.9")], phase="Pending"),
        ],
        [
            expect("shop/Pod/api-1", "ImagePullBackOff", "critical", "cannot pull image registry.example.com/shop/api:v9.9: ErrImagePull"),
            expect("shop/Pod/api-2", "ImagePullBackOff", "critical", "ImagePullBackOff: Back-off pulling image"),
        ],
    ),
    _case(
        "missing-configmap-reported-on-pod-and-workload",
        [
            *_deployment_with_pod("checkout", "shop", waiting("checkout", "CreateContainerConfigError",
                                                              'configmap "app-config" not found'),
                                  containers=_CHECKOUT_CONTAINERS),
            configmap("feature-flags", "shop", data={"new_cart": "true"}),
        ],
        [
            expect("shop/Pod/checkout-5f6c8d-abcde", "ConfigRefMissing", "critical",
                   "cannot start: ConfigMap app-config does not exist (CreateContainerConfigError)",
                   owner="shop/Deployment/checkout"),
            expect("shop/Deployment/checkout", "ConfigRefMissing", "critical", "ConfigMap app-config does not exist"),
            expect("shop/Deployment/checkout", "ReplicasMismatch", "critical", "has 1 replicas but 0 are available"),
        ],
    ),
    _case(
        "missing-configmap-key-names-the-key",
        [
            *_deployment_with_pod("checkout", "shop", waiting("checkout", "CreateContainerConfigError",
                                                              "couldn't find key DB_URL in ConfigMap shop/app-config"),
                                  containers=_CHECKOUT_CONTAINERS),
            configmap("feature-flags", "shop", data={"new_cart": "true"}),
            configmap("app-config", "shop", data={"LOG_LEVEL": "info"}),
        ],
        [
            expect("shop/Pod/checkout-5f6c8d-abcde", "ConfigRefMissing", "critical", "ConfigMap app-config has no key DB_URL"),
            expect("shop/Deployment/checkout", "ConfigRefMissing", "critical", "ConfigMap app-config has no key DB_URL"),
            expect("shop/Deployment/checkout", "ReplicasMismatch", "critical", "0 are available"),
        ],
    ),
    _case(
        "missing-secret-volume-via-failedmount",
        [
            pod("api-0", "shop", phase="Pending", statuses=[waiting("api", "ContainerCreating")],
                volumes=[{"name": "creds", "secret": {"secretName": "db-creds"}}]),
            event("Pod", "api-0", "shop", "Scheduled", "Successfully assigned shop/api-0 to node-1", type_="Normal"),
            event("Pod", "api-0", "shop", "FailedMount",
                  'MountVolume.SetUp failed for volume "creds" : secret "db-creds" not found', count=9,
                  last="2024-05-01T10:04:00Z"),
        ],
        [expect("shop/Pod/api-0", "ConfigRefMissing", "critical", "Secret db-creds does not exist (FailedMount)")],
    ),
    _case(
        "readiness-probe-failing-behind-a-service",
        [
            pod("web-0", "shop", labels={"app": "web"}, conditions=NOT_READY,
                containers=[container("web", "shop/web:1.4.2", readinessProbe={
                    "httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 5})],
                statuses=[running("web", ready=False, image="shop/web:1.4.2")]),
            event("Pod", "web-0", "shop", "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 404",
                  count=30, field_path="spec.containers{web}"),
            service("web", "shop", selector={"app": "web"}),
            endpoints("web", "shop", not_ready=[address("web-0")]),
        ],
        [
            expect("shop/Pod/web-0", "ProbeFailing", "warning", "Readiness probe failed: HTTP probe failed with statuscode: 404"),
            expect("shop/Service/web", "EndpointsNotReady", "critical", "Service has not ready endpoints, pods: [Pod/web-0], expected 1"),
        ],
    ),
    _case(
        "liveness-probe-kills-container-into-crashloop",
        [
            pod("api-0", "shop", containers=[container("api", "shop/api:2.0", livenessProbe={"httpGet": {"path": "/live", "port": 8080}})],
                statuses=[waiting("api", "CrashLoopBackOff", restarts=6, last=last_terminated("Error", 137))]),
            event("Pod", "api-0", "shop", "Unhealthy",
                  'Liveness probe failed: Get "http://10.0.0.5:8080/live": dial tcp 10.0.0.5:8080: connect: connection refused',
                  count=18),
        ],
        [expect("shop/Pod/api-0", "CrashLoopBackOff", "critical", "liveness probe failing: Liveness probe failed")],
    ),
    _case(
        "restarting-container-that-looks-fine-now",
        [pod("api-0", "shop", statuses=[running("api", restarts=12, last=last_terminated("Error", 2))])],
        [expect("shop/Pod/api-0", "HighRestartCount", "warning",
                "has restarted 12 times; last termination reason is Error (exit code 2)")],
    ),
    _case(
        "pending-pod-explained-by-failedscheduling-event",
        [
            pod("analytics-0", "data", phase="Pending"),
            event("Pod", "analytics-0", "data", "FailedScheduling",
                  "0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: "
                  "3 No preemption victims found for incoming pod.", count=12),
        ],
        [expect("data/Pod/analytics-0", "Unschedulable", "critical",
                "Pod cannot be scheduled: 0/3 nodes are available: 3 Insufficient memory")],
    ),
    _case(
        "rollout-past-its-progress-deadline",
        [deployment("api", "shop", replicas=3, status={
            "replicas": 4, "readyReplicas": 2, "availableReplicas": 2, "updatedReplicas": 1, "unavailableReplicas": 2,
            "conditions": [condition("Available", "True", "MinimumReplicasAvailable"),
                           condition("Progressing", "False", "ProgressDeadlineExceeded",
                                     'ReplicaSet "api-6b8f9c" has timed out progressing.')]})],
        [
            expect("shop/Deployment/api", "ProgressDeadlineExceeded", "critical",
                   'Deployment rollout is stuck: ReplicaSet "api-6b8f9c" has timed out progressing.'),
            expect("shop/Deployment/api", "ReplicasMismatch", "warning",
                   "has 3 replicas in spec but 4 replicas in status because status field is not updated yet after "
                   "scaling and 2 replicas are available"),
        ],
    ),
    _case(
        "resource-quota-rejects-a-deployments-pods",
        [
            deployment("web", "shop", replicas=3, status={"replicas": 0, "unavailableReplicas": 3, "conditions": [
                condition("ReplicaFailure", "True", "FailedCreate", QUOTA_REJECTION)]}),
            replicaset("web-7d4b9c", "shop", replicas=3, owner="web", labels={"app": "web"}, status={
                "replicas": 0, "conditions": [condition("ReplicaFailure", "True", "FailedCreate", QUOTA_REJECTION)]}),
            event("ReplicaSet", "web-7d4b9c", "shop", "FailedCreate", f"Error creating: {QUOTA_REJECTION}", count=14,
                  api_version="apps/v1"),
            resource_quota("compute-quota", "shop", hard={"requests.cpu": "2"}, used={"requests.cpu": "2"}),
        ],
        [
            expect("shop/ResourceQuota/compute-quota", "QuotaExceeded", "critical",
                   "ResourceQuota compute-quota is rejecting pods of ReplicaSet/web-7d4b9c"),
            expect("shop/Deployment/web", "FailedCreate", "critical", "cannot create pods (rejected by ResourceQuota compute-quota)"),
            expect("shop/Deployment/web", "ReplicasMismatch", "critical", "has 3 replicas but 0 are available"),
            expect("shop/ReplicaSet/web-7d4b9c", "FailedCreate", "critical", "rejected by ResourceQuota compute-quota",
                   owner="shop/Deployment/web"),
        ],
    ),
    _case(
        "quota-fully-used-before-anything-is-rejected",
        [resource_quota("pods-quota", "batch", hard={"pods": "10", "services.loadbalancers": "0"},
                        used={"pods": "10", "services.loadbalancers": "0"})],
        [expect("batch/ResourceQuota/pods-quota", "QuotaExhausted", "warning", "pods used 10 of 10")],
        note="a hard limit of 0 is a ban, not an exhausted quota",
    ),
    _case(
        "service-selector-matches-no-pod-says-which-label",
        [
            service("payment-api", "shop", selector={"app": "payment-api", "tier": "backend"}),
            endpoints("payment-api", "shop"),
            pod("payment-api-v2-0", "shop", labels={"app": "payment-api-v2", "tier": "backend"}, ready=True,
                statuses=[running("api")]),
        ],
        [expect("shop/Service/payment-api", "SelectorMismatch", "critical",
                "no pod carries app=payment-api (pods carry app=payment-api-v2)")],
    ),
    _case(
        "service-named-target-port-no-pod-declares",
        [
            service("catalog", "shop", selector={"app": "catalog"}, target_port="http"),
            endpoints("catalog", "shop"),
            pod("catalog-1", "shop", labels={"app": "catalog"}, ready=True, statuses=[running("api")],
                containers=[container("api", ports=[{"name": "web", "containerPort": 8080}])]),
        ],
        [expect("shop/Service/catalog", "TargetPortMismatch", "critical",
                "names targetPort http/TCP, which no selected pod declares (they declare web:8080/TCP): "
                "the Service has no endpoints although its pods are Ready")],
        note="the endpoints controller leaves out a pod without the named port, so Ready pods serve nothing",
    ),
    _case(
        "service-numeric-target-port-no-container-declares",
        [
            service("catalog", "shop", selector={"app": "catalog"}, target_port=8081),
            endpoints("catalog", "shop", ready=[address("catalog-1")]),
            pod("catalog-1", "shop", labels={"app": "catalog"}, ready=True, statuses=[running("api")],
                containers=[container("api", ports=[{"name": "http", "containerPort": 8080}])]),
        ],
        [expect("shop/Service/catalog", "TargetPortMismatch", "warning",
                "targets targetPort 8081/TCP, which no selected pod declares (they declare http:8080/TCP)")],
        note="listed as an endpoint, but nothing declared listens there; a warning: declaring ports is optional",
    ),
    _case(
        "service-numeric-target-port-pods-declare-nothing",
        [
            service("catalog", "shop", selector={"app": "catalog"}, target_port=8081),
            endpoints("catalog", "shop", ready=[address("catalog-1")]),
            pod("catalog-1", "shop", labels={"app": "catalog"}, ready=True, statuses=[running("api")]),
        ],
        [],
        note="pods that declare no ports give no verdict on a numeric targetPort",
    ),
    _case(
        "service-pods-match-but-none-ready",
        [
            service("cart", "shop", selector={"app": "cart"}),
            pod("cart-1", "shop", labels={"app": "cart"}, conditions=NOT_READY, statuses=[running("cart", ready=False)]),
        ],
        [expect("shop/Service/cart", "NoEndpoints", "critical",
                "1 pod(s) match selector app=cart but none is ready: cart-1 (Running, not ready)")],
    ),
    _case(
        "statefulset-first-stuck-pod-blocks-the-rest",
        [
            statefulset("db", "data", service_name="db", replicas=3,
                        status={"replicas": 2, "readyReplicas": 1, "availableReplicas": 1}),
            service("db", "data", selector={"app": "db"}),
            pod("db-0", "data", labels={"app": "db"}, owner=("StatefulSet", "db"), ready=True, statuses=[running("db")]),
            pod("db-1", "data", labels={"app": "db"}, owner=("StatefulSet", "db"), phase="Pending",
                conditions=[unschedulable("0/3 nodes are available: 3 node(s) had volume node affinity conflict.")]),
        ],
        [
            expect("data/StatefulSet/db", "PodNotRunning", "warning",
                   "Statefulset pod db-1 in the namespace data is not in running state."),
            expect("data/Pod/db-1", "Unschedulable", "critical", "volume node affinity conflict", owner="data/StatefulSet/db"),
        ],
    ),
    _case(
        "statefulset-pods-rejected-by-quota-service-is-not-blamed",
        [
            statefulset("cache", "data", service_name="cache", replicas=1, status={"replicas": 0}),
            service("cache", "data", selector={"app": "cache"}),
            event("StatefulSet", "cache", "data", "FailedCreate",
                  'create Pod cache-0 in StatefulSet cache failed error: pods "cache-0" is forbidden: exceeded quota: '
                  "mem-quota, requested: limits.memory=2Gi, used: limits.memory=3Gi, limited: limits.memory=4Gi",
                  count=7, api_version="apps/v1"),
            resource_quota("mem-quota", "data", hard={"limits.memory": "4Gi"}, used={"limits.memory": "3Gi"}),
        ],
        [
            expect("data/StatefulSet/cache", "FailedCreate", "critical", "StatefulSet cannot create pod cache-0"),
            expect("data/ResourceQuota/mem-quota", "QuotaExceeded", "critical", "is rejecting pods of StatefulSet/cache"),
            expect("data/Service/cache", "NoEndpoints", "critical", "StatefulSet/cache would create matching pods"),
        ],
        note="the Service's selector is right (the StatefulSet's template carries it), so it is NoEndpoints, not SelectorMismatch",
    ),
    _case(
        "node-faults-survive-the-namespace-filter",
        [
            node("node-1", conditions=[condition("Ready", "Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status.")],
                 taints=[{"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"}]),
            node("node-2", conditions=[condition("Ready", "True", "KubeletReady"),
                                       condition("DiskPressure", "True", "KubeletHasDiskPressure", "kubelet has disk pressure")]),
            node("node-3", conditions=[condition("Ready", "True", "KubeletReady")], unschedulable=True,
                 taints=[{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}]),
            event("Node", "node-1", None, "NodeNotReady", "Node node-1 status is now: NodeNotReady"),
            pod("web-0", "shop", ready=True, statuses=[running("web")]),
        ],
        [
            expect("Node/node-1", "NodeNotReady", "critical", "reason NodeStatusUnknown: Kubelet stopped posting node status. "
                                                              "(the kubelet stopped posting node status)"),
            expect("Node/node-2", "DiskPressure", "warning", "kubelet has disk pressure"),
            expect("Node/node-3", "NodeCordoned", "warning", "Node node-3 is cordoned"),
        ],
        namespace="shop",
    ),
    _case(
        "pvc-pending-on-a-missing-storage-class-or-no-volume",
        [
            storage_class("standard"),
            pvc("data-db-0", "data", storage_class="fast-ssd"),
            event("PersistentVolumeClaim", "data-db-0", "data", "ProvisioningFailed",
                  'storageclass.storage.k8s.io "fast-ssd" not found', count=20),
            pvc("scratch", "data"),
            event("PersistentVolumeClaim", "scratch", "data", "FailedBinding",
                  "no persistent volumes available for this claim and no storage class is set", count=20),
        ],
        [
            expect("data/PersistentVolumeClaim/data-db-0", "StorageClassMissing", "critical",
                   "requests storage class fast-ssd, which does not exist"),
            expect("data/PersistentVolumeClaim/scratch", "PVCPending", "warning", "no persistent volumes available for this claim"),
        ],
    ),
    _case(
        "cronjob-run-out-of-retries",
        [
            cronjob("nightly-report", "jobs", schedule="0 3 * * *"),
            job("nightly-report-28533600", "jobs", owner="nightly-report", backoff_limit=3, status={
                "failed": 4, "conditions": [condition("Failed", "True", "BackoffLimitExceeded",
                                                      "Job has reached the specified backoff limit")]}),
        ],
        [expect("jobs/Job/nightly-report-28533600", "JobFailed", "critical",
                "has failed: BackoffLimitExceeded: Job has reached the specified backoff limit",
                owner="jobs/CronJob/nightly-report")],
    ),
    _case(
        "hpa-pinned-at-max-belongs-to-its-workload",
        [hpa("api", "shop", target_name="api", conditions=[
            condition("ScalingLimited", "True", "TooManyReplicas", "the desired replica count is more than the maximum replica count")]),
         deployment("api", "shop", replicas=5, status={"replicas": 5, "availableReplicas": 5, "readyReplicas": 5},
                    containers=[container("api", resources={"requests": {"cpu": "500m"}})])],
        [expect("shop/HorizontalPodAutoscaler/api", "HPAScalingLimited", "warning",
                "the desired replica count is more than the maximum replica count", owner="shop/Deployment/api")],
    ),
    # Runs the schedule called for that never started, judged by the cluster's own clock (its newest event here).
    _case(
        "cronjob-suspended-through-its-one-run",
        [cronjob("lab-import", "labs", schedule="30 2 * * *", suspend=True, status={"lastScheduleTime": "2024-04-30T02:30:00Z"}),
         event("Pod", "web-1", "labs", "Pulled", "Successfully pulled image", type_="Normal", last="2024-05-01T10:00:00Z")],
        [expect("labs/CronJob/lab-import", "Suspended", "warning",
                "is suspended: 1 scheduled run skipped since 2024-05-01T02:30:00+00:00")],
    ),
    _case(
        "service-in-front-of-a-suspended-cronjobs-runs",
        [cronjob("sender", "mail", schedule="7 * * * *", suspend=True, status={"lastScheduleTime": "2024-05-01T09:07:00Z"}),
         service("sender-metrics", "mail", selector={"app": "sender"}),
         pod("subscriber-api-1", "mail", labels={"app": "subscriber-api"}),
         event("Pod", "subscriber-api-1", "mail", "Pulled", "Successfully pulled image", type_="Normal",
               last="2024-05-01T10:00:00Z")],
        [expect("mail/CronJob/sender", "Suspended", "warning", "is suspended"),
         expect("mail/Service/sender-metrics", "NoEndpoints", "critical", "CronJob/sender would create matching pods")],
        note="the selector is right (the CronJob's job template carries it): no run runs, so it is NoEndpoints, never a "
             "SelectorMismatch that points the Service at another app's pods",
    ),
    _case(
        "cronjob-suspended-through-its-runs",
        [cronjob("lab-import", "labs", schedule="30 2 * * *", suspend=True,
                 status={"lastScheduleTime": "2024-04-28T02:30:00Z"}),
         event("Pod", "web-1", "labs", "Pulled", "Successfully pulled image", type_="Normal", last="2024-05-01T10:00:00Z")],
        [expect("labs/CronJob/lab-import", "Suspended", "warning",
                "is suspended: 3 scheduled runs skipped since 2024-04-29T02:30:00+00:00")],
    ),
    _case(
        "cronjob-runs-skipped-behind-a-run-that-never-ends",
        [cronjob("tide-export", "tides", schedule="*/15 * * * *", concurrency_policy="Forbid",
                 status={"lastScheduleTime": "2024-05-01T08:00:00Z", "active": [{"kind": "Job", "name": "tide-export-1"}]}),
         job("tide-export-1", "tides", owner="tide-export", status={"active": 1, "startTime": "2024-05-01T08:00:05Z"}),
         pod("tide-export-1-abcde", "tides", owner=("Job", "tide-export-1"),
             statuses=[terminated("export", exit_code=0, reason="Completed"), running("feed-proxy")]),
         event("Pod", "tide-export-1-abcde", "tides", "Started", "Started container feed-proxy", type_="Normal",
               last="2024-05-01T10:00:00Z")],
        [expect("tides/CronJob/tide-export", "RunsSkipped", "warning",
                "skipped 7 scheduled runs since 2024-05-01T08:15:00+00:00: concurrencyPolicy Forbid and its run "
                "tide-export-1 is still active, running for 1h59m (no activeDeadlineSeconds ends it)"),
         expect("tides/Job/tide-export-1", "HeldOpen", "warning",
                "container export finished (exit 0) but feed-proxy is still running", owner="tides/CronJob/tide-export")],
    ),
    _case(
        "cronjob-on-schedule-and-a-suspended-one-with-no-clock-to-read",
        [cronjob("report", "jobs", schedule="*/10 * * * *", status={"lastScheduleTime": "2024-05-01T09:40:00Z"}),
         cronjob("paused", "jobs", schedule="0 * * * *", suspend=True, status={"lastScheduleTime": "2024-05-01T09:00:00Z"}),
         event("Pod", "web-1", "jobs", "Pulled", "Successfully pulled image", type_="Normal", last="2024-05-01T10:00:00Z")],
        # report: one run (09:50) not started yet and no reason to say it will not -- a lag, not a gap
        # paused: not due again yet, so no run missed -- still a warning: it starts none until resumed
        [expect("jobs/CronJob/paused", "Suspended", "warning",
                "CronJob paused is suspended: it starts no run until `suspend: false` (last run scheduled 2024-05-01T09:00:00Z)")],
    ),
    _case(
        "deployment-paused-with-its-fix-not-rolled-out",
        [{**(d := deployment("booking", "guest", replicas=2, containers=[container("api", "gw/booking:3.4.1")],
                             status={"replicas": 2, "readyReplicas": 2, "updatedReplicas": 0})),
          "spec": {**d["spec"], "paused": True}},
         replicaset("booking-7c9d", "guest", replicas=2, owner="booking", labels={"app": "booking"},
                    containers=[container("api", "gw/booking:3.4.0")], status={"replicas": 2})],
        [expect("guest/Deployment/booking", "UpdateHeld", "warning",
                "its rollout is paused (spec.paused: true) -- its current template (gw/booking:3.4.1) reached 0 of 2 "
                "pod(s); the others still run gw/booking:3.4.0 until the rollout is resumed")],
    ),
    _case(
        "statefulset-on-delete-with-its-new-template-on-no-pod",
        _on_delete_sts(pod_image="mb/fare-sync:2.0.9", pod_labels={"app": "fare-sync"}),
        [expect("tickets/StatefulSet/fare-sync", "UpdateHeld", "warning",
                "updateStrategy: OnDelete) -- its current template (mb/fare-sync:2.1.0) reached 0 of 2 pod(s); the "
                "others (fare-sync-0, fare-sync-1) still run mb/fare-sync:2.0.9 until each is deleted")],
    ),
    _case(
        "statefulset-on-delete-with-an-env-change-on-no-pod-told-by-revision",
        _on_delete_sts(pod_image="mb/fare-sync:2.1.0",
                       pod_labels={"app": "fare-sync", "controller-revision-hash": "fare-sync-6d"}),
        [expect("tickets/StatefulSet/fare-sync", "UpdateHeld", "warning",
                "its current template (revision fare-sync-7f) reached 0 of 2 pod(s); the others (fare-sync-0, "
                "fare-sync-1) still run the previous template until each is deleted")],
    ),
]
