"""Whole-number count series (5xx per minute, restarts) have quantised baselines whose MAD is 0; a
step away from one must be reported as the lasting shift it is, not as a one-point blip."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from mcp_servers.cloudwatch.anomaly_intervals import detect_anomalies


def test_a_step_from_a_quantised_count_baseline_persists_to_the_end():
    start = datetime(2026, 1, 1, tzinfo=UTC)
    rng = random.Random(7)
    baseline = [2.0 if rng.random() < 0.7 else 3.0 for _ in range(164)]  # MAD 0
    step = [float(round(700 * (1 + 0.1 * rng.gauss(0, 1)))) for _ in range(30)]  # errors jitter 10 % once failing
    values = baseline + step
    stamps = [start + timedelta(minutes=i) for i in range(len(values))]
    report = detect_anomalies(stamps, values)
    last = report.intervals[-1]
    assert last.start <= stamps[len(baseline) + 1].isoformat()
    assert last.end == stamps[-1].isoformat(), "the shift is still going on at the end of the window"


def test_the_baselines_own_wobble_by_one_count_is_not_a_step():
    start = datetime(2026, 1, 1, tzinfo=UTC)
    values = [2.0, 2.0, 3.0, 2.0, 2.0, 2.0, 3.0, 2.0, 2.0, 2.0] * 18
    report = detect_anomalies([start + timedelta(minutes=i) for i in range(len(values))], values)
    assert all(i.points <= 2 for i in report.intervals), report.intervals
