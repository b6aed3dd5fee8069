"""A PVC-backed volume fills as the application writes (`data_path`, `data_initial_mib`,
`data_write_mib_per_min`); at capacity its writes fail (errors, "No space left on device" lines) until the
claim is expanded -- admitted only on a StorageClass with allowVolumeExpansion, grown by the resizer and the
kubelet a minute later -- or data is deleted (`World.set_volume_usage`, the scenario's `volume_usage` step)."""

from __future__ import annotations

import pytest

from sre_agent.lab.aws.prometheus_metrics import sample_jobs, sample_volumes
from sre_agent.lab.kube.errors import ApiError
from tests.unit.lab.world_harness import TinyWorld

WRITER = {"repository": "example.com/store", "tags": {"1": {}}, "ports": [8080], "error_rate": 0.0,
          "data_path": "/var/lib/store/data", "data_initial_mib": 800, "data_write_mib_per_min": 100,
          "logs": {"disk_full": "ERROR could not write {path}/segment.log: No space left on device"}}


def storage_class(name: str, expandable: bool) -> dict:
    return {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": name},
            "provisioner": "ebs.csi.aws.com", **({"allowVolumeExpansion": True} if expandable else {})}


def claim(name: str, size: str, sc: str) -> dict:
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name, "namespace": "lab"},
            "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": sc, "resources": {"requests": {"storage": size}}}}


def store_app() -> list[dict]:
    container = {"name": "store", "image": "example.com/store:1", "ports": [{"containerPort": 8080}],
                 "volumeMounts": [{"name": "data", "mountPath": "/var/lib/store"}]}
    return [{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "store", "namespace": "lab"},
             "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "store"}},
                      "template": {"metadata": {"labels": {"app": "store"}},
                                   "spec": {"containers": [container],
                                            "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}]}}}},
            {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "store", "namespace": "lab"},
             "spec": {"selector": {"app": "store"}, "ports": [{"port": 8080, "targetPort": 8080}]}}]


def world_with(sc_expandable: bool = True) -> TinyWorld:
    world = TinyWorld(images=[WRITER])
    world.apply(storage_class("gp3", sc_expandable))
    world.apply(claim("data", "1Gi", "gp3"))
    for manifest in store_app():
        world.apply(manifest)
    world.world.external_traffic["lab/store"] = 5.0
    world.run(30)
    return world


def used_mib(world: TinyWorld) -> float:
    return world.world.volume_usage[world.get("PersistentVolumeClaim", "data")["metadata"]["uid"]].used_mib


def error_rate(world: TinyWorld) -> float:
    return world.world.traffic_model.services["lab/store"].error_rate


def client_patch(world: TinyWorld, size: str) -> dict:
    with world.store.lock:
        pvc = world.get("PersistentVolumeClaim", "data")
        pvc["spec"]["resources"]["requests"]["storage"] = size
        pvc["metadata"].pop("resourceVersion", None)
        written = world.store.replace(pvc, as_client=True)
    world.world.sync()
    return written


def store_lines(world: TinyWorld) -> list[str]:
    world.world.flush_logs()
    pod = next(p for p in world.list("Pod") if p["metadata"]["name"].startswith("store-"))
    return [text for _, text in world.world.runtimes[pod["metadata"]["uid"]].containers[0].log]


def test_the_volume_fills_and_its_writes_fail_until_the_claim_grows():
    world = world_with()
    assert 800 <= used_mib(world) < 900 and error_rate(world) == 0.0
    world.run(180)  # 800 MiB + 100 MiB/min reaches 1 GiB after ~2.2 minutes
    assert used_mib(world) == pytest.approx(1024)
    assert error_rate(world) == pytest.approx(1.0)
    assert any(line == "ERROR could not write /var/lib/store/data/segment.log: No space left on device"
               for line in store_lines(world))
    client_patch(world, "2Gi")
    assert [e["message"] for e in world.events("Resizing")] == [
        f"External resizer is resizing volume pvc-{world.get('PersistentVolumeClaim', 'data')['metadata']['uid']}"]
    assert world.get("PersistentVolumeClaim", "data")["status"]["capacity"]["storage"] == "1Gi"
    world.run(90)
    pvc = world.get("PersistentVolumeClaim", "data")
    assert pvc["status"]["capacity"]["storage"] == "2Gi" and not pvc["status"].get("conditions")
    [done] = world.events("FileSystemResizeSuccessful")
    assert done["message"].startswith(f'MountVolume.NodeExpandVolume succeeded for volume "pvc-{pvc["metadata"]["uid"]}" node-')
    assert error_rate(world) == 0.0 and 1024 < used_mib(world) < 1300


def test_deleting_data_clears_a_full_volume():
    world = world_with()
    world.run(180)
    assert error_rate(world) == pytest.approx(1.0)
    world.world.set_volume_usage("lab", "data", 300)
    world.run(60)
    assert error_rate(world) == 0.0 and 300 <= used_mib(world) < 500


@pytest.mark.parametrize(("expandable", "size", "code", "words"), [
    (False, "2Gi", 403, "only dynamically provisioned pvc can be resized and the storageclass that provisions "
                        "the pvc must support resize"),
    (True, "512Mi", 422, "field can not be less than previous value"),
])
def test_the_api_server_refuses_what_a_cluster_refuses(expandable, size, code, words):
    world = world_with(expandable)
    with pytest.raises(ApiError) as refused:
        client_patch(world, size)
    assert refused.value.code == code and words in str(refused.value)


def test_a_pending_claim_cannot_be_resized():
    world = TinyWorld()
    world.apply(claim("data", "1Gi", "missing-class"))
    with pytest.raises(ApiError, match="immutable after creation except resources.requests"):
        client_patch(world, "2Gi")


def test_volume_stats_and_job_counts_as_the_cloudwatch_agent_scrapes_them():
    world = world_with()
    points: dict[tuple[str, tuple], float] = {}
    sample_volumes(world.world, lambda ns, name, dims, value, at, unit: points.__setitem__((name, dims), value), world.now)
    dims = (("ClusterName", "sre-lab"), ("namespace", "lab"), ("persistentvolumeclaim", "data"))
    assert points[("kubelet_volume_stats_capacity_bytes", dims)] == 2**30
    used = points[("kubelet_volume_stats_used_bytes", dims)]
    assert used + points[("kubelet_volume_stats_available_bytes", dims)] == 2**30 and used >= 800 * 2**20
    world.apply({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "once", "namespace": "lab"},
                 "spec": {"backoffLimit": 0, "template": {"spec": {"restartPolicy": "Never", "containers": [
                     {"name": "run", "image": "ghcr.io/acme-shop/checkout:2.3.0"}]}}}})  # exits 1: env missing
    world.run(60)
    points.clear()
    sample_jobs(world.world, lambda ns, name, dims, value, at, unit: points.__setitem__((name, dims), value), world.now)
    job = (("ClusterName", "sre-lab"), ("job_name", "once"), ("namespace", "lab"))
    assert (points[("kube_job_status_failed", job)], points[("kube_job_status_succeeded", job)],
            points[("kube_job_status_active", job)]) == (1, 0, 0)
