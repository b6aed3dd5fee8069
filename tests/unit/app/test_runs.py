"""Runs: every investigation has its own id; resuming names a run that exists, or says what to pass."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from sre_agent.app.options import RunOptions
from sre_agent.app.runs import checkpointed_run, new_run_id


def test_run_ids_are_unique_even_within_one_second():
    now = datetime(2026, 3, 1, 12, tzinfo=UTC)
    ids = {new_run_id(now) for _ in range(200)}
    assert len(ids) == 200 and all(i.startswith("run-20260301T120000Z-") for i in ids)


def test_resuming_an_unknown_run_says_what_resume_takes(tmp_path):
    with pytest.raises(LookupError, match="no run 'run-nope' in the checkpoints in .*resume takes the run id"):
        asyncio.run(checkpointed_run("run-nope", RunOptions(state_dir=tmp_path)))


def test_the_wait_for_an_approvers_answer_is_a_wait_span_in_the_runs_trace(monkeypatch):
    """Run in one process, a run that pauses keeps its segment open while the approver is asked: that
    time is a span annotated `wait` (the waterfall draws it as the wait), with the answer on it."""
    import json
    from types import SimpleNamespace

    from sre_agent.app import runs
    from sre_agent.tracing.tracer import Tracer

    class Kept:
        description = "kept in memory"

        def send(self, entities):
            pass

    advanced = iter([("paused", {"action_id": "act-1"}), ("done", None)])

    async def advance(graph, payload, thread_id, context, on_progress):
        state, request = next(advanced)
        return state, request

    async def approver(request):
        return {"decision": "approved", "by": "alice", "action_id": request["action_id"]}

    monkeypatch.setattr(runs, "_advance", advance)
    tracer = Tracer(Kept()).begin(incident_id="inc-1", severity="high", brain="offline")
    context = SimpleNamespace(tracer=tracer)
    assert asyncio.run(runs._until_done(None, None, "run-1", context, None, approver, 5.0)) == "done"
    [wait] = json.loads(tracer.segment.serialize())["subsegments"]
    assert wait["name"] == "waiting for approval" and wait["annotations"]["wait"] == "approval"
    assert wait["metadata"]["sre_agent"]["decision"] == "approved" and wait["metadata"]["sre_agent"]["by"] == "alice"
    assert wait["end_time"] >= wait["start_time"]
