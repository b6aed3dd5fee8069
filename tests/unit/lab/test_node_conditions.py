"""A node's conditions as the kubelet and the node lifecycle controller write them: every condition
carries lastTransitionTime (a missing one reads as 0001-01-01 in Go clients), which stays put while
the condition's status holds and moves to the moment it flips -- the kubelet going silent (all four
conditions Unknown / NodeStatusUnknown) and its return."""

from __future__ import annotations

from sre_agent.lab.world.clock import rfc3339
from tests.unit.lab.world_harness import TinyWorld


def conditions(world: TinyWorld, name: str = "node-1") -> dict[str, dict]:
    return {c["type"]: c for c in world.store.get("Node", None, name)["status"]["conditions"]}


def test_every_condition_has_a_transition_time_that_moves_only_when_its_status_flips():
    world = TinyWorld()
    created = world.store.get("Node", None, "node-1")["metadata"]["creationTimestamp"]
    world.run(1800)
    healthy = conditions(world)
    assert set(healthy) == {"MemoryPressure", "DiskPressure", "PIDPressure", "Ready"}
    assert {c["lastTransitionTime"] for c in healthy.values()} == {created}

    down_at = world.now
    world.world.node_faults["node-1"] = down_at
    world.run(600)
    down = conditions(world)
    assert {(c["status"], c["reason"]) for c in down.values()} == {("Unknown", "NodeStatusUnknown")}
    assert {c["lastTransitionTime"] for c in down.values()} == {rfc3339(down_at)}
    assert {c["lastTransitionTime"] for c in conditions(world, "node-0").values()} == {created}  # the other node

    world.run(120)
    back_at = world.now
    world.world.node_faults.pop("node-1")
    world.run(300)
    back = conditions(world)
    assert back["Ready"]["status"] == "True" and back["MemoryPressure"]["status"] == "False"
    assert {c["lastTransitionTime"] for c in back.values()} == {rfc3339(back_at)}
