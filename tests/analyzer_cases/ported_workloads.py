"""Cases ported from k8sgpt's deployment_test.go, rs_test.go, statefulset_test.go,
daemonset_test.go, job_test.go and cronjob_test.go. Workloads got the selector and pod template
a real API server requires; k8sgpt's analyzers never read them, so outcomes are unchanged."""

from __future__ import annotations

from .builders import (
    container,
    cronjob,
    daemonset,
    deployment,
    job,
    replicaset,
    statefulset,
)
from .model import AnalyzerCase, expect


def _ported(test: str, kind: str, objects: list, expected: list, **fields) -> AnalyzerCase:
    return AnalyzerCase(id=f"k8sgpt/{test}", k8sgpt_test=test, objects=objects, expected=expected,
                        namespace=fields.pop("namespace", "default"), kinds=[kind], **fields)


def _failed_create(message: str) -> dict:
    return {"type": "ReplicaFailure", "status": "True", "reason": "FailedCreate", "message": message}


_EXAMPLE_DEPLOYMENT_STATUS = {"replicas": 2, "availableReplicas": 1}
_EXAMPLE_CONTAINERS = [container("example-container", "nginx", ports=[{"containerPort": 80}])]

CASES = [
    _ported(
        "TestDeploymentAnalyzer", "Deployment",
        [deployment("example", replicas=3, status=_EXAMPLE_DEPLOYMENT_STATUS, containers=_EXAMPLE_CONTAINERS)],
        [expect("default/Deployment/example", "ReplicasMismatch", "critical",
                "Deployment default/example has 3 replicas but 0 are available with status running")],
        note="k8sgpt (current) compares spec.replicas with status.readyReplicas, absent here, so 0 are ready",
    ),
    _ported(
        "TestDeploymentAnalyzerNamespaceFiltering", "Deployment",
        [
            deployment("example", replicas=3, status=_EXAMPLE_DEPLOYMENT_STATUS, containers=_EXAMPLE_CONTAINERS),
            deployment("example", "other-namespace", replicas=3, status=_EXAMPLE_DEPLOYMENT_STATUS,
                       containers=_EXAMPLE_CONTAINERS),
        ],
        [expect("default/Deployment/example", "ReplicasMismatch", "critical", "has 3 replicas")],
    ),
    _ported(
        "TestReplicaSetAnalyzer", "ReplicaSet",
        [
            replicaset("replicaset1", status={"replicas": 0, "conditions": [_failed_create("failed to create test replica set 1")]}),
            replicaset("replicaset2", "test"),
            replicaset("replicaset3", status={"replicas": 0, "conditions": [
                {"type": "ReplicaFailure", "status": "True", "reason": "RandomError"}]}),
            replicaset("replicaset4", status={"replicas": 0, "conditions": [
                _failed_create("failed to create test replica set 4 condition 1"),
                {"type": "ReplicaFailure", "status": "True", "reason": "Unknown"},
                _failed_create("failed to create test replica set 4 condition 3"),
            ]}),
            replicaset("replicaset5", status={"replicas": 3}),
        ],
        [
            expect("default/ReplicaSet/replicaset1", "FailedCreate", "critical", "failed to create test replica set 1"),
            expect("default/ReplicaSet/replicaset4", "FailedCreate", "critical", "failed to create test replica set 4 condition 3"),
        ],
        note="replicaset4 carries two ReplicaFailure conditions, which a real API server would not keep",
    ),
    _ported(
        "TestStatefulSetAnalyzer", "StatefulSet",
        [statefulset("example")],
        [expect("default/StatefulSet/example", "ServiceMissing", "warning", "spec.serviceName is empty")],
        note="k8sgpt looks up a Service named '' and reports it missing; the finding says what that means",
    ),
    _ported(
        "TestStatefulSetAnalyzerWithoutService", "StatefulSet",
        [statefulset("example", service_name="example-svc")],
        [expect("default/StatefulSet/example", "ServiceMissing", "warning",
                "StatefulSet uses the service default/example-svc which does not exist.")],
    ),
    _ported(
        "TestStatefulSetAnalyzerMissingStorageClass", "StatefulSet",
        [statefulset("example", service_name="example-svc", claim_templates=[{
            "apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "pvc-example"},
            "spec": {"storageClassName": "example-sc", "accessModes": ["ReadWriteOnce"],
                     "resources": {"requests": {"storage": "1Gi"}}},
        }])],
        [
            expect("default/StatefulSet/example", "ServiceMissing", "warning", "service default/example-svc which does not exist"),
            expect("default/StatefulSet/example", "StorageClassMissing", "critical",
                   "StatefulSet uses the storage class example-sc which does not exist."),
        ],
    ),
    _ported(
        "TestDaemonSetAnalyzer", "DaemonSet",
        [daemonset("example", status={"desiredNumberScheduled": 1, "numberReady": 1},
                   containers=[container("example-container", "nginx")])],
        [],
    ),
    _ported(
        "TestDaemonSetAnalyzerNoReadyReplicas", "DaemonSet",
        [daemonset("example", status={"desiredNumberScheduled": 3, "numberReady": 2},
                   containers=_EXAMPLE_CONTAINERS)],
        [expect("default/DaemonSet/example", "ReplicasMismatch", "warning",
                "DaemonSet default/example has 2 ready replicas out of 3 scheduled")],
    ),
    _ported(
        "TestDaemonSetAnalyzerImagePullSecretNotFound", "DaemonSet",
        [daemonset("example", status={"desiredNumberScheduled": 1, "numberReady": 1},
                   containers=[container("example-container", "nginx")],
                   imagePullSecrets=[{"name": "non-existent-secret"}])],
        [expect("default/DaemonSet/example", "ImagePullSecretMissing", "warning",
                "DaemonSet default/example references non-existent ImagePullSecret non-existent-secret")],
    ),
    _ported(
        "TestJobAnalyzer/Suspended Job", "Job",
        [job("suspended-job", suspend=True)],
        [expect("default/Job/suspended-job", "Suspended", "info", "Job suspended-job is suspended")],
    ),
    _ported(
        "TestJobAnalyzer/Failed Job", "Job",
        [job("failed-job", status={"failed": 1})],
        [expect("default/Job/failed-job", "JobFailed", "warning", "Job failed-job has failed")],
    ),
    _ported("TestJobAnalyzer/Valid Job", "Job", [job("valid-job")], []),
    _ported(
        "TestJobAnalyzer/Multiple issues", "Job",
        [job("multiple-issues", suspend=True, status={"failed": 1})],
        [
            expect("default/Job/multiple-issues", "Suspended", "info", "is suspended"),
            expect("default/Job/multiple-issues", "JobFailed", "warning", "Job multiple-issues has failed"),
        ],
    ),
    _ported(
        "TestCronJobAnalyzer", "CronJob",
        [
            cronjob("cj1", "test"),
            cronjob("cj2", suspend=True),
            cronjob("cj3", starting_deadline=-7),
            cronjob("cj4", schedule="*** * * * *"),
            cronjob("cj5", starting_deadline=7),
            cronjob("successful-cronjob", labels={"app": "example-app"}, annotations={"analysisDate": "2022-04-01"},
                    containers=[container("example-container", "nginx")]),
        ],
        [
            expect("default/CronJob/cj2", "Suspended", "warning", "CronJob cj2 is suspended: it starts no run until"),
            expect("default/CronJob/cj3", "InvalidStartingDeadline", "warning", "CronJob cj3 has a negative starting deadline"),
            expect("default/CronJob/cj4", "InvalidSchedule", "warning", "CronJob cj4 has an invalid schedule"),
        ],
        api_valid=False,
        note="the API server validates schedules and startingDeadlineSeconds, so cj3/cj4 only exist in fakes; "
             "cj2 got a schedule and job template, which the API requires",
    ),
    _ported(
        "TestCronJobSuccess", "CronJob",
        [cronjob("example-cronjob", labels={"app": "example-app"}, annotations={"analysisDate": "2022-04-01"},
                 containers=[container("example-container", "nginx")])],
        [],
    ),
    _ported(
        "TestCronJobBroken", "CronJob",
        [cronjob("example-cronjob", schedule="*** * * * *", labels={"app": "example-app"},
                 containers=[container("example-container", "nginx")])],
        [expect("default/CronJob/example-cronjob", "InvalidSchedule", "warning", "failed to parse int from '***'")],
        api_valid=False,
        note="the API server rejects an invalid schedule",
    ),
]
