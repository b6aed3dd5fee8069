"""Running a streaming detector on the NAB corpus: each file is fed, record by record, to a
fresh detector (optionally in parallel processes), and the outputs are scored by ``scoring``
with thresholds optimised. This is what ``bench/bench_anomalies.py`` calls; ``run_candidates``
computes several parameter sets' outputs at once for ``crossval``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Protocol

import numpy as np

from .corpus import NabFile, load_corpus
from .scoring import NabResult, score_corpus


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


def run_candidates(
    data_dir: str | Path | None,
    factories: Mapping[str, Callable[[], StreamingDetector]],
    *,
    workers: int = 1,
) -> dict[str, dict[str, np.ndarray]]:
    """Every candidate detector's outputs on every corpus file: ``{candidate: {label key: scores}}``.

    One process pool serves all (candidate, file) runs, so both workers stay busy to the end;
    factories must be picklable when ``workers > 1`` (as for ``run_detector_benchmark``).
    """
    corpus = load_corpus(data_dir)
    jobs = [(name, key) for name in factories for key in corpus]
    if workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = {job: pool.submit(run_detector, factories[job[0]], corpus[job[1]]) for job in jobs}
            results = {job: future.result() for job, future in futures.items()}
    else:
        results = {job: run_detector(factories[job[0]], corpus[job[1]]) for job in jobs}
    return {name: {key: results[(name, key)] for key in corpus} for name in factories}
