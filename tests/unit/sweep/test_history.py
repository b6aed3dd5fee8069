"""Sweeps over time: what is new and what got resolved; saved sweeps; a bad --diff file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sre_agent.sweep.history import HistoryError, diff, last_saved, read, save
from sre_agent.sweep.models import Problem, SweepReport

T0 = datetime(2030, 1, 1, 10, tzinfo=UTC)


def report(*problems: tuple[str, str], status="problems", at=T0, scope="(cluster)") -> SweepReport:
    return SweepReport(scope=scope, started_at=at, status=status if problems or status == "unknown" else "healthy",
                       problems=[Problem(resource=r, severity=s, summary="") for r, s in problems])  # type: ignore[arg-type]


def test_new_resolved_ongoing_worse():
    before = report(("a/Deployment/x", "warning"), ("a/Deployment/gone", "critical"))
    now = report(("a/Deployment/x", "critical"), ("Node/n1", "critical"), at=T0 + timedelta(hours=1))
    changes = diff(now, before)
    assert (changes.new, changes.resolved, changes.ongoing, changes.worse) == (
        ["Node/n1"], ["a/Deployment/gone"], ["a/Deployment/x"], ["a/Deployment/x"])


def test_first_sweep_everything_is_new():
    changes = diff(report(("a/Deployment/x", "critical")), None)
    assert changes.previous_started_at is None and changes.new == ["a/Deployment/x"]


def test_an_unknown_sweep_resolves_nothing():
    # What could not be checked was not seen: it is not "resolved".
    assert diff(report(status="unknown"), report(("a/Deployment/x", "critical"))).resolved == []


def test_saved_sweeps_last_of_the_scope_skipping_unknown(tmp_path):
    save(report(("a/Deployment/old", "critical")), tmp_path)
    save(report(("a/Deployment/newer", "critical"), at=T0 + timedelta(minutes=5)), tmp_path)
    save(report(status="unknown", at=T0 + timedelta(minutes=10)), tmp_path)
    save(report(("b/Deployment/other", "critical"), at=T0 + timedelta(minutes=20), scope="b"), tmp_path)
    last = last_saved(tmp_path, "(cluster)")
    assert last is not None and [p.resource for p in last.problems] == ["a/Deployment/newer"]
    assert last_saved(tmp_path / "nothing-here", "(cluster)") is None


@pytest.mark.parametrize("content", ["not json", '{"scope": "x"}'])
def test_a_file_that_is_not_a_sweep_is_a_clear_error(tmp_path, content):
    path = tmp_path / "prev.json"
    path.write_text(content)
    with pytest.raises(HistoryError, match="is not a sweep report"):
        read(path)
    with pytest.raises(HistoryError, match="cannot read previous sweep"):
        read(tmp_path / "missing.json")
