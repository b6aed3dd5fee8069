"""Second views for the NAB anomaly detector: extra statistics beside the level surprise, scored
in-sample and out-of-fold.

    python bench/bench_anomaly_second_views.py [--data-dir DIR] [--workers N]

The detector's own statistics are recorded once per file with the default ``DetectorParams``
(as ``bench_anomaly_alert_variants.py`` does); each second view below is computed per file,
turned into a surprise exactly as the detector turns its statistics into surprises (its tail
model over the last ``history`` values), and then either added to the alert surprise with a
weight, or combined with it by a maximum, or scored on its own. Every variant is scored by
``sre_agent.eval.nab.crossval`` like ``bench_anomalies.py --cross-validate``: leave-one-file-out,
threshold chosen on the 16 training files ("fixed": weights fixed, only the threshold chosen;
"grid": a candidate set, candidate and threshold chosen per fold).

This is the record behind docs/benchmarks-anomalies.md's 2026-11-23 attempt; none of these views
is in the detector. The views (all causal, one global setting, no labels):

* ``context`` — in the spirit of CAD OSE: values binned into equal-width bins of the running
  min..max, and the log-loss of the new bin given the previous ``order`` bins (Krichevsky-Trofimov
  counts); a new transition is surprising;
* ``spectral residual`` — Ren et al. 2019's saliency of the newest point of a 96-point window
  (raw and log1p values);
* ``short baseline`` — distance from the median of the last 24 points in units of the last day's
  mean absolute first difference (a spike on a smooth stretch);
* ``turning points`` — sign changes of the first difference in the last 48 points (oscillation
  onset);
* ``seasonal excess`` — how far the value tops the same time of day (+-h points) over the last
  ``d`` days, in units of the last day's mean absolute first difference (a spike off schedule);
* ``phase level`` — the value's surprise against the same time of day (+-h) over 14 days.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections import defaultdict, deque
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # runnable as a plain script, without installing the package
    sys.path.insert(0, str(REPO_ROOT))

import numpy as np  # noqa: E402

from bench.bench_anomalies import alert_surprise, record_corpus  # noqa: E402
from bench.bench_anomaly_alert_variants import DAY, alerts, line  # noqa: E402
from mcp_servers.cloudwatch.anomaly_scorer import DetectorParams, _TailModel  # noqa: E402
from sre_agent.eval.nab.corpus import NabFile, load_corpus, resolve_nab_dir  # noqa: E402
from sre_agent.eval.nab.crossval import cross_validate  # noqa: E402

Statistic = list[float | None]  # one raw value per record, None while the view is not warm
# The detector as it was measured here: one 2000-point history (the ensemble came after).
PARAMS = DetectorParams(histories=(2000,))


def calibrate(raw: Statistic, *, two_sided: bool) -> np.ndarray:
    """The surprise the detector would give this statistic: its own tail model (the private class
    on purpose, so a view is calibrated exactly like the shipped statistics)."""
    model = _TailModel(PARAMS.histories[0], PARAMS, two_sided=two_sided)
    return np.array([0.0 if v is None else model.surprise(v) for v in raw])


def context_logloss(x: np.ndarray, bins: int, order: int) -> Statistic:
    counts: dict[tuple[int, ...], dict[int, float]] = defaultdict(lambda: defaultdict(float))
    totals: dict[tuple[int, ...], float] = defaultdict(float)
    previous: deque[int] = deque(maxlen=order)
    out: Statistic = []
    low = high = float(x[0])
    for v in x:
        low, high = min(low, v), max(high, v)
        symbol = min(int((v - low) / ((high - low) or 1.0) * bins), bins - 1)
        if len(previous) == order:
            context = tuple(previous)
            out.append(-math.log2((counts[context][symbol] + 0.5) / (totals[context] + 0.5 * bins)))
            counts[context][symbol] += 1.0
            totals[context] += 1.0
        else:
            out.append(None)
        previous.append(symbol)
    return out


def sequence_novelty(x: np.ndarray, levels: int = 8, max_order: int = 6) -> np.ndarray:
    """Mean of (a) the share of seen contexts of orders 1..max_order never before followed by the
    current level and (b) the share of orders whose context is new (already in [0, 1))."""
    followers: list[dict[tuple[int, ...], set[int]]] = [{} for _ in range(max_order + 1)]
    symbols: list[int] = []
    out = np.zeros(len(x))
    low = high = float(x[0])
    for i, v in enumerate(x):
        low, high = min(low, v), max(high, v)
        symbol = min(int((v - low) / ((high - low) or 1.0) * levels), levels - 1)
        orders = min(len(symbols), max_order)
        seen = unfollowed = new = 0
        for k in range(1, orders + 1):
            after = followers[k].setdefault(tuple(symbols[-k:]), set())
            if not after:
                new += 1
            else:
                seen += 1
                unfollowed += symbol not in after
            after.add(symbol)
        if orders:
            out[i] = ((unfollowed / seen if seen else 0.0) + new / orders) / 2.0
        symbols.append(symbol)
    return out


def spectral_residual(x: np.ndarray, window: int = 96, extend: int = 5, smooth: int = 3, local: int = 21) -> Statistic:
    out: Statistic = [None] * window
    kernel = np.ones(smooth) / smooth
    for i in range(window, len(x)):
        segment = x[i - window + 1 : i + 1]
        # The newest point should not sit at the window's edge: extend by the mean recent slope.
        slope = float(np.mean((segment[-1] - segment[-extend - 1 : -1]) / np.arange(extend, 0, -1)))
        padded = np.r_[segment, np.full(extend, segment[-1] + slope * extend)]
        spectrum = np.fft.fft(padded)
        log_amplitude = np.log(np.abs(spectrum) + 1e-12)
        residual = log_amplitude - np.convolve(log_amplitude, kernel, mode="same")
        saliency = np.abs(np.fft.ifft(np.exp(residual + 1j * np.angle(spectrum))))
        reference = float(np.mean(saliency[window - 1 - local : window - 1])) + 1e-12
        out.append((float(saliency[window - 1]) - reference) / reference)
    return out


def _day_jitter(x: np.ndarray, i: int) -> float:
    return float(np.mean(np.abs(np.diff(x[max(0, i - DAY) : i])))) + 1e-9


def short_baseline(x: np.ndarray, base: int = 24) -> Statistic:
    return [None] * base + [(x[i] - float(np.median(x[i - base : i]))) / _day_jitter(x, i) for i in range(base, len(x))]


def turning_points(x: np.ndarray, width: int = 48) -> Statistic:
    direction = np.sign(np.diff(x, prepend=x[0]))
    out: Statistic = [None] * (width + 1)
    for i in range(width + 1, len(x)):
        moves = direction[i - width + 1 : i + 1]
        moves = moves[moves != 0]
        out.append(float(np.sum(moves[1:] != moves[:-1])))
    return out


def seasonal_excess(x: np.ndarray, half: int, days: int) -> Statistic:
    start = 2 * DAY + half  # two days of the same phase before anything is said
    out: Statistic = [None] * start
    for i in range(start, len(x)):
        same_phase = [x[c - half : c + half + 1].max() for c in (i - d * DAY for d in range(1, days + 1)) if c >= half]
        out.append((x[i] - float(max(same_phase))) / _day_jitter(x, i))
    return out


def phase_level(x: np.ndarray, half: int, days: int = 14) -> np.ndarray:
    """Surprise against the same phase's values (its own sample each time, hence no calibrate)."""
    out = np.zeros(len(x))
    for i in range(3 * DAY, len(x)):
        model = _TailModel(10**9, PARAMS, two_sided=True)
        centres = [c for c in (i - d * DAY for d in range(1, days + 1)) if c >= half]
        model.window.sorted = sorted(float(v) for c in centres for v in x[c - half : c + half + 1])
        out[i] = model.surprise(float(x[i]))
    return out


def views(nab_file: NabFile) -> dict[str, np.ndarray]:
    x = np.asarray(nab_file.values, dtype=float)
    log_x = np.log1p(np.maximum(x, 0.0))
    found = {f"context {b} bins, order {o}": calibrate(context_logloss(x, b, o), two_sided=False) for b, o in ((8, 2), (8, 3), (16, 2))}
    for levels, order in ((8, 6), (8, 10), (16, 6), (5, 6)):
        found[f"sequence novelty {levels} levels, orders 1-{order}"] = calibrate(list(sequence_novelty(x, levels, order)), two_sided=False)
    found["spectral residual"] = calibrate(spectral_residual(x), two_sided=False)
    found["spectral residual (log)"] = calibrate(spectral_residual(log_x), two_sided=False)
    found["short baseline"] = calibrate(short_baseline(x), two_sided=True)
    found["turning points"] = calibrate(turning_points(x), two_sided=True)
    for half, days in ((3, 7), (6, 7), (12, 7), (6, 3)):
        found[f"seasonal excess +-{half}, {days} days"] = calibrate(seasonal_excess(x, half, days), two_sided=False)
    for half in (3, 6, 12):
        found[f"phase level +-{half}"] = phase_level(x, half)
    return found


# Views whose small surprises might be what hurts: added only above a hinge (max(0, s - tau)).
HINGED = ("seasonal excess +-6, 7 days", "seasonal excess +-12, 7 days", "context 16 bins, order 2", "turning points", "short baseline")

Surprises = Mapping[str, np.ndarray]  # label key -> alert surprise at every record
Fixed = Callable[..., None]  # fixed(label, surprises, **alert-stage overrides) prints one line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    corpus = load_corpus(resolve_nab_dir(args.data_dir))
    defaults = PARAMS
    components = record_corpus(corpus, defaults, args.workers)
    base = {key: alert_surprise(c, dict(defaults.alert_weights), defaults.warmup) for key, c in components.items()}
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        extra = dict(zip(corpus, pool.map(views, corpus.values())))

    def fixed(label: str, surprises: Surprises, **overrides: int) -> None:
        outputs = {key: alerts(np.clip(_warm(surprises[key]), 0.0, None), **overrides) for key in corpus}
        print(line(f"fixed: {label}", cross_validate(corpus, {"only": outputs})), flush=True)

    fixed("default alert stage", base)
    for name in extra[next(iter(corpus))]:
        fixed(f"{name} alone", {key: extra[key][name] for key in corpus})
        for weight in (0.5, 1.0, 2.0):
            fixed(f"+ {weight:g} x {name}", {key: base[key] + weight * extra[key][name] for key in corpus})
        if name.startswith("context"):
            for weight in (1.0, 2.0, 3.0):
                maxima = {key: np.maximum(base[key], weight * extra[key][name]) for key in corpus}
                fixed(f"max(sum, {weight:g} x {name})", maxima)
    for name in HINGED:
        for tau in (2.0, 4.0):
            for weight in (1.0, 2.0):
                hinged = {key: base[key] + weight * np.maximum(extra[key][name] - tau, 0.0) for key in corpus}
                fixed(f"+ {weight:g} x max(0, {name} - {tau:g})", hinged)
    reshaped_statistics(components, fixed)
    alert_stage_variants(corpus, base, fixed)
    normalised_by_daily_peaks(corpus, base, fixed)
    history_ensembles(corpus, base, args.workers, fixed)
    return 0


def _warm(surprise: np.ndarray) -> np.ndarray:
    out = surprise.copy()
    out[: PARAMS.warmup] = 0.0
    return out


def reshaped_statistics(components: Mapping[str, dict[str, np.ndarray]], fixed: Fixed) -> None:
    """Each statistic's surprise capped (softly or not) or hinged before the weighted sum: do the
    false positives that one statistic dominates go, and the agreeing true ones stay?"""
    weights = dict(PARAMS.alert_weights)

    def reshaped(transform: Callable[[np.ndarray], np.ndarray]) -> dict[str, np.ndarray]:
        return {key: alert_surprise({n: transform(v) for n, v in c.items()}, weights, PARAMS.warmup) for key, c in components.items()}

    for cap in (3, 4, 6, 8, 12, 20):
        fixed(f"each surprise soft-capped at {cap}", reshaped(partial(_soft_cap, cap=cap)))
        fixed(f"each surprise capped at {cap}", reshaped(partial(np.minimum, cap)))
    for tau in (0.5, 1.0, 1.5, 2.0):
        fixed(f"each surprise hinged at {tau:g}", reshaped(partial(_hinge, tau=tau)))


def _soft_cap(surprise: np.ndarray, cap: float) -> np.ndarray:
    return cap * (1.0 - np.exp(-surprise / cap))


def _hinge(surprise: np.ndarray, tau: float) -> np.ndarray:
    return np.maximum(surprise - tau, 0.0)


def decaying_refractory_alerts(surprise: np.ndarray, half_life: float) -> np.ndarray:
    """The shipped alert stage, except that the last day's surprises a peak must top decay with
    ``half_life`` points (a new incident soon after a big one can alert)."""
    p, out = PARAMS, np.zeros(len(surprise))
    decay = 2.0 ** (-np.arange(p.refractory, 0, -1) / half_life)
    for j in range(len(surprise) - p.confirm):
        candidate, start = surprise[j], max(0, j - p.refractory)
        if candidate <= 0.0 or (surprise[j + 1 : j + 1 + p.confirm] > candidate).any():
            continue
        if start < j and (surprise[start:j] * decay[p.refractory - (j - start) :]).max() >= candidate:
            continue
        out[j + p.confirm] = 1.0 - math.exp(-candidate / p.decades)
    return out


def alert_stage_variants(corpus: Mapping[str, NabFile], base: Mapping[str, np.ndarray], fixed: Fixed) -> None:
    for confirm in (0, 1, 2, 5):
        fixed(f"confirm {confirm}", base, confirm=confirm)
    for refractory in (144, 200):
        fixed(f"refractory {refractory}", base, refractory=refractory)
    for half_life in (30, 60, 120, 240, 480):
        outputs = {key: decaying_refractory_alerts(s, half_life) for key, s in base.items()}
        print(line(f"fixed: decaying refractory, half-life {half_life}", cross_validate(corpus, {"only": outputs})))


def typical_daily_peak(surprise: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(median of all past whole days' maximum surprise, number of those days) at each record."""
    typical, days = np.full(len(surprise), np.nan), np.zeros(len(surprise))
    for i in range(DAY, len(surprise)):
        whole = i // DAY * DAY
        typical[i] = float(np.median(surprise[i - whole : i].reshape(-1, DAY).max(axis=1)))
        days[i] = whole // DAY
    return typical, days


def normalised_by_daily_peaks(corpus: Mapping[str, NabFile], base: Mapping[str, np.ndarray], fixed: Fixed) -> None:
    """The alert surprise x (reference / typical daily peak) ** beta, the typical peak shrunk
    towards the reference as if ``prior`` days had shown it (the first day: not normalised)."""
    peaks = {key: typical_daily_peak(s) for key, s in base.items()}

    def normalised(key: str, beta: float, prior: float = 0.0, reference: float = 10.0) -> np.ndarray:
        typical, days = peaks[key]
        seen = np.where(np.isnan(typical), reference, np.maximum(typical, 1.0))
        shrunk = np.where(days > 0, (prior * reference + days * seen) / np.maximum(prior + days, 1e-9), reference)
        return np.clip(base[key] * (reference / shrunk) ** beta, 0.0, 500.0)

    for beta in (0.25, 0.5, 0.75, 1.0):
        fixed(f"/ typical daily peak ** {beta:g}", {key: normalised(key, beta) for key in corpus})
    for reference in (10.0, 15.0):
        for prior in (0, 1, 3, 7):
            shrunk = {key: normalised(key, 1.0, prior, reference) for key in corpus}
            fixed(f"/ typical daily peak, shrunk {prior} days to {reference:g}", shrunk)
    for label, betas in (("beta {0, 0.5, 1}", (0.0, 0.5, 1.0)), ("beta {0, 1}", (0.0, 1.0))):
        grid = {f"beta {b:g}": {key: alerts(_warm(normalised(key, b))) for key in corpus} for b in betas}
        print(line(f"grid: {label}", cross_validate(corpus, grid)), flush=True)


# Memory lengths measured one by one and averaged (what DetectorParams.histories now does with
# 1000/2000/4000, the first ensemble tried; the others check it is not a lucky choice).
ENSEMBLES = (
    (1000, 2000, 4000),
    (1000, 2000),
    (2000, 4000),
    (1000, 4000),
    (1000, 3000),
    (1500, 3000),
    (1500, 2000, 3000),
    (1000, 2000, 3000),
    (1500, 2000, 4000),
    (1000, 1500, 2000, 3000, 4000),
    (500, 1000, 2000),
    (500, 2000, 4000),
    (500, 1000, 2000, 4000),
)


def history_ensembles(corpus: Mapping[str, NabFile], base: Surprises, workers: int, fixed: Fixed) -> None:
    """The alert surprise averaged over detectors that differ only in their history length."""
    by_history = {PARAMS.histories[0]: base}
    for history in sorted({h for ensemble in ENSEMBLES for h in ensemble} - set(by_history)):
        params = DetectorParams(histories=(history,))
        recorded = record_corpus(corpus, params, workers)
        by_history[history] = {key: alert_surprise(c, dict(params.alert_weights), params.warmup) for key, c in recorded.items()}
        fixed(f"history {history} alone", by_history[history])
    for ensemble in ENSEMBLES:
        fixed(f"mean over histories {ensemble}", {key: np.mean([by_history[h][key] for h in ensemble], axis=0) for key in corpus})


if __name__ == "__main__":
    sys.exit(main())
