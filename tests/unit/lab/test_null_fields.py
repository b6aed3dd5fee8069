"""kube-apiserver stores typed objects: a null optional field in a write is no field at all. `kubectl rollout undo`
restores a ReplicaSet's template with `metadata.creationTimestamp: null`; kept as written, the restored template
hashed differently from the old ReplicaSet's, so the Deployment made a new ReplicaSet (and a pod that could not
be placed) instead of scaling the old one back."""

from __future__ import annotations

from tests.unit.lab.world_harness import TinyWorld

IMAGE = "docker.io/grafana/grafana:11.2.0"
NEWER = "docker.io/grafana/grafana:11.3.0"


def _deployment(image: str) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "lab"},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}},
                                  "spec": {"containers": [{"name": "web", "image": image}]}}}}


def test_a_null_field_in_a_write_is_not_stored():
    world = TinyWorld()
    manifest = _deployment(IMAGE)
    manifest["spec"]["template"]["metadata"]["creationTimestamp"] = None
    manifest["metadata"]["annotations"] = None
    stored = world.apply(manifest)
    assert "creationTimestamp" not in stored["spec"]["template"]["metadata"]
    assert "annotations" not in stored["metadata"] or stored["metadata"]["annotations"] is not None


def test_a_template_restored_with_a_null_timestamp_scales_its_old_replicaset_back():
    world = TinyWorld()
    world.apply(_deployment(IMAGE))
    world.run(120)
    first = {rs["metadata"]["name"] for rs in world.list("ReplicaSet")}
    world.patch_spec("Deployment", "web", lambda d: d["spec"]["template"]["spec"]["containers"][0].update(image=NEWER))
    world.run(120)

    def undo(deploy: dict) -> None:  # what kubectl rollout undo sends: the old template, creationTimestamp null
        deploy["spec"]["template"] = {"metadata": {"creationTimestamp": None, "labels": {"app": "web"}},
                                      "spec": {"containers": [{"name": "web", "image": IMAGE}]}}
    world.patch_spec("Deployment", "web", undo)
    world.run(120)
    names = {rs["metadata"]["name"] for rs in world.list("ReplicaSet")}
    assert len(names) == 2, names  # the first ReplicaSet and the rollout's, no third
    back = next(rs for rs in world.list("ReplicaSet") if rs["metadata"]["name"] in first)
    assert back["spec"]["replicas"] == 2
