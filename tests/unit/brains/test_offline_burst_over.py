"""A burst that is over is not an ongoing symptom: after an anomaly interval ends, a series that has stayed inside its
baseline's band long enough (QUIET_POINTS, and twice the burst) is back -- the storm an autoscaler absorbed; one still
off the band (a level the detector learnt as normal), or quiet for less than that (the gap between two bursts of an
intermittent fault) is not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sre_agent.brains.offline.metric_judgement import back_at_baseline

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
BASELINE = {"median": 100.0, "mad": 4.6, "points": 179}


def points(values: list[float]) -> list[tuple[str, float]]:
    return [((NOW - timedelta(minutes=len(values) - i)).isoformat(), v) for i, v in enumerate(values)]


def interval(at: int, length: int = 1) -> dict:
    """An interval of `length` points ending at minute `at` before NOW."""
    return {"start": (NOW - timedelta(minutes=at + length - 1)).isoformat(), "end": (NOW - timedelta(minutes=at)).isoformat(),
            "points": length}


@pytest.mark.parametrize("values, ended, length, back", [
    ([100, 101, 377, 95, 102, 119, 101, 94, 98, 104, 96, 110, 106], 11, 1, 10),  # one slow minute, back for 10
    ([100, 101, 377, 95, 102, 101], 4, 1, None),        # back for 3 points: too soon to say
    ([100, 300, 310, 305, 320, 101, 99, 100, 102, 98], 6, 4, None),  # a 4-point burst back for 5: under twice its length
    ([100, 101, 377, 160, 158, 161, 159, 162, 160], 7, 1, None),  # a new level the detector learnt: still off the band
    ([100, 101, 377, 380], 1, 2, None),                  # still in it: nothing since its end
])
def test_a_burst_is_over_when_the_series_stayed_in_its_band_long_enough(values, ended, length, back):
    assert back_at_baseline(points(values), interval(ended, length), BASELINE) == back
