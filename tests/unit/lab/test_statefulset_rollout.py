"""StatefulSet updates and history as the statefulset controller keeps them: every template is a
ControllerRevision (`<name>-<hash>`, the template's labels, the restoring patch as data), pods carry
the revision's name, the status names currentRevision / updateRevision and counts the pods of each;
a rolling update replaces the highest ordinal first and only while every member is Ready -- so a
member that never becomes Ready holds even an undo until someone deletes it (real behaviour);
OnDelete replaces a pod only when someone deletes it."""

from __future__ import annotations

from sre_agent.lab.undo import previous_template
from tests.unit.lab.world_harness import TinyWorld

DB = {"repository": "example.com/kv", "description": "a small key-value store", "tags": {"1.0": {}, "1.1": {}},
      "ports": [6379], "startup_seconds": 5}
GOOD, NEXT, MISSING = "example.com/kv:1.0", "example.com/kv:1.1", "example.com/kv:9.9"


def statefulset(image: str = GOOD, replicas: int = 3, strategy: dict | None = None) -> dict:
    return {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "kv", "namespace": "lab"},
            "spec": {"replicas": replicas, "serviceName": "kv", "selector": {"matchLabels": {"app": "kv"}},
                     **({"updateStrategy": strategy} if strategy else {}),
                     "template": {"metadata": {"labels": {"app": "kv"}},
                                  "spec": {"containers": [{"name": "kv", "image": image}]}}}}


def set_image(world: TinyWorld, image: str) -> None:
    world.patch_spec("StatefulSet", "kv", lambda s: s["spec"]["template"]["spec"]["containers"][0].update(image=image))


def images(world: TinyWorld) -> dict[str, str]:
    return {p["metadata"]["name"]: p["spec"]["containers"][0]["image"]
            for p in world.owned("Pod", world.get("StatefulSet", "kv")) if not p["metadata"].get("deletionTimestamp")}


def revisions(world: TinyWorld) -> list[tuple[int, str]]:
    owned = world.owned("ControllerRevision", world.get("StatefulSet", "kv"))
    return sorted((r["revision"], r["data"]["spec"]["template"]["spec"]["containers"][0]["image"]) for r in owned)


def test_every_template_is_a_controller_revision_and_the_status_names_them():
    world = TinyWorld(images=[DB])
    world.apply(statefulset())
    world.run(120)
    sts = world.get("StatefulSet", "kv")
    [first] = world.owned("ControllerRevision", sts)
    assert first["metadata"]["name"] == f"kv-{first['metadata']['labels']['controller-revision-hash']}"
    assert first["metadata"]["labels"]["app"] == "kv"  # kubectl finds revisions by the StatefulSet's selector
    assert first["data"]["spec"]["template"]["$patch"] == "replace"
    status = sts["status"]
    assert status["currentRevision"] == status["updateRevision"] == first["metadata"]["name"]
    assert (status["currentReplicas"], status["updatedReplicas"]) == (3, 3)
    assert {p["metadata"]["labels"]["controller-revision-hash"] for p in world.owned("Pod", sts)} == {first["metadata"]["name"]}

    set_image(world, NEXT)
    world.run(3)  # the highest ordinal goes first
    status = world.get("StatefulSet", "kv")["status"]
    assert status["currentRevision"] == first["metadata"]["name"] != status["updateRevision"]
    assert revisions(world) == [(1, GOOD), (2, NEXT)]
    world.run(300)
    status = world.get("StatefulSet", "kv")["status"]
    assert status["currentRevision"] == status["updateRevision"] and status["updatedReplicas"] == 3
    assert set(images(world).values()) == {NEXT}


def test_a_member_that_never_gets_ready_holds_the_update_and_the_undo_until_deleted():
    world = TinyWorld(images=[DB])
    world.apply(statefulset())
    world.run(120)
    set_image(world, MISSING)
    world.run(600)
    assert images(world) == {"kv-0": GOOD, "kv-1": GOOD, "kv-2": MISSING}  # kv-2 never Ready: kv-1 is kept
    status = world.get("StatefulSet", "kv")["status"]
    assert (status["currentReplicas"], status["updatedReplicas"], status["readyReplicas"]) == (2, 1, 2)

    with world.store.lock:  # what `kubectl rollout undo statefulset/kv` writes back
        sts = world.store.get("StatefulSet", "lab", "kv")
        sts["spec"]["template"] = previous_template(world.store, sts)
        sts["metadata"].pop("resourceVersion", None)
        world.store.replace(sts)
    world.world.sync()
    world.run(600)
    assert revisions(world) == [(2, MISSING), (3, GOOD)]  # the old template's revision is the newest again
    assert images(world)["kv-2"] == MISSING  # OrderedReady: the broken member is not replaced...
    with world.store.lock:
        world.store.delete("Pod", "lab", "kv-2")
    world.world.sync()
    world.run(120)
    assert set(images(world).values()) == {GOOD}  # ...until someone deletes it
    status = world.get("StatefulSet", "kv")["status"]
    assert status["currentRevision"] == status["updateRevision"] and status["readyReplicas"] == 3


def test_undo_goes_to_a_named_revision():
    world = TinyWorld(images=[DB])
    world.apply(statefulset(replicas=1))
    world.run(60)
    for image in (NEXT, MISSING):
        set_image(world, image)
        world.run(60)
    sts = world.get("StatefulSet", "kv")
    assert previous_template(world.store, sts)["spec"]["containers"][0]["image"] == NEXT
    template = previous_template(world.store, sts, 1)
    assert template["spec"]["containers"][0]["image"] == GOOD and "$patch" not in template


def test_on_delete_keeps_old_pods_until_deleted():
    world = TinyWorld(images=[DB])
    world.apply(statefulset(strategy={"type": "OnDelete"}))
    world.run(120)
    set_image(world, NEXT)
    world.run(600)
    assert set(images(world).values()) == {GOOD}
    with world.store.lock:
        world.store.delete("Pod", "lab", "kv-1")
    world.world.sync()
    world.run(120)
    assert images(world) == {"kv-0": GOOD, "kv-1": NEXT, "kv-2": GOOD}
    status = world.get("StatefulSet", "kv")["status"]
    assert (status["currentReplicas"], status["updatedReplicas"]) == (2, 1)
