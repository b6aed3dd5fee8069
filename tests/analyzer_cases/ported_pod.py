"""Cases ported from k8sgpt pkg/analyzer/pod_test.go (the table-driven TestPodAnalyzer, plus the
two tests of its earlier revision). Object names are lower-cased to be valid DNS-1123 names;
containers got the names and images the API requires. k8sgpt counts failures per pod; here
each distinct problem is one finding (two crashing containers fold into one CrashLoopBackOff)."""

from __future__ import annotations

from .builders import container, event, last_terminated, pod, running, terminated, unschedulable, waiting
from .model import AnalyzerCase, expect

TAINT_MESSAGE = "0/1 nodes are available: 1 node(s) had taint {node-role.kubernetes.io/master: }, that the pod didn't tolerate."


def _ported(test: str, objects: list, expected: list, **fields) -> AnalyzerCase:
    return AnalyzerCase(id=f"k8sgpt/{test}", k8sgpt_test=test, objects=objects, expected=expected,
                        namespace=fields.pop("namespace", "default"), kinds=fields.pop("kinds", ["Pod"]), **fields)


CASES = [
    _ported(
        "TestPodAnalyzer/Pending pods, namespace filtering and readiness probe failure",
        [
            pod("pod1", phase="Pending", conditions=[
                unschedulable(TAINT_MESSAGE),
                {"type": "PodScheduled", "status": "False", "reason": "Unexpected failure"},  # no message: ignored
            ]),
            pod("pod2", "test", phase=None),  # another namespace: not analyzed
            pod("pod3", statuses=[{"name": "container1", "image": "nginx:1.25", "ready": False, "restartCount": 0}]),
            event("Pod", "pod3", "default", "Unhealthy", "readiness probe failed: the detail reason here ..."),
        ],
        [
            expect("default/Pod/pod1", "Unschedulable", "critical", "1 node(s) had taint {node-role.kubernetes.io/master: }"),
            expect("default/Pod/pod3", "ProbeFailing", "warning", "readiness probe failed: the detail reason here"),
        ],
    ),
    _ported(
        "TestPodAnalyzer/Evicted pod with message",
        [pod("evictedpod", phase=None, status_extra={"reason": "Evicted",
                                                     "message": "Pod was rejected: The node had condition: [DiskPressure]. "})],
        [expect("default/Pod/evictedpod", "Evicted", "warning", "The node had condition: [DiskPressure]")],
    ),
    _ported(
        "TestPodAnalyzer/Evicted pod without message",
        [pod("evictedpod", phase=None, status_extra={"reason": "Evicted", "message": ""})],
        [expect("default/Pod/evictedpod", "Evicted", "warning", "The pod has been evicted")],
    ),
    _ported(
        "TestPodAnalyzer/readiness probe failure without any event",
        [pod("pod1", statuses=[{"name": "container1", "image": "nginx:1.25", "ready": False, "restartCount": 0}])],
        [],
        note="a Running pod with an unready container and no Unhealthy event says nothing about why",
    ),
    _ported(
        "TestPodAnalyzer/Init container status state waiting",
        [
            pod("pod1", phase="Pending", init_statuses=[
                running("init1"),
                waiting("init2", "ContainerCreating"),
            ], containers=[container("app")]),
            event("Pod", "pod1", "default", "FailedCreatePodSandBox", "failed to create the pod sandbox ..."),
        ],
        [expect("default/Pod/pod1", "FailedCreatePodSandBox", "critical", "failed to create the pod sandbox")],
    ),
    _ported(
        "TestPodAnalyzer/Container status state waiting but no event reported",
        [pod("pod1", phase="Pending", statuses=[waiting("container1", "ContainerCreating")])],
        [],
    ),
    _ported(
        "TestPodAnalyzer/Container status state waiting",
        [
            pod("pod1", phase="Pending", statuses=[
                waiting("container1", "ContainerCreating"),
                waiting("container2", "CrashLoopBackOff", last=last_terminated("test reason", 1)),
                waiting("container3", "RandomReason", "This container won't be present in the failures"),
                waiting("container4", "PreStartHookError", "Container4 encountered PreStartHookError"),
                waiting("container5", "CrashLoopBackOff", "Container4 encountered CrashLoopBackOff"),
            ]),
            event("Pod", "pod1", "default", "RandomEvent", type_="Warning"),
        ],
        [
            expect("default/Pod/pod1", "CrashLoopBackOff", "critical", "the last termination reason is test reason"),
            expect("default/Pod/pod1", "PreStartHookError", "critical", "Container4 encountered PreStartHookError"),
        ],
        note="k8sgpt: 3 failures (container2, container4, container5); container2 and container5 fold into one finding",
    ),
    _ported(
        "TestPodAnalyzer/Terminated container with non-zero exit code",
        [pod("pod1", phase="Failed", statuses=[terminated("container1", 1, "Error"), terminated("container2", 2, "")])],
        [expect("default/Pod/pod1", "ContainerFailed", "warning", "container2 terminated with exit code 2")],
        note="k8sgpt: 2 failures, one per container; folded into one finding with both as evidence",
    ),
    _ported(
        "TestPodAnalyzer (single-table revision)",
        [
            pod("example", phase="Pending", conditions=[unschedulable(TAINT_MESSAGE)]),
            pod("example2", statuses=[{"name": "example2", "image": "nginx:1.25", "ready": False, "restartCount": 0}],
                conditions=[{"type": "ContainersReady", "status": "False", "reason": "ContainersNotReady",
                             "message": "containers with unready status: [example2]"}]),
            event("Pod", "example2", "default", "Unhealthy", "readiness probe failed: the detail reason here ...",
                  event_name="foo"),
        ],
        [
            expect("default/Pod/example", "Unschedulable", "critical", "had taint"),
            expect("default/Pod/example2", "ProbeFailing", "warning", "readiness probe failed"),
        ],
    ),
    _ported(
        "TestPodAnalyzerNamespaceFiltering",
        [
            pod("example", phase="Pending", conditions=[unschedulable(TAINT_MESSAGE)]),
            pod("example", "other-namespace", phase="Pending", conditions=[unschedulable(TAINT_MESSAGE)]),
        ],
        [expect("default/Pod/example", "Unschedulable", "critical", "0/1 nodes are available")],
    ),
]
