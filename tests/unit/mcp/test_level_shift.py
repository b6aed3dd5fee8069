"""Level shifts the window still holds at its end, found by a whole-window split (level_shift.py): a step
inside the streaming scorer's warm-up is found; a passed spike, a step that came back and stationary
noise are not."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pytest

from mcp_servers.cloudwatch.anomaly_intervals import detect_anomalies
from mcp_servers.cloudwatch.level_shift import persistent_shifts

N = 180


def counts(seed: int, levels: list[tuple[int, float]]) -> np.ndarray:
    """Poisson counts whose rate changes at each (index, rate)."""
    rng = np.random.default_rng(seed)
    rate = np.zeros(N)
    for start, value in levels:
        rate[start:] = value
    return rng.poisson(rate).astype(float)


def gauss(seed: int) -> np.ndarray:
    return 50.0 + 5.0 * np.random.default_rng(seed).standard_normal(N)


# (name, series maker, the shifts expected (each within 2 points))
CASES = [
    ("5xx step inside the warm-up (point 30), still raised", lambda s: counts(s, [(0, 3), (30, 27)]), [30]),
    ("two steps that both stay: an earlier release, then more traffic", lambda s: counts(s, [(0, 3), (30, 27), (130, 58)]),
     [30, 130]),
    ("a step down that stays", lambda s: gauss(s) - np.r_[np.zeros(40), np.full(N - 40, 40.0)], [40]),
    ("a 20-point spike that passed", lambda s: gauss(s) + np.r_[np.zeros(60), np.full(20, 40.0), np.zeros(N - 80)], []),
    ("a step that came back before the end", lambda s: counts(s, [(0, 3), (40, 30), (150, 3)]), []),
    ("stationary gaussian noise", gauss, []),
    ("stationary counts", lambda s: counts(s, [(0, 20)]), []),
]


@pytest.mark.parametrize("name, make, expected", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_persistent_shifts(name, make, expected, seed):
    found = persistent_shifts(make(seed))
    assert len(found) == len(expected), f"{name}: found {found}, expected {expected}"
    assert all(abs(f - e) <= 2 for f, e in zip(found, expected)), f"{name}: found {found}, expected {expected}"


def test_an_early_step_is_one_interval_to_the_end_of_the_window_with_the_level_before_as_baseline():
    times = [datetime(2026, 11, 23, 1, 0) + timedelta(minutes=i) for i in range(N)]
    series = counts(7, [(0, 3), (30, 27), (130, 58)])
    report = detect_anomalies(times, series)
    [interval] = report.intervals
    assert abs(times.index(datetime.fromisoformat(interval.start)) - 30) <= 2
    assert interval.end == times[-1].isoformat()
    assert report.baseline.median < 6  # the 30 points before the step, not the raised level


def test_short_series_have_no_split():
    assert persistent_shifts(np.r_[np.zeros(12), np.full(12, 50.0)]) == []
