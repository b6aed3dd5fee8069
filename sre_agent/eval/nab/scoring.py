"""A detector's NAB result: scores every corpus file under each cost profile (thresholds
optimised by ``sweep``'s sweep, or given), and normalises the corpus score so that the null
detector scores 0 and the perfect detector 100. ``score_detector`` is the entry point.

Raw scores are **normalised** so the null detector (never alarms) scores 0 and the perfect
detector 100: ``100 * (raw - null) / (perfect - null)``.

What "perfect" means is a convention, and the sources disagree (``perfect=`` selects one):

* ``"max_tp"`` (default): ``tpWeight * sigma(-1) * windows`` — 29.598 for the 30 windows of
  realAWSCloudwatch. The data README quotes this figure and normalises its table of published
  per-category scores (Numenta HTM 73.9, ...) with it, so only this convention compares with it.
  Its flaw: NAB's sweeper pays exactly ``tpWeight`` for a detection on a window's first record,
  so an ideal detector scores ``100 / sigma(-1)`` ~ 100.7 on the standard profile.
* ``"windows"``: ``tpWeight * windows`` — what that ideal detector really earns; it scores 100.
* ``"labels"``: ``tpWeight * labels`` — NAB's ``runner.normalize()`` literally, counting
  ``combined_labels.json`` (31 labels here: two labels of one file share a window).

Every ``ProfileScore`` carries ``raw``, ``null`` and ``perfect``, so any convention can be
recomputed from a result."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel

from .corpus import NabFile, load_corpus
from .sweep import MAX_TP, PROBATION_PERCENT, PROFILES, CostMatrix, SweepPoints, score_by_threshold, sweep_points

PerfectConvention = Literal["max_tp", "windows", "labels"]


class FileScore(BaseModel):
    raw: float
    tp: int  # detected records inside windows (NAB counts records, not windows)
    fp: int
    fn: int
    tn: int
    windows: int
    windows_detected: int


class ProfileScore(BaseModel):
    score: float  # normalised: null detector 0, perfect 100 (see the module doc on "perfect")
    raw: float
    null: float  # raw score of the null detector, thresholds optimised like any detector's
    perfect: float
    threshold: float
    tp: int
    fp: int
    fn: int
    tn: int


class NabResult(BaseModel):
    """JSON-able NAB outcome: normalised score per profile, details, and per-file raw scores."""

    standard: float
    reward_low_FP_rate: float
    reward_low_FN_rate: float
    perfect_convention: str
    profiles: dict[str, ProfileScore]
    per_file: dict[str, dict[str, FileScore]]


def file_score(points: SweepPoints, cost: CostMatrix, threshold: float) -> FileScore:
    table = score_by_threshold(points, cost)
    row = table.row_at(threshold)
    in_window = points.window >= 0
    detected = points.scores >= threshold
    tp, fp = int(table.tp[row]), int(table.fp[row])
    return FileScore(
        raw=float(table.scores[row]), tp=tp, fp=fp,
        fn=int(in_window.sum()) - tp, tn=int((~in_window).sum()) - fp,
        windows=points.n_windows,
        windows_detected=int(np.unique(points.window[in_window & detected]).size),
    )


def score_detector(
    data_dir: str | Path | None,
    scores_by_file: Mapping[str, Sequence[float] | np.ndarray],
    *,
    thresholds: Mapping[str, float] | None = None,
    perfect: PerfectConvention = "max_tp",
    probation_percent: float = PROBATION_PERCENT,
) -> NabResult:
    """Score one detector's per-record anomaly scores (``{label key: scores}``) on the corpus.

    Without ``thresholds`` each profile's threshold is optimised by NAB's sweep; with them
    (``{profile: threshold}``) the given thresholds are used, as NAB's ``--score`` step does
    with ``config/thresholds.json``.
    """
    return score_corpus(load_corpus(data_dir), scores_by_file, thresholds=thresholds, perfect=perfect,
                        probation_percent=probation_percent)


def score_corpus(
    corpus: Mapping[str, NabFile],
    scores_by_file: Mapping[str, Sequence[float] | np.ndarray],
    *,
    thresholds: Mapping[str, float] | None = None,
    perfect: PerfectConvention = "max_tp",
    probation_percent: float = PROBATION_PERCENT,
) -> NabResult:
    """``score_detector`` on an already loaded corpus."""
    missing = sorted(set(corpus) - set(scores_by_file))
    unknown = sorted(set(scores_by_file) - set(corpus))
    if missing or unknown:
        raise ValueError(
            "scores_by_file must have exactly one entry per corpus file (keys like "
            f"'realAWSCloudwatch/<file>.csv'); missing: {missing or 'none'}; unknown: {unknown or 'none'}"
        )
    if thresholds is not None and set(PROFILES) - set(thresholds):
        raise ValueError(f"thresholds must name every profile {sorted(PROFILES)}; got {sorted(thresholds)}")
    null_scores = {key: np.zeros(len(f)) for key, f in corpus.items()}

    profile_scores: dict[str, ProfileScore] = {}
    per_file: dict[str, dict[str, FileScore]] = {key: {} for key in corpus}
    for name, cost in PROFILES.items():
        points = {key: sweep_points(f, scores_by_file[key], cost, probation_percent) for key, f in corpus.items()}
        if thresholds is None:
            threshold, _ = score_by_threshold(SweepPoints.concat(list(points.values())), cost).best()
        else:
            threshold = float(thresholds[name])
        for key, file_points in points.items():
            per_file[key][name] = file_score(file_points, cost, threshold)
        files = [per_file[key][name] for key in corpus]
        raw = sum(f.raw for f in files)
        null = optimised_raw(corpus, null_scores, cost, probation_percent)
        best = perfect_score(cost, sum(p.n_windows for p in points.values()), sum(f.labels for f in corpus.values()),
                             perfect)
        profile_scores[name] = ProfileScore(
            score=normalise(raw, null, best), raw=raw, null=null, perfect=best, threshold=threshold,
            tp=sum(f.tp for f in files), fp=sum(f.fp for f in files),
            fn=sum(f.fn for f in files), tn=sum(f.tn for f in files),
        )
    return NabResult(
        standard=profile_scores["standard"].score,
        reward_low_FP_rate=profile_scores["reward_low_FP_rate"].score,
        reward_low_FN_rate=profile_scores["reward_low_FN_rate"].score,
        perfect_convention=perfect,
        profiles=profile_scores,
        per_file=per_file,
    )


def perfect_score(cost: CostMatrix, windows: int, labels: int, convention: PerfectConvention) -> float:
    """The raw score normalisation maps to 100 (see the module doc for the three conventions)."""
    if convention == "max_tp":
        return cost.tp * MAX_TP * windows
    if convention == "windows":
        return cost.tp * windows
    if convention == "labels":
        return cost.tp * labels
    raise ValueError(f"unknown perfect-score convention {convention!r}; use 'max_tp', 'windows' or 'labels'")


def optimised_raw(corpus: Mapping[str, NabFile], scores: Mapping[str, np.ndarray], cost: CostMatrix,
                   probation_percent: float) -> float:
    points = SweepPoints.concat([sweep_points(f, scores[k], cost, probation_percent) for k, f in corpus.items()])
    return score_by_threshold(points, cost).best()[1]


def normalise(raw: float, null: float, perfect: float) -> float:
    if perfect == null:
        raise ValueError("cannot normalise: the perfect and null scores are equal (a corpus without windows?)")
    return 100.0 * (raw - null) / (perfect - null)
