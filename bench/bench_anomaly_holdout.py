"""A true hold-out on NAB: detector and thresholds chosen on NAB's 41 other files, realAWSCloudwatch scored once.

    python bench/bench_anomaly_holdout.py [OUTPUT.json] --select-dir DIR --holdout-dir DIR
        [--nab-git DIR] [--cache-dir DIR] [--workers N]

``--select-dir`` is a NAB data dir holding the 41 non-AWS files (and NAB's
``combined_windows.json`` / ``combined_labels.json``); ``--holdout-dir`` one holding the 17
realAWSCloudwatch files. Protocol (docs/benchmarks-anomalies.md, declared before the run):

1. On the 41 files: our scorer's two recording passes (``bench_anomalies.HISTORY_GRID``) give
   a's 24 declared candidates (``WEIGHT_GRID`` x ``REFRACTORY_GRID`` replayed), the causal CAD
   one output c; each a is crossed with the 7 declared ``COMBINERS`` of
   ``bench_anomaly_context`` (168 candidates).
2. Per cost profile, the candidate and threshold with the best raw NAB score on the 41 files
   together are chosen (ties: the earliest candidate; today's default order first).
3. The chosen candidates are run on the 17 AWS files (the scorer streamed with the chosen
   parameters, CAD causal) and scored once at the chosen thresholds. Secondary: the same
   candidate with its threshold chosen leave-one-file-out on the 17; Numenta HTM's published
   outputs (``--nab-git``: ``results/numenta/``) with its threshold chosen on the 41.

Detector outputs on the 41 are cached per (pass, file) under ``--cache-dir`` so a re-run only
re-scores. No detector reads a label.
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
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # runnable as a plain script, without installing the package
    sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(REPO_ROOT / "bench"))

import numpy as np  # noqa: E402
from bench_anomalies import (  # noqa: E402
    HISTORY_GRID,
    REFRACTORY_GRID,
    WEIGHT_GRID,
    Components,
    alert_surprise,
    record_components,
)
from bench_anomaly_context import COMBINERS  # noqa: E402

from mcp_servers.cloudwatch.anomaly_scorer import AnomalyScorer, DetectorParams, alerts_from_surprises  # noqa: E402
from sre_agent.eval.nab.context_detector import ContextDetector  # noqa: E402
from sre_agent.eval.nab.corpus import NabFile, load_corpus  # noqa: E402
from sre_agent.eval.nab.crossval import cross_validate  # noqa: E402
from sre_agent.eval.nab.runner import run_detector  # noqa: E402
from sre_agent.eval.nab.scoring import NabResult, normalise, optimised_raw, perfect_score, score_corpus  # noqa: E402
from sre_agent.eval.nab.sweep import PROBATION_PERCENT, PROFILES, SweepPoints, score_by_threshold, sweep_points  # noqa: E402

PROFILE_NAMES = list(PROFILES)


def a_params(name: str) -> DetectorParams:
    """The DetectorParams of one of a's 24 grid candidates, named as ``a_candidates`` names them."""
    for h_name, histories in HISTORY_GRID.items():
        for w_name, weights in WEIGHT_GRID.items():
            for r in REFRACTORY_GRID:
                if name == f"{h_name}, {w_name}, refractory {r}":
                    return DetectorParams(histories=histories, alert_weights=weights, refractory=r)
    raise KeyError(f"not a grid candidate: {name!r}")


def a_candidates(recorded: Mapping[str, Mapping[str, Components]]) -> dict[str, dict[str, np.ndarray]]:
    """a's 24 candidates from the recorded surprises (``recorded[history name][file]``), in the
    grid's declared order (as ``bench_anomalies.run_grid_cross_validation`` builds them)."""
    out: dict[str, dict[str, np.ndarray]] = {}
    for history_name, histories in HISTORY_GRID.items():
        for refractory in REFRACTORY_GRID:
            for w_name, weights in WEIGHT_GRID.items():
                params = DetectorParams(histories=histories, alert_weights=weights, refractory=refractory)
                out[f"{history_name}, {w_name}, refractory {refractory}"] = {
                    key: alerts_from_surprises(alert_surprise(c, dict(weights), params.warmup).tolist(), params)
                    for key, c in recorded[history_name].items()
                }
    return out


def default_first(names: list[str]) -> list[str]:
    """Today's default (DetectorParams()) first, then the grid's order: ties keep the default."""
    default = DetectorParams()
    first = [n for n in names if a_params(n) == default]
    return first + [n for n in names if n not in first]


# ----------------------------------------------------------------------------- detector passes


def _job(kind: str, nab_file: NabFile) -> Components | np.ndarray:
    if kind == "CAD":
        return run_detector(ContextDetector, nab_file)
    return record_components(nab_file, DetectorParams(histories=HISTORY_GRID[kind]))


def run_passes(corpus: Mapping[str, NabFile], cache_dir: Path, workers: int) -> tuple[dict[str, dict[str, Components]],
                                                                                        dict[str, np.ndarray], dict[str, float]]:
    """a's recording passes and CAD's pass on every file, cached per (pass, file); longest jobs first."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    kinds = [*HISTORY_GRID, "CAD"]

    def path(kind: str, key: str) -> Path:
        return cache_dir / f"{kind.replace('/', '-').replace(' ', '_')}__{key.replace('/', '__')}.npz"

    todo = sorted(((k, key) for k in kinds for key in corpus if not path(k, key).exists()),
                  key=lambda job: -len(corpus[job[1]]) * (3 if job[0] == "CAD" else 1))
    seconds: dict[str, float] = {}
    if todo:
        print(f"{len(todo)} detector jobs to run", flush=True)
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = {job: pool.submit(_timed, job[0], corpus[job[1]]) for job in todo}
            for (kind, key), future in futures.items():
                result, took = future.result()
                arrays: dict[str, Any] = {"seconds": took, **(result if isinstance(result, dict) else {"scores": result})}
                np.savez_compressed(path(kind, key), **arrays)
                print(f"  {kind:<28}{key:<60}{len(corpus[key]):>7} points {took:7.1f} s", flush=True)
    recorded: dict[str, dict[str, Components]] = {k: {} for k in HISTORY_GRID}
    cad: dict[str, np.ndarray] = {}
    for kind in kinds:
        seconds[kind] = 0.0
        for key in corpus:
            with np.load(path(kind, key)) as stored:
                seconds[kind] += float(stored["seconds"])
                if kind == "CAD":
                    cad[key] = stored["scores"]
                else:
                    recorded[kind][key] = {n: stored[n] for n in stored.files if n != "seconds"}
    return recorded, cad, seconds


def _timed(kind: str, nab_file: NabFile) -> tuple[Components | np.ndarray, float]:
    started = time.perf_counter()
    result = _job(kind, nab_file)
    return result, time.perf_counter() - started


# ----------------------------------------------------------------------------- selection


def select(corpus: Mapping[str, NabFile], a_outputs: Mapping[str, Mapping[str, np.ndarray]],
           cad: Mapping[str, np.ndarray]) -> dict[str, dict[str, dict[str, float]]]:
    """Every candidate's best threshold and raw score on the selection corpus, per profile:
    ``{profile: {candidate: {"threshold", "raw", "score"}}}`` in declared order."""
    table: dict[str, dict[str, dict[str, float]]] = {p: {} for p in PROFILE_NAMES}
    nulls = {p: optimised_raw(corpus, {k: np.zeros(len(f)) for k, f in corpus.items()}, cost, PROBATION_PERCENT)
             for p, cost in PROFILES.items()}
    labels = sum(f.labels for f in corpus.values())
    for a_name, a_by_file in a_outputs.items():
        for c_name, combine in COMBINERS.items():
            name = f"{c_name} | a = {a_name}"
            outputs = {k: np.asarray(combine(np.asarray(a_by_file[k], float), np.asarray(cad[k], float)), float)
                       for k in corpus}
            for profile, cost in PROFILES.items():
                points = [sweep_points(f, outputs[k], cost, PROBATION_PERCENT) for k, f in corpus.items()]
                threshold, raw = score_by_threshold(SweepPoints.concat(points), cost).best()
                best = perfect_score(cost, sum(p.n_windows for p in points), labels, "max_tp")
                table[profile][name] = {"threshold": threshold, "raw": raw,
                                        "score": normalise(raw, nulls[profile], best)}
    return table


def chosen(table: Mapping[str, Mapping[str, float]]) -> str:
    """The first candidate with the highest raw score (dicts keep the declared order)."""
    best = max(row["raw"] for row in table.values())
    return next(name for name, row in table.items() if row["raw"] == best)


def run_chosen(corpus: Mapping[str, NabFile], name: str, workers: int) -> dict[str, np.ndarray]:
    """A chosen candidate's outputs on ``corpus``: the scorer streamed with its parameters, CAD
    causal, combined by its rule (nothing replayed: what the server would run)."""
    c_name, a_name = name.split(" | a = ")
    params = a_params(a_name)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        a_f = {k: pool.submit(run_detector, partial(AnomalyScorer, params), f) for k, f in corpus.items()}
        c_f = {k: pool.submit(run_detector, ContextDetector, f) for k, f in corpus.items()}
        a = {k: f.result() for k, f in a_f.items()}
        c = {k: f.result() for k, f in c_f.items()}
    combine = COMBINERS[c_name]
    return {k: np.asarray(combine(a[k], c[k]), float) for k in corpus}


def load_htm(nab_git: str, corpus: Mapping[str, NabFile]) -> dict[str, np.ndarray]:
    """Numenta HTM's published outputs (``results/numenta/<category>/numenta_<file>``) in a NAB clone."""
    scores = {}
    for key, f in corpus.items():
        folder, name = key.split("/")
        text = subprocess.run(["git", f"--git-dir={nab_git}", "show", f"HEAD:results/numenta/{folder}/numenta_{name}"],
                              capture_output=True, text=True, check=True).stdout
        scores[key] = np.array([float(row["anomaly_score"]) for row in csv.DictReader(io.StringIO(text))])
        if len(scores[key]) != len(f):
            raise ValueError(f"HTM output for {key}: {len(scores[key])} rows, data {len(f)}")
    return scores


def nab_thresholds(nab_git: str, detector: str) -> dict[str, float]:
    text = subprocess.run(["git", f"--git-dir={nab_git}", "show", "HEAD:config/thresholds.json"],
                          capture_output=True, text=True, check=True).stdout
    return {p: float(v["threshold"]) for p, v in json.loads(text)[detector].items()}


def _summary(result: NabResult) -> dict[str, dict[str, float]]:
    out = {}
    for p in PROFILE_NAMES:
        files = [result.per_file[k][p] for k in result.per_file]
        out[p] = {"score": result.profiles[p].score, "raw": result.profiles[p].raw,
                  "threshold": result.profiles[p].threshold,
                  "windows_detected": sum(f.windows_detected for f in files), "windows": sum(f.windows for f in files),
                  "fp": result.profiles[p].fp}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?", default=str(REPO_ROOT / "bench" / "results" / "anomaly_holdout.json"))
    parser.add_argument("--select-dir", required=True)
    parser.add_argument("--holdout-dir", required=True)
    parser.add_argument("--nab-git", default=None, help="a clone (or bare git dir) of numenta/NAB: HTM's outputs")
    parser.add_argument("--cache-dir", default="/tmp/nab_holdout_cache")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--passes-only", action="store_true", help="run (and cache) the detector passes, score nothing")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    select_corpus = load_corpus(args.select_dir)
    if any(k.startswith("realAWSCloudwatch/") for k in select_corpus):
        raise SystemExit("the selection dir must not hold realAWSCloudwatch files")
    recorded, cad, pass_seconds = run_passes(select_corpus, Path(args.cache_dir), args.workers)
    points = sum(len(f) for f in select_corpus.values())
    cost = {kind: {"seconds": round(s, 1), "points_per_second": round(points / s)} for kind, s in pass_seconds.items()}
    print(f"passes on {len(select_corpus)} files ({points} points): {cost}", flush=True)
    if args.passes_only:
        return 0

    a_outputs = a_candidates(recorded)
    a_outputs = {n: a_outputs[n] for n in default_first(list(a_outputs))}
    table = select(select_corpus, a_outputs, cad)
    choice = {p: chosen(table[p]) for p in PROFILE_NAMES}
    thresholds = {p: table[p][choice[p]]["threshold"] for p in PROFILE_NAMES}
    print(f"chosen on the {len(select_corpus)} files: {json.dumps({p: [choice[p], thresholds[p]] for p in choice}, indent=1)}",
          flush=True)

    # The held-out files, scored once per profile with that profile's choice.
    holdout = load_corpus(args.holdout_dir)
    outputs = {name: run_chosen(holdout, name, args.workers) for name in dict.fromkeys(choice.values())}
    held_out = {p: _summary(score_corpus(holdout, outputs[choice[p]], thresholds={q: thresholds[p] for q in PROFILE_NAMES}))[p]
                for p in PROFILE_NAMES}
    lofo = {name: cross_validate(holdout, {name: out}) for name, out in outputs.items()}
    secondary = {p: {"score": lofo[choice[p]].profiles[p].score, "windows_detected": lofo[choice[p]].profiles[p].windows_detected,
                     "windows": lofo[choice[p]].profiles[p].windows, "fp": lofo[choice[p]].profiles[p].fp,
                     "in_sample": lofo[choice[p]].in_sample[p].score} for p in PROFILE_NAMES}

    htm = None
    if args.nab_git:
        htm_select = load_htm(args.nab_git, select_corpus)
        htm_holdout = load_htm(args.nab_git, holdout)
        htm_41 = score_corpus(select_corpus, htm_select)
        htm_t = {p: htm_41.profiles[p].threshold for p in PROFILE_NAMES}
        published_t = nab_thresholds(args.nab_git, "numenta")
        htm = {"selection_set": _summary(htm_41),
               "held_out_thresholds_from_41": _summary(score_corpus(holdout, htm_holdout, thresholds=htm_t)),
               "held_out_published_thresholds": _summary(score_corpus(holdout, htm_holdout, thresholds=published_t)),
               "published_thresholds": published_t}

    payload = {
        "benchmark": "NAB hold-out: chosen on the 41 non-AWS files, scored on realAWSCloudwatch",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {platform.system()}, python {platform.python_version()}",
        "seconds": round(time.perf_counter() - started, 1),
        "selection_files": len(select_corpus), "selection_points": points, "pass_cost": cost,
        "chosen": {p: {"candidate": choice[p], "threshold": thresholds[p], "selection": table[p][choice[p]]}
                   for p in PROFILE_NAMES},
        "held_out": held_out, "held_out_threshold_lofo": secondary, "htm": htm,
        "selection_table": table,
    }
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(payload, indent=2) + "\n")
    _print(payload)
    print(f"\n{payload['seconds']:.0f} s; written to {output}")
    return 0


def _print(payload: Mapping) -> None:
    print("\n| row (realAWSCloudwatch, normalised) | " + " | ".join(PROFILE_NAMES) + " | windows (std) | FP (std) |")
    held, sec = payload["held_out"], payload["held_out_threshold_lofo"]
    std = held["standard"]
    print("| held out: chosen on the 41 | " + " | ".join(f"{held[p]['score']:.2f}" for p in PROFILE_NAMES)
          + f" | {std['windows_detected']}/{std['windows']} | {std['fp']} |")
    s2 = sec["standard"]
    print("| same candidate, threshold LOFO on the 17 | " + " | ".join(f"{sec[p]['score']:.2f}" for p in PROFILE_NAMES)
          + f" | {s2['windows_detected']}/{s2['windows']} | {s2['fp']} |")
    if payload["htm"]:
        for label, key in (("HTM, threshold chosen on the 41", "held_out_thresholds_from_41"),
                           ("HTM, NAB's published thresholds", "held_out_published_thresholds")):
            row = payload["htm"][key]
            print(f"| {label} | " + " | ".join(f"{row[p]['score']:.2f}" for p in PROFILE_NAMES)
                  + f" | {row['standard']['windows_detected']}/{row['standard']['windows']} | {row['standard']['fp']} |")
    for p in PROFILE_NAMES:
        ranked = sorted(payload["selection_table"][p].items(), key=lambda kv: -kv[1]["raw"])[:5]
        print(f"\n{p}: top of the selection table (41 files):")
        for name, row in ranked:
            print(f"  {row['score']:7.2f}  raw {row['raw']:8.3f}  thr {row['threshold']:.4f}  {name}")


if __name__ == "__main__":
    sys.exit(main())
