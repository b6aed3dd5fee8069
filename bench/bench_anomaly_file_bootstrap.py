"""How far apart two NAB out-of-fold scores must be to mean anything on 17 files.

    python bench/bench_anomaly_file_bootstrap.py [--data-dir DIR] [--workers N] [--resamples N]

The shipped detector and NAB's published Numenta HTM outputs are each scored leave-one-file-out
(``sre_agent.eval.nab.crossval``: threshold chosen on the other 16 files); then the 17 files are
resampled with replacement, and each resample's normalised score (null: every window missed,
perfect: the data README's ``tpWeight * sigma(-1)`` per window) is recomputed from the held-out
files' raw scores. The spread of one detector's score is its standard error; the spread of the
paired difference (same resampled files for both) says whether the gap between them is larger
than the choice of files. Fixed seed: the figures reproduce.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # runnable as a plain script, without installing the package
    sys.path.insert(0, str(REPO_ROOT))

import numpy as np  # noqa: E402

from mcp_servers.cloudwatch.anomaly_scorer import AnomalyScorer  # noqa: E402
from sre_agent.eval.nab.corpus import load_corpus, load_reference_scores, resolve_nab_dir  # noqa: E402
from sre_agent.eval.nab.crossval import CrossValidationResult, cross_validate  # noqa: E402
from sre_agent.eval.nab.runner import run_candidates  # noqa: E402
from sre_agent.eval.nab.sweep import MAX_TP, PROFILES  # noqa: E402


def held_out_raw(result: CrossValidationResult, keys: list[str], profile: str) -> np.ndarray:
    return np.array([result.per_file[key][profile].raw for key in keys])


def normalised(raw: np.ndarray, windows: np.ndarray, profile: str) -> float:
    """NAB's normalisation restricted to some files: null = every window missed (-fn each)."""
    cost = PROFILES[profile]
    null, perfect = -cost.fn * windows.sum(), cost.tp * MAX_TP * windows.sum()
    return float(100.0 * (raw.sum() - null) / (perfect - null))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--resamples", type=int, default=10_000)
    args = parser.parse_args(argv)
    data_dir = resolve_nab_dir(args.data_dir)
    corpus = load_corpus(data_dir)
    ours = run_candidates(data_dir, {"sre-agent": AnomalyScorer}, workers=args.workers)
    results = {
        "sre-agent": cross_validate(corpus, ours),
        "Numenta HTM": cross_validate(corpus, {"htm": load_reference_scores(data_dir, "numenta")}),
    }
    keys = list(corpus)
    rng = np.random.default_rng(0)
    draws = [rng.integers(0, len(keys), len(keys)) for _ in range(args.resamples)]
    for profile in PROFILES:
        windows = np.array([results["sre-agent"].per_file[key][profile].windows for key in keys])
        raw = {name: held_out_raw(result, keys, profile) for name, result in results.items()}
        usable = [i for i in draws if windows[i].sum() > 0]
        spread = {name: np.array([normalised(r[i], windows[i], profile) for i in usable]) for name, r in raw.items()}
        gap = spread["Numenta HTM"] - spread["sre-agent"]
        scores = ", ".join(f"{name} {normalised(r, windows, profile):.2f} (SE {spread[name].std():.2f})" for name, r in raw.items())
        low, high = np.percentile(gap, [5, 95])
        print(
            f"{profile}: out-of-fold {scores}; HTM - sre-agent {gap.mean():+.2f} (SE {gap.std():.2f}, "
            f"90% {low:+.2f} .. {high:+.2f}, P(gap <= 0) {np.mean(gap <= 0):.2f}); {len(usable)} resamples of {len(keys)} files"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
