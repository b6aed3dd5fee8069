"""The replay toolbox answers only from its recording: exact and near matches, honest misses, writes
never executed, time moved to the replay's moment."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from sre_agent.app.replay_tools import (
    NOT_EXECUTED,
    NOT_RECORDED,
    RecordedCall,
    RecordedTool,
    Recording,
    ReplayToolbox,
    shift_times,
)

RECORDED_AT = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
EVENTS_SCHEMA = {"type": "object", "properties": {
    "namespace": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
    "warnings_only": {"type": "boolean", "default": True},
    "limit": {"type": "integer", "default": 50}}}
TOOLS = [
    RecordedTool(server="kubernetes", name="events", description="Events, newest first.", input_schema=EVENTS_SCHEMA,
                 read_only=True),
    RecordedTool(server="kubernetes", name="analyze", read_only=True),
    RecordedTool(server="kubernetes", name="rollout_undo", input_schema={"properties": {"name": {}}}, read_only=False),
    RecordedTool(server="cloudwatch", name="detect_anomalies", input_schema={"properties": {"start": {}, "end": {}}},
                 read_only=True),
]


def toolbox(*calls: RecordedCall, now: datetime = RECORDED_AT) -> ReplayToolbox:
    return ReplayToolbox(TOOLS, Recording(recorded_at=RECORDED_AT, calls=list(calls)), now=now)


def call(box: ReplayToolbox, server: str, tool: str, args: dict):
    return asyncio.run(box.call("kubernetes", server, tool, args))


@pytest.mark.parametrize(("recorded_args", "asked_args", "answered", "near"), [
    ({"namespace": "shop"}, {"namespace": "shop"}, True, False),                          # exact
    ({"namespace": "shop"}, {"namespace": "shop", "limit": 50}, True, True),              # a default spelled out
    ({"namespace": "shop", "warnings_only": True}, {"namespace": "shop"}, True, True),    # a default left out
    ({"namespace": "shop"}, {"namespace": None, "limit": 50, "warnings_only": True}, False, False),  # another scope
    ({"namespace": "shop"}, {"namespace": "shop", "limit": 10}, False, False),            # a real difference
    ({}, {"namespace": None}, True, True),                                                # null = left out
])
def test_matching(recorded_args, asked_args, answered, near):
    box = toolbox(RecordedCall(server="kubernetes", tool="events", args=recorded_args, data={"count": 1}))
    outcome = call(box, "kubernetes", "events", asked_args)
    if answered:
        assert outcome.error is None and outcome.data == {"count": 1}
        assert box.near_matches == int(near)
        assert box.misses == []
    else:
        assert outcome.data is None and outcome.error.startswith(NOT_RECORDED)
        assert [m.args for m in box.misses] == [asked_args]


def test_a_recorded_error_is_served_as_an_error():
    box = toolbox(RecordedCall(server="kubernetes", tool="events", args={}, error="namespace 'x' is not allowed"))
    outcome = call(box, "kubernetes", "events", {})
    assert outcome.error == "namespace 'x' is not allowed" and not outcome.record.ok
    assert box.misses == []


def test_repeated_calls_get_the_recorded_answers_in_order_then_the_last():
    box = toolbox(RecordedCall(server="kubernetes", tool="events", args={}, data={"count": 1}),
                  RecordedCall(server="kubernetes", tool="events", args={}, data={"count": 2}))
    assert [call(box, "kubernetes", "events", {}).data["count"] for _ in range(3)] == [1, 2, 2]


def test_a_call_the_run_made_gets_the_runs_answer_not_the_recorders_earlier_read():
    box = toolbox(RecordedCall(server="kubernetes", tool="events", args={}, data={"count": 1}, by="recorder"),
                  RecordedCall(server="kubernetes", tool="events", args={}, data={"count": 2}),
                  RecordedCall(server="kubernetes", tool="analyze", args={}, data={"count": 3}, by="recorder"))
    assert [call(box, "kubernetes", "events", {}).data["count"] for _ in range(2)] == [2, 2]
    assert call(box, "kubernetes", "analyze", {}).data == {"count": 3}  # only the recorder read it: served


def test_writes_are_never_executed_and_are_kept_for_judging():
    box = toolbox(RecordedCall(server="kubernetes", tool="rollout_undo", args={"name": "a"}, data={"done": True}))
    outcome = call(box, "kubernetes", "rollout_undo", {"name": "a"})
    assert outcome.error == NOT_EXECUTED and outcome.data is None
    assert [w.tool for w in box.attempted_writes] == ["rollout_undo"] and box.misses == []


def test_unknown_tool_is_a_miss():
    outcome = call(toolbox(), "kubernetes", "no_such_tool", {})
    assert outcome.error and "no tool kubernetes.no_such_tool" in outcome.error


def test_evidence_ids_continue_from_the_runs_count():
    box = toolbox(RecordedCall(server="kubernetes", tool="events", args={}, data={}))
    box.start_numbering_at(7)
    assert call(box, "kubernetes", "events", {}).record.id == "ev-8"


def test_the_recording_moves_to_the_replays_moment():
    later = RECORDED_AT + timedelta(days=3, minutes=5)
    box = toolbox(RecordedCall(server="cloudwatch", tool="detect_anomalies",
                               args={"start": "2026-11-01T11:00:00Z", "end": "2026-11-01T12:00:00Z"},
                               data={"intervals": [{"start": "2026-11-01T11:40:00.500000+00:00", "end": None}],
                                     "note": "since 2026-11-01 11:40:00"}), now=later)
    asked = {"start": "2026-11-04T11:05:00Z", "end": "2026-11-04T12:05:00Z"}  # what the brain computes now
    outcome = call(box, "cloudwatch", "detect_anomalies", asked)
    assert outcome.error is None and box.near_matches == 0
    assert outcome.data == {"intervals": [{"start": "2026-11-04T11:45:00.500000+00:00", "end": None}],
                            "note": "since 2026-11-04 11:45:00"}


def test_a_time_argument_a_few_seconds_off_is_a_near_match():
    box = toolbox(RecordedCall(server="cloudwatch", tool="detect_anomalies", args={"start": "-3h", "end": "2026-11-01T12:00:00Z"},
                               data={"intervals": []}))
    outcome = call(box, "cloudwatch", "detect_anomalies", {"start": "-3h", "end": "2026-11-01T12:00:07Z"})
    assert outcome.error is None and box.near_matches == 1


def test_shift_times_keeps_each_format():
    delta = timedelta(hours=1)
    assert shift_times({"a": ["2026-01-01T00:00:00", "x 2026-01-01T00:00:00+02:00 y"], "n": 3}, delta) == \
        {"a": ["2026-01-01T01:00:00", "x 2026-01-01T01:00:00+02:00 y"], "n": 3}


def test_offered_tools_are_the_read_only_ones_with_their_schema():
    offered = toolbox().read_only_tools("kubernetes")
    assert [t.name for t in offered] == ["events", "analyze"]
    assert offered[0].args_schema == EVENTS_SCHEMA and offered[0].description == "Events, newest first."
