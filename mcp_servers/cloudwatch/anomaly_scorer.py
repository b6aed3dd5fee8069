"""The streaming metric anomaly scorer for CloudWatch series: feed points in time order, get each
point's anomaly level and a de-duplicated alert score, from its statistics' surprise against their
own history. Pure Python + numpy, no backend access; turning a whole series into anomalous
intervals is anomaly_intervals.py's job.

Method — a *tail-surprise ensemble*
===================================
Every new point is described by a handful of statistics, each of which asks one question:

* **level** — is the value, or the median of the last 5 / 24 points, outside what this metric
  has shown over its history? (catches spikes, drops and level shifts; medians make steps
  count after a few points while ignoring one-point blips);
* **local** — is the value (or the 5-point median) extreme compared with the last day only?
  (catches a burst after a quiet spell on a metric whose long history is bursty);
* **shape** — how far is the last 12 / 24 points' *shape* from its nearest neighbour among all
  earlier windows of the same length (a streaming "discord", also on log1p values so that
  multiplicative metrics such as bytes count fairly)? (catches new patterns: oscillation,
  a burst of unusual form, a seasonal spike at the wrong moment);
* **volatility** — is the mean absolute first difference of the last 12 points unusual in
  either direction? (catches a metric that suddenly becomes jittery, or goes flat).

Raw statistics live on incomparable scales (bytes, percent, distances), so none is
thresholded directly. Each is turned into a **surprise**, ``-log10 P(statistic at least this
extreme)``, estimated from that statistic's *own* past values (its last ``history`` values):
the empirical rank in the body of the distribution, and beyond its ``1 - tail_fraction``
quantile a generalised Pareto tail fitted by the method of moments (peaks-over-threshold,
as in SPOT, Siffer et al. 2017), with the shape clipped at 0 so the tail never ends and a
value far beyond anything seen keeps getting more surprising. Given enough history, a surprise
of 3 means "a once-in-a-thousand-points event for this very metric", whatever its units.
Each surprise is computed against three memory lengths (``histories``: the last 1000, 2000 and
4000 values) and averaged, so no single arbitrary horizon decides what "usual" is.

The surprises are **summed** (Fisher's way of combining p-values, ignoring their correlation):
a real incident usually moves several statistics at once, noise rarely does, and summing
separates the two far better than taking the maximum (NAB standard score ~59 with the maximum
of these statistics, ~70 with the sum). ``level = 1 - exp(-S / decades)`` maps
the sum ``S`` to [0, 1).

For alerting (the streaming ``AnomalyScorer.score``), one incident should raise one alert, not
one per point while it lasts. A point therefore alerts only when its surprise is a **new
maximum** over the previous ``refractory`` points (a day) and stays the peak for ``confirm``
more points; the alert is emitted ``confirm`` points late. This costs a few minutes of latency
and removes the runs of alerts a rising or persisting anomaly would otherwise produce. The
alert reads a *weighted* sum (``alert_weights``: the shape statistics count 0.2, the day-scale
median 1.5), the level the plain one; ``alerts_from_surprises`` replays the alert stage from
recorded ``alert_surprise`` values, so a sweep over it needs one pass of the statistics.

Everything is causal: a score depends only on the points before it (NAB's requirement), and
statistics learn continuously, so a new normal (a shifted level) stops being surprising once
it has been seen long enough to fill the tail of its history.

Parameters (``DetectorParams``): ``histories`` (1000, 2000, 4000 points: 3.5, 7, 14 days of
5-minute data),
``local_history`` (288, a day), ``tail_fraction`` (2%: how much of a history is "tail"),
``min_tail`` (10 points at least in the tail; below 2x that a statistic stays silent),
``shape_prior`` (10: the fitted tail shape is shrunk towards the exponential tail as if that
many pseudo-points had shown one — a 10-point tail cannot tell heavy from light, and an
over-heavy fit would make a real 6-sigma step look ordinary),
``warmup`` (points before anything is scored), the window lengths of each statistic,
``decades`` (score scaling), ``confirm``, ``refractory`` and ``alert_weights`` (the alert
stage). One parameter set serves every metric. On NAB's realAWSCloudwatch (standard profile)
the alert stage scores about 75.6 in-sample and about 72 cross-validated across files (Numenta
HTM: 73.9 with NAB's thresholds, 70.7 with its threshold cross-validated the same way): see
docs/benchmarks-anomalies.md for the figures and how they were chosen.
"""

from __future__ import annotations

import bisect
import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

METHOD = "tail-surprise ensemble (level, local, shape, volatility; GPD tails; summed surprise)"

# Surprise is capped per statistic so one degenerate statistic (e.g. a flat metric's first
# non-zero value) cannot dominate the sum on its own.
MAX_SURPRISE_PER_STATISTIC = 50.0


@dataclass(frozen=True)
class DetectorParams:
    # Each statistic is calibrated against its last 1000, 2000 and 4000 values (about 3.5, 7 and
    # 14 days of 5-minute data) and the three surprises are averaged: no single memory length is
    # right for every metric, and on NAB the average beats each length alone (in-sample 75.6 vs
    # 70.5 / 73.0 / 73.5; docs/benchmarks-anomalies.md, 2026-11-23). Below 1000 points all three
    # see the same values, so a short window scores as with one history (up to rounding).
    histories: tuple[int, ...] = (1000, 2000, 4000)
    local_history: int = 288
    tail_fraction: float = 0.02
    min_tail: int = 10
    shape_prior: float = 10.0
    warmup: int = 30
    level_windows: tuple[int, ...] = (1, 5, 24)
    local_windows: tuple[int, ...] = (1, 5)
    shape_windows: tuple[int, ...] = (12, 24)
    log_shape_windows: tuple[int, ...] = (12,)
    volatility_window: int = 12
    decades: float = 10.0
    confirm: int = 3
    refractory: int = 288
    # Weight of each statistic's surprise in the *alert* sum (unnamed statistics weigh 1). The
    # level, which the short-window intervals threshold, stays the plain sum: these weights were
    # chosen on NAB (docs/benchmarks-anomalies.md: cross-validated across files), where the three
    # shape statistics mostly add noise to the peaks and the day-scale median (level24) is the
    # most telling; nothing says the same holds for a 3-hour window of 1-minute data.
    alert_weights: tuple[tuple[str, float], ...] = (
        ("level24", 1.5), ("shape12", 0.2), ("shape24", 0.2), ("logshape12", 0.2),
    )

    def __post_init__(self) -> None:
        if not self.histories or min(self.histories) < 4 * self.min_tail or self.local_history < 2 * self.min_tail:
            raise ValueError(
                f"DetectorParams: histories ({self.histories}) must be non-empty and each >= 4*min_tail, and "
                f"local_history ({self.local_history}) >= 2*min_tail (min_tail={self.min_tail})"
            )
        if not 0.0 < self.tail_fraction < 0.5:
            raise ValueError(f"DetectorParams: tail_fraction must be in (0, 0.5), got {self.tail_fraction}")
        if self.decades <= 0 or self.confirm < 0 or self.refractory < 0 or self.shape_prior < 0:
            raise ValueError("DetectorParams: decades must be > 0; confirm, refractory and shape_prior >= 0")
        if any(weight < 0 or not math.isfinite(weight) for _, weight in self.alert_weights):
            raise ValueError(f"DetectorParams: alert_weights must be finite and >= 0, got {self.alert_weights}")
        windows = (*self.level_windows, *self.local_windows, self.volatility_window)
        shapes = (*self.shape_windows, *self.log_shape_windows)
        if min(windows, default=1) < 1 or min(shapes, default=2) < 2 or max(shapes, default=0) * 3 > min(self.histories):
            raise ValueError(
                "DetectorParams: level/local/volatility windows must be >= 1 and shape windows between 2 "
                f"and the shortest history/3 (got {windows}, shapes {shapes}, histories {self.histories})"
            )


# ----------------------------------------------------------------------------- building blocks


class _SortedWindow:
    """The last ``maxlen`` values, kept both in arrival order and sorted (for ranks/quantiles)."""

    def __init__(self, maxlen: int) -> None:
        self.maxlen = maxlen
        self.order: deque[float] = deque()
        self.sorted: list[float] = []

    def __len__(self) -> int:
        return len(self.order)

    def push(self, value: float) -> None:
        if len(self.order) == self.maxlen:
            oldest = self.order.popleft()
            del self.sorted[bisect.bisect_left(self.sorted, oldest)]
        self.order.append(value)
        bisect.insort(self.sorted, value)


def _gpd_log10_survival(excesses: list[float], excess: float, shape_prior: float = 0.0) -> float:
    """log10 P(Y > excess) for a generalised Pareto fitted to ``excesses`` by moments (shape >= 0)."""
    # Plain Python: the tail holds a few dozen points, where numpy's call overhead dominates.
    mean = sum(excesses) / len(excesses)
    if mean <= 0.0:
        # Every tail point sits on the threshold: anything beyond it has never been seen.
        return -6.0
    var = sum((e - mean) ** 2 for e in excesses) / len(excesses)
    shape = 0.5 * (1.0 - mean * mean / var) if var > 0 else 0.0
    # A negative shape means a bounded tail; data this short cannot support "impossible",
    # so fall back to the exponential tail with the same mean.
    shape = max(shape, 0.0)
    # A few dozen points say little about tail heaviness: shrink the shape towards the
    # exponential tail (0) as if `shape_prior` pseudo-points had shown an exponential tail.
    shape *= len(excesses) / (len(excesses) + shape_prior)
    scale = mean * (1.0 - shape)
    if shape < 1e-6:
        return -excess / scale / math.log(10.0)
    return -math.log10(1.0 + shape * excess / scale) / shape


class _TailModel:
    """Surprise of a statistic against its own recent values (empirical body, GPD tail)."""

    def __init__(self, maxlen: int, params: DetectorParams, two_sided: bool) -> None:
        self.window = _SortedWindow(maxlen)
        self.params = params
        self.two_sided = two_sided

    def surprise(self, value: float) -> float:
        """-log10 P(at least as extreme), then remember the value. 0 until enough history."""
        log_p = self._log10_tail(value, upper=True)
        if self.two_sided:
            log_p = min(log_p, self._log10_tail(value, upper=False))
        self.window.push(value)
        return min(-log_p, MAX_SURPRISE_PER_STATISTIC)

    def _log10_tail(self, value: float, *, upper: bool) -> float:
        s = self.window.sorted
        n = len(s)
        k = max(self.params.min_tail, int(n * self.params.tail_fraction))
        if n < 2 * k:
            return 0.0
        if upper:
            threshold = s[n - k - 1]
            if value <= threshold:
                return math.log10((n - bisect.bisect_left(s, value) + 1) / (n + 1))
            excesses = [v - threshold for v in s[n - k:]]
            excess = value - threshold
        else:
            threshold = s[k]
            if value >= threshold:
                return math.log10((bisect.bisect_right(s, value) + 1) / (n + 1))
            excesses = [threshold - v for v in s[:k]]
            excess = threshold - value
        return math.log10(k / (n + 1)) + _gpd_log10_survival(excesses, excess, self.params.shape_prior)


class _ShapeNovelty:
    """Distance from the last ``width`` points to their nearest earlier, non-overlapping window.

    Windows are compared by lag: for lag L the squared distance between the window ending now
    and the one ending L points ago is the sum of the last ``width`` terms (x_s - x_{s-L})^2.
    Keeping those sums per lag makes each update O(history) instead of O(history * width).
    """

    # Recompute the running sums from their terms this often, so rounding cannot drift.
    RESYNC_EVERY = 256

    def __init__(self, width: int, history: int) -> None:
        self.width = width
        self.max_lag = history
        # Double-written ring buffer: the last `history` values are always one contiguous slice.
        self.values = np.zeros(2 * history)
        self.terms = np.zeros((width, history + 1))  # the last `width` term vectors, by lag
        self.sums = np.zeros(history + 1)
        self.count = 0

    def push_and_measure(self, value: float) -> float | None:
        t, lags = self.count, self.max_lag
        pos = t % lags
        known = min(t, lags)  # lags that reach back to a real point; the rest stay zero
        if known:
            # values[pos:pos + lags] holds x_{t-lags} .. x_{t-1}; reversed, entry i is lag i + 1.
            newest_first = self.values[pos + lags - known:pos + lags][::-1]
            term = np.zeros(lags + 1)
            np.subtract(value, newest_first, out=term[1:known + 1])
            np.square(term, out=term)
            slot = t % self.width
            self.sums += term - self.terms[slot]
            self.terms[slot] = term
            if t % self.RESYNC_EVERY == self.RESYNC_EVERY - 1:
                self.sums = self.terms.sum(axis=0)
        self.values[pos] = self.values[pos + lags] = value
        self.count += 1
        # A lag is usable once both windows lie wholly inside the data and do not overlap.
        usable = min(lags, t - self.width + 1)
        if self.count < 3 * self.width or usable < self.width:
            return None
        return math.sqrt(max(float(self.sums[self.width:usable + 1].min()), 0.0))


def _median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


# ----------------------------------------------------------------------------- streaming scorer


@dataclass(frozen=True)
class PointScore:
    level: float  # ungated anomaly level in [0, 1): how unusual this point is
    alert: float  # NAB-style alert score: non-zero only on a confirmed new peak (see module doc)
    alert_surprise: float  # the weighted sum of surprises the alert stage reads (alert_weights)
    surprise: float  # summed surprise S in decades (-log10 p)
    components: dict[str, float]


class _Statistics:
    """Every statistic of one point, each calibrated against its own last ``history`` values
    (one member of the history ensemble; see ``DetectorParams.histories``)."""

    def __init__(self, p: DetectorParams, history: int) -> None:
        self._level = {w: _TailModel(history, p, two_sided=True) for w in p.level_windows}
        self._local = {
            w: (_TailModel(p.local_history, p, two_sided=True), _TailModel(history, p, two_sided=False))
            for w in p.local_windows
        }
        self._shape = {
            f"shape{w}": (_ShapeNovelty(w, history), _TailModel(history, p, two_sided=False), False)
            for w in p.shape_windows
        }
        self._shape.update({
            f"logshape{w}": (_ShapeNovelty(w, history), _TailModel(history, p, two_sided=False), True)
            for w in p.log_shape_windows
        })
        self._volatility = _TailModel(history, p, two_sided=True)
        self._volatility_window = p.volatility_window

    def surprises(self, value: float, recent: list[float]) -> dict[str, float]:
        """Each statistic's surprise for ``value`` (the newest of ``recent``); silent ones are absent."""
        parts: dict[str, float] = {}
        for w, model in self._level.items():
            if len(recent) >= w:
                parts[f"level{w}"] = model.surprise(value if w == 1 else _median(recent[-w:]))
        for w, (local, calibration) in self._local.items():
            if len(recent) >= w:
                local_surprise = local.surprise(value if w == 1 else _median(recent[-w:]))
                parts[f"local{w}"] = calibration.surprise(local_surprise)
        for name, (novelty, calibration, use_log) in self._shape.items():
            distance = novelty.push_and_measure(math.log1p(max(value, 0.0)) if use_log else value)
            if distance is not None:
                parts[name] = calibration.surprise(distance)
        vw = self._volatility_window
        if len(recent) > vw:
            jitter = sum(abs(b - a) for a, b in zip(recent[-vw - 1:-1], recent[-vw:])) / vw
            parts["volatility"] = self._volatility.surprise(jitter)
        return parts


class AnomalyScorer:
    """Streaming scorer: feed points in time order; each score depends only on the past."""

    def __init__(self, params: DetectorParams | None = None) -> None:
        self.params = p = params or DetectorParams()
        longest = max((*p.level_windows, *p.local_windows, p.volatility_window + 1))
        self._recent: deque[float] = deque(maxlen=longest)
        self._members = [_Statistics(p, history) for history in p.histories]
        self._surprises: deque[float] = deque(maxlen=p.confirm + p.refractory + 1)  # weighted, for alerts
        self._alert_weights = dict(p.alert_weights)
        self._seen = 0

    def score(self, timestamp: datetime | None, value: float) -> float:
        """NAB-compatible alert score in [0, 1] for the next point (the timestamp is not used)."""
        return self.update(value).alert

    def update(self, value: float) -> PointScore:
        if not math.isfinite(value):
            raise ValueError(f"AnomalyScorer: point {self._seen} is {value!r}; drop missing points before scoring")
        p = self.params
        self._seen += 1
        self._recent.append(value)
        recent = list(self._recent)
        # Every member sees the same points, so the same statistics are warm in each.
        by_member = [member.surprises(value, recent) for member in self._members]
        parts = {name: sum(m[name] for m in by_member) / len(by_member) for name in by_member[0]}

        warm = self._seen > p.warmup
        surprise = sum(parts.values()) if warm else 0.0
        weighted = sum(self._alert_weights.get(name, 1.0) * value for name, value in parts.items()) if warm else 0.0
        self._surprises.append(weighted)
        return PointScore(
            level=self._to_score(surprise), alert=self._confirmed_peak(), surprise=surprise,
            alert_surprise=weighted, components=parts,
        )

    def _to_score(self, surprise: float) -> float:
        return surprise_to_score(surprise, self.params)

    def _confirmed_peak(self) -> float:
        """Score of the point ``confirm`` back if it is a new peak that has held since, else 0."""
        history = list(self._surprises)
        return _peak_alert(history, len(history) - 1 - self.params.confirm, self.params)


def surprise_to_score(surprise: float, params: DetectorParams) -> float:
    """The anomaly level in [0, 1) of a summed surprise (``1 - exp(-S / decades)``)."""
    return 1.0 - math.exp(-surprise / params.decades)


def _peak_alert(history: Sequence[float], j: int, params: DetectorParams) -> float:
    """Alert score of ``history[j]``: non-zero only if it tops the ``refractory`` points before it
    and nothing after it (up to ``confirm`` points) exceeds it."""
    if j < 0:
        return 0.0
    candidate = history[j]
    if candidate <= 0.0 or any(later > candidate for later in history[j + 1:j + 1 + params.confirm]):
        return 0.0
    if any(earlier >= candidate for earlier in history[max(0, j - params.refractory):j]):
        return 0.0
    return surprise_to_score(candidate, params)


def alerts_from_surprises(surprises: Sequence[float], params: DetectorParams | None = None) -> np.ndarray:
    """The alert scores ``AnomalyScorer.score`` emits, from its ``alert_surprise`` sequence.

    The alert stage (``confirm``, ``refractory``, ``decades``) reads nothing but the surprises, so a
    parameter sweep over it needs the statistics computed once (bench/bench_anomalies.py's
    cross-validation does this); the result equals streaming the series through a scorer with
    those parameters (tests/unit/mcp/test_anomaly_detector.py checks it)."""
    p = params or DetectorParams()
    values = [float(s) for s in surprises]
    # The alert for point j is emitted `confirm` points later, when its confirmation is complete.
    return np.array([_peak_alert(values, t - p.confirm, p) for t in range(len(values))])

