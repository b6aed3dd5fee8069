"""Which object a name means when several carry it: a controller's generated children (never a longer object whose
name starts with it), an alarm's dimensions (exactly), a rollback target that runs what runs now (none), and the
graph's rollback target after restarts only (no fix)."""

from __future__ import annotations

import pytest

from sre_agent.chat.act.rollback import _revision_asked, _same_spec
from sre_agent.chat.answer.about import alarm_mentions
from sre_agent.chat.understand.forms import recognise
from sre_agent.chat.understand.names import generated_from
from sre_agent.graph.pins import restarts_only_since


@pytest.mark.parametrize(("child", "name", "generated"), [
    ("driver-api-worker-vfxd44c77z-x7npq", "driver-api", False),  # another Deployment's pod: "worker" is a word
    ("driver-api-worker-vfxd44c77z-x7npq", "driver-api-worker", True),  # its own pod
    ("driver-api-worker-vfxd44c77z", "driver-api-worker", True),  # its ReplicaSet
    ("yard-cache-2", "yard-cache", True),  # a StatefulSet's member
    ("log-router-x7npq", "log-router", True),  # a DaemonSet's or Job's pod
    ("driver-api-worker-x7npq", "driver-api", False),
])
def test_a_child_is_generated_from_its_controller_only(child, name, generated):
    assert generated_from(child, name) is generated


@pytest.mark.parametrize(("alarm", "name", "about"), [
    ({"name": "vct-yard-inventory-worker-restarts", "dimensions": {"Namespace": "yard", "PodName": "yard-inventory-worker"}},
     "yard-inventory", False),  # its dimension names the worker exactly
    ({"name": "vct-yard-inventory-worker-restarts", "dimensions": {"Namespace": "yard", "PodName": "yard-inventory-worker"}},
     "yard-inventory-worker", True),
    ({"name": "tarnfell-gate-api-5xx", "dimensions": {"Namespace": "lifts"}}, "gate-api", True),  # no object dimension: its name
])
def test_an_alarm_is_about_the_object_its_dimensions_name(alarm, name, about):
    assert alarm_mentions(alarm, name) is about


def _row(revision: int, image: str, changed: list[str] | None) -> dict:
    return {"revision": revision, "images": [image], "config_refs": [], "placement": {}, "ports": [], "labels": {},
            "changed": changed}


REVISIONS = [_row(1, "a:6.2.0", None), _row(2, "a:6.3.0", ["image"]), _row(3, "a:6.3.0", []), _row(4, "a:6.4.0", ["image"]),
             _row(5, "a:6.4.0", [])]  # 3 and 5 are restarts


@pytest.mark.parametrize(("target", "refused"), [(4, True), (3, False), (2, False)])
def test_a_revision_that_runs_what_runs_now_is_no_rollback_target(target, refused):
    assert (_same_spec(REVISIONS[target - 1], REVISIONS[4], REVISIONS) is not None) is refused


@pytest.mark.parametrize(("target", "current", "only"), [(4, 5, True), (3, 5, False), (2, 3, True), (4, 4, False)])
def test_the_graphs_target_after_restarts_only_is_no_fix(target, current, only):
    assert restarts_only_since(REVISIONS, target, current) is only


@pytest.mark.parametrize(("question", "subject", "revision"), [
    ("undo appointment-api to revision 2", "appointment-api", 2),
    ("undo to revision 4", None, 4),
    ("roll back to rev 3", None, 3),
])
def test_a_rollback_to_a_named_revision_is_a_rollback_request_with_its_target(question, subject, revision):
    recognised = recognise(question)
    assert (recognised.form, recognised.subject, _revision_asked(question)) == ("rollback_request", subject, revision)


def test_a_kind_said_in_kubectl_finds_that_kind_never_the_deployment_of_the_same_name():
    import asyncio

    from sre_agent.chat.ask import Ask
    from sre_agent.chat.understand.references import resolve
    from sre_agent.contracts import ToolCallRecord
    from sre_agent.graph.ports import ToolOutcome

    objects = ["mountain/Deployment/snow-report", "mountain/Service/snow-report", "mountain/HorizontalPodAutoscaler/snow-report"]

    class Cluster:
        parameters: dict = {}

        async def call(self, agent, server, tool, args, brain="offline"):
            kinds = args.get("kinds") or ["Deployment", "StatefulSet", "DaemonSet", "Service", "Pod", "Node"]
            matches = [{"resource": r, "exact": True} for r in objects if r.split("/")[1] in kinds]
            return ToolOutcome(record=ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True),
                               data={"matches": matches, "items": []})

    question = "what is the Conditions field of snow-report"  # kubectl describe hpa snow-report | grep Conditions
    recognised = recognise(question).model_copy(update={"form": "property", "subject": "snow-report",
                                                        "kind_hint": "HorizontalPodAutoscaler", "noun_is_subject": True})
    ask = Ask(question=question, recognised=recognised, tools=Cluster())
    assert asyncio.run(resolve(ask)) == "mountain/HorizontalPodAutoscaler/snow-report"
