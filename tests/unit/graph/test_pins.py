"""Where a rollback goes, as a table: rollout histories and the time the symptom was seen in, the
revision pinned out (or none, and why)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sre_agent.contracts import Finding, Incident
from sre_agent.graph.pins import pinned_revision, symptom_seen

T0 = datetime(2026, 1, 1, 12, tzinfo=UTC)


def at(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat()


def rows(*revisions: tuple[int, float | None]) -> list[dict]:
    return [{"revision": rev, "created": at(minutes) if minutes is not None else None} for rev, minutes in revisions]


PINS = [
    # (case, history, symptom seen at minute, pinned revision, culprit)
    ("the current revision introduced it", rows((1, -120), (2, -14)), -10, 1, 2),
    ("a later rollout does not move the culprit", rows((1, -120), (2, -14), (3, -5)), -10, 1, 2),
    ("the fault predates the last two rollouts", rows((1, -300), (2, -100), (3, -30), (4, -5)), -60, 1, 2),
    ("gaps in the history: the highest revision below the culprit", rows((3, -300), (7, -100), (9, -20)), -10, 7, 9),
    ("a rollback re-uses an old ReplicaSet: it went live no earlier than the revision before it",
     rows((1, -400), (2, -14), (3, -300)), -10, 2, 3),
    ("a rollback's re-used ReplicaSet seen after it went live", rows((1, -300), (3, -14), (4, -400), (5, -3)), -1, 4, 5),
    ("a rollout in the same minute as the symptom is a suspect", rows((1, -60), (2, -10.5)), -10.5, 1, 2),
    ("nothing was live before the symptom", rows((1, -5), (2, -2)), -10, None, None),
    ("only one revision", rows((1, -30)), -10, None, 1),
    ("unknown creation times count as not seen", rows((1, None), (2, None)), -10, None, None),
]


@pytest.mark.parametrize(("case", "history", "seen", "pinned", "culprit"), PINS, ids=[c[0] for c in PINS])
def test_the_pin_is_the_last_revision_before_the_one_that_introduced_the_symptom(case, history, seen, pinned, culprit):
    pin = pinned_revision(history, max(r["revision"] for r in history), T0 + timedelta(minutes=seen))
    assert (pin.to_revision, pin.culprit) == (pinned, culprit), pin.why
    assert pin.why


def _finding(signal: str, onset: str | None, severity: str = "warning", **details) -> Finding:
    return Finding(agent="metrics", resource="shop/Service/frontend", signal=signal, summary=signal, severity=severity,
                   details={"onset": onset, **details})


SEEN = [
    ("no onset: the alarm's time", [], 0),
    ("an anomaly onset plus its period", [_finding("ErrorAnomaly", at(-12), period=60)], -11),
    ("the earliest onset wins", [_finding("ErrorAnomaly", at(-12)), _finding("LatencyAnomaly", at(-20), period=300)], -15),
    ("an info finding is not a symptom", [_finding("PastAnomaly", at(-90), severity="info")], 0),
    ("an onset after the alarm does not move it", [_finding("ErrorAnomaly", at(5))], 0),
]


@pytest.mark.parametrize(("case", "findings", "minute"), SEEN, ids=[c[0] for c in SEEN])
def test_when_the_symptom_was_seen(case, findings, minute):
    incident = Incident(id="i", title="t", started_at=T0, window_start=T0 - timedelta(hours=3), window_end=T0)
    seen, because = symptom_seen(findings, incident)
    assert seen == T0 + timedelta(minutes=minute) and because
