"""Level shifts still in place at the end of a window, found by looking at the whole window at once.

The streaming scorer (anomaly_scorer.py) judges each point by what came before it, so a step that
begins inside its warm-up, or early enough in a short window that little "before" exists, can pass
unscored: the scorer learns the new level as normal. An investigation, though, sees the whole window
and asks one question of it -- did the level move and stay moved? -- which a change-point split
answers directly: binary segmentation on the mean (the CUSUM split) proposes the splits, and each is
kept only if, from the last split kept to the next one proposed, the level after it is far (in the noise of the
level just before) from that level, is not a return to a level the window held earlier (so the way
back from a passed spike or step is never a "shift"), the two sides barely overlap, and the end of
the window is still on the shifted side.

Measured with the short-window check of bench/bench_anomalies.py (noise series that raise an
interval, with and without this pass): docs/benchmarks.md, anomaly section."""

from __future__ import annotations

import numpy as np

MIN_SIDE = 10  # points on each side of a split: fewer cannot tell a level from a burst
SHIFT_SCALES = 4.0  # the level after a split is this many robust standard deviations from before
SEPARATED = 0.9  # share of points on each side that fall on their own side of the midpoint
TAIL = 10  # the last points of the window must still be on the shifted side (all but one)
DEPTH = 3  # splits within splits: a window rarely holds more than a few steps that stay


def persistent_shifts(values: np.ndarray) -> list[int]:
    """Indices where the series stepped to a level it still holds at the end, earliest first.

    Binary segmentation proposes the splits (without judging them: a split over a window that holds
    several levels mixes them); then each is judged from the last split kept to the next one proposed."""
    data = np.asarray(values, dtype=float)
    if data.size < 2 * MIN_SIDE + TAIL:
        return []
    whole_counts = bool(np.array_equal(data, np.round(data)))
    splits: set[int] = set()
    _propose(data, 0, data.size, DEPTH, splits)
    ordered = sorted(splits)
    found: list[int] = []
    for i, at in enumerate(ordered):
        # The level before a split is read back to the last step kept (splits between that were not steps
        # only cut one level into pieces), the level after it up to the next proposed split.
        lo = found[-1] if found else 0
        if at - lo < MIN_SIDE:
            continue  # within the last step kept: the same step, proposed twice
        at = _sharpen(data, lo, at)
        # (a proposed split just after a step -- the last stretch of a window cut once more -- must not leave the
        # step too few points to be judged on)
        hi = max(next((o for o in ordered[i + 1:] if o > at), data.size), min(data.size, at + MIN_SIDE))
        # the levels the window held in the proposed segments before: a step back to one is a return, not a shift
        earlier = [float(np.median(data[a:b])) for a, b in zip([0, *ordered[:i]], ordered[:i]) if b - a >= MIN_SIDE]
        if _holds(data, lo, at, hi, earlier, whole_counts):
            found.append(at)
    return found


def _propose(data: np.ndarray, lo: int, hi: int, depth: int, splits: set[int]) -> None:
    """The CUSUM split of `lo`..`hi` (the point that best divides it into two means), then of each half."""
    if depth == 0 or hi - lo < 2 * MIN_SIDE:
        return
    segment = data[lo:hi]
    cusum = np.cumsum(segment - segment.mean())[MIN_SIDE - 1:hi - lo - MIN_SIDE]
    at = lo + MIN_SIDE + int(np.argmax(np.abs(cusum)))
    splits.add(at)
    _propose(data, lo, at, depth - 1, splits)
    _propose(data, at, hi, depth - 1, splits)


def _holds(data: np.ndarray, lo: int, at: int, hi: int, earlier: list[float], whole_counts: bool) -> bool:
    """Is `at` a step from the level just before it (its segment's left part, `lo`..`at`) to the level
    after it (up to the next split, `hi`) -- one the window did not hold before `lo` -- with the end of
    the window still on the shifted side?"""
    before, after = data[lo:at], data[at:hi]
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
    if any(abs(level_after - level) < SHIFT_SCALES * spread for level in earlier):
        return False  # back to a level the window held before: the end of a spike or a step, not a new level
    midpoint = (level_before + level_after) / 2
    up = level_after > level_before
    after_side = after > midpoint if up else after < midpoint
    before_side = before < midpoint if up else before > midpoint
    tail = data[-TAIL:]
    still = tail > midpoint if up else tail < midpoint
    return bool(after_side.mean() >= SEPARATED and before_side.mean() >= SEPARATED and still.mean() >= SEPARATED)


def _sharpen(data: np.ndarray, lo: int, at: int) -> int:
    """The CUSUM split lands within a few points of a step; move it to where the fewest points sit
    on the wrong side of the two levels' midpoint (the step's first point)."""
    hi = min(data.size, at + 2 * MIN_SIDE)
    midpoint = (float(np.median(data[lo:at])) + float(np.median(data[at:hi]))) / 2
    up = np.median(data[at:hi]) > midpoint
    after_side = data[lo:hi] > midpoint if up else data[lo:hi] < midpoint
    first, last = max(lo + MIN_SIDE, at - MIN_SIDE // 2), min(data.size - MIN_SIDE, at + MIN_SIDE // 2)
    if first > last:
        return at
    # wrong[k]: points from lo to k on the after side plus points from k to hi on the before side
    wrong = [int(after_side[:k - lo].sum() + (~after_side[k - lo:]).sum()) for k in range(first, last + 1)]
    return first + int(np.argmin(wrong))


def _mad(values: np.ndarray) -> float:
    return float(np.median(np.abs(values - np.median(values))))
