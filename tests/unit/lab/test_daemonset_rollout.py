"""DaemonSet updates as the daemonset controller makes them: RollingUpdate replaces pods node by
node within maxUnavailable, a pod that cannot start stalls the rollout on its node, OnDelete
replaces a pod only when someone deletes it; status counts what is really updated and available;
every template gets a ControllerRevision (what `kubectl rollout history/undo daemonset` reads)."""

from __future__ import annotations

import pytest

from tests.unit.lab.world_harness import TinyWorld

AGENT = {"repository": "example.com/node-agent", "role": "worker", "tags": {"1.0": {}, "1.1": {}}, "startup_seconds": 5}
GOOD, NEXT = "example.com/node-agent:1.0", "example.com/node-agent:1.1"
MISSING = "example.com/node-agent:9.9"  # a tag no registry has


def daemonset(image: str = GOOD, strategy: dict | None = None) -> dict:
    return {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent", "namespace": "lab"},
            "spec": {"selector": {"matchLabels": {"app": "agent"}},
                     **({"updateStrategy": strategy} if strategy else {}),
                     "template": {"metadata": {"labels": {"app": "agent"}},
                                  "spec": {"containers": [{"name": "agent", "image": image}]}}}}


def set_image(world: TinyWorld, image: str) -> None:
    world.patch_spec("DaemonSet", "agent", lambda ds: ds["spec"]["template"]["spec"]["containers"][0].update(image=image))


def images(world: TinyWorld) -> list[str]:
    return sorted(p["spec"]["containers"][0]["image"] for p in world.owned("Pod", world.get("DaemonSet", "agent")))


def counts(world: TinyWorld) -> tuple[int, int, int, int]:
    st = world.get("DaemonSet", "agent")["status"]
    return st["desiredNumberScheduled"], st["updatedNumberScheduled"], st["numberAvailable"], st["numberUnavailable"]


CASES = [  # (id, nodes, strategy, new image, seconds after the change, images then, (desired, updated, available, unavailable))
    ("rolling-default-one-at-a-time", 4, None, NEXT, 2, [GOOD] * 3 + [NEXT], (4, 1, 3, 1)),
    ("rolling-default-finishes", 4, None, NEXT, 120, [NEXT] * 4, (4, 4, 4, 0)),
    ("rolling-max-unavailable-2", 4, {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 2}}, NEXT, 2,
     [GOOD] * 2 + [NEXT] * 2, (4, 2, 2, 2)),
    ("rolling-50-percent", 4, {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "50%"}}, NEXT, 2,
     [GOOD] * 2 + [NEXT] * 2, (4, 2, 2, 2)),
    ("bad-image-stalls-on-one-node", 4, None, MISSING, 900, [GOOD] * 3 + [MISSING], (4, 1, 3, 1)),
    ("on-delete-keeps-old-pods", 3, {"type": "OnDelete"}, NEXT, 600, [GOOD] * 3, (3, 0, 3, 0)),
]


@pytest.mark.parametrize(("nodes", "strategy", "image", "seconds", "want_images", "want_counts"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_daemonset_updates(nodes, strategy, image, seconds, want_images, want_counts):
    world = TinyWorld(nodes=nodes, images=[AGENT])
    world.apply(daemonset(strategy=strategy))
    world.run(120)
    assert counts(world) == (nodes, nodes, nodes, 0)
    set_image(world, image)
    world.run(seconds)
    assert images(world) == sorted(want_images)
    assert counts(world) == want_counts


def test_on_delete_replaces_a_deleted_pod_with_the_new_template():
    world = TinyWorld(nodes=3, images=[AGENT])
    world.apply(daemonset(strategy={"type": "OnDelete"}))
    world.run(60)
    set_image(world, NEXT)
    victim = world.owned("Pod", world.get("DaemonSet", "agent"))[0]
    with world.store.lock:
        world.store.delete("Pod", "lab", victim["metadata"]["name"])
    world.world.sync()
    world.run(60)
    assert images(world) == sorted([GOOD, GOOD, NEXT])


def test_every_template_is_a_controller_revision_and_pods_carry_its_hash():
    world = TinyWorld(nodes=2, images=[AGENT])
    world.apply(daemonset())
    world.run(60)
    set_image(world, NEXT)
    world.run(120)
    ds = world.get("DaemonSet", "agent")
    revisions = sorted(world.owned("ControllerRevision", ds), key=lambda r: r["revision"])
    assert [r["revision"] for r in revisions] == [1, 2]
    latest = revisions[-1]
    assert latest["data"]["spec"]["template"]["$patch"] == "replace"
    assert latest["data"]["spec"]["template"]["spec"]["containers"][0]["image"] == NEXT
    assert latest["metadata"]["labels"]["app"] == "agent"  # kubectl finds revisions by the DaemonSet's selector
    hashes = {p["metadata"]["labels"]["controller-revision-hash"] for p in world.owned("Pod", ds)}
    assert hashes == {latest["metadata"]["labels"]["controller-revision-hash"]}
    set_image(world, GOOD)  # an undo: the old template's revision becomes the newest
    world.run(120)
    revisions = world.owned("ControllerRevision", world.get("DaemonSet", "agent"))
    assert sorted((r["revision"], r["data"]["spec"]["template"]["spec"]["containers"][0]["image"]) for r in revisions) \
        == [(2, NEXT), (3, GOOD)]
    assert images(world) == [GOOD, GOOD]


def test_a_scenario_rollout_undo_step_restores_the_previous_daemonset_template():
    from sre_agent.lab.undo import previous_template

    world = TinyWorld(nodes=2, images=[AGENT])
    world.apply(daemonset())
    world.run(60)
    set_image(world, MISSING)
    world.run(60)
    template = previous_template(world.store, world.get("DaemonSet", "agent"))
    assert template["spec"]["containers"][0]["image"] == GOOD and "$patch" not in template
