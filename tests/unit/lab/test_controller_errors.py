"""A controller whose write the API refuses (a name another object holds) warns on its object and retries at the next
pass, as a real controller logs and requeues -- the API request that triggered the sync is answered as usual (the lab
had raised the error into it, and into every request after it)."""

from __future__ import annotations

from tests.unit.lab.world_harness import TinyWorld


def test_a_member_name_held_by_another_owners_pod_warns_and_the_world_carries_on():
    world = TinyWorld()
    world.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "idx-0", "namespace": "lab",
                                                                 "labels": {"app": "someone-else"}},
                 "spec": {"containers": [{"name": "c", "image": "busybox:1.36"}]}})
    world.apply({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "idx", "namespace": "lab"},
                 "spec": {"serviceName": "idx", "replicas": 1, "selector": {"matchLabels": {"app": "idx"}},
                          "template": {"metadata": {"labels": {"app": "idx"}},
                                       "spec": {"containers": [{"name": "c", "image": "busybox:1.36"}]}}}})
    world.run(30)  # every pass meets the taken name again: no error leaves the sync
    warned = world.events("FailedSync")
    assert warned and "already exists" in warned[0]["message"] and warned[0]["type"] == "Warning"
    assert world.get("Pod", "idx-0")["metadata"]["labels"] == {"app": "someone-else"}  # not adopted: not its selector's
