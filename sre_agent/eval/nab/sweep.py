"""NAB's scoring function, faithful to NAB v1.1's ``nab/sweeper.py``: the cost profiles, the
reward of each record (inside a window or a false positive), the probationary period, and the
sweep that scores every distinct anomaly score as a threshold. Works on one corpus's records as
arrays; normalising the result into NAB's 0-100 score is ``scoring``'s job.

How NAB scores a detector (Lavin & Ahmad 2015; NAB commit ea702d75):

* Every labelled anomaly sits in a **window** (``combined_windows.json``) of timestamps that
  exist in the data file. A detection is a record whose anomaly score is ``>= threshold``.
* The first ``min(floor(0.15 * n), 0.15 * 5000)`` records of each file are the **probationary
  period**: detections there are ignored, and a window lying wholly inside it does not count.
* Each window is worth ``-fnWeight`` if nothing inside it is detected, otherwise the reward of
  its **earliest** detection (later detections in the same window add nothing):
  ``tpWeight * sigma(p) / sigma(-1)`` with ``sigma(p) = 2 / (1 + exp(5p)) - 1`` and
  ``p = -(right - i + 1) / width`` — about 1 at the window's left edge, falling towards 0 at its
  right edge.
* Every detection outside a window costs ``fpWeight * sigma(p)`` with
  ``p = |prevRight - i| / (prevWidth - 1)`` measured from the end of the preceding window (so a
  detection just after a window is barely punished) and ``-fpWeight`` when no window precedes it.
* The **sweeper** sorts all records of the corpus by anomaly score and evaluates every distinct
  score as a threshold; each profile keeps the threshold with the best corpus score (ties go to
  the highest threshold, as Python's stable sort does in NAB's optimizer).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .corpus import NabFile

PROBATION_PERCENT = 0.15
# NAB caps the probationary period at 15% of 5000 records, whatever the file length.
PROBATION_CAP_RECORDS = 5000
# NAB's first sweep row sits above any valid score, so it is "detect nothing".
SWEEP_START_THRESHOLD = 1.1


@dataclass(frozen=True)
class CostMatrix:
    tp: float
    fp: float
    fn: float


# NAB config/profiles.json (tnWeight is 1.0 in every profile and unused by the scorer).
PROFILES: dict[str, CostMatrix] = {
    "standard": CostMatrix(tp=1.0, fp=0.11, fn=1.0),
    "reward_low_FP_rate": CostMatrix(tp=1.0, fp=0.22, fn=1.0),
    "reward_low_FN_rate": CostMatrix(tp=1.0, fp=0.11, fn=2.0),
}


def scaled_sigmoid(relative_position: float) -> float:
    """NAB's reward curve: ~0.987 at -1 (window start), 0 at 0 (window end), -1 beyond 3."""
    if relative_position > 3.0:
        return -1.0
    return 2.0 / (1.0 + math.exp(5.0 * relative_position)) - 1.0


MAX_TP = scaled_sigmoid(-1.0)


@dataclass(frozen=True)
class SweepPoints:
    """Scorable records (probation removed) of one or more files, ready to sweep.

    ``window`` is a corpus-unique window id (-1 outside windows); ``reward`` is NAB's
    ``sweepScore`` (what detecting that record is worth, already weighted by the profile).
    """

    scores: np.ndarray
    reward: np.ndarray
    window: np.ndarray
    n_windows: int  # windows with at least one scorable record: each is an FN until detected

    @staticmethod
    def concat(parts: Sequence[SweepPoints]) -> SweepPoints:
        offset = 0
        windows = []
        for part in parts:
            windows.append(np.where(part.window >= 0, part.window + offset, -1))
            offset += int(part.window.max(initial=-1)) + 1
        return SweepPoints(
            scores=np.concatenate([p.scores for p in parts]) if parts else np.zeros(0),
            reward=np.concatenate([p.reward for p in parts]) if parts else np.zeros(0),
            window=np.concatenate(windows).astype(int) if parts else np.zeros(0, dtype=int),
            n_windows=sum(p.n_windows for p in parts),
        )


def probationary_length(n_records: int, percent: float = PROBATION_PERCENT) -> float:
    return min(math.floor(percent * n_records), percent * PROBATION_CAP_RECORDS)


def sweep_points(nab_file: NabFile, anomaly_scores: Sequence[float] | np.ndarray, cost: CostMatrix,
                 probation_percent: float = PROBATION_PERCENT) -> SweepPoints:
    """NAB's ``Sweeper.calcSweepScore`` for one file."""
    scores = np.asarray(anomaly_scores, dtype=float)
    n = len(nab_file)
    if scores.shape != (n,):
        raise ValueError(f"{nab_file.key}: {scores.size} anomaly scores for {n} records")
    bad = np.flatnonzero(~np.isfinite(scores) | (scores < 0.0) | (scores > 1.0))
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"{nab_file.key}: anomaly score {scores[i]!r} at record {i} is outside [0, 1]")

    reward = np.empty(n)
    window = np.full(n, -1, dtype=int)
    prev_right: int | None = None
    prev_width = 0.0
    cursor = 0
    for w, (left, right) in enumerate(nab_file.windows):
        _fill_false_positive_rewards(reward, cursor, left, prev_right, prev_width, cost)
        width = float(right - left + 1)
        idx = np.arange(left, right + 1)
        position = -(right - idx + 1) / width
        reward[left:right + 1] = _scaled_sigmoid_array(position) * cost.tp / MAX_TP
        window[left:right + 1] = w
        prev_right, prev_width, cursor = right, width, right + 1
    _fill_false_positive_rewards(reward, cursor, n, prev_right, prev_width, cost)

    scorable = np.arange(n) >= probationary_length(n, probation_percent)
    kept_windows = window[scorable]
    # Renumber so only windows that still have scorable records exist (NAB's scoreParts).
    present = np.unique(kept_windows[kept_windows >= 0])
    remap = np.full(len(nab_file.windows) + 1, -1, dtype=int)
    remap[present] = np.arange(present.size)
    return SweepPoints(
        scores=scores[scorable],
        reward=reward[scorable],
        window=np.where(kept_windows >= 0, remap[kept_windows], -1),
        n_windows=int(present.size),
    )


def _fill_false_positive_rewards(reward: np.ndarray, start: int, stop: int, prev_right: int | None,
                                 prev_width: float, cost: CostMatrix) -> None:
    if stop <= start:
        return
    if prev_right is None:
        reward[start:stop] = -1.0 * cost.fp
        return
    if prev_width <= 1.0:
        # NAB divides by (width - 1) and crashes on a one-record window; treat such FPs as far away.
        reward[start:stop] = -1.0 * cost.fp
        return
    position = np.abs(prev_right - np.arange(start, stop)) / (prev_width - 1.0)
    reward[start:stop] = _scaled_sigmoid_array(position) * cost.fp


def _scaled_sigmoid_array(position: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        value = 2.0 / (1.0 + np.exp(5.0 * position)) - 1.0
    return np.where(position > 3.0, -1.0, value)


@dataclass(frozen=True)
class ThresholdScores:
    """NAB's ``calcScoreByThreshold``: the score with detections = records scoring >= threshold.

    ``thresholds`` descend, starting with 1.1 (nothing detected).
    """

    thresholds: np.ndarray
    scores: np.ndarray
    tp: np.ndarray
    fp: np.ndarray
    total: int

    def best(self) -> tuple[float, float]:
        """(threshold, score) with the highest score; ties go to the highest threshold."""
        i = int(np.argmax(self.scores))
        return float(self.thresholds[i]), float(self.scores[i])

    def row_at(self, threshold: float) -> int:
        """Row NAB's ``scoreDataSet`` reads for ``threshold``: the lowest listed threshold >= it."""
        candidates = np.flatnonzero(self.thresholds >= threshold)
        # Only a threshold above 1.1, the "nothing detected" row, has no row at or above it; NAB
        # would crash there (and below the lowest score, which is the last row here).
        return int(candidates[-1]) if candidates.size else 0


def score_by_threshold(points: SweepPoints, cost: CostMatrix) -> ThresholdScores:
    order = np.argsort(-points.scores, kind="stable")
    scores = points.scores[order]
    reward = points.reward[order]
    window = points.window[order]
    in_window = window >= 0

    # Each record's change to the total when it becomes detected: an FP adds its (negative)
    # reward; a window record lifts its window from the best reward so far (or -fn) to its own
    # when better — NAB keeps the max per window, i.e. the earliest detection in it.
    delta = np.where(in_window, 0.0, reward)
    if in_window.any():
        positions = np.flatnonzero(in_window)
        by_window = np.argsort(window[positions], kind="stable")
        positions = positions[by_window]
        ids = window[positions]
        starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
        for s, e in zip(starts, np.r_[starts[1:], ids.size]):
            pos = positions[s:e]
            best = np.maximum.accumulate(np.maximum(reward[pos], -cost.fn))
            delta[pos] = np.diff(np.r_[-cost.fn, best])

    base = -cost.fn * points.n_windows
    running = base + np.cumsum(delta)
    tp_running = np.cumsum(in_window)
    fp_running = np.cumsum(~in_window)
    # A row per distinct score, taken after the last record carrying that score.
    last_of_group = np.flatnonzero(np.r_[scores[1:] != scores[:-1], True]) if scores.size else np.zeros(0, int)
    return ThresholdScores(
        thresholds=np.r_[SWEEP_START_THRESHOLD, scores[last_of_group]],
        scores=np.r_[base, running[last_of_group]],
        tp=np.r_[0, tp_running[last_of_group]].astype(int),
        fp=np.r_[0, fp_running[last_of_group]].astype(int),
        total=int(scores.size),
    )
