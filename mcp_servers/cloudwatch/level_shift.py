"""Level shifts still in place at the end of a window, found by looking at the whole window at once.

The streaming scorer (anomaly_scorer.py) judges each point by what came before it, so a step that
begins inside its warm-up, or early enough in a short window that little "before" exists, can pass
unscored: the scorer learns the new level as normal. An investigation, though, sees the whole window
and asks one question of it -- did the level move and stay moved? -- which a change-point split
answers directly: binary segmentation on the mean (the CUSUM split), each split kept only if the
level after it is far (in the noise of the level before) from the level of *everything before it* (not just of its sub-segment, so the
way back from a passed spike is never a "shift"), the two sides barely overlap, and the end of the
window is still on the shifted side.

Measured with the short-window check of bench/bench_anomalies.py (noise series that raise an
interval, with and without this pass): docs/benchmarks.md, anomaly section."""

from __future__ import annotations

import numpy as np

MIN_SIDE = 10  # points on each side of a split: fewer cannot tell a level from a burst
SHIFT_SCALES = 4.0  # the level after a split is this many robust standard deviations from before
SEPARATED = 0.9  # share of points on each side that fall on their own side of the midpoint
TAIL = 10  # the last points of the window must still be on the shifted side
DEPTH = 3  # splits within splits: a window rarely holds more than a few steps that stay


def persistent_shifts(values: np.ndarray) -> list[int]:
    """Indices where the series stepped to a level it still holds at the end, earliest first."""
    data = np.asarray(values, dtype=float)
    if data.size < 2 * MIN_SIDE + TAIL:
        return []
    whole_counts = bool(np.array_equal(data, np.round(data)))
    found: set[int] = set()
    _split(data, 0, data.size, DEPTH, whole_counts, found)
    return sorted(found)


def _split(data: np.ndarray, lo: int, hi: int, depth: int, whole_counts: bool, found: set[int]) -> None:
    if depth == 0 or hi - lo < 2 * MIN_SIDE:
        return
    segment = data[lo:hi]
    cusum = np.cumsum(segment - segment.mean())[MIN_SIDE - 1:hi - lo - MIN_SIDE]
    at = lo + MIN_SIDE + int(np.argmax(np.abs(cusum)))
    if _holds(data, at, hi, whole_counts):
        at = _sharpen(data, at, hi)
        found.add(at)
    _split(data, lo, at, depth - 1, whole_counts, found)
    _split(data, at, hi, depth - 1, whole_counts, found)


def _holds(data: np.ndarray, at: int, hi: int, whole_counts: bool) -> bool:
    """Is `at` a step from the level of all that came before to the level of its segment (up to the
    next split, `hi`), with the end of the window still on the shifted side?"""
    before, after = data[:at], data[at:hi]
    if before.size < MIN_SIDE or after.size < MIN_SIDE:
        return False
    level_before, level_after = float(np.median(before)), float(np.median(after))
    # The noise is the level before's own: after a step the window may hold further steps, which
    # would make the after side's spread say nothing about noise.
    spread = 1.4826 * _mad(before)
    if whole_counts:
        spread = max(spread, 1.0)  # a count's resolution is one; a MAD of 0 is not "no noise"
    if level_after == level_before or abs(level_after - level_before) < SHIFT_SCALES * spread:
        return False
    midpoint = (level_before + level_after) / 2
    up = level_after > level_before
    after_side = after > midpoint if up else after < midpoint
    before_side = before < midpoint if up else before > midpoint
    tail = data[-TAIL:]
    still = tail > midpoint if up else tail < midpoint
    return bool(after_side.mean() >= SEPARATED and before_side.mean() >= SEPARATED and still.all())


def _sharpen(data: np.ndarray, at: int, hi: int) -> int:
    """The CUSUM split lands within a few points of a step; move it to where the fewest points sit
    on the wrong side of the two levels' midpoint (the step's first point)."""
    midpoint = (float(np.median(data[:at])) + float(np.median(data[at:hi]))) / 2
    up = np.median(data[at:hi]) > midpoint
    after_side = data[:hi] > midpoint if up else data[:hi] < midpoint
    first, last = max(MIN_SIDE, at - MIN_SIDE // 2), min(hi - MIN_SIDE, at + MIN_SIDE // 2)
    # wrong[k]: points before k on the after side plus points from k to hi on the before side
    wrong = [int(after_side[:k].sum() + (~after_side[k:]).sum()) for k in range(first, last + 1)]
    return first + int(np.argmin(wrong))


def _mad(values: np.ndarray) -> float:
    return float(np.median(np.abs(values - np.median(values))))
