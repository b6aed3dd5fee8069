"""A full Investigation survives the checkpoint serializer: every state type is on its allow-list,
so a resumed run reads back exactly what was written (and nothing unlisted is deserialised)."""

from __future__ import annotations

from datetime import UTC, datetime

from sre_agent.app.wiring import checkpoint_serde
from sre_agent.contracts import Action, Diagnosis, Evidence, Finding, Incident, Person, RootCauseCategory, ToolCallRecord
from sre_agent.graph.state import ApprovalDecision, Budget, Hypothesis, Investigation, RemediationPlan, Task, Usage

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)


def full_investigation() -> Investigation:
    task = Task(agent="kubernetes", target="shop/Service/frontend", question="triage", reason="alarm")
    plan = RemediationPlan(runbook="bad_image", server="kubernetes", tool="rollout_undo",
                           args={"namespace": "shop", "name": "catalog", "to_revision": 3}, risk="low")
    return Investigation(
        incident=Incident(id="inc-1", title="5xx", started_at=NOW, window_start=NOW, window_end=NOW,
                          affected=["shop/Service/frontend"], alarm={"AlarmName": "a", "Trigger": {"Dimensions": {}}},
                          requested_by=Person(sub="u-2", email="rita@example.com")),
        brain="bedrock", remediation_mode="auto", budget=Budget(max_steps=3),
        usage=Usage(steps=2, input_tokens=10, output_tokens=5, cost_usd=0.01, model="bedrock:m"),
        started_epoch=1.5, tasks=[task], pending=task,
        tool_calls=[ToolCallRecord(id="ev-1", agent="kubernetes", server="kubernetes", tool="get_resources",
                                   args={"kind": "pods"}, excerpt="ImagePullBackOff", duration_ms=3.5)],
        findings=[Finding(agent="kubernetes", resource="shop/Deployment/catalog", signal="ImagePullBackOff",
                          summary="cannot pull", severity="critical", details={"image": "x:1"}, evidence=["ev-1"])],
        hypotheses=[Hypothesis(category=RootCauseCategory.BAD_IMAGE, resource="shop/Deployment/catalog",
                               confidence=0.9, reasons=["pull"], evidence=["ev-1"])],
        diagnosis=Diagnosis(category=RootCauseCategory.BAD_IMAGE, resource="shop/Deployment/catalog", summary="s",
                            confidence=0.9, evidence=[Evidence(id="ev-1", source_tool="kubernetes.get_resources")]),
        diagnosed_after_s=1.2, plan=plan, approval=ApprovalDecision(decision="approved", by="alice",
                                                                person=Person(sub="u-1", email="alice@example.com")),
        actions=[Action(tool="rollout_undo", args={"name": "catalog"}, approved_by="alice", result="done")],
        verified=True, verification="ready 3/3", status="remediated", answer="fixed", escalation_reason=None,
        notes=["supervisor: llm"])


def test_a_full_investigation_round_trips_through_the_checkpoint_serializer():
    serde = checkpoint_serde()
    state = full_investigation()
    assert serde.loads_typed(serde.dumps_typed(state)) == state
    # What LangGraph checkpoints is one channel per field: each of those round-trips too.
    for name in Investigation.model_fields:
        value = getattr(state, name)
        assert serde.loads_typed(serde.dumps_typed(value)) == value, name
