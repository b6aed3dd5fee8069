"""What alternative *alert stages* of the NAB anomaly detector score, in-sample and out-of-fold.

    python bench/bench_anomaly_alert_variants.py [--data-dir DIR] [--workers N]

The statistics' surprises (``PointScore.components``) are recorded once per file with the default
``DetectorParams`` (plus one pass per extra-statistic variant); every alert-stage variant is then
computed from those recordings, so each costs seconds, not a pass over the corpus. Each variant is
scored by ``sre_agent.eval.nab.crossval`` exactly like ``bench_anomalies.py --cross-validate``:
leave-one-file-out, threshold (and, for grids, the candidate) chosen on the 16 training files.

This is the record behind docs/benchmarks-anomalies.md's "tried and dropped" list for the attempt
to beat Numenta HTM out-of-fold; none of these variants is in the detector. Variants marked
"fixed" reuse the default weights, which were themselves chosen in-sample (an optimistic start).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # runnable as a plain script, without installing the package
    sys.path.insert(0, str(REPO_ROOT))

import numpy as np  # noqa: E402

from bench.bench_anomalies import REFRACTORY_GRID, WEIGHT_GRID, alert_surprise, record_corpus  # noqa: E402
from mcp_servers.cloudwatch.anomaly_scorer import DetectorParams, alerts_from_surprises  # noqa: E402
from sre_agent.eval.nab.corpus import NabFile, load_corpus, load_reference_scores, resolve_nab_dir  # noqa: E402
from sre_agent.eval.nab.crossval import CrossValidationResult, cross_validate  # noqa: E402
from sre_agent.eval.nab.scoring import file_score, normalise, optimised_raw, perfect_score  # noqa: E402
from sre_agent.eval.nab.sweep import PROFILES, SweepPoints, ThresholdScores, score_by_threshold, sweep_points  # noqa: E402

DAY = 288  # 5-minute records
# The detector these variants were measured on (2026-11-22): one 2000-point history.
SINGLE_HISTORY = DetectorParams(histories=(2000,))


def daily_peak_normalised(surprise: np.ndarray, days: int, quantile: float, reference: float = 10.0) -> np.ndarray:
    """``surprise * reference / q``, q the ``quantile`` of the last ``days`` whole days' maxima
    (causal: only days before the record; the raw surprise until one day has been seen)."""
    out = surprise.copy()
    for i in range(DAY, len(surprise)):
        past = surprise[max(0, i - days * DAY):i]
        whole = len(past) // DAY * DAY
        typical = float(np.quantile(past[len(past) - whole:].reshape(-1, DAY).max(axis=1), quantile))
        out[i] = surprise[i] * reference / max(typical, 1.0)
    return np.clip(out, 0.0, 500.0)


def moving_average(surprise: np.ndarray, k: int) -> np.ndarray:
    cumulative = np.r_[0.0, np.cumsum(surprise)]
    starts = np.maximum(np.arange(len(surprise)) + 1 - k, 0)
    return (cumulative[1:] - cumulative[starts]) / (np.arange(len(surprise)) + 1 - starts)


def alerts(surprise: np.ndarray, **overrides: int) -> np.ndarray:
    return alerts_from_surprises(surprise, DetectorParams(**overrides))


def line(label: str, result: CrossValidationResult) -> str:
    oof, ins = result.profiles, result.in_sample
    return (f"{label:<46} out-of-fold {result.standard:6.2f} {result.reward_low_FP_rate:6.2f} "
            f"{result.reward_low_FN_rate:6.2f} (windows {oof['standard'].windows_detected}, FP {oof['standard'].fp})"
            f" | in-sample {ins['standard'].score:6.2f} {ins['reward_low_FP_rate'].score:6.2f} "
            f"{ins['reward_low_FN_rate'].score:6.2f}")


def lowest_within(epsilon: float) -> Callable[[ThresholdScores], float]:
    """A threshold rule: the lowest threshold whose training score is within ``epsilon`` raw of the best."""
    def rule(table: ThresholdScores) -> float:
        return float(table.thresholds[np.flatnonzero(table.scores >= table.scores.max() - epsilon)[-1]])
    return rule


def threshold_rule_oof(corpus: Mapping[str, NabFile], outputs: Mapping[str, np.ndarray],
                       rule: Callable[[ThresholdScores], float]) -> dict[str, float]:
    """Leave-one-file-out normalised score of one output set with ``rule`` choosing the threshold."""
    keys = list(corpus)
    scores = {}
    for profile, cost in PROFILES.items():
        points = {key: sweep_points(corpus[key], outputs[key], cost) for key in keys}
        raw = 0.0
        for held_out in keys:
            training = SweepPoints.concat([points[key] for key in keys if key != held_out])
            raw += file_score(points[held_out], cost, rule(score_by_threshold(training, cost))).raw
        null = optimised_raw(corpus, {key: np.zeros(len(f)) for key, f in corpus.items()}, cost, 0.15)
        best = perfect_score(cost, sum(p.n_windows for p in points.values()), 0, "max_tp")
        scores[profile] = normalise(raw, null, best)
    return scores


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    data_dir = resolve_nab_dir(args.data_dir)
    corpus = load_corpus(data_dir)
    defaults = SINGLE_HISTORY
    weights = dict(defaults.alert_weights)
    components = record_corpus(corpus, defaults, args.workers)
    base = {key: alert_surprise(c, weights, defaults.warmup) for key, c in components.items()}

    def fixed(label: str, transform: Callable[[np.ndarray], np.ndarray], **overrides: int) -> None:
        outputs = {key: alerts(transform(s), **overrides) for key, s in base.items()}
        print(line(f"fixed: {label}", cross_validate(corpus, {"only": outputs})), flush=True)

    fixed("default alert stage", lambda s: s)
    for k in (3, 6, 12):
        fixed(f"moving average of {k} before peak picking", lambda s, k=k: moving_average(s, k))
    for refractory in (432, 576, 864):
        fixed(f"refractory {refractory}", lambda s: s, refractory=refractory)
    for days, quantile in ((3, 0.5), (7, 0.5), (30, 0.5), (30, 0.25), (30, 0.75)):
        fixed(f"/ q{quantile:g} of last {days} days' peaks", lambda s, d=days, q=quantile: daily_peak_normalised(s, d, q))

    for label, overrides, extra in (("+ local24", {"local_windows": (1, 5, 24)}, ("local24",)),
                                    ("+ level12, level48", {"level_windows": (1, 5, 12, 24, 48)}, ("level12", "level48"))):
        extra_components = record_corpus(corpus, DetectorParams(histories=SINGLE_HISTORY.histories, **overrides), args.workers)  # type: ignore[arg-type]
        for weight in (0.5, 1.0):
            extended = {**weights, **dict.fromkeys(extra, weight)}
            outputs = {key: alerts(alert_surprise(c, extended, defaults.warmup)) for key, c in extra_components.items()}
            print(line(f"fixed: {label} x{weight:g}", cross_validate(corpus, {"only": outputs})), flush=True)

    raw_grid: dict[str, dict[str, np.ndarray]] = {}
    normalised_grid: dict[str, dict[str, np.ndarray]] = {}
    for name, grid_weights in WEIGHT_GRID.items():
        surprises = {key: alert_surprise(c, dict(grid_weights), defaults.warmup) for key, c in components.items()}
        for refractory in REFRACTORY_GRID:
            raw_grid[f"{name}, refractory {refractory}"] = {
                key: alerts(s, refractory=refractory) for key, s in surprises.items()}
            normalised_grid[f"normalised {name}, refractory {refractory}"] = {
                key: alerts(daily_peak_normalised(s, 30, 0.5), refractory=refractory) for key, s in surprises.items()}
    print(line("grid (bench_anomalies.py)", cross_validate(corpus, raw_grid)))
    print(line("grid, / median of past days' peaks", cross_validate(corpus, normalised_grid)))
    print(line("both grids", cross_validate(corpus, {**raw_grid, **normalised_grid})))

    htm = load_reference_scores(data_dir, "numenta")
    ours = {key: alerts(s) for key, s in base.items()}
    for epsilon in (0.0, 0.25, 0.5, 1.0):
        rule = lowest_within(epsilon)
        mine, theirs = threshold_rule_oof(corpus, ours, rule), threshold_rule_oof(corpus, htm, rule)
        print(f"threshold = lowest within {epsilon:g} raw of the training best: ours "
              + " ".join(f"{v:6.2f}" for v in mine.values()) + " | HTM " + " ".join(f"{v:6.2f}" for v in theirs.values()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
