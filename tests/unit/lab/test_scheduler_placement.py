"""The scheduler's placement rules beyond resources: required pod anti-affinity and affinity per
topology domain (and existing pods' anti-affinity against the newcomer), preferred anti-affinity
as a spread, and extended resources (nvidia.com/gpu) on nodes and in requests -- with the
FailedScheduling wording a real scheduler uses."""

from __future__ import annotations

import pytest

from sre_agent.lab.scenarios.loader import node_manifest
from sre_agent.lab.scenarios.schema import NodeSpec
from tests.unit.lab.world_harness import TinyWorld

APP = "ghcr.io/acme-shop/search:1.12.0"


def deployment(name: str, replicas: int, affinity: dict | None = None, resources: dict | None = None,
               labels: dict | None = None) -> dict:
    labels = labels or {"app": name}
    spec = {"containers": [{"name": "c", "image": APP, **({"resources": resources} if resources else {})}],
            **({"affinity": affinity} if affinity else {})}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": "lab"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels}, "spec": spec}}}


def anti(app: str, key: str = "kubernetes.io/hostname", kind: str = "podAntiAffinity") -> dict:
    return {kind: {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"labelSelector": {"matchLabels": {"app": app}}, "topologyKey": key}]}}


def placement(world: TinyWorld, app: str) -> tuple[list[str], list[str]]:
    """(nodes of the scheduled pods, FailedScheduling messages of the pending ones)."""
    pods = [p for p in world.list("Pod") if p["metadata"]["labels"].get("app") == app]
    nodes = sorted(p["spec"]["nodeName"] for p in pods if p["spec"].get("nodeName"))
    pending = [c["message"] for p in pods if not p["spec"].get("nodeName")
               for c in p["status"].get("conditions") or [] if c["type"] == "PodScheduled"]
    return nodes, pending


def test_required_anti_affinity_puts_one_replica_per_node_and_leaves_the_rest_pending():
    world = TinyWorld(nodes=3)
    world.apply(deployment("web", 4, anti("web")))
    world.run(60)
    nodes, pending = placement(world, "web")
    assert nodes == ["node-0", "node-1", "node-2"]
    assert pending == ["0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules. preemption: "
                       "0/3 nodes are available: 3 No preemption victims found for incoming pod."]


def test_anti_affinity_per_zone_and_affinity_to_another_app():
    world = TinyWorld(nodes=0)
    with world.store.lock:
        for index, zone in enumerate(("us-east-1a", "us-east-1a", "us-east-1b")):
            world.store.create(node_manifest(NodeSpec(name=f"node-{index}", zone=zone), index))
    world.apply(deployment("cache", 1))
    world.run(30)
    [cache_node], _ = placement(world, "cache")
    world.apply(deployment("web", 3, {**anti("web", "topology.kubernetes.io/zone"),
                                      **anti("cache", "kubernetes.io/hostname", "podAffinity")}))
    world.run(60)
    nodes, pending = placement(world, "web")
    assert nodes == [cache_node] and len(pending) == 2
    assert "didn't match pod affinity rules" in pending[0]


def test_an_existing_pods_anti_affinity_keeps_newcomers_away():
    world = TinyWorld(nodes=2)
    world.apply(deployment("loner", 1, anti("noisy")))
    world.run(30)
    [loner_node], _ = placement(world, "loner")
    world.apply(deployment("noisy", 2))
    world.run(60)
    nodes, pending = placement(world, "noisy")
    assert loner_node not in nodes and len(nodes) == 2 and not pending


def test_preferred_anti_affinity_spreads_but_never_blocks():
    world = TinyWorld(nodes=2)
    preferred = {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 100, "podAffinityTerm": {"labelSelector": {"matchLabels": {"app": "web"}},
                                            "topologyKey": "kubernetes.io/hostname"}}]}}
    world.apply(deployment("web", 4, preferred, resources={"requests": {"cpu": "10m"}}))
    world.run(60)
    nodes, pending = placement(world, "web")
    assert nodes == ["node-0", "node-0", "node-1", "node-1"] and not pending


@pytest.mark.parametrize(("gpus_per_node", "per_pod", "replicas", "scheduled", "reason"), [
    ((1, 0), 1, 1, 1, None),
    ((1, 0), 1, 2, 1, "2 Insufficient nvidia.com/gpu"),
    ((2, 2), 2, 3, 2, "2 Insufficient nvidia.com/gpu"),
    ((0, 0), 1, 1, 0, "2 Insufficient nvidia.com/gpu"),
])
def test_extended_resources_are_counted_like_cpu(gpus_per_node, per_pod, replicas, scheduled, reason):
    world = TinyWorld(nodes=0)
    with world.store.lock:
        for index, gpus in enumerate(gpus_per_node):
            extra = {"nvidia.com/gpu": str(gpus)} if gpus else {}
            world.store.create(node_manifest(NodeSpec(name=f"node-{index}", extended_resources=extra), index))
    world.apply(deployment("trainer", replicas, resources={"limits": {"nvidia.com/gpu": str(per_pod)}}))
    world.run(60)
    nodes, pending = placement(world, "trainer")
    assert len(nodes) == scheduled
    if reason:
        assert reason in pending[0]
    node = world.store.get("Node", None, "node-0")
    if gpus_per_node[0]:
        assert node["status"]["allocatable"]["nvidia.com/gpu"] == str(gpus_per_node[0])


def test_a_node_group_expands_to_alike_nodes_across_its_zones():
    from sre_agent.lab.scenarios.schema import NodeGroup

    group = NodeGroup(name="gpu", count=3, zones=["us-east-1a", "us-east-1b"], labels={"pool": "gpu"},
                      taints=[{"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"}],
                      extended_resources={"nvidia.com/gpu": "4"})
    nodes = [node_manifest(spec, i) for i, spec in enumerate(group.nodes())]
    assert [n["metadata"]["name"] for n in nodes] == ["gpu-0", "gpu-1", "gpu-2"]
    assert [n["metadata"]["labels"]["topology.kubernetes.io/zone"] for n in nodes] == ["us-east-1a", "us-east-1b",
                                                                                       "us-east-1a"]
    assert {n["metadata"]["labels"]["eks.amazonaws.com/nodegroup"] for n in nodes} == {"gpu"}
    assert all(n["metadata"]["labels"]["pool"] == "gpu" and n["spec"]["taints"][0]["key"] == "nvidia.com/gpu"
               and n["status"]["capacity"]["nvidia.com/gpu"] == "4" for n in nodes)


def test_a_scenario_names_a_group_node_in_its_steps(tmp_path):
    from sre_agent.lab.scenarios.loader import load_scenario_file
    from sre_agent.lab.world.images import load_catalog

    (tmp_path / "gpu-node-down.yaml").write_text("""
id: gpu-node-down
title: a GPU node stops
cluster:
  nodes: [{name: general-0}]
  node_groups:
    - {name: gpu, count: 2, zones: [us-east-1a, us-east-1b], extended_resources: {nvidia.com/gpu: "4"}}
fault:
  description: one GPU node's kubelet stops
  timeline: [{minutes_ago: 10, steps: [{action: node_down, node: gpu-1}]}]
question: what broke?
truth: {category: none}
""")
    loaded = load_scenario_file(tmp_path / "gpu-node-down.yaml", load_catalog())
    assert [n.name for n in loaded.cluster.nodes] == ["general-0", "gpu-0", "gpu-1"]
