"""A replay case on disk: written and read back unchanged (results keep the server's key order),
repeated answers stored once, the shared tool list found beside the cases."""

from __future__ import annotations

from datetime import UTC, datetime

from sre_agent.app.replay_tools import RecordedCall, RecordedTool, Recording
from sre_agent.contracts import Incident
from sre_agent.eval.replay_case import (
    Expected,
    LiveOutcome,
    ReplayCase,
    case_dirs,
    load_case,
    without_repeats,
    write_case,
    write_tools,
)

AT = datetime(2026, 11, 1, 12, tzinfo=UTC)


def _call(answer: int, tool: str = "events") -> RecordedCall:
    return RecordedCall(server="kubernetes", tool=tool, args={"namespace": "shop"}, data={"count": answer})


def test_a_repeated_answer_is_stored_once_and_a_changed_one_is_kept():
    calls = [_call(1), _call(1), _call(2), _call(2), _call(1), _call(1, tool="analyze")]
    assert [(c.tool, c.data["count"]) for c in without_repeats(calls)] == [
        ("events", 1), ("events", 2), ("events", 1), ("analyze", 1)]


def test_a_case_round_trips_with_the_servers_key_order(tmp_path):
    incident = Incident(id="inc-1", title="5xx", started_at=AT, window_start=AT, window_end=AT,
                        affected=["shop/Service/frontend"])
    case = ReplayCase(id="bad-image", title="Bad image", entry=incident, namespaces=["shop"],
                      expected=Expected(category="bad_image", resource="shop/Deployment/catalog"),
                      live=LiveOutcome(brain="offline", category="bad_image", resource="shop/Deployment/catalog",
                                       status="escalated", tool_calls=3))
    data = {"median": 1.5, "mad": 0.2, "points": 10}  # not sorted: a brain may render it as it came
    write_case(tmp_path / "bad-image", case, Recording(recorded_at=AT, calls=[
        RecordedCall(server="cloudwatch", tool="detect_anomalies", args={"start": "-3h"}, data=data)]))
    write_tools(tmp_path, [RecordedTool(server="cloudwatch", name="detect_anomalies", read_only=True)])
    assert case_dirs(tmp_path) == [tmp_path / "bad-image"] and case_dirs(tmp_path, ["other"]) == []
    loaded = load_case(tmp_path / "bad-image")
    assert loaded.case == case
    assert list(loaded.recording.calls[0].data) == ["median", "mad", "points"]
    assert [t.name for t in loaded.tools] == ["detect_anomalies"]
