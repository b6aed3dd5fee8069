"""ResourceQuota admission for every pod a controller creates, Job pods included: a Job whose pod would exceed a
quota gets FailedCreate ("exceeded quota") and no pod, and its pod is made once the quota has room; a quota on
limits.cpu / limits.memory refuses a pod whose containers set no such limit ("must specify limits.cpu for: ..."),
as the quota admission plugin's pod evaluator does."""

from __future__ import annotations

from sre_agent.lab.world.controllers.quota import missing_declarations
from tests.unit.lab.world_harness import TinyWorld

BATCH = "ghcr.io/acme-shop/report-builder:2.0.0"  # exits 0 after run_seconds
SEARCH = "ghcr.io/acme-shop/search:1.12.0"


def quota(hard: dict) -> dict:
    return {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "compute", "namespace": "lab"},
            "spec": {"hard": hard}}


def job(name: str, resources: dict | None = None) -> dict:
    container = {"name": "main", "image": BATCH, **({"resources": resources} if resources else {})}
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name, "namespace": "lab"},
            "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [container]}}}}


def deployment(resources: dict | None = None) -> dict:
    container = {"name": "web", "image": SEARCH, **({"resources": resources} if resources else {})}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "lab"},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [container]}}}}


def failed_creates(world: TinyWorld, kind: str, name: str) -> list[str]:
    return [e["message"] for e in world.events("FailedCreate")
            if e["involvedObject"]["kind"] == kind and e["involvedObject"]["name"] == name]


def test_a_job_pod_over_the_pod_quota_is_refused_and_made_once_there_is_room():
    world = TinyWorld()
    world.apply(quota({"pods": "1"}))
    world.apply(deployment())
    world.run(60)
    created = world.apply(job("report"))
    world.run(90)
    assert world.owned("Pod", created) == []
    [message] = failed_creates(world, "Job", "report")
    assert message.startswith('Error creating: pods "report-') and \
        "is forbidden: exceeded quota: compute, requested: pods=1, used: pods=1, limited: pods=1" in message
    world.patch_spec("ResourceQuota", "compute", lambda q: q["spec"]["hard"].update(pods="2"))
    world.run(90)  # the controller tries again and the quota now has room
    assert len(world.owned("Pod", created)) == 1


def test_a_quota_on_limits_refuses_pods_without_limits_job_and_replicaset_alike():
    world = TinyWorld()
    world.apply(quota({"limits.cpu": "4", "limits.memory": "4Gi"}))
    world.apply(deployment())
    bare = world.apply(job("bare"))
    limited = world.apply(job("limited", {"limits": {"cpu": "500m", "memory": "512Mi"}}))
    world.run(90)
    [replicaset] = world.list("ReplicaSet")
    refusal = "is forbidden: failed quota: compute: must specify limits.cpu for: {0}; limits.memory for: {0}"
    assert all(refusal.format("web") in m for m in failed_creates(world, "ReplicaSet", replicaset["metadata"]["name"]))
    assert failed_creates(world, "ReplicaSet", replicaset["metadata"]["name"]) and world.owned("Pod", replicaset) == []
    assert failed_creates(world, "Job", "bare") and all(refusal.format("main") in m for m in failed_creates(world, "Job", "bare"))
    assert world.owned("Pod", bare) == []
    assert len(world.owned("Pod", limited)) == 1 and failed_creates(world, "Job", "limited") == []


def test_which_containers_must_declare_what():
    pod = {"spec": {"initContainers": [{"name": "migrate"}],
                    "containers": [{"name": "app", "resources": {"limits": {"cpu": "1"}}},  # requests default to limits
                                   {"name": "sidecar", "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}}}]}}
    assert missing_declarations(pod, {"requests.cpu": "4", "pods": "10"}) == "must specify requests.cpu for: migrate"
    assert missing_declarations(pod, {"limits.cpu": "4", "memory": "4Gi"}) == \
        "must specify limits.cpu for: migrate,sidecar; memory for: app,migrate"
    assert missing_declarations(pod, {"pods": "10", "services": "2"}) is None
