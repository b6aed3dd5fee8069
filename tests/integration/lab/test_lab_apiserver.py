"""The lab's Kubernetes API emulator, driven only through the official `kubernetes` client and
a kubeconfig, exactly as the Kubernetes MCP server will drive it."""

from __future__ import annotations

import json
import os
import stat
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from kubernetes import client, config
from kubernetes.client import ApiException

from sre_agent.lab.kube.apiserver import KubeApiServer
from sre_agent.lab.kube.errors import ApiError
from sre_agent.lab.kube.kubeconfig import write_kubeconfig
from sre_agent.lab.kube.store import ObjectStore

T0 = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


@dataclass
class FakeWorld:
    """Records what the server hands the world; derives nothing."""

    syncs: int = 0
    writes: list[tuple[str, str | None, str]] = field(default_factory=list)
    log_calls: list[dict] = field(default_factory=list)
    fail_sync: bool = False
    fail_after_write: bool = False

    def sync(self) -> None:
        self.syncs += 1
        if self.fail_sync:
            raise RuntimeError("world exploded")

    def after_write(self, obj: dict) -> None:
        self.writes.append((obj["kind"], obj["metadata"].get("namespace"), obj["metadata"]["name"]))
        if self.fail_after_write:
            raise RuntimeError("controller exploded")

    def pod_log(self, namespace, name, container, previous, tail_lines, since_seconds, timestamps) -> str:
        self.log_calls.append(dict(namespace=namespace, name=name, container=container, previous=previous,
                                   tail_lines=tail_lines, since_seconds=since_seconds, timestamps=timestamps))
        if name == "never-ran" and previous:
            raise ApiError(400, "BadRequest", f'previous terminated container "{container}" in pod "{name}" not found')
        return f"{container} line 1\n{container} line 2\n"

    def pod_metrics(self, namespace):
        items = [
            {"metadata": {"name": "web-1", "namespace": "shop", "labels": {"app": "web"}},
             "timestamp": "2025-01-01T12:00:00Z", "window": "30s",
             "containers": [{"name": "app", "usage": {"cpu": "250m", "memory": "100Mi"}}]},
            {"metadata": {"name": "db-0", "namespace": "data", "labels": {"app": "db"}},
             "timestamp": "2025-01-01T12:00:00Z", "window": "30s",
             "containers": [{"name": "pg", "usage": {"cpu": "1", "memory": "1Gi"}}]},
        ]
        return [i for i in items if namespace in (None, i["metadata"]["namespace"])]

    def node_metrics(self):
        return [{"metadata": {"name": "node-1"}, "timestamp": "2025-01-01T12:00:00Z", "window": "30s",
                 "usage": {"cpu": "2", "memory": "4Gi"}}]


def _client(kubeconfig) -> client.ApiClient:
    cfg = client.Configuration()
    config.load_kube_config(config_file=str(kubeconfig), client_configuration=cfg)  # no global state
    return client.ApiClient(cfg)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    clock = [T0]
    store = ObjectStore(lambda: clock[0], seed=7)
    store.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}})
    world = FakeWorld()
    server = KubeApiServer(store, world).start()
    kubeconfig = write_kubeconfig(tmp_path_factory.mktemp("kube") / "config", server.url)
    api = _client(kubeconfig)
    yield SimpleNamespace(
        store=store, world=world, server=server, clock=clock, kubeconfig=kubeconfig, api=api,
        core=client.CoreV1Api(api), apps=client.AppsV1Api(api), batch=client.BatchV1Api(api),
        networking=client.NetworkingV1Api(api), storage=client.StorageV1Api(api),
        autoscaling=client.AutoscalingV2Api(api), policy=client.PolicyV1Api(api),
        custom=client.CustomObjectsApi(api),
    )
    api.close()
    server.stop()


_namespaces = iter(range(10_000))


@pytest.fixture
def ns(lab) -> str:
    """A fresh namespace per test, so tests do not see each other's objects."""
    name = f"t{next(_namespaces)}"
    lab.core.create_namespace({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    return name


def status_of(exc: ApiException) -> dict:
    return json.loads(exc.body)


def pod(name, labels=None, node=None, containers=("app",), **meta):
    spec = {"containers": [{"name": c, "image": f"{c}:1"} for c in containers]}
    if node:
        spec["nodeName"] = node
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": labels or {}, **meta},
            "spec": spec}


def deployment(name, replicas=2, image="web:1"):
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "labels": {"app": name}},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [
                         {"name": "app", "image": image, "resources": {"limits": {"memory": "128Mi"}}},
                         {"name": "proxy", "image": "envoy:1"}]}}}}


# --- discovery and config ----------------------------------------------------------------------


def test_discovery_and_kubeconfig(lab):
    assert client.VersionApi(lab.api).get_code().major == "1"
    core = {r.name: r for r in lab.core.get_api_resources().resources}
    assert core["pods"].namespaced and core["pods"].kind == "Pod" and "pods/log" in core
    assert not core["nodes"].namespaced and "po" in core["pods"].short_names
    apps = {r.name for r in lab.apps.get_api_resources().resources}
    assert {"deployments", "deployments/scale", "statefulsets/scale", "replicasets", "controllerrevisions"} <= apps
    groups = {g.name for g in client.ApisApi(lab.api).get_api_versions().groups}
    assert {"apps", "batch", "networking.k8s.io", "storage.k8s.io", "autoscaling", "policy", "metrics.k8s.io"} <= groups
    assert stat.S_IMODE(os.stat(lab.kubeconfig).st_mode) == 0o600


# --- CRUD across kinds (table) -----------------------------------------------------------------


def _meta(name):
    return {"name": name, "labels": {"suite": "crud"}}


KIND_CASES = [
    ("core", "config_map", True, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": _meta("cfg"),
                                  "data": {"LOG_LEVEL": "info"}}, lambda o: o.data == {"LOG_LEVEL": "info"}),
    ("core", "secret", True, {"apiVersion": "v1", "kind": "Secret", "metadata": _meta("creds"),
                              "stringData": {"password": "hunter2"}},
     lambda o: o.data == {"password": "aHVudGVyMg=="} and o.type == "Opaque"),
    ("core", "service", True, {"apiVersion": "v1", "kind": "Service", "metadata": _meta("web"),
                               "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}},
     lambda o: o.spec.cluster_ip.startswith("10.96.") and o.spec.ports[0].target_port == 80),
    ("core", "endpoints", True, {"apiVersion": "v1", "kind": "Endpoints", "metadata": _meta("web"),
                                 "subsets": [{"addresses": [{"ip": "10.244.0.5"}], "ports": [{"port": 8080}]}]},
     lambda o: o.subsets[0].addresses[0].ip == "10.244.0.5"),
    ("core", "persistent_volume_claim", True, {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                                               "metadata": _meta("data"), "spec": {
                                                   "accessModes": ["ReadWriteOnce"], "storageClassName": "fast",
                                                   "resources": {"requests": {"storage": "1Gi"}}}},
     lambda o: o.spec.resources.requests["storage"] == "1Gi"),
    ("core", "resource_quota", True, {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": _meta("quota"),
                                      "spec": {"hard": {"pods": "10", "limits.cpu": "4500m"}}},
     lambda o: o.spec.hard == {"pods": "10", "limits.cpu": "4500m"}),
    ("core", "service_account", True, {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": _meta("robot")},
     lambda o: o.metadata.name == "robot"),
    ("core", "limit_range", True, {"apiVersion": "v1", "kind": "LimitRange", "metadata": _meta("limits"),
                                   "spec": {"limits": [{"type": "Container", "default": {"memory": "256Mi"}}]}},
     lambda o: o.spec.limits[0].default == {"memory": "256Mi"}),
    ("core", "event", True, {"apiVersion": "v1", "kind": "Event", "metadata": _meta("web.1"),
                             "involvedObject": {"kind": "Pod", "name": "web", "namespace": "x"},
                             "reason": "BackOff", "type": "Warning", "message": "Back-off restarting"},
     lambda o: o.reason == "BackOff"),
    ("core", "node", False, {"apiVersion": "v1", "kind": "Node", "metadata": _meta("crud-node"),
                             "status": {"capacity": {"cpu": "4", "memory": "16Gi"}}},
     lambda o: o.status.capacity == {"cpu": "4", "memory": "16Gi"}),
    ("core", "persistent_volume", False, {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": _meta("pv-1"),
                                          "spec": {"capacity": {"storage": "10Gi"}, "accessModes": ["ReadWriteOnce"],
                                                   "hostPath": {"path": "/data"}}},
     lambda o: o.spec.capacity == {"storage": "10Gi"}),
    ("apps", "stateful_set", True, {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": _meta("db"),
                                    "spec": {"serviceName": "db", "selector": {"matchLabels": {"app": "db"}},
                                             "template": {"metadata": {"labels": {"app": "db"}},
                                                          "spec": {"containers": [{"name": "pg", "image": "pg:16"}]}}}},
     lambda o: o.spec.replicas == 1 and o.spec.update_strategy.type == "RollingUpdate"),
    ("apps", "daemon_set", True, {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": _meta("agent"),
                                  "spec": {"selector": {"matchLabels": {"app": "agent"}},
                                           "template": {"metadata": {"labels": {"app": "agent"}},
                                                        "spec": {"containers": [{"name": "a", "image": "agent:1"}]}}}},
     lambda o: o.spec.template.spec.restart_policy == "Always"),
    ("apps", "replica_set", True, {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": _meta("web-abc"),
                                   "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                                            "template": {"metadata": {"labels": {"app": "web"}},
                                                         "spec": {"containers": [{"name": "a", "image": "web:1"}]}}}},
     lambda o: o.spec.replicas == 3),
    ("apps", "controller_revision", True, {"apiVersion": "apps/v1", "kind": "ControllerRevision",
                                           "metadata": _meta("db-1"), "revision": 1, "data": {"spec": {}}},
     lambda o: o.revision == 1),
    ("batch", "job", True, {"apiVersion": "batch/v1", "kind": "Job", "metadata": _meta("migrate"),
                            "spec": {"template": {"spec": {"restartPolicy": "Never",
                                                           "containers": [{"name": "m", "image": "migrate:1"}]}}}},
     lambda o: o.spec.backoff_limit == 6 and o.spec.completions == 1),
    ("batch", "cron_job", True, {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": _meta("nightly"),
                                 "spec": {"schedule": "0 3 * * *", "jobTemplate": {"spec": {"template": {"spec": {
                                     "restartPolicy": "OnFailure", "containers": [{"name": "b", "image": "b:1"}]}}}}}},
     lambda o: o.spec.concurrency_policy == "Allow"),
    ("networking", "ingress", True, {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": _meta("web"),
                                     "spec": {"rules": [{"host": "shop.example.com"}]}},
     lambda o: o.spec.rules[0].host == "shop.example.com"),
    ("networking", "network_policy", True, {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                                            "metadata": _meta("deny"), "spec": {"podSelector": {}}},
     lambda o: o.spec.pod_selector is not None),
    ("storage", "storage_class", False, {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
                                         "metadata": _meta("fast"), "provisioner": "lab/hostpath"},
     lambda o: o.provisioner == "lab/hostpath"),
    ("autoscaling", "horizontal_pod_autoscaler", True, {
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": _meta("web"),
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                 "minReplicas": 2, "maxReplicas": 10, "metrics": [{"type": "Resource", "resource": {
                     "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}]}},
     lambda o: o.spec.max_replicas == 10),
    ("policy", "pod_disruption_budget", True, {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                                               "metadata": _meta("web"), "spec": {
                                                   "minAvailable": 1, "selector": {"matchLabels": {"app": "web"}}}},
     lambda o: o.spec.min_available == 1),
]


@pytest.mark.parametrize("api_name,resource,namespaced,body,check", KIND_CASES, ids=[c[1] for c in KIND_CASES])
def test_crud_across_kinds(lab, ns, api_name, resource, namespaced, body, check):
    api = getattr(lab, api_name)
    scope = "namespaced_" if namespaced else ""
    where = (ns,) if namespaced else ()
    name = body["metadata"]["name"]

    created = getattr(api, f"create_{scope}{resource}")(*where, json.loads(json.dumps(body)))
    assert created.metadata.uid and created.metadata.resource_version
    assert created.metadata.creation_timestamp == T0
    assert check(created)
    fetched = getattr(api, f"read_{scope}{resource}")(name, *where)
    assert check(fetched) and fetched.metadata.uid == created.metadata.uid
    listed = getattr(api, f"list_{scope}{resource}")(*where, label_selector="suite=crud")
    assert name in [item.metadata.name for item in listed.items]

    patched = getattr(api, f"patch_{scope}{resource}")(name, *where, {"metadata": {"labels": {"patched": "yes"}}})
    assert patched.metadata.labels == {"suite": "crud", "patched": "yes"}
    assert int(patched.metadata.resource_version) > int(created.metadata.resource_version)
    patched.metadata.annotations = {"replaced": "true"}
    replaced = getattr(api, f"replace_{scope}{resource}")(name, *where, patched)
    assert replaced.metadata.annotations == {"replaced": "true"} and check(replaced)

    getattr(api, f"delete_{scope}{resource}")(name, *where)
    with pytest.raises(ApiException) as info:
        getattr(api, f"read_{scope}{resource}")(name, *where)
    assert info.value.status == 404


# --- deployments: the remediation verbs --------------------------------------------------------


def test_set_image_resources_and_restart_are_strategic_patches(lab, ns):
    lab.apps.create_namespaced_deployment(ns, deployment("web"))

    d = lab.apps.patch_namespaced_deployment("web", ns, {"spec": {"template": {"spec": {"containers": [
        {"name": "app", "image": "web:2"}]}}}})  # kubectl set image deployment/web app=web:2
    assert [c.image for c in d.spec.template.spec.containers] == ["web:2", "envoy:1"]
    assert d.spec.template.spec.containers[0].resources.limits == {"memory": "128Mi"}
    assert d.metadata.generation == 2

    d = lab.apps.patch_namespaced_deployment("web", ns, {"spec": {"template": {"spec": {"containers": [
        {"name": "app", "resources": {"limits": {"memory": "512Mi"}, "requests": {"cpu": "250m"}}}]}}}})
    assert d.spec.template.spec.containers[0].resources.limits == {"memory": "512Mi"}
    assert d.spec.template.spec.containers[0].resources.requests == {"cpu": "250m"}
    assert d.spec.template.spec.containers[0].image == "web:2" and d.metadata.generation == 3

    d = lab.apps.patch_namespaced_deployment("web", ns, {"spec": {"template": {"metadata": {"annotations": {
        "kubectl.kubernetes.io/restartedAt": "2025-01-01T12:00:00Z"}}}}})
    assert d.spec.template.metadata.annotations == {"kubectl.kubernetes.io/restartedAt": "2025-01-01T12:00:00Z"}
    assert d.spec.template.metadata.labels == {"app": "web"} and d.metadata.generation == 4

    d = lab.apps.patch_namespaced_deployment("web", ns, {"metadata": {"annotations": {"owner": "sre"}}})
    assert d.metadata.generation == 4  # metadata-only changes leave generation alone


def test_merge_patch_and_json_patch_rollout_undo(lab, ns):
    lab.apps.create_namespaced_deployment(ns, deployment("web", image="web:1"))
    old_template = lab.api.sanitize_for_serialization(lab.apps.read_namespaced_deployment("web", ns).spec.template)
    lab.apps.patch_namespaced_deployment("web", ns, {"spec": {"template": {"spec": {"containers": [
        {"name": "app", "image": "web:bad"}]}}}})

    # a merge patch replaces lists wholesale
    d = lab.apps.patch_namespaced_deployment("web", ns, {"spec": {"replicas": 5, "paused": None}},
                                             _content_type="application/merge-patch+json")
    assert d.spec.replicas == 5 and len(d.spec.template.spec.containers) == 2

    # kubectl rollout undo: a JSON patch putting the previous ReplicaSet's template back
    d = lab.apps.patch_namespaced_deployment("web", ns, [
        {"op": "test", "path": "/spec/template/spec/containers/0/image", "value": "web:bad"},
        {"op": "replace", "path": "/spec/template", "value": old_template},
    ])
    assert d.spec.template.spec.containers[0].image == "web:1"

    with pytest.raises(ApiException) as info:  # a failing test op is 422 and changes nothing
        lab.apps.patch_namespaced_deployment("web", ns, [
            {"op": "test", "path": "/spec/replicas", "value": 99}, {"op": "replace", "path": "/spec/replicas", "value": 0}])
    assert info.value.status == 422 and status_of(info.value)["reason"] == "Invalid"
    assert lab.apps.read_namespaced_deployment("web", ns).spec.replicas == 5


def test_replace_with_stale_resource_version_conflicts(lab, ns):
    first = lab.apps.create_namespaced_deployment(ns, deployment("web"))
    lab.apps.patch_namespaced_deployment("web", ns, {"spec": {"replicas": 3}})
    first.spec.replicas = 7
    with pytest.raises(ApiException) as info:
        lab.apps.replace_namespaced_deployment("web", ns, first)
    body = status_of(info.value)
    assert info.value.status == 409 and body["reason"] == "Conflict"
    assert "the object has been modified" in body["message"]


def test_scale_subresource(lab, ns):
    lab.apps.create_namespaced_deployment(ns, deployment("web", replicas=2))
    scale = lab.apps.read_namespaced_deployment_scale("web", ns)
    assert scale.kind == "Scale" and scale.spec.replicas == 2 and scale.status.selector == "app=web"

    scale = lab.apps.patch_namespaced_deployment_scale("web", ns, {"spec": {"replicas": 5}})
    assert scale.spec.replicas == 5
    assert lab.apps.read_namespaced_deployment("web", ns).spec.replicas == 5

    scale.spec.replicas = 0
    assert lab.apps.replace_namespaced_deployment_scale("web", ns, scale).spec.replicas == 0

    with pytest.raises(ApiException) as info:
        lab.apps.patch_namespaced_deployment_scale("web", ns, {"spec": {"replicas": -1}})
    assert info.value.status == 422

    lab.apps.create_namespaced_stateful_set(ns, {
        "apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db"},
        "spec": {"serviceName": "db", "selector": {"matchLabels": {"app": "db"}}, "template": {
            "metadata": {"labels": {"app": "db"}}, "spec": {"containers": [{"name": "pg", "image": "pg"}]}}}})
    assert lab.apps.patch_namespaced_stateful_set_scale("db", ns, {"spec": {"replicas": 3}}).spec.replicas == 3
    assert lab.apps.read_namespaced_stateful_set("db", ns).spec.replicas == 3

    rs = deployment("web-123", replicas=1) | {"kind": "ReplicaSet"}
    lab.apps.create_namespaced_replica_set(ns, rs)
    assert lab.apps.read_namespaced_replica_set_scale("web-123", ns).spec.replicas == 1


def test_status_subresource_is_separate_from_spec(lab, ns):
    lab.apps.create_namespaced_deployment(ns, deployment("web"))
    d = lab.apps.patch_namespaced_deployment_status("web", ns, {"status": {"replicas": 2, "readyReplicas": 1}})
    assert d.status.ready_replicas == 1
    d = lab.apps.patch_namespaced_deployment("web", ns, {"status": {"readyReplicas": 99}, "spec": {"replicas": 3}})
    assert d.status.ready_replicas == 1 and d.spec.replicas == 3  # spec writes cannot touch status
    d.status.ready_replicas = 2
    assert lab.apps.replace_namespaced_deployment_status("web", ns, d).status.ready_replicas == 2
    assert lab.apps.read_namespaced_deployment_status("web", ns).spec.replicas == 3


def test_pod_spec_is_immutable_except_image(lab, ns):
    lab.core.create_namespaced_pod(ns, pod("web-1"))
    p = lab.core.patch_namespaced_pod("web-1", ns, {"spec": {"containers": [{"name": "app", "image": "app:2"}]}})
    assert p.spec.containers[0].image == "app:2"
    with pytest.raises(ApiException) as info:
        lab.core.patch_namespaced_pod("web-1", ns, {"spec": {"containers": [
            {"name": "app", "resources": {"limits": {"memory": "1Gi"}}}]}})
    body = status_of(info.value)
    assert info.value.status == 422 and body["details"]["causes"][0]["field"] == "spec"
    assert "pod updates may not change fields" in body["message"]


# --- selectors and lists -----------------------------------------------------------------------


def test_label_field_selectors_and_all_namespace_lists(lab, ns):
    other = f"{ns}-b"
    lab.core.create_namespace({"metadata": {"name": other}})
    lab.core.create_namespaced_pod(ns, pod("web-1", {"app": "web", "tier": "frontend"}, node="node-1"))
    lab.core.create_namespaced_pod(ns, pod("api-1", {"app": "api", "tier": "backend"}, node="node-2"))
    lab.core.create_namespaced_pod(other, pod("web-2", {"app": "web", "tier": "frontend", "canary": "true"}))
    lab.core.patch_namespaced_pod_status("web-1", ns, {"status": {"phase": "Running"}})
    lab.core.patch_namespaced_pod_status("api-1", ns, {"status": {"phase": "Pending"}})

    def names(result):
        return sorted(p.metadata.name for p in result.items)

    assert names(lab.core.list_namespaced_pod(ns, label_selector="app=web")) == ["web-1"]
    assert names(lab.core.list_namespaced_pod(ns, label_selector="tier in (frontend,backend),app!=api")) == ["web-1"]
    assert names(lab.core.list_pod_for_all_namespaces(label_selector="app=web,!canary")) == ["web-1"]
    assert names(lab.core.list_pod_for_all_namespaces(label_selector="app=web")) == ["web-1", "web-2"]
    assert names(lab.core.list_namespaced_pod(ns, field_selector="spec.nodeName=node-2")) == ["api-1"]
    assert names(lab.core.list_namespaced_pod(ns, field_selector="status.phase!=Running")) == ["api-1"]
    assert names(lab.core.list_pod_for_all_namespaces(field_selector=f"metadata.namespace={other}")) == ["web-2"]
    assert names(lab.core.list_pod_for_all_namespaces(field_selector=f"spec.nodeName=,metadata.namespace={other}")) == ["web-2"]

    for i, (kind, target) in enumerate([("Pod", "web-1"), ("Pod", "api-1"), ("Deployment", "web")]):
        lab.core.create_namespaced_event(ns, {"metadata": {"name": f"ev-{i}"}, "type": "Warning", "reason": "BackOff",
                                              "involvedObject": {"kind": kind, "name": target, "namespace": ns}})
    events = lab.core.list_namespaced_event(ns, field_selector="involvedObject.kind=Pod,involvedObject.name=web-1")
    assert [e.metadata.name for e in events.items] == ["ev-0"]
    events = lab.core.list_event_for_all_namespaces(field_selector=f"involvedObject.namespace={ns},type=Warning")
    assert len(events.items) == 3

    with pytest.raises(ApiException) as info:
        lab.core.list_namespaced_pod(ns, label_selector="app in (web")
    assert info.value.status == 400 and "label selector" in status_of(info.value)["message"]


def test_list_paging_and_delete_collection(lab, ns):
    for i in range(5):
        lab.core.create_namespaced_config_map(ns, {"metadata": {"name": f"cm-{i}", "labels": {"n": str(i % 2)}}})
    first = lab.core.list_namespaced_config_map(ns, limit=2)
    assert [c.metadata.name for c in first.items] == ["cm-0", "cm-1"]
    assert first.metadata.remaining_item_count == 3 and first.metadata._continue
    rest = lab.core.list_namespaced_config_map(ns, limit=10, _continue=first.metadata._continue)
    assert [c.metadata.name for c in rest.items] == ["cm-2", "cm-3", "cm-4"] and not rest.metadata._continue

    lab.core.delete_collection_namespaced_config_map(ns, label_selector="n=0")
    assert [c.metadata.name for c in lab.core.list_namespaced_config_map(ns).items] == ["cm-1", "cm-3"]


# --- errors come back as Kubernetes Status objects ---------------------------------------------


def test_error_statuses(lab, ns):
    with pytest.raises(ApiException) as info:
        lab.core.read_namespaced_pod("nope", ns)
    body = status_of(info.value)
    assert (info.value.status, body["kind"], body["reason"]) == (404, "Status", "NotFound")
    assert body["message"] == 'pods "nope" not found'

    lab.core.create_namespaced_config_map(ns, {"metadata": {"name": "dup"}})
    with pytest.raises(ApiException) as info:
        lab.core.create_namespaced_config_map(ns, {"metadata": {"name": "dup"}})
    assert info.value.status == 409 and status_of(info.value)["reason"] == "AlreadyExists"

    with pytest.raises(ApiException) as info:
        lab.core.create_namespaced_pod(ns, {"metadata": {}, "spec": {"containers": [{"name": "a"}]}})
    assert info.value.status == 422 and status_of(info.value)["details"]["causes"][0]["field"] == "metadata.name"

    with pytest.raises(ApiException) as info:
        lab.core.create_namespaced_pod(ns, {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "a"}]}})
    body = status_of(info.value)
    assert info.value.status == 422 and body["details"]["causes"] == [
        {"reason": "FieldValueRequired", "message": "Required value", "field": "spec.containers[0].image"}]

    bad_selector = deployment("web")
    bad_selector["spec"]["template"]["metadata"]["labels"] = {"app": "other"}
    with pytest.raises(ApiException) as info:
        lab.apps.create_namespaced_deployment(ns, bad_selector)
    assert info.value.status == 422 and "does not match template" in status_of(info.value)["message"]

    with pytest.raises(ApiException) as info:
        lab.core.create_namespaced_config_map("no-such-namespace", {"metadata": {"name": "x"}})
    assert info.value.status == 404 and status_of(info.value)["message"] == 'namespaces "no-such-namespace" not found'

    with pytest.raises(ApiException) as info:  # body name differs from URL name
        lab.core.replace_namespaced_config_map("dup", ns, {"metadata": {"name": "other"}})
    assert info.value.status == 400 and "does not match the name on the URL" in status_of(info.value)["message"]

    with pytest.raises(ApiException) as info:  # body kind differs from URL resource
        lab.core.create_namespaced_config_map(ns, {"kind": "Secret", "apiVersion": "v1", "metadata": {"name": "s"}})
    assert info.value.status == 400

    with pytest.raises(ApiException) as info:
        lab.core.patch_namespaced_config_map("dup", ns, {"data": {"a": "b"}},
                                             _content_type="application/apply-patch+yaml")
    assert info.value.status == 415 and status_of(info.value)["reason"] == "UnsupportedMediaType"

    with pytest.raises(ApiException) as info:  # a watch from a resourceVersion this server never issued
        lab.core.list_namespaced_pod(ns, watch=True, resource_version="not-a-version")
    assert info.value.status == 400 and status_of(info.value)["reason"] == "BadRequest"

    with pytest.raises(ApiException) as info:  # an API the server does not have
        lab.custom.list_namespaced_custom_object("example.com", "v1", ns, "widgets")
    assert info.value.status == 404 and status_of(info.value)["kind"] == "Status"

    # malformed JSON cannot be produced by the typed client; send it through its own HTTP pool
    raw = lab.api.rest_client.pool_manager.request(
        "POST", f"{lab.server.url}/api/v1/namespaces/{ns}/configmaps", body=b'{"metadata": {',
        headers={"Content-Type": "application/json"})
    body = json.loads(raw.data)
    assert raw.status == 400 and body["reason"] == "BadRequest" and "not valid JSON" in body["message"]


def _with_resources(obj: dict, resources: dict, template: bool = True) -> dict:
    spec = obj["spec"]["template"]["spec"] if template else obj["spec"]
    spec["containers"][0]["resources"] = resources
    return obj


TEMPLATE = "spec.template.spec.containers[0].resources"
GUARD_RAILS = [  # (what is written, the field the 422 names, words of its message)
    ("create_pod", lambda ns: _with_resources(pod("p"), {"limits": {"memory": "512MB"}}, template=False),
     "spec.containers[0].resources.limits[memory]", "quantities must match"),
    ("create_deployment", lambda ns: _with_resources(deployment("d1"), {"requests": {"cpu": "half"}}),
     f"{TEMPLATE}.requests[cpu]", "quantities must match"),
    ("create_deployment", lambda ns: _with_resources(deployment("d2"), {"requests": {"cpu": "-1"}}),
     f"{TEMPLATE}.requests[cpu]", "greater than or equal to 0"),
    ("create_deployment", lambda ns: _with_resources(deployment("d3"), {"requests": {"memory": "2Gi"},
                                                                        "limits": {"memory": "1Gi"}}),
     f"{TEMPLATE}.requests", "less than or equal to memory limit of 1Gi"),
    ("create_deployment", lambda ns: deployment("d4", replicas=20_000), "spec.replicas", "less than or equal to 10000"),
    ("create_deployment", lambda ns: deployment("d5", replicas=-1), "spec.replicas", "greater than or equal to 0"),
    ("patch_template", {"spec": {"template": {"spec": {"containers": [
        {"name": "app", "resources": {"limits": {"memory": "lots"}}}]}}}}, f"{TEMPLATE}.limits[memory]", "quantities must match"),
    ("patch_template", {"spec": {"replicas": 10_001}}, "spec.replicas", "less than or equal to 10000"),
    ("patch_scale", {"spec": {"replicas": 50_000}}, "spec.replicas", "less than or equal to 10000"),
    ("patch_json", [{"op": "replace", "path": "/spec/replicas", "value": -3}], "spec.replicas", "greater than or equal to 0"),
    # quantity maps outside containers, each read by a world controller (quota, claims, limits, scheduler)
    ("create_quota", {"metadata": {"name": "q"}, "spec": {"hard": {"requests.cpu": "lots"}}},
     "spec.hard[requests.cpu]", "quantities must match"),
    ("create_quota", {"metadata": {"name": "q"}, "spec": {"hard": {"limits.memory": "-1Gi"}}},
     "spec.hard[limits.memory]", "greater than or equal to 0"),
    ("create_claim", {"metadata": {"name": "c"}, "spec": {"accessModes": ["ReadWriteOnce"],
                                                           "resources": {"requests": {"storage": "ten"}}}},
     "spec.resources.requests[storage]", "quantities must match"),
    ("create_limit_range", {"metadata": {"name": "l"}, "spec": {"limits": [{"type": "Container", "default": {"memory": "512MB"}}]}},
     "spec.limits[0].default[memory]", "quantities must match"),
    ("patch_node_status", {"status": {"capacity": {"memory": "half"}}}, "status.capacity[memory]", "quantities must match"),
]


@pytest.mark.parametrize(("write", "body", "field", "says"), GUARD_RAILS, ids=[f"{w}-{i}" for i, (w, *_) in enumerate(GUARD_RAILS)])
def test_invalid_quantities_and_absurd_replicas_are_422_and_the_server_keeps_serving(lab, ns, write, body, field, says):
    lab.apps.create_namespaced_deployment(ns, deployment("web"))
    before = lab.apps.read_namespaced_deployment("web", ns)
    calls = {
        "create_pod": lambda: lab.core.create_namespaced_pod(ns, body(ns)),
        "create_deployment": lambda: lab.apps.create_namespaced_deployment(ns, body(ns)),
        "patch_template": lambda: lab.apps.patch_namespaced_deployment("web", ns, body),
        "patch_scale": lambda: lab.apps.patch_namespaced_deployment_scale("web", ns, body),
        "patch_json": lambda: lab.apps.patch_namespaced_deployment("web", ns, body),
        "create_quota": lambda: lab.core.create_namespaced_resource_quota(ns, body),
        "create_claim": lambda: lab.core.create_namespaced_persistent_volume_claim(ns, body),
        "create_limit_range": lambda: lab.core.create_namespaced_limit_range(ns, body),
        "patch_node_status": lambda: lab.core.patch_node_status(node, body),
    }
    node = f"node-{ns}"
    lab.core.create_node({"metadata": {"name": node}, "status": {"capacity": {"cpu": "4", "memory": "8Gi"}}})
    with pytest.raises(ApiException) as info:
        calls[write]()
    status = status_of(info.value)
    assert (info.value.status, status["kind"], status["reason"]) == (422, "Status", "Invalid")
    assert [c["field"] for c in status["details"]["causes"]] == [field] and says in status["message"]
    # nothing was stored, and every later request is still served
    after = lab.apps.read_namespaced_deployment("web", ns)
    assert after.metadata.resource_version == before.metadata.resource_version
    assert [d.metadata.name for d in lab.apps.list_namespaced_deployment(ns).items] == ["web"]
    assert lab.core.list_namespaced_pod(ns).items == []
    assert lab.core.list_namespaced_resource_quota(ns).items == [] and lab.core.list_namespaced_limit_range(ns).items == []
    assert lab.core.read_node(node).status.capacity == {"cpu": "4", "memory": "8Gi"}
    lab.core.delete_node(node)


def test_valid_quantities_and_large_replica_counts_are_accepted(lab, ns):
    ok = _with_resources(deployment("web", replicas=10_000), {"requests": {"cpu": "250m", "memory": "1e3"},
                                                              "limits": {"cpu": "1.5", "memory": "512Mi"}})
    created = lab.apps.create_namespaced_deployment(ns, ok)
    assert created.spec.replicas == 10_000 and created.spec.template.spec.containers[0].resources.limits["cpu"] == "1.5"


def test_server_survives_a_failing_world(lab, ns):
    lab.world.fail_sync = True
    try:
        with pytest.raises(ApiException) as info:
            lab.core.list_namespaced_pod(ns)
        body = status_of(info.value)
        assert info.value.status == 500 and body["reason"] == "InternalError" and "world exploded" in body["message"]
    finally:
        lab.world.fail_sync = False
    assert lab.core.list_namespaced_pod(ns).items == []


def test_a_failing_after_write_does_not_undo_the_write(lab, ns):
    lab.world.fail_after_write = True
    try:
        made = lab.core.create_namespaced_config_map(ns, {"metadata": {"name": "kept"}})
    finally:
        lab.world.fail_after_write = False
    assert lab.core.read_namespaced_config_map("kept", ns).metadata.uid == made.metadata.uid


def test_a_world_with_its_own_lock_cannot_deadlock_the_server(tmp_path):
    """The world takes its lock, then the store's; another thread syncs it while clients write.
    The server must never hold the store lock while calling into the world."""
    store = ObjectStore(lambda: T0)
    store.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}})

    class LockingWorld(FakeWorld):
        world_lock = threading.RLock()

        def sync(self) -> None:
            with self.world_lock, store.lock:
                time.sleep(0.0005)

        def after_write(self, obj: dict) -> None:
            self.sync()

    world, stop = LockingWorld(), threading.Event()
    ticker = threading.Thread(target=lambda: [world.sync() for _ in iter(stop.is_set, True)], daemon=True)
    with KubeApiServer(store, world) as server:
        api = _client(write_kubeconfig(tmp_path / "config", server.url))
        api.configuration.retries = 0
        core = client.CoreV1Api(api)
        ticker.start()
        try:
            for i in range(25):
                core.create_namespaced_config_map("default", {"metadata": {"name": f"cm-{i}"}},
                                                  _request_timeout=10)
                core.list_namespaced_config_map("default", _request_timeout=10)
        finally:
            stop.set()
            ticker.join(timeout=5)
            api.close()
    assert len(store.list("ConfigMap")) == 25


# --- dry run, hooks, logs, metrics, eviction, cascades -----------------------------------------


def test_dry_run_stores_nothing_and_skips_hooks(lab, ns):
    writes = len(lab.world.writes)
    made = lab.core.create_namespaced_config_map(ns, {"metadata": {"name": "dry"}, "data": {"a": "1"}}, dry_run="All")
    assert made.metadata.name == "dry" and made.metadata.uid
    with pytest.raises(ApiException):
        lab.core.read_namespaced_config_map("dry", ns)

    lab.apps.create_namespaced_deployment(ns, deployment("web", replicas=2))
    before = lab.apps.read_namespaced_deployment("web", ns)
    preview = lab.apps.patch_namespaced_deployment("web", ns, {"spec": {"replicas": 9}}, dry_run="All")
    assert preview.spec.replicas == 9 and preview.metadata.generation == 2
    assert lab.apps.patch_namespaced_deployment_scale("web", ns, {"spec": {"replicas": 7}}, dry_run="All").spec.replicas == 7
    lab.apps.delete_namespaced_deployment("web", ns, dry_run="All")
    after = lab.apps.read_namespaced_deployment("web", ns)
    assert (after.spec.replicas, after.metadata.resource_version) == (2, before.metadata.resource_version)
    assert lab.world.writes[writes:] == [("Deployment", ns, "web")]  # only the real create

    with pytest.raises(ApiException) as info:
        lab.core.create_namespaced_config_map(ns, {"metadata": {"name": "x"}}, dry_run="Some")
    assert info.value.status == 400


def test_world_hooks_see_syncs_and_writes(lab, ns):
    syncs = lab.world.syncs
    lab.core.create_namespaced_pod(ns, pod("hooked"))
    lab.core.patch_namespaced_pod("hooked", ns, {"metadata": {"labels": {"a": "b"}}})
    lab.core.delete_namespaced_pod("hooked", ns)
    assert lab.world.writes[-3:] == [("Pod", ns, "hooked")] * 3
    assert lab.world.syncs >= syncs + 3


def test_pod_logs_reach_the_world(lab, ns):
    lab.core.create_namespaced_pod(ns, pod("solo"))
    assert lab.core.read_namespaced_pod_log("solo", ns) == "app line 1\napp line 2\n"
    assert lab.world.log_calls[-1] == dict(namespace=ns, name="solo", container="app", previous=False,
                                           tail_lines=None, since_seconds=None, timestamps=False)

    lab.core.create_namespaced_pod(ns, pod("duo", containers=("app", "sidecar")))
    with pytest.raises(ApiException) as info:
        lab.core.read_namespaced_pod_log("duo", ns)
    assert info.value.status == 400
    assert status_of(info.value)["message"] == \
        "a container name must be specified for pod duo, choose one of: [app sidecar]"

    text = lab.core.read_namespaced_pod_log("duo", ns, container="sidecar", previous=True, tail_lines=5,
                                            since_seconds=60, timestamps=True, limit_bytes=7)
    assert text == "sidecar"
    assert lab.world.log_calls[-1] == dict(namespace=ns, name="duo", container="sidecar", previous=True,
                                           tail_lines=5, since_seconds=60, timestamps=True)

    lab.core.create_namespaced_pod(ns, pod("picked", containers=("app", "sidecar"),
                                           annotations={"kubectl.kubernetes.io/default-container": "sidecar"}))
    assert lab.core.read_namespaced_pod_log("picked", ns).startswith("sidecar")

    with pytest.raises(ApiException) as info:
        lab.core.read_namespaced_pod_log("duo", ns, container="nope")
    assert info.value.status == 400 and "not valid for pod duo" in status_of(info.value)["message"]
    with pytest.raises(ApiException) as info:
        lab.core.read_namespaced_pod_log("ghost", ns)
    assert info.value.status == 404
    lab.core.create_namespaced_pod(ns, pod("never-ran"))
    with pytest.raises(ApiException) as info:  # the world's own ApiError is passed through
        lab.core.read_namespaced_pod_log("never-ran", ns, previous=True)
    assert info.value.status == 400 and "previous terminated container" in status_of(info.value)["message"]


def test_metrics_api_serves_world_metrics(lab):
    pods = lab.custom.list_cluster_custom_object("metrics.k8s.io", "v1beta1", "pods")
    assert pods["kind"] == "PodMetricsList" and [p["metadata"]["name"] for p in pods["items"]] == ["db-0", "web-1"]
    assert pods["items"][0]["kind"] == "PodMetrics"
    shop = lab.custom.list_namespaced_custom_object("metrics.k8s.io", "v1beta1", "shop", "pods", label_selector="app=web")
    assert [p["containers"][0]["usage"]["cpu"] for p in shop["items"]] == ["250m"]
    one = lab.custom.get_namespaced_custom_object("metrics.k8s.io", "v1beta1", "shop", "pods", "web-1")
    assert one["metadata"]["name"] == "web-1"
    nodes = lab.custom.list_cluster_custom_object("metrics.k8s.io", "v1beta1", "nodes")
    assert nodes["items"][0]["usage"] == {"cpu": "2", "memory": "4Gi"}
    with pytest.raises(ApiException) as info:
        lab.custom.get_namespaced_custom_object("metrics.k8s.io", "v1beta1", "shop", "pods", "gone")
    assert info.value.status == 404


def test_eviction_deletes_unless_a_budget_forbids(lab, ns):
    lab.core.create_namespaced_pod(ns, pod("web-1", {"app": "web"}))
    lab.core.create_namespaced_pod(ns, pod("web-2", {"app": "web"}))
    lab.core.create_namespaced_pod_eviction("web-1", ns, {"apiVersion": "policy/v1", "kind": "Eviction",
                                                          "metadata": {"name": "web-1", "namespace": ns}})
    with pytest.raises(ApiException):
        lab.core.read_namespaced_pod("web-1", ns)

    lab.policy.create_namespaced_pod_disruption_budget(ns, {"metadata": {"name": "web"}, "spec": {
        "minAvailable": 1, "selector": {"matchLabels": {"app": "web"}}}})
    lab.policy.patch_namespaced_pod_disruption_budget_status("web", ns, {"status": {
        "disruptionsAllowed": 0, "currentHealthy": 1, "desiredHealthy": 1, "expectedPods": 1, "observedGeneration": 1}})
    with pytest.raises(ApiException) as info:
        lab.core.create_namespaced_pod_eviction("web-2", ns, {"metadata": {"name": "web-2"}})
    assert info.value.status == 429 and "disruption budget" in status_of(info.value)["message"]


def test_deletes_cascade_to_dependents_and_namespace_contents(lab, ns):
    d = lab.apps.create_namespaced_deployment(ns, deployment("web"))
    owner = {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": d.metadata.uid, "controller": True}
    rs = deployment("web-abc") | {"kind": "ReplicaSet"}
    rs["metadata"]["ownerReferences"] = [owner]
    rs = lab.apps.create_namespaced_replica_set(ns, rs)
    rs_owner = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-abc", "uid": rs.metadata.uid}
    lab.core.create_namespaced_pod(ns, pod("web-abc-1", ownerReferences=[rs_owner]))
    lab.core.create_namespaced_pod(ns, pod("loner"))

    lab.apps.delete_namespaced_deployment("web", ns)
    assert lab.apps.list_namespaced_replica_set(ns).items == []
    assert [p.metadata.name for p in lab.core.list_namespaced_pod(ns).items] == ["loner"]

    lab.core.delete_namespace(ns)
    with pytest.raises(ApiException):
        lab.core.read_namespaced_pod("loner", ns)
    assert lab.store.counts().get("Pod", 0) == len(lab.store.list("Pod"))


# --- the store API the world model codes against -----------------------------------------------


def test_store_semantics_for_the_world_model():
    now = [T0]
    store = ObjectStore(lambda: now[0])
    seen: list[tuple[str, str, str]] = []
    store.subscribe(lambda event, obj: seen.append((event, obj["kind"], obj["metadata"]["resourceVersion"])))
    store.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})
    created = store.create(pod("web-1", {"app": "web"}) | {"metadata": {"name": "web-1", "namespace": "shop",
                                                                        "labels": {"app": "web"}}})
    created["spec"]["containers"][0]["image"] = "mutated"  # callers get copies
    assert store.get("Pod", "shop", "web-1")["spec"]["containers"][0]["image"] == "app:1"

    same = store.replace(store.get("Pod", "shop", "web-1"))  # a no-op write: no version, no event
    assert same["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]
    now[0] = T0 + timedelta(minutes=1)
    with_status = store.get("Pod", "shop", "web-1")
    with_status["status"] = {"phase": "Running"}
    with_status["metadata"]["labels"] = {"ignored": "yes"}
    updated = store.update_status(with_status)
    assert updated["status"] == {"phase": "Running"} and updated["metadata"]["labels"] == {"app": "web"}
    assert updated["metadata"]["creationTimestamp"] == "2025-01-01T12:00:00Z"
    with pytest.raises(ApiError) as info:
        store.replace(created)  # stale resourceVersion
    assert info.value.code == 409
    assert store.list("Pod", label_selector={"matchLabels": {"app": "web"}})[0]["metadata"]["name"] == "web-1"
    assert store.list("Pod", field_selector="status.phase=Running", label_selector="app=web")
    assert store.counts() == {"Namespace": 1, "Pod": 1}
    store.delete("Namespace", None, "shop")
    assert store.counts() == {}
    assert [e for e, _, _ in seen] == ["ADDED", "ADDED", "MODIFIED", "DELETED", "DELETED"]
    with pytest.raises(ApiError) as info:
        store.get("Pod", "shop", "web-1")
    assert info.value.status_body()["message"] == 'pods "web-1" not found'


# --- scale -------------------------------------------------------------------------------------


def test_5000_pod_list_round_trip(tmp_path):
    """Measured, not asserted: bench/bench_lab_api.py is the benchmark of record (it also times the
    typed call, which costs seconds of client-side pydantic work and would dominate this file)."""
    store = ObjectStore(lambda: T0)
    store.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "load"}})
    for i in range(5000):
        store.create({"apiVersion": "v1", "kind": "Pod", "metadata": {
            "name": f"web-{i:04d}", "namespace": "load", "labels": {"app": "web", "shard": str(i % 10)}},
            "spec": {"nodeName": f"node-{i % 200}", "containers": [{
                "name": "app", "image": "shop/web:1.4.2", "resources": {"limits": {"memory": "256Mi", "cpu": "500m"}},
                "env": [{"name": "DB_HOST", "value": "postgres.shop.svc"}]}]},
            "status": {"phase": "Running", "podIP": f"10.244.{i // 250}.{i % 250}"}})
    with KubeApiServer(store) as server:
        api = _client(write_kubeconfig(tmp_path / "config", server.url))
        core = client.CoreV1Api(api)
        core.list_pod_for_all_namespaces(_preload_content=False).read()  # warm the connection
        started = time.perf_counter()
        body = core.list_pod_for_all_namespaces(_preload_content=False).data
        http_ms = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        items = json.loads(body)["items"]
        parse_ms = (time.perf_counter() - started) * 1000
        api.close()
    assert len(items) == 5000 and items[0]["kind"] == "Pod" and items[-1]["metadata"]["name"] == "web-4999"
    print(f"\n5000-pod list ({len(body) / 1e6:.1f} MB): HTTP round trip {http_ms:.0f} ms, client json.loads "
          f"{parse_ms:.0f} ms (typed V1PodList timings: bench/bench_lab_api.py)")


def test_watch_streams_changes_to_the_official_client(lab, ns):
    from kubernetes import watch

    listed = lab.core.list_namespaced_config_map(ns)
    lab.core.create_namespaced_config_map(ns, {"metadata": {"name": "w1", "labels": {"app": "w"}}, "data": {"a": "1"}})
    lab.core.patch_namespaced_config_map("w1", ns, {"data": {"a": "2"}})
    lab.core.create_namespaced_config_map(ns, {"metadata": {"name": "other"}})
    lab.core.delete_namespaced_config_map("w1", ns)
    seen = [(e["type"], e["object"].metadata.name, (e["object"].data or {}).get("a"))
            for e in watch.Watch().stream(lab.core.list_namespaced_config_map, ns, label_selector="app=w",
                                           resource_version=listed.metadata.resource_version, timeout_seconds=1)]
    assert seen == [("ADDED", "w1", "1"), ("MODIFIED", "w1", "2"), ("DELETED", "w1", "2")]
    now = [(e["type"], e["object"].metadata.name)
           for e in watch.Watch().stream(lab.core.list_namespaced_config_map, ns, timeout_seconds=1)]
    assert now == [("ADDED", "other")]
