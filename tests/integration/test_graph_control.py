"""The graph's control paths against the lab through the real MCP servers: approval interrupts
(approve, reject, timeout), budgets, one run per investigation, crash-and-resume without repeating
an action, and durable checkpoints in PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest

from sre_agent.app.intake import incident_for_trigger
from sre_agent.app.options import RunOptions
from sre_agent.app.runs import new_run_id, resume_investigation, run_investigation
from sre_agent.app.toolbox import Toolbox
from sre_agent.eval.world_check import resource_healthy
from sre_agent.graph.state import Budget
from sre_agent.lab.lab import Lab
from sre_agent.lab.trigger import lab_namespaces, scenario_trigger

CATALOG = "shop/Deployment/catalog"


def _incident(lab: Lab):
    trigger = scenario_trigger(lab)
    return incident_for_trigger(trigger.alarm, trigger.question)


def _lab() -> Lab:
    lab = Lab().start()
    lab.load("bad-image")
    lab.run_clock(120)
    return lab


@pytest.fixture(scope="module")
def shared_lab():
    """For runs that must not change the world (rejected, timed out, over budget)."""
    lab = _lab()
    yield lab
    lab.stop()


def _settings(lab: Lab, tmp_path: Path, **overrides) -> RunOptions:
    values = dict(remediation="approve", namespaces=lab_namespaces(lab), state_dir=tmp_path, env=lab.env(),
                  verify_timeout_s=60, verify_poll_s=1.0)
    values.update(overrides)
    return RunOptions(**values)


def _audit(tmp_path: Path) -> list[dict]:
    path = tmp_path / "audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_approved_action_runs_and_is_verified(tmp_path):
    lab = _lab()
    asked = []

    async def approve(request):
        asked.append(request)
        return {"decision": "approved", "by": "alice", "action_id": request["action_id"]}

    try:
        result, state = asyncio.run(run_investigation(_incident(lab), _settings(lab, tmp_path), approver=approve))
        assert len(asked) == 1 and asked[0]["plan"]["tool"] == "rollout_undo"
        assert asked[0]["pinned"]["args"]["to_revision"] == 1 and asked[0]["pinned"]["precondition"] == {"expect_revision": 2}
        assert result.status == "remediated"
        assert result.actions[0].approved_by == "alice" and result.actions[0].verified
        assert resource_healthy(lab, CATALOG)[0]
        assert [r["outcome"] for r in _audit(tmp_path)] == ["applied"]
    finally:
        lab.stop()


def test_rejected_action_escalates_and_changes_nothing(shared_lab, tmp_path):
    async def reject(request):
        return {"decision": "rejected", "by": "bob", "note": "change freeze"}

    result, state = asyncio.run(run_investigation(_incident(shared_lab), _settings(shared_lab, tmp_path), approver=reject))
    assert result.status == "escalated" and not result.actions
    assert "rejected by bob" in state.escalation_reason and "change freeze" in state.escalation_reason
    assert result.diagnosis.category == "bad_image" and result.diagnosis.resource == CATALOG
    assert _audit(tmp_path) == []
    assert not resource_healthy(shared_lab, CATALOG)[0]
    assert "Escalated because" in Path(result.report_path).read_text()


def test_unanswered_approval_times_out_and_escalates(shared_lab, tmp_path):
    async def never(request):
        await asyncio.sleep(60)

    settings = _settings(shared_lab, tmp_path, approval_timeout_s=1.0)
    result, state = asyncio.run(run_investigation(_incident(shared_lab), settings, approver=never))
    assert result.status == "escalated" and "timeout" in state.escalation_reason
    assert _audit(tmp_path) == []


def test_spent_budget_escalates_with_partial_findings(shared_lab, tmp_path):
    settings = _settings(shared_lab, tmp_path, budget=Budget(max_steps=1))
    result, state = asyncio.run(run_investigation(_incident(shared_lab), settings))
    assert result.status == "escalated"
    assert "step budget spent" in state.escalation_reason
    assert state.findings and result.tool_calls > 0
    assert result.agents_invoked == ["kubernetes"]


def test_the_same_alarm_twice_is_two_runs_each_with_its_own_verdict(shared_lab, tmp_path):
    """Once, the incident id was the thread: the second run appended to the first (and reported
    what the first did). Now each investigation is its own run, in one state dir."""
    async def reject(request):
        return {"decision": "rejected", "by": "bob", "note": f"run {request['run_id']}"}

    incident = _incident(shared_lab)
    settings = _settings(shared_lab, tmp_path)
    first, first_state = asyncio.run(run_investigation(incident, settings, approver=reject))
    second, second_state = asyncio.run(run_investigation(_incident(shared_lab), settings, approver=reject))
    assert first.incident_id == second.incident_id == incident.id, "the incident id still groups them"
    assert first.run_id != second.run_id and all(r.run_id.startswith("run-") for r in (first, second))
    for result, state in ((first, first_state), (second, second_state)):
        assert result.status == "escalated" and result.diagnosis.resource == CATALOG
        assert f"run {result.run_id}" in state.escalation_reason, "each run was asked about its own action"
        assert Path(result.report_path).name == f"{result.run_id}.md" and Path(result.report_path).exists()
    # Appended to the first's thread, the second run would hold the first's tasks and then its own (twice as many).
    # Not equal: the shared lab's clock runs between the runs, and a world a minute on may warrant one more question.
    assert len(second_state.tasks) < 2 * len(first_state.tasks), "the second run did not append to the first's thread"
    assert second.tool_calls == len(second_state.tool_calls) < 2 * first.tool_calls


class Crash(RuntimeError):
    """Stands for the process dying right after a write landed, before the checkpoint was written."""


def test_crash_after_the_write_then_resume_does_not_repeat_it(tmp_path, monkeypatch):
    lab = _lab()
    original = Toolbox.call

    async def crashing_call(self, agent, server, tool, args, brain="offline"):
        outcome = await original(self, agent, server, tool, args, brain)
        if agent == "remediation" and tool == "rollout_undo":  # the write, not the reads that pinned it
            raise Crash(f"died after {tool}")
        return outcome

    try:
        settings = _settings(lab, tmp_path, remediation="auto")
        incident, run_id = _incident(lab), new_run_id()
        monkeypatch.setattr(Toolbox, "call", crashing_call)
        with pytest.raises(Crash):
            asyncio.run(run_investigation(incident, settings, run_id=run_id))
        monkeypatch.setattr(Toolbox, "call", original)
        result, state = asyncio.run(resume_investigation(run_id, settings))
        assert result.run_id == run_id and result.incident_id == incident.id
        applied = [r for r in _audit(tmp_path) if r["outcome"] == "applied"]
        assert [r["tool"] for r in applied] == ["rollout_undo"], "the write ran more than once"
        assert result.actions and result.actions[0].result.startswith("not repeated")
        assert result.status == "remediated" and resource_healthy(lab, CATALOG)[0]
    finally:
        lab.stop()


POSTGRES_DSN = os.environ.get("SRE_AGENT_TEST_POSTGRES_DSN")


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_DSN, reason="set SRE_AGENT_TEST_POSTGRES_DSN=postgresql://... to run the PostgreSQL "
                                             "checkpointer test (CI does)")
def test_postgres_checkpoints_and_ledger(tmp_path):
    import psycopg

    lab = _lab()
    try:
        incident = _incident(lab)
        settings = _settings(lab, tmp_path, remediation="auto", checkpoint_dsn=POSTGRES_DSN)
        result, state = asyncio.run(run_investigation(incident, settings))
        assert result.status == "remediated"
        with psycopg.connect(POSTGRES_DSN) as conn:
            checkpoints = conn.execute("SELECT count(*) FROM checkpoints WHERE thread_id = %s", (result.run_id,)).fetchone()[0]
            actions = conn.execute("SELECT state FROM sre_agent_action_ledger WHERE incident = %s AND run_id = %s",
                                   (incident.id, result.run_id)).fetchall()
        assert checkpoints > 3
        assert actions == [("done",)]
    finally:
        lab.stop()
