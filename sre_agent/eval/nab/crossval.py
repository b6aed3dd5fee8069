"""Cross-validation across files: how a detector's parameter choice scores on files it was not
chosen on. ``scoring`` answers "how good is this output with the best threshold for this very
corpus" (in-sample); this module answers "how good is the *procedure* that picks a parameter set
and a threshold from some files, on the files it never saw" (out-of-fold).

The procedure, per cost profile and per fold (leave-one-file-out by default, or k folds of files):

1. every candidate parameter set's outputs on the *training* files are swept as NAB does, giving
   that candidate's best threshold and raw score there;
2. the candidate with the highest training raw score wins (ties: the earliest candidate, so put
   the default first), together with its training threshold — one global parameter set and one
   threshold per fold;
3. the held-out files are scored with that candidate's outputs at that threshold.

The out-of-fold raw score is the sum over held-out files (every file is held out exactly once),
normalised with the same null and perfect scores as ``scoring`` (null: never alarm; perfect: the
data README's convention by default). Labels are read only to score, never by the detector.

Candidate outputs are plain ``{candidate: {label key: scores}}`` mappings, computed once
(``runner.run_candidates``); the folds only re-sweep them, so cross-validating costs little
beyond running each candidate over the corpus once. ``combined_candidates`` makes candidates out
of two detectors' outputs (their maximum, mean, ...), so a combination rule is cross-validated
by the same folds as a parameter set.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
from pydantic import BaseModel

from .corpus import NabFile
from .scoring import FileScore, PerfectConvention, file_score, normalise, optimised_raw, perfect_score
from .sweep import PROBATION_PERCENT, PROFILES, CostMatrix, SweepPoints, score_by_threshold, sweep_points

ScoresByFile = Mapping[str, Sequence[float] | np.ndarray]
# Two detectors' per-record scores on one file -> one combined score per record.
Combiner = Callable[[np.ndarray, np.ndarray], np.ndarray]


class FoldChoice(BaseModel):
    """What one fold chose from its training files, and what that earned on its held-out files."""

    held_out: list[str]
    candidate: str
    threshold: float
    training_raw: float
    held_out_raw: float


class CrossValidatedProfile(BaseModel):
    score: float  # normalised out-of-fold score (null 0, perfect 100)
    raw: float  # sum of held-out raw scores
    null: float
    perfect: float
    windows: int
    windows_detected: int
    fp: int  # false-positive records, summed over held-out files
    folds: list[FoldChoice]


class InSampleProfile(BaseModel):
    """The best candidate when parameters and threshold are chosen on every file (optimistic)."""

    candidate: str
    score: float
    raw: float
    threshold: float
    windows_detected: int
    fp: int


class CrossValidationResult(BaseModel):
    scheme: str  # "leave-one-file-out" or "k-fold by file (k=...)"
    candidates: list[str]
    standard: float
    reward_low_FP_rate: float
    reward_low_FN_rate: float
    perfect_convention: str
    profiles: dict[str, CrossValidatedProfile]
    per_file: dict[str, dict[str, FileScore]]  # each file's score when it was held out
    in_sample: dict[str, InSampleProfile]


def combined_candidates(first: ScoresByFile, second: ScoresByFile,
                        combiners: Mapping[str, Combiner]) -> dict[str, dict[str, np.ndarray]]:
    """Candidates made by combining two detectors' outputs record by record, one per combiner,
    ready for ``cross_validate`` beside the detectors themselves: a combination rule is chosen per
    fold exactly like a parameter set (no labels; the combiners see only the two score series)."""
    missing = sorted(set(first) ^ set(second))
    if missing:
        raise ValueError(f"combined_candidates: files scored by only one detector: {missing}")
    return {
        name: {key: np.asarray(combine(np.asarray(first[key], dtype=float), np.asarray(second[key], dtype=float)),
                               dtype=float) for key in first}
        for name, combine in combiners.items()
    }


def file_folds(keys: Sequence[str], k: int | None = None) -> list[list[str]]:
    """Deterministic folds of files: one per file (``k`` None or >= the file count), else ``k``
    folds dealt round-robin over the sorted keys (no randomness: the figures reproduce)."""
    ordered = sorted(keys)
    if not ordered:
        raise ValueError("cross-validation needs at least two files; got none")
    if k is None or k >= len(ordered):
        return [[key] for key in ordered]
    if k < 2:
        raise ValueError(f"cross-validation needs at least 2 folds, got k={k}")
    return [ordered[i::k] for i in range(k)]


def cross_validate(
    corpus: Mapping[str, NabFile],
    candidates: Mapping[str, ScoresByFile],
    *,
    k: int | None = None,
    perfect: PerfectConvention = "max_tp",
    probation_percent: float = PROBATION_PERCENT,
) -> CrossValidationResult:
    """Out-of-fold NAB scores of choosing among ``candidates`` (see the module doc)."""
    if not candidates:
        raise ValueError("cross_validate: no candidate outputs given")
    if len(corpus) < 2:
        raise ValueError(f"cross_validate: needs at least two files, the corpus has {len(corpus)}")
    for name, outputs in candidates.items():
        missing = sorted(set(corpus) - set(outputs))
        if missing:
            raise ValueError(f"cross_validate: candidate {name!r} has no scores for {missing}")
    folds = file_folds(list(corpus), k)
    scheme = "leave-one-file-out" if len(folds) == len(corpus) else f"k-fold by file (k={len(folds)})"
    names = list(candidates)

    profiles: dict[str, CrossValidatedProfile] = {}
    in_sample: dict[str, InSampleProfile] = {}
    per_file: dict[str, dict[str, FileScore]] = {key: {} for key in corpus}
    for profile, cost in PROFILES.items():
        points = {
            name: {key: sweep_points(f, candidates[name][key], cost, probation_percent) for key, f in corpus.items()}
            for name in names
        }
        null = optimised_raw(corpus, {key: np.zeros(len(f)) for key, f in corpus.items()}, cost, probation_percent)
        best = perfect_score(cost, sum(p.n_windows for p in points[names[0]].values()),
                             sum(f.labels for f in corpus.values()), perfect)
        choices = []
        for held_out in folds:
            training = [key for key in corpus if key not in held_out]
            candidate, threshold, training_raw = _choose(points, training, cost)
            scores = {key: file_score(points[candidate][key], cost, threshold) for key in held_out}
            for key, score in scores.items():
                per_file[key][profile] = score
            choices.append(FoldChoice(held_out=held_out, candidate=candidate, threshold=threshold,
                                      training_raw=training_raw,
                                      held_out_raw=sum(s.raw for s in scores.values())))
        files = [per_file[key][profile] for key in corpus]
        raw = sum(f.raw for f in files)
        profiles[profile] = CrossValidatedProfile(
            score=normalise(raw, null, best), raw=raw, null=null, perfect=best,
            windows=sum(f.windows for f in files), windows_detected=sum(f.windows_detected for f in files),
            fp=sum(f.fp for f in files), folds=choices,
        )
        candidate, threshold, full_raw = _choose(points, list(corpus), cost)
        full = [file_score(points[candidate][key], cost, threshold) for key in corpus]
        in_sample[profile] = InSampleProfile(
            candidate=candidate, score=normalise(full_raw, null, best), raw=full_raw, threshold=threshold,
            windows_detected=sum(f.windows_detected for f in full), fp=sum(f.fp for f in full),
        )
    return CrossValidationResult(
        scheme=scheme, candidates=names,
        standard=profiles["standard"].score,
        reward_low_FP_rate=profiles["reward_low_FP_rate"].score,
        reward_low_FN_rate=profiles["reward_low_FN_rate"].score,
        perfect_convention=perfect, profiles=profiles, per_file=per_file, in_sample=in_sample,
    )


def _choose(points: Mapping[str, Mapping[str, SweepPoints]], files: Sequence[str],
            cost: CostMatrix) -> tuple[str, float, float]:
    """(candidate, threshold, raw) with the best swept raw score on ``files``; ties: earliest candidate."""
    best: tuple[str, float, float] | None = None
    for name, by_file in points.items():
        threshold, raw = score_by_threshold(SweepPoints.concat([by_file[key] for key in files]), cost).best()
        if best is None or raw > best[2]:
            best = (name, threshold, raw)
    assert best is not None  # cross_validate refuses an empty candidate set
    return best
