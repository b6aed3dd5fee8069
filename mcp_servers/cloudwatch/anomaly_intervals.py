"""Anomalous intervals of a whole metric series, with anomaly_scorer.py's streaming scorer: the
points whose anomaly level reaches a threshold, merged into intervals that last while the values
stay away from the level before them, plus the baseline (median/MAD) of the rest of the window.
This is what the `detect_anomalies` tool runs (anomaly_report.py shapes its answer).

Short windows (``detect_anomalies`` on the ~180 points an MCP call fetches): there is little
history to learn "normal" from, so the default ``threshold`` (0.9) is set for quiet. Measured
by ``bench/bench_anomalies.py`` (40 fixed seeds per case, 180 points, fault from point 160):
about 2% of Gaussian, AR(1) or Poisson noise series raise an interval; 5-sigma steps and drops
are found every time, an 8-sigma one-point spike 98% and a ramp to 8 sigma 85% of the time,
a 3-sigma step 62%. Heavy-tailed noise (Laplace, 15%) and sparse bursty metrics (mostly zero
with occasional bursts, ~70%: each new burst height looks anomalous until a few have been
seen) alarm more often; fetch a longer window for those.

A step early in the window (inside the scorer's warm-up) is learnt as normal by a streaming
scorer; level_shift.py's whole-window split adds the steps the window still holds at its end
(docs/benchmarks-anomalies.md, "Steps the window still holds").
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime

import numpy as np
from pydantic import BaseModel

from .anomaly_scorer import METHOD, AnomalyScorer, DetectorParams
from .level_shift import persistent_shifts


class Baseline(BaseModel):
    median: float
    mad: float  # median absolute deviation, unscaled
    points: int  # how many points (outside anomalous intervals) it was computed from


class AnomalousInterval(BaseModel):
    start: str  # ISO timestamps of the first and last anomalous point
    end: str
    points: int
    peak_score: float
    peak_at: str
    max_value: float  # the value furthest from the baseline median within the interval
    # (max_value - median) / MAD; +/-inf when the baseline is flat (MAD 0) — callers that emit
    # JSON must map it (anomaly_report.py reports null plus flat_baseline).
    deviation_mads: float


class AnomalyReport(BaseModel):
    method: str
    threshold: float
    points: int
    warmup_points: int
    anomalous: bool
    intervals: list[AnomalousInterval]
    baseline: Baseline


# Measured on synthetic 180-point series (module docstring; bench/bench_anomalies.py): 0.9 keeps
# ~98% of stationary noise series quiet; 0.85 catches 3-sigma steps far more often (98% vs 62%)
# but raises an interval on 10-18% of pure-noise series.
DEFAULT_THRESHOLD = 0.9
DEFAULT_MIN_GAP = 5
# An interval lasts while values stay this many (scaled) MADs from the baseline: the detector
# learns a new level within a dozen points, so its score alone would end a step's interval early.
PERSISTENCE_MADS = 3.0


def detect_anomalies(
    timestamps: Sequence[datetime | str],
    values: Sequence[float],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    min_gap: int = DEFAULT_MIN_GAP,
    params: DetectorParams | None = None,
) -> AnomalyReport:
    """Score a whole series and report the intervals whose anomaly level reaches ``threshold``.

    Runs closer than ``min_gap`` points are merged into one interval, and an interval goes on
    while values stay ``PERSISTENCE_MADS`` from the level before it (so a step that persists is
    reported until it ends, not only at its onset). The baseline is the median/MAD of every point
    outside the intervals (the "normal" part of the window).
    """
    if len(timestamps) != len(values):
        raise ValueError(f"detect_anomalies: {len(timestamps)} timestamps but {len(values)} values")
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"detect_anomalies: threshold must be in (0, 1), got {threshold}")
    if min_gap < 1:
        raise ValueError(f"detect_anomalies: min_gap must be >= 1, got {min_gap}")
    labels = [t.isoformat() if isinstance(t, datetime) else str(t) for t in timestamps]
    data = np.asarray(values, dtype=float)
    finite = np.isfinite(data)
    if not finite.all():
        raise ValueError(f"detect_anomalies: value at {labels[int(np.argmin(finite))]} is not a finite number")

    scorer = AnomalyScorer(params)
    levels = np.array([scorer.update(float(v)).level for v in data])
    runs = _merge_runs(np.flatnonzero(levels >= threshold), min_gap)
    runs = _extend_while_deviating(data, runs, min_gap)
    # A step the streaming scorer learned as normal (it began in the warm-up, or early in a short
    # window) but which the window still holds at its end: level_shift.py's whole-window split.
    runs = _union(runs + [(at, data.size - 1) for at in persistent_shifts(data)])

    normal = np.ones(data.size, dtype=bool)
    for start, end in runs:
        normal[start:end + 1] = False
    reference = data[normal] if normal.any() else data
    median, mad = _median_mad(reference)

    intervals = []
    for start, end in runs:
        segment = data[start:end + 1]
        far = start + int(np.argmax(np.abs(segment - median)))
        peak = start + int(np.argmax(levels[start:end + 1]))
        offset = float(data[far] - median)
        deviation = round(offset / mad, 2) if mad > 0 else math.copysign(math.inf, offset)
        intervals.append(AnomalousInterval(
            start=labels[start], end=labels[end], points=end - start + 1,
            peak_score=round(float(levels[peak]), 4), peak_at=labels[peak],
            max_value=float(data[far]), deviation_mads=deviation,
        ))
    return AnomalyReport(
        method=METHOD, threshold=threshold, points=int(data.size),
        warmup_points=min(int(data.size), scorer.params.warmup),
        anomalous=bool(intervals), intervals=intervals,
        baseline=Baseline(median=median, mad=mad, points=int(reference.size)),
    )


def _median_mad(values: np.ndarray) -> tuple[float, float]:
    if values.size == 0:
        return 0.0, 0.0
    median = float(np.median(values))
    return median, float(np.median(np.abs(values - median)))


def _extend_while_deviating(data: np.ndarray, runs: list[tuple[int, int]], min_gap: int) -> list[tuple[int, int]]:
    """Stretch each run over the following points that stay far from the level before it."""
    extended: list[tuple[int, int]] = []
    for start, end in runs:
        before = data[extended[-1][1] + 1 if extended else 0:start]
        median, mad = _median_mad(before)
        if mad == 0 and before.size >= 10 and np.array_equal(before, np.round(before)):
            # A count's resolution is one: a quantised baseline (2, 2, 3, 2, ...) has a MAD of 0, and a
            # step away from it must persist as one from a noisy baseline does.
            mad = 1.0
        if before.size >= 10 and mad > 0:
            far = np.abs(data - median) > PERSISTENCE_MADS * 1.4826 * mad
            quiet = 0
            i = end + 1
            while i < data.size and quiet < min_gap:
                quiet = 0 if far[i] else quiet + 1
                if far[i]:
                    end = i
                i += 1
        if extended and start - extended[-1][1] <= min_gap:
            extended[-1] = (extended[-1][0], max(end, extended[-1][1]))
        else:
            extended.append((start, end))
    return extended


def _union(runs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(runs):
        if merged and start <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _merge_runs(indices: np.ndarray, min_gap: int) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for i in indices.tolist():
        if runs and i - runs[-1][1] <= min_gap:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs
