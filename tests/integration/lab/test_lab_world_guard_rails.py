"""The guard rails with the real world behind the API: writes the world's controllers would choke on
(a quota's junk hard limit, a negative replica count, a Node capacity that is not a quantity) are
refused with the apiserver's 422 Status, and every later request -- which syncs the world first --
is still served. Before these rails, one accepted junk quota made every request answer 500."""

from __future__ import annotations

import json

import pytest
from kubernetes import client, config
from kubernetes.client import ApiException

from sre_agent.lab.lab import Lab

REFUSED = [  # (what is written, the field the 422 names)
    ("quota", "spec.hard[requests.cpu]"),
    ("claim", "spec.resources.requests[storage]"),
    ("replicas", "spec.replicas"),
    ("scale", "spec.replicas"),
    ("node", "status.allocatable[cpu]"),
]


@pytest.fixture(scope="module")
def world():
    lab = Lab(history_minutes=5).start()
    try:
        lab.load("healthy-baseline")
        api = config.new_client_from_config(lab.env()["KUBECONFIG"])
        yield lab, client.CoreV1Api(api), client.AppsV1Api(api)
    finally:
        lab.stop()


@pytest.mark.parametrize(("write", "field"), REFUSED, ids=[w for w, _ in REFUSED])
def test_junk_the_world_would_choke_on_is_refused_and_the_world_keeps_serving(world, write, field):
    lab, core, apps = world
    node = core.list_node().items[0].metadata.name
    writes = {
        "quota": lambda: core.create_namespaced_resource_quota("shop", {"metadata": {"name": "junk"},
                                                                        "spec": {"hard": {"requests.cpu": "half"}}}),
        "claim": lambda: core.create_namespaced_persistent_volume_claim("shop", {"metadata": {"name": "junk"}, "spec": {
            "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "512MB"}}}}),
        "replicas": lambda: apps.patch_namespaced_deployment("frontend", "shop", {"spec": {"replicas": -2}}),
        "scale": lambda: apps.patch_namespaced_deployment_scale("frontend", "shop", {"spec": {"replicas": 2**31}}),
        "node": lambda: core.patch_node_status(node, {"status": {"allocatable": {"cpu": "-4"}}}),
    }
    replicas = apps.read_namespaced_deployment("frontend", "shop").spec.replicas
    with pytest.raises(ApiException) as info:
        writes[write]()
    status = json.loads(info.value.body)
    assert (info.value.status, status["kind"], status["reason"]) == (422, "Status", "Invalid")
    assert [c["field"] for c in status["details"]["causes"]] == [field]
    lab.advance(30)  # the controllers, scheduler and kubelets run over what is stored
    assert core.list_namespaced_pod("shop").items, "the world still answers"
    assert apps.read_namespaced_deployment("frontend", "shop").spec.replicas == replicas
    assert [q.metadata.name for q in core.list_namespaced_resource_quota("shop").items if q.metadata.name == "junk"] == []
