"""Who shipped a rollout: the revision's change-cause, else the change record people wrote on the workload itself (a
ticket in an annotation of theirs) -- never a machine's annotation, never a note that records no change."""

from __future__ import annotations

import pytest

from sre_agent.chat.answer.notes import change_note


@pytest.mark.parametrize("annotations, said", [
    ({"acme.io/change": "REL-5.3 booking-api 5.3.0: group bookings", "acme.io/owner": "s.lindqvist"},
     "; change record acme.io/change: REL-5.3 booking-api 5.3.0: group bookings (s.lindqvist)"),
    ({"deployment.kubernetes.io/revision": "2", "kubectl.kubernetes.io/last-applied-configuration": "{}"}, ""),
    ({"acme.io/team": "payments"}, ""),  # who owns it is no change record
    ({"kubernetes.io/change-cause": "kubectl set image ..."}, ""),  # the revision's own column says that one
])
def test_the_change_record_on_the_object_is_said_when_the_revision_has_none(annotations, said):
    assert change_note("shop/Deployment/api", {"annotations": annotations}) == said


def test_who_changed_a_workload_with_no_note_is_read_on_what_it_is_attached_to():
    """'who pinned it' of a worker whose autoscaler was capped: the HPA's note says who; a Job's ConfigMap edit likewise."""
    import asyncio

    from sre_agent.chat.answer.records import change_record
    from tests.unit.chat.test_objects_in_context import Cluster, _ask

    worker = {"metadata": {"name": "purge-worker"}, "spec": {"template": {"spec": {"containers": [{"name": "w"}]}}}}
    hpa = {"metadata": {"name": "purge-worker", "annotations": {"ravenmoor.io/note": "pinned to 1 replica (CDN-231) - j.l"}}}
    cluster = Cluster({"HorizontalPodAutoscaler": [{"name": "purge-worker", "target": "Deployment/purge-worker"}]},
                      {"purge-worker": worker})
    cluster.objects = {"purge-worker": worker}

    async def call(agent, server, tool, args, brain="offline"):  # the HPA and the Deployment share a name
        if tool == "describe" and args.get("kind") == "HorizontalPodAutoscaler":
            cluster.objects["purge-worker"] = hpa
        elif tool == "describe":
            cluster.objects["purge-worker"] = worker
        return await Cluster.call(cluster, agent, server, tool, args, brain)
    cluster.call = call  # type: ignore[method-assign]
    answer = asyncio.run(change_record(_ask("who pinned it", cluster, "cdn/Deployment/purge-worker")))
    assert answer.headline.startswith("cdn/HorizontalPodAutoscaler/purge-worker: ravenmoor.io/note: pinned to 1 replica")
