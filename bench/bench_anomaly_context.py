"""A second detector family on NAB realAWSCloudwatch: CAD OSE, and its combinations with ours.

    python bench/bench_anomaly_context.py [OUTPUT.json] [--data-dir DIR] [--workers N] [--nab-git DIR]

1. Reproduction: ``sre_agent.eval.nab.context_detector.ContextDetector`` run as NAB runs CAD
   OSE (each file's min and max given up front, rest period = NAB's probation / 5), compared point
   by point with NAB's published CAD OSE outputs when ``--nab-git`` names a clone of
   numenta/NAB, and scored in-sample (thresholds optimised on the 17 files) and with NAB's
   published thresholds. That set-up sees each file's range in advance, so it is not causal and
   is not a candidate below.
2. The causal CAD (running min/max, fixed rest period 120) and our ``AnomalyScorer`` (default
   ``DetectorParams``) are run on every file, and the declared grid ``COMBINERS`` — each detector
   alone and five ways of combining the two per record — is cross-validated leave-one-file-out
   by ``sre_agent.eval.nab.crossval`` (candidate and threshold chosen on the 16 training files)
   and scored in-sample; each candidate is also cross-validated alone (threshold chosen per fold).
3. Cost: points per second of each detector on the longest file, one process, same run.

Nothing here reads labels except the scorer; no published output is an input to any detector.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import platform
import subprocess
import sys
import time
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # runnable as a plain script, without installing the package
    sys.path.insert(0, str(REPO_ROOT))

import numpy as np  # noqa: E402

from mcp_servers.cloudwatch.anomaly_scorer import AnomalyScorer  # noqa: E402
from sre_agent.eval.nab.context_detector import ContextDetector, ContextParams, nab_rest_period  # noqa: E402
from sre_agent.eval.nab.corpus import NabFile, load_corpus, load_reference_thresholds, resolve_nab_dir  # noqa: E402
from sre_agent.eval.nab.crossval import Combiner, CrossValidationResult, combined_candidates, cross_validate  # noqa: E402
from sre_agent.eval.nab.runner import run_candidates, run_detector  # noqa: E402
from sre_agent.eval.nab.scoring import NabResult, score_corpus  # noqa: E402
from sre_agent.eval.nab.sweep import PROFILES  # noqa: E402

PROFILE_NAMES = list(PROFILES)

# The declared grid, fixed before any combination was scored (a = our alert score, c = the causal
# CAD score, both in [0, 1); NAB's published thresholds put CAD's alerts near 0.77 and ours sit
# near 0.72-0.75, so a +-0.05 shift of CAD's score is the only scale parameter). Our detector
# comes first, so a tie keeps it.
COMBINERS: dict[str, Combiner] = {
    "sre-agent alone": lambda a, c: a,
    "CAD alone": lambda a, c: c,
    "max(a, c)": np.maximum,
    "max(a, c - 0.05)": lambda a, c: np.maximum(a, np.clip(c - 0.05, 0.0, 1.0)),
    "max(a, c + 0.05)": lambda a, c: np.maximum(a, np.clip(c + 0.05, 0.0, 1.0)),  # NAB wants [0, 1]
    "mean(a, c)": lambda a, c: (a + c) / 2.0,
    "1 - (1 - a)(1 - c)": lambda a, c: 1.0 - (1.0 - a) * (1.0 - c),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?", default=str(REPO_ROOT / "bench" / "results" / "anomaly_context.json"))
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cache", default=None, help="an .npz of the detectors' outputs: read if it exists, "
                                                     "else written (re-scoring without re-running)")
    parser.add_argument("--nab-git", default=None, help="a clone of numenta/NAB (its published CAD OSE outputs, "
                                                       "for the reproduction check only)")
    args = parser.parse_args(argv)
    data_dir = resolve_nab_dir(args.data_dir)
    corpus = load_corpus(data_dir)
    started = time.perf_counter()

    cache = Path(args.cache) if args.cache else None
    if cache and cache.exists():
        with np.load(cache) as stored:
            runs = {name: {key: stored[f"{name}|{key}"] for key in corpus} for name in ("nab", "sre-agent", "CAD")}
    else:
        runs = {"nab": run_nab_style(corpus, args.workers),
                **run_candidates(data_dir, {"sre-agent": AnomalyScorer, "CAD": ContextDetector}, workers=args.workers)}
        if cache:
            np.savez_compressed(cache, **{f"{name}|{key}": v for name, by_file in runs.items() for key, v in by_file.items()})
    nab_style, outputs = runs["nab"], runs
    published = load_published(args.nab_git, corpus) if args.nab_git else None
    candidates = combined_candidates(outputs["sre-agent"], outputs["CAD"], COMBINERS)
    grid = cross_validate(corpus, candidates)
    alone = {name: cross_validate(corpus, {name: scores}) for name, scores in candidates.items()}
    nab_style_cv = cross_validate(corpus, {"CAD, NAB set-up": nab_style})
    cost = throughput(corpus)
    elapsed = time.perf_counter() - started

    thresholds = load_reference_thresholds(data_dir).get("contextOSE")
    reproduction = {
        "in_sample": score_corpus(corpus, nab_style),
        "nab_thresholds": score_corpus(corpus, nab_style, thresholds=thresholds) if thresholds else None,
        "published_nab_thresholds": (score_corpus(corpus, published, thresholds=thresholds)
                                     if published and thresholds else None),
    }
    agreement = _agreement(nab_style, published) if published else None
    payload = {
        "benchmark": "NAB realAWSCloudwatch: CAD OSE and combinations",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {platform.system()}, python {platform.python_version()}",
        "seconds": round(elapsed, 1),
        "points_per_second_single_process": cost,
        "reproduction": {k: v.model_dump(exclude={"per_file"}) if v else None for k, v in reproduction.items()},
        "reproduction_agreement": agreement,
        "nab_style_cross_validated": nab_style_cv.model_dump(exclude={"per_file"}),
        "grid": grid.model_dump(),
        "alone": {name: cv.model_dump(exclude={"per_file"}) for name, cv in alone.items()},
    }
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(payload, indent=2) + "\n")
    _print(reproduction, agreement, nab_style_cv, grid, alone, cost)
    print(f"\n{elapsed:.0f} s with {args.workers} workers; written to {output}")
    return 0


def run_nab_style(corpus: Mapping[str, NabFile], workers: int) -> dict[str, np.ndarray]:
    """CAD as NAB runs it: the file's range up front, rest period from the file's length."""
    def factory(f: NabFile) -> partial[ContextDetector]:
        params = ContextParams(value_range=(float(f.values.min()), float(f.values.max())),
                               rest_period=nab_rest_period(len(f)))
        return partial(ContextDetector, params)

    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {key: pool.submit(run_detector, factory(f), f) for key, f in corpus.items()}
        return {key: future.result() for key, future in futures.items()}


def load_published(nab_git: str, corpus: Mapping[str, NabFile]) -> dict[str, np.ndarray]:
    """NAB's published CAD OSE outputs (results/contextOSE/...) from a git clone of numenta/NAB."""
    scores = {}
    for key in corpus:
        folder, name = key.split("/")
        text = subprocess.run(["git", "-C", nab_git, "show", f"HEAD:results/contextOSE/{folder}/contextOSE_{name}"],
                              capture_output=True, text=True, check=True).stdout
        scores[key] = np.array([float(row["anomaly_score"]) for row in csv.DictReader(io.StringIO(text))])
    return scores


def _agreement(ours: Mapping[str, np.ndarray], published: Mapping[str, np.ndarray]) -> dict[str, float]:
    """Per file, the share of records where our NAB-style output equals the published one."""
    return {key: float(np.mean(np.isclose(ours[key], published[key], rtol=0, atol=1e-9))) for key in ours}


def throughput(corpus: Mapping[str, NabFile]) -> dict[str, float]:
    """Points per second of each detector fed the longest file in this process, one after the other."""
    longest = max(corpus.values(), key=len)
    rates: dict[str, float] = {}
    for name, detector in (("sre-agent", AnomalyScorer()), ("CAD", ContextDetector())):
        started = time.perf_counter()
        for t, v in zip(longest.timestamps, longest.values):
            detector.score(t, float(v))
        rates[name] = round(len(longest) / (time.perf_counter() - started))
    return rates


def _row(label: str, values: list[float], windows: str, fp: int | str) -> str:
    return f"| {label} | " + " | ".join(f"{v:.2f}" for v in values) + f" | {windows} | {fp} |"


def _nab_row(label: str, result: NabResult) -> str:
    std = result.profiles["standard"]
    found = sum(s["standard"].windows_detected for s in result.per_file.values())
    total = sum(s["standard"].windows for s in result.per_file.values())
    return _row(label, [result.profiles[p].score for p in PROFILE_NAMES], f"{found}/{total}", std.fp)


def _cv_rows(label: str, cv: CrossValidationResult) -> list[str]:
    std, ins = cv.profiles["standard"], cv.in_sample["standard"]
    return [
        _row(f"{label}, out-of-fold", [cv.profiles[p].score for p in PROFILE_NAMES],
             f"{std.windows_detected}/{std.windows}", std.fp),
        _row(f"{label}, in-sample", [cv.in_sample[p].score for p in PROFILE_NAMES],
             f"{ins.windows_detected}/{std.windows}", ins.fp),
    ]


def _print(reproduction: Mapping[str, NabResult | None], agreement: Mapping[str, float] | None,
           nab_style_cv: CrossValidationResult, grid: CrossValidationResult,
           alone: Mapping[str, CrossValidationResult], cost: Mapping[str, float]) -> None:
    print("| detector (normalised) | standard | reward_low_FP_rate | reward_low_FN_rate | windows (std) | FP records (std) |")
    print("|---|---:|---:|---:|---:|---:|")
    labels = {"in_sample": "CAD, NAB set-up (ours), thresholds optimised on the 17 files",
              "nab_thresholds": "CAD, NAB set-up (ours), NAB's published thresholds",
              "published_nab_thresholds": "CAD OSE, NAB's published outputs and thresholds"}
    for key, result in reproduction.items():
        if result:
            print(_nab_row(labels[key], result))
    for line in _cv_rows("CAD, NAB set-up (ours), threshold chosen per fold", nab_style_cv):
        print(line)
    for line in _cv_rows(f"declared grid ({len(grid.candidates)} candidates)", grid):
        print(line)
    for name, cv in alone.items():
        for line in _cv_rows(f"{name} (threshold alone chosen per fold)", cv):
            print(line)
    for profile in PROFILE_NAMES:
        folds = grid.profiles[profile].folds
        chosen = {name: sum(f.candidate == name for f in folds) for name in grid.candidates}
        print(f"  {profile}: folds chose {({k: v for k, v in chosen.items() if v})}; "
              f"in-sample {grid.in_sample[profile].candidate!r}")
    if agreement:
        exact = sum(share == 1.0 for share in agreement.values())
        print(f"reproduction: {exact}/{len(agreement)} files identical to NAB's published CAD OSE outputs; "
              f"others {sorted(round(s, 4) for s in agreement.values() if s < 1.0)}")
    print(f"points/s, one process, longest file: {dict(cost)}")


if __name__ == "__main__":
    sys.exit(main())
