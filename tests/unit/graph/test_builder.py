"""The graph as a library: a stub brain, fake tools and a fake notifier go in through the
RunContext, and the progress events come out on LangGraph's custom stream -- no MCP, no lab."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from sre_agent.contracts import Incident, RootCauseCategory
from sre_agent.graph.builder import build_graph
from sre_agent.graph.context import RunContext
from sre_agent.graph.policy import RemediationPolicy
from sre_agent.graph.state import Investigation, RemediationPlan

from .fakes import FakeTools, OneFindingBrain, items

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)
API = "shop/Deployment/api"


def crash_loop_brain() -> OneFindingBrain:
    """Asks kubernetes once, finds a crash loop, restarts the workload."""
    return OneFindingBrain(API, "CrashLoopBackOff", "api crash-loops", RootCauseCategory.CRASH_MISSING_CONFIG,
                           RemediationPlan(server="kubernetes", tool="rollout_restart",
                                           args={"namespace": "shop", "name": "api"}, risk="low"))


@dataclass
class FakeDelivery:
    channel: str
    delivered: bool
    error: str | None = None


class FakeNotifier:
    def __init__(self, deliveries: list[FakeDelivery] | None = None) -> None:
        self.sent: list[str] = []
        self.deliveries = [FakeDelivery("fake", True)] if deliveries is None else deliveries

    def escalation(self, incident_id: str, title: str, message: str) -> list[FakeDelivery]:
        self.sent.append(f"{incident_id}: {title}")
        return self.deliveries


def run(policy: RemediationPolicy, answers: dict, resume_with: dict | None = None,
        notifier: FakeNotifier | None = None):
    incident = Incident(id="inc-1", title="api down", started_at=NOW, window_start=NOW, window_end=NOW, affected=[API])
    notifier = notifier or FakeNotifier()
    context = RunContext(brain=crash_loop_brain(), tools=FakeTools(answers), policy=policy, notifier=notifier,
                         verify_timeout_s=5, verify_poll_s=0)
    graph = build_graph(InMemorySaver())
    config = {"configurable": {"thread_id": incident.id}}

    async def stream(payload):
        return [event async for event in graph.astream(payload, config, context=context, stream_mode="custom")]

    events = asyncio.run(stream(Investigation(incident=incident, started_epoch=time.time())))
    if resume_with is not None:
        events += asyncio.run(stream(Command(resume=resume_with)))
    state = Investigation.model_validate(asyncio.run(graph.aget_state(config)).values)
    return state, events, notifier


HEALTHY = {("kubernetes", "get_resources"): items({"ready": "2/2", "up_to_date": 2}),
           ("kubernetes", "describe"): {"object": {"metadata": {"generation": 7}, "spec": {"replicas": 2}}},
           ("kubernetes", "rollout_restart"): {"result": "restarted"}}


def test_events_come_out_on_the_custom_stream_in_the_order_the_cli_prints_them():
    state, events, notifier = run(RemediationPolicy(mode="auto", namespaces=["shop"]), HEALTHY)
    assert [e["kind"] for e in events] == ["route", "agent", "tool", "finding", "diagnosis", "tool", "plan", "tool", "action",
                                           "tool", "verify", "tool", "verify", "done"]
    assert all("elapsed_s" in e for e in events if e["kind"] != "tool")
    tool = events[2]
    assert tool == {"kind": "tool", "agent": "kubernetes", "server": "kubernetes", "tool": "describe",
                    "ok": True, "ms": 0.0, "evidence": "ev-1"}
    assert events[6]["gate"] == "auto" and events[-1]["status"] == "remediated"
    assert events[6]["precondition"] == {"expect_generation": 7}, "the plan is pinned to the generation it read"
    assert state.status == "remediated" and state.actions[0].result == "restarted" and not notifier.sent


def test_an_approval_pauses_the_graph_and_a_rejection_escalates_through_the_notifier():
    state, events, notifier = run(RemediationPolicy(mode="approve", namespaces=["shop"]), HEALTHY,
                                  resume_with={"decision": "rejected", "by": "bob"})
    assert state.status == "escalated" and "rejected by bob" in state.escalation_reason
    assert not state.actions and notifier.sent == ["inc-1: api down"]
    assert [e["kind"] for e in events][-2:] == ["escalate", "done"] and events[-2]["delivered"] == ["fake"]
    assert state.notes[-1] == events[-2]["delivery"] == "escalation delivered to: fake"


@pytest.mark.parametrize("deliveries, note", [
    ([], "no escalation channel is configured (escalation.* settings)"),
    ([FakeDelivery("slack", True), FakeDelivery("sns:arn:aws:sns:us-east-1:1:pages", True)],
     "escalation delivered to: slack, sns:arn:aws:sns:us-east-1:1:pages"),
    ([FakeDelivery("slack", False, "HTTP 500: oops")], "escalation NOT delivered: slack (HTTP 500: oops); no other channel configured"),
    ([FakeDelivery("slack", False, "HTTP 500: oops"), FakeDelivery("teams", True)],
     "escalation delivered to: teams; NOT delivered: slack (HTTP 500: oops)"),
])
def test_the_escalation_note_and_event_say_exactly_where_the_page_went(deliveries, note):
    state, events, _ = run(RemediationPolicy(mode="approve", namespaces=["shop"]), HEALTHY,
                           resume_with={"decision": "rejected", "by": "bob"}, notifier=FakeNotifier(deliveries))
    escalate = next(e for e in events if e["kind"] == "escalate")
    assert state.notes[-1] == escalate["delivery"] == note
    assert escalate["delivered"] == [d.channel for d in deliveries if d.delivered]
    assert escalate["not_delivered"] == [{"channel": d.channel, "error": d.error} for d in deliveries if not d.delivered]


def _pending_action_id() -> str:
    plan = RemediationPlan(server="kubernetes", tool="rollout_restart", args={"namespace": "shop", "name": "api"}, risk="low",
                           resource="shop/Deployment/api", precondition={"expect_generation": 7})
    return plan.action_id


def test_an_approval_must_name_the_pending_action_id():
    policy = RemediationPolicy(mode="approve", namespaces=["shop"])
    for named in (None, "act-0000000000000000"):  # no id, or a stale / different plan's id
        answer = {"decision": "approved", "by": "bob", **({"action_id": named} if named else {})}
        state, events, _ = run(policy, HEALTHY, resume_with=answer)
        assert state.status == "escalated" and "approval refused" in state.escalation_reason, state.escalation_reason
        assert _pending_action_id() in state.escalation_reason and not state.actions
    state, events, _ = run(policy, HEALTHY, resume_with={"decision": "approved", "by": "bob", "action_id": _pending_action_id()})
    assert state.status == "remediated" and state.actions[0].approved_by == "bob"
    assert state.actions[0].args["expect_generation"] == 7, "the write carries the precondition that was approved"


def test_the_action_id_names_tool_target_and_precondition_not_the_reason():
    base = RemediationPlan(server="kubernetes", tool="rollout_undo", args={"namespace": "shop", "name": "api", "to_revision": 1},
                           risk="low", precondition={"expect_revision": 2})
    same = base.model_copy(update={"args": {**base.args, "reason": "other words"}, "rationale": "x"})
    assert same.action_id == base.action_id
    for changed in ({"args": {**base.args, "to_revision": 2}}, {"precondition": {"expect_revision": 3}},
                    {"tool": "rollout_restart"}):
        assert base.model_copy(update=changed).action_id != base.action_id, changed


class RefutedFirstBrain(OneFindingBrain):
    """Plans a rollback first; once the run says the rollback could not be pinned, the runbook's next step."""

    async def plan_remediation(self, state):
        if "rollout_undo" not in state.unpinned:
            return RemediationPlan(server="kubernetes", tool="rollout_undo", args={"namespace": "shop", "name": "api"},
                                   risk="low")
        return self.plan


def test_a_step_the_world_refutes_at_pinning_gives_way_to_the_next_one_not_to_an_escalation():
    brain = RefutedFirstBrain(API, "CrashLoopBackOff", "api crash-loops", RootCauseCategory.CRASH_MISSING_CONFIG,
                              crash_loop_brain().plan)
    incident = Incident(id="inc-2", title="api down", started_at=NOW, window_start=NOW, window_end=NOW, affected=[API])
    # no rollout_history answer: the rollback cannot be pinned to a revision
    context = RunContext(brain=brain, tools=FakeTools(HEALTHY), policy=RemediationPolicy(mode="auto", namespaces=["shop"]),
                         notifier=FakeNotifier(), verify_timeout_s=5, verify_poll_s=0)
    graph, config = build_graph(InMemorySaver()), {"configurable": {"thread_id": incident.id}}

    async def stream():
        return [e async for e in graph.astream(Investigation(incident=incident, started_epoch=time.time()), config,
                                               context=context, stream_mode="custom")]

    events = asyncio.run(stream())
    state = Investigation.model_validate(asyncio.run(graph.aget_state(config)).values)
    plans = [(e["tool"], e["gate"]) for e in events if e["kind"] == "plan"]
    assert plans == [("rollout_undo", "forbidden"), ("rollout_restart", "auto")]
    assert state.status == "remediated" and [a.tool for a in state.actions] == ["rollout_restart"]
    assert not state.unpinned, "the refusals belong to one planning pass, not to the checkpointed run"
