"""Pinning pod and node writes: delete_pod is pinned to the uid of the pod seen (never a replacement
created under the same name), cordon/uncordon to the schedulability seen -- and a write that would
change nothing is not planned at all. SSM writes name their targets and take no precondition."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from sre_agent.contracts import Incident, ToolCallRecord
from sre_agent.graph.pinning import pin_plan
from sre_agent.graph.ports import ToolOutcome
from sre_agent.graph.state import Investigation, RemediationPlan

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
STATE = Investigation(incident=Incident(id="inc-1", title="t", started_at=NOW, window_start=NOW, window_end=NOW))


class Objects:
    """The Tools port, answering `describe` from a dict of objects (a missing one is an error, as the server says)."""

    def __init__(self, objects: dict[tuple[str, str], dict]) -> None:
        self.objects, self.calls = objects, []

    async def call(self, agent, server, tool, args, brain="offline") -> ToolOutcome:
        self.calls.append((tool, args))
        obj = self.objects.get((args["kind"], args["name"]))
        record = ToolCallRecord(id=f"ev-{len(self.calls)}", agent=agent, server=server, tool=tool, args=args, ok=obj is not None)
        if obj is None:
            return ToolOutcome(record=record, data=None, error=f"{args['kind']} {args['name']} not found (404)")
        return ToolOutcome(record=record, data={"object": obj}, error=None)


def pin(plan: RemediationPlan, objects: dict) -> tuple:
    tools = Objects(objects)
    pinned = asyncio.run(pin_plan(plan, STATE, tools))
    return pinned, tools.calls


POD = {"metadata": {"name": "api-7d9f-x2x4z", "uid": "uid-seen"}}


def test_delete_pod_is_pinned_to_the_uid_of_the_pod_seen():
    plan = RemediationPlan(server="kubernetes", tool="delete_pod", risk="medium",
                           args={"namespace": "shop", "name": "api-7d9f-x2x4z", "reason": "stuck"})
    pinned, calls = pin(plan, {("Pod", "api-7d9f-x2x4z"): POD})
    assert pinned.plan.precondition == {"expect_uid": "uid-seen"} and "uid-seen" in pinned.plan.pin
    assert calls == [("describe", {"kind": "Pod", "namespace": "shop", "name": "api-7d9f-x2x4z", "events_limit": 0})]
    gone, _ = pin(plan, {})
    assert gone.plan is None and "could not read shop/Pod/api-7d9f-x2x4z" in gone.refused and "404" in gone.refused


@pytest.mark.parametrize("tool, unschedulable, precondition, refused", [
    ("cordon", False, {"expect_unschedulable": False}, ""),
    ("cordon", True, None, "already cordoned"),
    ("uncordon", True, {"expect_unschedulable": True}, ""),
    ("uncordon", False, None, "already schedulable"),
])
def test_node_writes_are_pinned_to_the_schedulability_seen(tool, unschedulable, precondition, refused):
    plan = RemediationPlan(server="kubernetes", tool=tool, risk="high", args={"node": "ip-10-0-1-5", "reason": "r"})
    pinned, calls = pin(plan, {("Node", "ip-10-0-1-5"): {"metadata": {"name": "ip-10-0-1-5"},
                                                          "spec": {"unschedulable": unschedulable}}})
    assert calls[0] == ("describe", {"kind": "Node", "name": "ip-10-0-1-5", "events_limit": 0})
    if refused:
        assert pinned.plan is None and refused in pinned.refused
    else:
        assert pinned.plan.precondition == precondition and pinned.plan.resource == "Node/ip-10-0-1-5"


def test_ssm_writes_name_their_targets_and_read_nothing():
    plan = RemediationPlan(server="ssm", tool="run_command", risk="high",
                           args={"document_name": "AWS-RestartService", "instance_ids": ["i-1"]})
    pinned, calls = pin(plan, {})
    assert calls == [] and pinned.plan.precondition == {} and "SSM takes no precondition" in pinned.plan.pin


class History:
    """The Tools port answering rollout_history with fixed revisions."""

    def __init__(self, revisions: list[dict]) -> None:
        self.revisions = revisions

    async def call(self, agent, server, tool, args, brain="offline") -> ToolOutcome:
        record = ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, args=args, ok=True)
        current = max(r["revision"] for r in self.revisions)
        rows = [{**r, "current": r["revision"] == current, "images": ["r/kv:1"]} for r in self.revisions]
        return ToolOutcome(record=record, data={"revisions": rows, "current_revision": current}, error=None)


@pytest.mark.parametrize("changed, refused", [
    ([], "same pod template"),   # revision 2 was a `rollout restart`: rolling back changes nothing at fault
    (["env"], ""),               # revision 2 changed the env: rolling back may clear it
    (None, ""),                  # unknown (no previous revision to compare): not refused for it
])
def test_a_rollback_across_revisions_that_changed_nothing_but_annotations_is_refused(changed, refused):
    plan = RemediationPlan(server="kubernetes", tool="rollout_undo", risk="low",
                           args={"namespace": "a", "name": "kv", "kind": "StatefulSet", "reason": "r"})
    pinned = asyncio.run(pin_plan(plan, STATE, History([
        {"revision": 1, "changed": None, "created": "2026-03-01T10:00:00Z"},
        {"revision": 2, "changed": changed, "created": "2026-03-01T11:55:00Z"}])))
    if refused:
        assert pinned.plan is None and refused in pinned.refused, pinned
    else:
        assert pinned.plan is not None and pinned.plan.args["to_revision"] == 1, pinned
