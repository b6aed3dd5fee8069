"""NAB (Numenta Anomaly Benchmark) scoring, faithful to NAB v1.1's ``nab/sweeper.py``.

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
* Raw scores are **normalised** so the null detector (never alarms) scores 0 and the perfect
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
recomputed from a result.

Data layout (see the NAB data dir's README): ``<dir>/combined_windows.json``,
``<dir>/<category>/<file>.csv`` (``timestamp,value``), and optionally
``<dir>/reference_detectors/<name>/<name>_<file>.csv`` plus ``reference_detectors/thresholds.json``.
The directory defaults to ``../shared/nab`` next to the repository; ``SRE_AGENT_EVAL_NAB_DIR`` (the eval.nab_dir setting) overrides.
"""

from __future__ import annotations

import csv
import json
import math
import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal, Protocol

import numpy as np
from pydantic import BaseModel

from ..app.settings import env_var

NAB_DIR_ENV = env_var("eval", "nab_dir")  # the eval.nab_dir setting, read here without loading them all
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


# ----------------------------------------------------------------------------- data


PerfectConvention = Literal["max_tp", "windows", "labels"]


@dataclass(frozen=True)
class NabFile:
    """One data file: its label key, records, and windows as inclusive index ranges."""

    key: str  # "realAWSCloudwatch/ec2_cpu_utilization_24ae8d.csv"
    timestamps: tuple[datetime, ...]
    values: np.ndarray
    windows: tuple[tuple[int, int], ...]
    labels: int  # anomaly labels in combined_labels.json (several may share one window)

    def __len__(self) -> int:
        return len(self.timestamps)


def default_nab_dir() -> Path:
    """``$SRE_AGENT_EVAL_NAB_DIR`` if set, else ``../shared/nab`` relative to the repository root."""
    override = os.environ.get(NAB_DIR_ENV)
    if override:
        return Path(override)
    repo_root = Path(__file__).resolve().parents[2]
    return repo_root.parent / "shared" / "nab"


def resolve_nab_dir(data_dir: str | Path | None = None) -> Path:
    path = Path(data_dir) if data_dir is not None else default_nab_dir()
    if not (path / "combined_windows.json").is_file():
        raise FileNotFoundError(
            f"NAB data not found: {path / 'combined_windows.json'} does not exist. Point "
            f"{NAB_DIR_ENV} (or the data_dir argument) at a directory holding NAB's "
            "combined_windows.json and its realAWSCloudwatch/*.csv files."
        )
    return path


def _parse_timestamp(text: str, where: str) -> datetime:
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise ValueError(f"{where}: bad timestamp {text!r} (expected 'YYYY-MM-DD HH:MM:SS')") from exc


def read_series_csv(path: Path, value_column: str = "value") -> tuple[list[datetime], np.ndarray]:
    """Read a NAB CSV (``timestamp,<value_column>``)."""
    timestamps: list[datetime] = []
    values: list[float] = []
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or "timestamp" not in reader.fieldnames or value_column not in reader.fieldnames:
            raise ValueError(f"{path}: expected columns 'timestamp,{value_column}', got {reader.fieldnames}")
        for line, row in enumerate(reader, start=2):
            timestamps.append(_parse_timestamp(row["timestamp"], f"{path}:{line}"))
            try:
                values.append(float(row[value_column]))
            except ValueError as exc:
                raise ValueError(f"{path}:{line}: {value_column} {row[value_column]!r} is not a number") from exc
    return timestamps, np.asarray(values, dtype=float)


def load_corpus(data_dir: str | Path | None = None) -> dict[str, NabFile]:
    """Every file of ``combined_windows.json`` present under ``data_dir``, keyed by its label key.

    The label file covers all 58 NAB files; a data dir may ship only some categories, so keys
    whose CSV is absent are skipped — but a directory with none of them is an error.
    """
    root = resolve_nab_dir(data_dir)
    windows_by_key: dict[str, list[list[str]]] = json.loads((root / "combined_windows.json").read_text())
    labels_path = root / "combined_labels.json"
    labels_by_key: dict[str, list[str]] = json.loads(labels_path.read_text()) if labels_path.is_file() else {}
    corpus: dict[str, NabFile] = {}
    for key in sorted(windows_by_key):
        path = root / key
        if not path.is_file():
            continue
        timestamps, values = read_series_csv(path)
        index_of = {t: i for i, t in enumerate(timestamps)}
        windows: list[tuple[int, int]] = []
        for start_text, end_text in windows_by_key[key]:
            start = _parse_timestamp(start_text, f"combined_windows.json[{key}]")
            end = _parse_timestamp(end_text, f"combined_windows.json[{key}]")
            if start not in index_of or end not in index_of:
                # NAB's labeler refuses this too: window edges must be records of the file.
                raise ValueError(
                    f"combined_windows.json: window [{start_text}, {end_text}] of {key} does not "
                    "start and end on timestamps present in the data file; relabel or fix the data."
                )
            windows.append((index_of[start], index_of[end]))
        windows.sort()
        for (_, prev_end), (start_i, _) in zip(windows, windows[1:]):
            if start_i <= prev_end:
                raise ValueError(f"combined_windows.json: windows of {key} overlap at record {start_i}; "
                                 "NAB merges overlapping windows when it builds the file — merge them")
        n_labels = len(labels_by_key.get(key, windows))
        corpus[key] = NabFile(key, tuple(timestamps), values, tuple(windows), n_labels)
    if not corpus:
        raise FileNotFoundError(
            f"{root}: none of the data files named in combined_windows.json exist "
            "(expected e.g. realAWSCloudwatch/ec2_cpu_utilization_24ae8d.csv)."
        )
    return corpus


def load_reference_scores(data_dir: str | Path | None = None, detector: str = "numenta") -> dict[str, np.ndarray]:
    """A published detector's anomaly scores (``reference_detectors/<detector>/``) per label key."""
    root = resolve_nab_dir(data_dir)
    scores: dict[str, np.ndarray] = {}
    for key, nab_file in load_corpus(root).items():
        name = Path(key).name
        path = root / "reference_detectors" / detector / f"{detector}_{name}"
        if not path.is_file():
            raise FileNotFoundError(f"reference output {path} for {key} is missing")
        timestamps, values = read_series_csv(path, value_column="anomaly_score")
        if len(timestamps) != len(nab_file):
            raise ValueError(f"{path}: {len(timestamps)} rows but {key} has {len(nab_file)}")
        scores[key] = values
    return scores


def load_reference_thresholds(data_dir: str | Path | None = None) -> dict[str, dict[str, float]]:
    """NAB's config/thresholds.json: ``{detector: {profile: threshold}}``."""
    root = resolve_nab_dir(data_dir)
    raw = json.loads((root / "reference_detectors" / "thresholds.json").read_text())
    return {det: {prof: float(v["threshold"]) for prof, v in profs.items()} for det, profs in raw.items()}


# ----------------------------------------------------------------------------- sweeper


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


# ----------------------------------------------------------------------------- results


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


def _file_score(points: SweepPoints, cost: CostMatrix, threshold: float) -> FileScore:
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
            per_file[key][name] = _file_score(file_points, cost, threshold)
        files = [per_file[key][name] for key in corpus]
        raw = sum(f.raw for f in files)
        null = _optimised_raw(corpus, null_scores, cost, probation_percent)
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


def _optimised_raw(corpus: Mapping[str, NabFile], scores: Mapping[str, np.ndarray], cost: CostMatrix,
                   probation_percent: float) -> float:
    points = SweepPoints.concat([sweep_points(f, scores[k], cost, probation_percent) for k, f in corpus.items()])
    return score_by_threshold(points, cost).best()[1]


def normalise(raw: float, null: float, perfect: float) -> float:
    if perfect == null:
        raise ValueError("cannot normalise: the perfect and null scores are equal (a corpus without windows?)")
    return 100.0 * (raw - null) / (perfect - null)


# ----------------------------------------------------------------------------- running a detector


class StreamingDetector(Protocol):
    """A detector NAB can run: one call per record, in order, seeing only the past."""

    def score(self, timestamp: datetime, value: float) -> float: ...


def run_detector(detector_factory: Callable[[], StreamingDetector], nab_file: NabFile) -> np.ndarray:
    detector = detector_factory()  # a fresh detector per file: no state leaks between series
    return np.fromiter(
        (detector.score(t, float(v)) for t, v in zip(nab_file.timestamps, nab_file.values)),
        dtype=float, count=len(nab_file),
    )


def run_detector_benchmark(
    data_dir: str | Path | None,
    detector_factory: Callable[[], StreamingDetector],
    *,
    workers: int = 1,
) -> NabResult:
    """Stream every corpus file through a fresh detector and score the outputs (thresholds optimised).

    ``workers > 1`` runs files in parallel processes; ``detector_factory`` must then be picklable
    (a class, or ``functools.partial`` of one — not a lambda).
    """
    corpus = load_corpus(data_dir)
    if workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = {key: pool.submit(run_detector, detector_factory, f) for key, f in corpus.items()}
            scores = {key: future.result() for key, future in futures.items()}
    else:
        scores = {key: run_detector(detector_factory, nab_file) for key, nab_file in corpus.items()}
    return score_corpus(corpus, scores)
