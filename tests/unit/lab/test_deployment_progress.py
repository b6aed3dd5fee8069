"""A Deployment's conditions as the deployment controller writes them (deployment_status.py): the
progress deadline counts from the rollout's last progress -- a new ReplicaSet, pods turning ready --
never from the Deployment's creation; lastUpdateTime moves on progress, lastTransitionTime only
when a condition's status flips; a completed rollout keeps NewReplicaSetAvailable whatever its pods
do later; pausing and resuming; Available changes at the moment availability does."""

from __future__ import annotations

from datetime import timedelta

from sre_agent.lab.world.clock import parse_rfc3339, rfc3339
from tests.unit.lab.world_harness import TinyWorld

GOOD = "docker.io/grafana/grafana:11.2.0"
MISSING = "docker.io/grafana/grafana:99.9.9"  # a tag the registry does not have: ErrImagePull
SLOW = {"repository": "registry.example.com/slow-start", "description": "an app that takes a minute to start",
        "tags": {"1.0": {}, "2.0": {}}, "ports": [8080], "startup_seconds": 60}


def deployment(image: str, replicas: int = 2, **spec) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "lab"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}}, **spec,
                     "template": {"metadata": {"labels": {"app": "web"}},
                                  "spec": {"containers": [{"name": "web", "image": image}]}}}}


def condition(world: TinyWorld, ctype: str) -> dict:
    conditions = world.get("Deployment", "web")["status"]["conditions"]
    return next(c for c in conditions if c["type"] == ctype)


def set_image(world: TinyWorld, image: str) -> None:
    def mutate(obj):
        obj["spec"]["template"]["spec"]["containers"][0]["image"] = image
    world.patch_spec("Deployment", "web", mutate)


def test_the_deadline_counts_from_the_rollout_not_from_the_deployments_creation():
    world = TinyWorld()
    world.apply(deployment(GOOD))
    world.run(3 * 3600)  # hours of healthy history before the bad rollout
    assert condition(world, "Progressing")["reason"] == "NewReplicaSetAvailable"
    rollout = world.now
    set_image(world, MISSING)
    world.run(120)
    progressing = condition(world, "Progressing")
    assert progressing["status"] == "True" and progressing["reason"] in ("NewReplicaSetCreated", "ReplicaSetUpdated")
    assert progressing["lastUpdateTime"] == rfc3339(rollout)
    world.run(600 - 120 - 5)  # just short of the deadline: still progressing
    assert condition(world, "Progressing")["status"] == "True"
    world.run(10)
    progressing = condition(world, "Progressing")
    assert (progressing["status"], progressing["reason"]) == ("False", "ProgressDeadlineExceeded")
    timed_out = parse_rfc3339(progressing["lastTransitionTime"])
    assert progressing["lastUpdateTime"] == progressing["lastTransitionTime"]
    assert rollout + timedelta(seconds=600) < timed_out <= rollout + timedelta(seconds=602)
    # A rolling update keeps enough old pods: the Deployment stays available, since its creation.
    available = condition(world, "Available")
    assert available["status"] == "True" and parse_rfc3339(available["lastTransitionTime"]) < rollout
    world.run(3600)  # timed out is final until the rollout moves again
    assert condition(world, "Progressing")["lastTransitionTime"] == progressing["lastTransitionTime"]


def test_progress_moves_last_update_time_and_keeps_last_transition_time():
    world = TinyWorld(images=[SLOW])
    world.apply(deployment("registry.example.com/slow-start:1.0", replicas=4))
    world.run(3600)
    rollout = world.now
    set_image(world, "registry.example.com/slow-start:2.0")
    world.run(90)  # the first new pods are ready after a minute; the rollout goes on
    progressing = condition(world, "Progressing")
    assert (progressing["status"], progressing["reason"]) == ("True", "ReplicaSetUpdated")
    assert parse_rfc3339(progressing["lastUpdateTime"]) > rollout
    first_transition = progressing["lastTransitionTime"]
    world.run(600)
    done = condition(world, "Progressing")
    assert done["reason"] == "NewReplicaSetAvailable"
    assert done["lastTransitionTime"] == first_transition  # True all along: no transition
    assert parse_rfc3339(done["lastUpdateTime"]) >= parse_rfc3339(progressing["lastUpdateTime"])


def test_a_complete_rollout_keeps_new_replicaset_available_when_its_pods_fail_later():
    world = TinyWorld()
    world.apply(deployment(GOOD))
    world.run(1800)
    before = condition(world, "Progressing")
    assert before["reason"] == "NewReplicaSetAvailable"
    for node in ("node-0", "node-1"):  # every kubelet stops: the pods are no longer ready
        world.world.node_faults[node] = world.now
    world.run(1800)
    assert condition(world, "Available")["status"] == "False"  # availability is honest...
    assert condition(world, "Progressing") == before  # ...but no rollout is under way, so none times out


def test_a_scale_up_that_cannot_schedule_is_no_rollout():
    world = TinyWorld()
    manifest = deployment(GOOD)
    manifest["spec"]["template"]["spec"]["containers"][0]["resources"] = {"requests": {"cpu": "1"}}
    world.apply(manifest)
    world.run(1800)
    before = condition(world, "Progressing")

    def more(obj):
        obj["spec"]["replicas"] = 30
    world.patch_spec("Deployment", "web", more)
    world.run(1800)
    assert any(p["status"]["phase"] == "Pending" for p in world.list("Pod"))
    assert condition(world, "Progressing") == before
    assert condition(world, "Available")["status"] == "False"


def test_available_changes_at_the_moment_availability_does():
    world = TinyWorld()
    world.apply(deployment(GOOD, strategy={"type": "Recreate"}))
    world.run(3600)
    rollout = world.now
    set_image(world, MISSING)  # Recreate: the old pods go first, the new ones never start
    world.run(60)
    available = condition(world, "Available")
    assert available["status"] == "False" and available["reason"] == "MinimumReplicasUnavailable"
    assert rollout <= parse_rfc3339(available["lastTransitionTime"]) <= rollout + timedelta(seconds=60)
    assert available["lastUpdateTime"] == available["lastTransitionTime"]


def test_pausing_and_resuming():
    world = TinyWorld()
    world.apply(deployment(GOOD))
    world.run(600)

    def pause(obj):
        obj["spec"]["paused"] = True
        obj["spec"]["template"]["spec"]["containers"][0]["image"] = MISSING
    world.patch_spec("Deployment", "web", pause)
    world.run(1800)
    progressing = condition(world, "Progressing")
    assert (progressing["status"], progressing["reason"]) == ("Unknown", "DeploymentPaused")
    assert len(world.list("ReplicaSet")) == 1  # paused: no new ReplicaSet
    resumed_at = world.now

    def resume(obj):
        obj["spec"]["paused"] = False
    world.patch_spec("Deployment", "web", resume)
    world.run(300)
    progressing = condition(world, "Progressing")
    assert progressing["status"] == "True" and parse_rfc3339(progressing["lastUpdateTime"]) >= resumed_at
    world.run(400)
    assert condition(world, "Progressing")["reason"] == "ProgressDeadlineExceeded"
