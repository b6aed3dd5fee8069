"""The STATUS, READY and RESTARTS cells `kubectl get pods` prints, and the other summaries the
lab's Table output computes, checked against what kube-apiserver's printers write for the same
objects (table tests over pod phases, conditions and container states)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sre_agent.lab.kube import printers as p
from sre_agent.lab.kube import tables_extra
from sre_agent.lab.kube.errors import ApiError
from sre_agent.lab.kube.resources import by_kind
from sre_agent.lab.kube.tables import build_table, negotiate, refuse_unsupported_body

NOW = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)


def ago(**kw) -> str:
    return (NOW - timedelta(**kw)).strftime("%Y-%m-%dT%H:%M:%SZ")


def pod(containers=1, statuses=(), init=(), init_statuses=(), phase="Running", conditions=(), deleting=False,
        reason=None, sidecars=()) -> dict:
    spec = {"containers": [{"name": f"c{i}"} for i in range(containers)],
            "initContainers": [{"name": n} for n in init] + [{"name": n, "restartPolicy": "Always"} for n in sidecars]}
    status = {"phase": phase, "conditions": [{"type": t, "status": s, **({"reason": r} if r else {})}
                                             for t, s, r in conditions],
              "containerStatuses": list(statuses), "initContainerStatuses": list(init_statuses)}
    if reason:
        status["reason"] = reason
    meta = {"name": "p", "creationTimestamp": ago(hours=1)}
    if deleting:
        meta["deletionTimestamp"] = ago(seconds=5)
    return {"metadata": meta, "spec": spec, "status": status}


def running(name="c0", ready=True, restarts=0, last_finished=None) -> dict:
    cs = {"name": name, "ready": ready, "restartCount": restarts, "state": {"running": {"startedAt": ago(minutes=5)}}}
    if last_finished:
        cs["lastState"] = {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": last_finished}}
    return cs


def waiting(reason, name="c0", restarts=0, last_finished=None) -> dict:
    cs = {"name": name, "ready": False, "restartCount": restarts, "state": {"waiting": {"reason": reason}}}
    if last_finished:
        cs["lastState"] = {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": last_finished}}
    return cs


def terminated(exit_code=0, reason=None, name="c0", signal=None) -> dict:
    term = {"exitCode": exit_code, **({"reason": reason} if reason else {}), **({"signal": signal} if signal else {})}
    return {"name": name, "ready": False, "restartCount": 0, "state": {"terminated": term}}


READY = (("Ready", "True", None), ("Initialized", "True", None))


@pytest.mark.parametrize("obj, expected", [
    (pod(statuses=[running()], conditions=READY), ("1/1", "Running", "0")),
    (pod(statuses=[waiting("CrashLoopBackOff", restarts=7, last_finished=ago(minutes=2))]),
     ("0/1", "CrashLoopBackOff", "7 (2m ago)")),
    (pod(statuses=[waiting("ImagePullBackOff")], phase="Pending"), ("0/1", "ImagePullBackOff", "0")),
    (pod(statuses=[waiting("ErrImagePull")], phase="Pending"), ("0/1", "ErrImagePull", "0")),
    (pod(statuses=[waiting("ContainerCreating")], phase="Pending"), ("0/1", "ContainerCreating", "0")),
    (pod(phase="Pending", conditions=[("PodScheduled", "False", "Unschedulable")]), ("0/1", "Pending", "0")),
    (pod(phase="Pending", conditions=[("PodScheduled", "False", "SchedulingGated")]), ("0/1", "SchedulingGated", "0")),
    (pod(statuses=[terminated(0, "Completed")], phase="Succeeded"), ("0/1", "Completed", "0")),
    (pod(statuses=[terminated(137, "OOMKilled")], phase="Failed"), ("0/1", "OOMKilled", "0")),
    (pod(statuses=[terminated(2)], phase="Failed"), ("0/1", "ExitCode:2", "0")),
    (pod(statuses=[terminated(0, signal=9)], phase="Failed"), ("0/1", "Signal:9", "0")),
    (pod(statuses=[running()], phase="Failed", reason="Evicted"), ("1/1", "Evicted", "0")),
    # two containers: the first container's reason wins, ready counts only running+ready ones
    (pod(containers=2, statuses=[waiting("CrashLoopBackOff", "c0", 3), running("c1")]),
     ("1/2", "CrashLoopBackOff", "3")),
    (pod(containers=2, statuses=[terminated(0, "Completed", "c0"), running("c1")], conditions=READY),
     ("1/2", "Running", "0")),
    (pod(containers=2, statuses=[terminated(0, "Completed", "c0"), running("c1")]), ("1/2", "NotReady", "0")),
    # init containers
    (pod(init=["migrate"], init_statuses=[{"name": "migrate", "state": {"running": {}}}], phase="Pending",
         statuses=[waiting("PodInitializing")]), ("0/1", "Init:0/1", "0")),
    (pod(init=["a", "b"], init_statuses=[terminated(0, "Completed", "a"), {"name": "b", "state": {"running": {}}}],
         phase="Pending"), ("0/1", "Init:1/2", "0")),
    (pod(init=["migrate"], init_statuses=[waiting("CrashLoopBackOff", "migrate", 4)], phase="Pending"),
     ("0/1", "Init:CrashLoopBackOff", "4")),
    (pod(init=["migrate"], init_statuses=[terminated(3, None, "migrate")], phase="Pending"),
     ("0/1", "Init:ExitCode:3", "0")),
    (pod(init=["migrate"], init_statuses=[waiting("ImagePullBackOff", "migrate")], phase="Pending"),
     ("0/1", "Init:ImagePullBackOff", "0")),
    # a sidecar (restartable init container) counts towards READY
    (pod(sidecars=["proxy"], init_statuses=[{**running("proxy"), "started": True}], statuses=[running()],
         conditions=READY), ("2/2", "Running", "0")),
    # deletion
    (pod(statuses=[running()], deleting=True), ("1/1", "Terminating", "0")),
    (pod(statuses=[terminated(0, "Completed")], phase="Succeeded", deleting=True), ("0/1", "Completed", "0")),
    (pod(statuses=[running()], deleting=True, reason="NodeLost"), ("1/1", "Unknown", "0")),
], ids=lambda v: v[1] if isinstance(v, tuple) else None)
def test_pod_ready_status_restarts(obj, expected):
    assert p.pod_summary(obj, NOW) == expected


@pytest.mark.parametrize("seconds, text", [
    (-5, "<invalid>"), (-1, "0s"), (0, "0s"), (119, "119s"), (120, "2m"), (150, "2m30s"), (600, "10m"),
    (179 * 60, "179m"), (3 * 3600, "3h"), (3 * 3600 + 1800, "3h30m"), (8 * 3600, "8h"), (47 * 3600, "47h"),
    (50 * 3600, "2d2h"), (72 * 3600, "3d"), (30 * 86400, "30d"), (800 * 86400, "2y70d"), (3000 * 86400, "8y"),
])
def test_human_duration(seconds, text):
    assert p.human_duration(seconds) == text


@pytest.mark.parametrize("conditions, unschedulable, labels, status, roles", [
    ([{"type": "Ready", "status": "True"}], False, {}, "Ready", "<none>"),
    ([{"type": "Ready", "status": "False"}], False, {"node-role.kubernetes.io/worker": ""}, "NotReady", "worker"),
    ([{"type": "Ready", "status": "Unknown"}], True, {"kubernetes.io/role": "infra"}, "NotReady,SchedulingDisabled",
     "infra"),
    ([], True, {"node-role.kubernetes.io/control-plane": "", "node-role.kubernetes.io/a": ""},
     "Unknown,SchedulingDisabled", "a,control-plane"),
])
def test_node_status_and_roles(conditions, unschedulable, labels, status, roles):
    node = {"metadata": {"labels": labels}, "spec": {"unschedulable": unschedulable}, "status": {"conditions": conditions}}
    assert (p.node_status(node), p.node_roles(node)) == (status, roles)


@pytest.mark.parametrize("spec, status, external, ports", [
    ({"type": "ClusterIP", "ports": [{"port": 80, "protocol": "TCP"}]}, {}, "<none>", "80/TCP"),
    ({"type": "NodePort", "ports": [{"port": 80, "nodePort": 30080}, {"port": 53, "protocol": "UDP"}]}, {},
     "<none>", "80:30080/TCP,53/UDP"),
    ({"type": "LoadBalancer", "ports": []}, {}, "<pending>", "<none>"),
    ({"type": "LoadBalancer"}, {"loadBalancer": {"ingress": [{"hostname": "a.elb.amazonaws.com"}]}},
     "a.elb.amazonaws.com", "<none>"),
    ({"type": "ExternalName", "externalName": "db.example.com"}, {}, "db.example.com", "<none>"),
])
def test_service_cells(spec, status, external, ports):
    svc = {"spec": spec, "status": status}
    assert (p.service_external_ip(svc), p.service_ports(svc)) == (external, ports)


@pytest.mark.parametrize("job, status, completions", [
    ({"spec": {"completions": 3}, "status": {"succeeded": 1}}, "Running", "1/3"),
    ({"spec": {"parallelism": 4}, "status": {}}, "Running", "0/1 of 4"),
    ({"spec": {"completions": 1}, "status": {"succeeded": 1, "conditions": [{"type": "Complete", "status": "True"}]}},
     "Complete", "1/1"),
    ({"spec": {}, "status": {"conditions": [{"type": "Failed", "status": "True"}]}}, "Failed", "0/1"),
    ({"spec": {}, "status": {"conditions": [{"type": "Suspended", "status": "True"}]}}, "Suspended", "0/1"),
])
def test_job_status_and_completions(job, status, completions):
    assert (p.job_status(job), p.job_completions(job)) == (status, completions)


def test_pod_table_has_wide_columns_and_partial_metadata_by_default():
    obj = pod(statuses=[waiting("CrashLoopBackOff", restarts=2)])
    obj["spec"]["nodeName"] = "n1"
    obj["status"]["podIPs"] = [{"ip": "10.0.0.1"}]
    table = build_table(by_kind("Pod"), [obj], NOW, include_object=None, list_meta={"resourceVersion": "5"})
    assert [c["name"] for c in table["columnDefinitions"]] == [
        "Name", "Ready", "Status", "Restarts", "Age", "IP", "Node", "Nominated Node", "Readiness Gates"]
    assert [c["priority"] for c in table["columnDefinitions"]] == [0, 0, 0, 0, 0, 1, 1, 1, 1]
    row = table["rows"][0]
    assert row["cells"] == ["p", "0/1", "CrashLoopBackOff", "2", "60m", "10.0.0.1", "n1", "<none>", "<none>"]
    assert row["object"] == {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                             "metadata": obj["metadata"]}
    full = build_table(by_kind("Pod"), [obj], NOW, include_object="Object", list_meta=None)
    assert full["rows"][0]["object"] is obj
    assert "object" not in build_table(by_kind("Pod"), [obj], NOW, include_object="None", list_meta=None)["rows"][0]
    with pytest.raises(ApiError):
        build_table(by_kind("Pod"), [obj], NOW, include_object="Everything", list_meta=None)


def test_unknown_kinds_get_a_name_and_age_table():
    table = build_table(by_kind("LimitRange"), [{"metadata": {"name": "x", "creationTimestamp": ago(days=3)}}], NOW,
                        include_object=None, list_meta=None)
    assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "Age"]
    assert table["rows"][0]["cells"] == ["x", "3d"]


@pytest.mark.parametrize("accept, answer", [
    (None, None), ("application/json", None), ("*/*", None),
    ("application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json",
     "v1"),
    ("application/json;as=Table;v=v1beta1;g=meta.k8s.io", "v1beta1"),
    ("application/vnd.kubernetes.protobuf, */*", None),
    ("application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io,application/json", None),
    ("application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json", None),
])
def test_accept_negotiation_prefers_json(accept, answer):
    assert negotiate(accept) == answer


def test_protobuf_only_is_not_acceptable_and_a_cbor_body_is_415():
    with pytest.raises(ApiError) as exc:
        negotiate("application/vnd.kubernetes.protobuf")
    assert exc.value.code == 406
    with pytest.raises(ApiError) as exc:
        refuse_unsupported_body("application/cbor")  # client-go retries CBOR as JSON on 415 (never protobuf)
    assert exc.value.code == 415
    refuse_unsupported_body("application/json")
    refuse_unsupported_body("application/strategic-merge-patch+json")


@pytest.mark.parametrize("subsets, text", [
    ([], "<none>"),
    ([{"notReadyAddresses": [{"ip": "10.0.0.1"}], "ports": [{"port": 80}]}], "<none>"),
    ([{"addresses": [{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}], "ports": [{"port": 80}]}], "10.0.0.1:80,10.0.0.2:80"),
    ([{"addresses": [{"ip": f"10.0.0.{i}"} for i in range(5)], "ports": [{"port": 80}]}],
     "10.0.0.0:80,10.0.0.1:80,10.0.0.2:80 + 2 more..."),
    ([{"addresses": [{"ip": "10.0.0.1"}]}], "10.0.0.1"),
])
def test_endpoints_column(subsets, text):
    assert tables_extra.endpoints_text({"subsets": subsets}) == text


def test_quota_hpa_pdb_and_revision_cells():
    quota = {"status": {"hard": {"requests.cpu": "3", "limits.memory": "8Gi", "pods": "30"},
                        "used": {"requests.cpu": "2900m", "pods": "15"}}}
    assert tables_extra.quota_columns(quota) == ("pods: 15/30, requests.cpu: 2900m/3", "limits.memory: 0/8Gi")
    hpa = {"spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "maxReplicas": 5, "metrics": [
        {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}},
        {"type": "Resource", "resource": {"name": "memory", "target": {"type": "AverageValue", "averageValue": "1Gi"}}}]},
        "status": {"currentReplicas": 2, "currentMetrics": [
            {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 45}}}]}}
    assert tables_extra.hpa_targets(hpa) == "cpu: 45%/80%, memory: <unknown>/1Gi"
    table = build_table(by_kind("HorizontalPodAutoscaler"), [{"metadata": {"name": "web"}, **hpa}], NOW,
                        include_object="None", list_meta=None)
    assert table["rows"][0]["cells"][:6] == ["web", "Deployment/web", "cpu: 45%/80%, memory: <unknown>/1Gi", 1, 5, 2]
    pdb = build_table(by_kind("PodDisruptionBudget"), [{"metadata": {"name": "b"}, "spec": {"minAvailable": 1},
                                                        "status": {"disruptionsAllowed": 0}}], NOW,
                      include_object="None", list_meta=None)
    assert pdb["rows"][0]["cells"][:4] == ["b", "1", "N/A", 0]
    revision = {"metadata": {"name": "db-1", "ownerReferences": [
        {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "db", "controller": True}]}, "revision": 3}
    cells = build_table(by_kind("ControllerRevision"), [revision], NOW, include_object="None",
                        list_meta=None)["rows"][0]["cells"]
    assert cells[:3] == ["db-1", "statefulset.apps/db", 3]
