"""A Deployment's conditions as the deployment controller writes them (deployment_status.py): the
progress deadline counts from the rollout's last progress -- a new ReplicaSet, pods turning ready --
never from the Deployment's creation; lastUpdateTime moves on progress, lastTransitionTime only
when a condition's status flips; a completed rollout keeps NewReplicaSetAvailable whatever its pods
do later; pausing and resuming; Available changes at the moment availability does."""

from __future__ import annotations

from datetime import timedelta

import pytest

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


def pods_by_revision(world: TinyWorld) -> tuple[int, int]:
    """(live pods of the old ReplicaSets, of the newest) -- and each ReplicaSet runs what it asks for."""
    counts = {"old": 0, "new": 0}
    sets = sorted(world.list("ReplicaSet"), key=lambda rs: int(rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]))
    for rs in sets:
        live = [p for p in world.owned("Pod", rs) if not p["metadata"].get("deletionTimestamp")]
        assert len(live) == rs["spec"]["replicas"], rs["metadata"]["name"]
        counts["new" if rs is sets[-1] else "old"] += len(live)
    return counts["old"], counts["new"]


# A new image that never starts: where the rollout stops, as the deployment controller's rolloutRolling
# takes it -- maxSurge rounds up, maxUnavailable down; old ReplicaSets go down by what availability allows
# (desired - maxUnavailable available pods), then the new one fills the surge.
@pytest.mark.parametrize(("replicas", "rolling", "stuck_at"), [
    (4, None, (3, 2)),                                        # 25 %/25 %: 1 surge, 1 unavailable
    (4, {"maxSurge": 0, "maxUnavailable": 1}, (3, 1)),        # one old pod replaced at a time
    (4, {"maxSurge": 1, "maxUnavailable": 0}, (4, 1)),        # nothing old goes before a new pod is available
    (10, None, (8, 5)),                                       # 3 surge, 2 unavailable
    (2, None, (2, 1)),                                        # 1 surge, 0 unavailable
    (4, {"maxSurge": "50%", "maxUnavailable": "50%"}, (2, 4)),
])
def test_a_broken_rollout_stops_where_the_deployment_controller_does(replicas, rolling, stuck_at):
    strategy = {"type": "RollingUpdate", **({"rollingUpdate": rolling} if rolling else {})}
    world = TinyWorld(nodes=3)
    world.apply(deployment(GOOD, replicas=replicas, strategy=strategy))
    world.run(600)
    assert pods_by_revision(world) == (0, replicas)
    set_image(world, MISSING)
    world.run(900)
    assert pods_by_revision(world) == stuck_at


def test_a_stuck_rollout_switched_to_max_surge_0_keeps_its_pods():
    """rolloutRolling with maxSurge 0 / maxUnavailable 1 over 3 old + 2 new (unavailable) pods: the
    ReplicaSets already hold 5 > 4 + 0, so the new one does not grow, and 5 - 3 - 2 = 0 old may go."""
    world = TinyWorld(nodes=3)
    world.apply(deployment(GOOD, replicas=4))
    world.run(600)
    set_image(world, MISSING)
    world.run(600)
    assert pods_by_revision(world) == (3, 2)

    def one_at_a_time(obj):
        obj["spec"]["strategy"] = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}}
    world.patch_spec("Deployment", "web", one_at_a_time)
    world.run(600)
    assert pods_by_revision(world) == (3, 2)
    set_image(world, GOOD)  # back to the old template: its ReplicaSet takes the pods back
    world.run(600)
    assert pods_by_revision(world) == (0, 4)


def test_a_max_surge_0_rollout_replaces_one_pod_at_a_time():
    world = TinyWorld(images=[SLOW], nodes=3)
    world.apply(deployment("registry.example.com/slow-start:1.0", replicas=4,
                           strategy={"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}}))
    world.run(600)
    set_image(world, "registry.example.com/slow-start:2.0")
    world.run(30)  # the first new pod is starting
    assert pods_by_revision(world) == (3, 1)
    for _ in range(20):
        world.run(15)
        assert sum(pods_by_revision(world)) <= 4
    world.run(600)
    assert pods_by_revision(world) == (0, 4)
