"""A second, unrelated detector family for the NAB benchmark (bench/bench_anomaly_context.py, bench/bench_anomaly_holdout.py):
the Contextual Anomaly Detector (CAD), open-source edition. Not shipped: it did not beat the CloudWatch server's
scorer on the measured protocols (docs/benchmarks-anomalies.md).

Credit: the algorithm is Mikhail Smirnov's "Contextual Anomaly Detector — Open Source Edition"
(2016, https://github.com/smirmik/CAD), as run in the Numenta Anomaly Benchmark
(``nab/detectors/context_ose/cad_ose.py`` and ``context_operator.py``). This module is our own
re-implementation of that algorithm from its description and code, written for our streaming
interface; it is not a copy of either file.

How it works
============
Each value is quantised into ``2**bits`` equal bins of the series' range and the bin number is
written as ``bits`` binary digits; every digit becomes one *fact* (``2*position + digit``), so
nearby bins share facts. The detector remembers **contexts**: pairs (left fact set, right fact
set) meaning "after seeing the left facts, the right facts followed". The left side of the
current step is the previous step's facts *plus* one "neuron" fact per context that fired at
the previous step, so contexts chain into longer sequences without storing sequences.

Per step, with the new value's facts ``S`` and the previous left set ``L``:

1. the pair (``L``, ``S``) is looked up; if unseen it is stored (a *zero-level* context);
2. every stored context whose left side is wholly contained in ``L`` is *selected*; a selected
   context whose right side is also wholly contained in ``S`` is *active* (its count goes up);
3. where a zero-level context only partially overlaps (``L``, ``S``), the overlap pair is a
   *potential* new context (only when step 1 stored something new: a known situation does not
   spawn generalisations), and the genuinely new ones are stored;
4. anomaly = (1 - active/selected + new/potential) / 2: high when what usually follows this
   left context did not follow, and when much of what was seen had to be learned afresh;
5. the next ``L`` = ``S`` plus neuron facts for the ``max_active`` most-used active contexts.

Alerting: after a raw score of at least ``base_threshold``, the next ``rest_period`` outputs are
0 (NAB's CAD does this so one event gives one alert).

Range: NAB hands every detector the file's minimum and maximum (``value_range``), i.e. the
future. A streaming detector cannot know them, so by default the range is the running minimum
and maximum *including the current value* (causal). That costs a lot on NAB realAWSCloudwatch:
every new extreme re-maps the bins and what the contexts learned stops matching (standard score
52.6 causal vs 72.6 with the file's range, thresholds optimised on the 17 files). With
``value_range`` and NAB's rest period (``nab_rest_period``) this module reproduces NAB's
published CAD OSE outputs (72.00 at NAB's thresholds); see docs/benchmarks-anomalies.md. It is
not used by the CloudWatch server: no combination with our scorer beat it out-of-fold there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

METHOD = "contextual anomaly detector (CAD OSE, Smirnov 2016; own re-implementation)"

# Neuron facts live far above sensor facts (which are < 2 * bits), as in NAB's code (2**31 + id).
_NEURON_BASE = 1 << 31
_MASK64, _SIGN64 = (1 << 64) - 1, 1 << 63


def _signed64(x: int) -> int:
    x &= _MASK64
    return x - (1 << 64) if x & _SIGN64 else x


def python2_tuple_hash(facts: tuple[int, ...]) -> int:
    """Python 2.7's (64-bit) ``hash`` of a tuple of ints. NAB's CAD breaks ties between equally
    used active contexts by the hashes of their fact tuples, and NAB's published outputs were made
    under Python 2; computing the same numbers makes this module reproduce those outputs (14 of the
    17 realAWSCloudwatch files bit for bit, docs/benchmarks-anomalies.md). Any fixed tie-break
    would do for detection; this one makes the reproduction checkable."""
    x, mult, remaining = 0x345678, 1000003, len(facts)
    for fact in facts:
        remaining -= 1
        x = _signed64((x ^ (-2 if fact == -1 else fact)) * mult)
        mult = _signed64(mult + 82520 + 2 * remaining)
    x = _signed64(x + 97531)
    return -2 if x == -1 else x


@dataclass(frozen=True)
class ContextParams:
    base_threshold: float = 0.75  # a raw score this high starts a rest period
    # NAB sets the rest period to a fifth of the probationary period, which for NAB's 4032-point
    # files is int(604 / 5) = 120 points (10 hours of 5-minute data): the causal default.
    rest_period: int = 120
    max_left_semi_context_len: int = 7  # longer partial overlaps are not generalised
    max_active: int = 15  # neurons carried into the next left set
    bits: int = 3  # 8 bins over the range
    value_range: tuple[float, float] | None = None  # NAB's (file min, file max); None = running

    def __post_init__(self) -> None:
        if self.bits < 1 or self.rest_period < 0 or self.max_active < 1:
            raise ValueError(f"ContextParams: bits >= 1, rest_period >= 0, max_active >= 1 (got {self})")


class _SemiContexts:
    """One side's distinct fact sets, numbered in creation order, with an index fact -> sets."""

    def __init__(self) -> None:
        self.ids: dict[tuple[int, ...], int] = {}
        self.sizes: list[int] = []
        self.hashes: list[int] = []  # python2_tuple_hash of each set (the tie-break)
        self.by_fact: dict[int, list[int]] = {}

    def get_or_add(self, facts: tuple[int, ...]) -> int:
        found = self.ids.get(facts)
        if found is not None:
            return found
        new = len(self.sizes)
        self.ids[facts] = new
        self.sizes.append(len(facts))
        self.hashes.append(python2_tuple_hash(facts))
        for fact in facts:
            self.by_fact.setdefault(fact, []).append(new)
        return new

    def overlaps(self, facts: tuple[int, ...]) -> dict[int, tuple[int, ...]]:
        """Every set sharing a fact with ``facts`` -> the shared facts (in ``facts``' order),
        in creation order: the order decides which new contexts get which numbers, as in NAB."""
        shared: dict[int, list[int]] = {}
        for fact in facts:
            for semi in self.by_fact.get(fact, ()):
                shared.setdefault(semi, []).append(fact)
        return {semi: tuple(shared[semi]) for semi in sorted(shared)}


class ContextDetector:
    """Streaming CAD: ``score(timestamp, value)`` per point in time order (NAB's interface)."""

    def __init__(self, params: ContextParams | None = None) -> None:
        self.params = params or ContextParams()
        self._left = _SemiContexts()
        self._right = _SemiContexts()
        self._pairs: list[dict[int, int]] = []  # left semi id -> {right semi id: context id}
        self._counts: list[int] = []  # per context: how often it was active
        self._zero_level: list[bool] = []  # per context: was it ever seen as a whole step pair
        self._ties: list[tuple[int, int]] = []  # per context: its sets' hashes (NAB's tie-break)
        self._previous: tuple[int, ...] = ()  # the left set L for the next step
        # Overlap of every left set with L, computed at the end of the previous step (after that
        # step's new contexts were stored), exactly when NAB's code computes it.
        self._left_overlap: dict[int, tuple[int, ...]] = {}
        self._low: float | None = None
        self._high: float | None = None
        if self.params.value_range is not None:
            self._low, self._high = (float(x) for x in self.params.value_range)
        self._since_alarm = 0  # points since the last raw score >= base_threshold
        self.raw_scores: list[float] = []

    # ------------------------------------------------------------------ streaming interface

    def score(self, timestamp: datetime | None, value: float) -> float:
        return self.update(value)

    def update(self, value: float) -> float:
        """The alert score of the next point: the raw score, or 0 during a rest period."""
        raw = self._step(self._facts(float(value)))
        self.raw_scores.append(raw)
        # NAB starts its score history at 1.0, so the first rest_period outputs are 0, and an
        # output is 0 while any of the last rest_period raw scores reached the threshold.
        resting = len(self.raw_scores) <= self.params.rest_period or self._since_alarm < self.params.rest_period
        self._since_alarm = 0 if raw >= self.params.base_threshold else self._since_alarm + 1
        return 0.0 if resting else raw

    # ------------------------------------------------------------------ encoding

    def _facts(self, value: float) -> tuple[int, ...]:
        if self.params.value_range is None:  # running range, including this value (causal)
            self._low = value if self._low is None else min(self._low, value)
            self._high = value if self._high is None else max(self._high, value)
        assert self._low is not None and self._high is not None
        top = 2 ** self.params.bits - 1
        span = (self._high - self._low) or float(top)  # a flat series: bins of width 1, as NAB
        # Values outside a fixed range (only with value_range) are clamped below; above, the bin
        # number simply needs more digits, as in NAB's code.
        level = max(0, int((value - self._low) / (span / top)))
        digits = max(self.params.bits, level.bit_length())
        return tuple(sorted(2 * i + ((level >> i) & 1) for i in range(digits)))

    # ------------------------------------------------------------------ one step

    def _context(self, left: tuple[int, ...], right: tuple[int, ...]) -> tuple[int, bool]:
        """(context id, created now) for the pair, storing it if new."""
        pairs = self._pair_table(self._left.get_or_add(left))
        right_id = self._right.get_or_add(right)
        found = pairs.get(right_id)
        if found is not None:
            return found, False
        new = len(self._counts)
        pairs[right_id] = new
        self._counts.append(0)
        self._zero_level.append(False)
        self._ties.append((self._left.hashes[self._left.ids[left]], self._right.hashes[right_id]))
        return new, True

    def _pair_table(self, left_id: int) -> dict[int, int]:
        while len(self._pairs) <= left_id:
            self._pairs.append({})
        return self._pairs[left_id]

    def _step(self, sensed: tuple[int, ...]) -> float:
        candidates: set[tuple[tuple[int, ...], tuple[int, ...]]] = set()
        created = False
        excluded = 0  # see below
        if self._previous and sensed:
            whole = (self._previous, sensed)
            candidates.add(whole)
            context, created = self._context(*whole)
            self._zero_level[context] = True
            # NAB's code skips the just-created context when listing active ones; when none was
            # created it compares against False, which equals context 0 in Python, so context 0
            # is then skipped instead. Kept for fidelity (it touches one context of thousands).
            excluded = context if created else 0

        right_overlap = self._right.overlaps(sensed)
        active: list[tuple[int, int, int, int]] = []  # (count, tie-break hashes, context id)
        selected = 0
        potential: list[tuple[tuple[int, ...], tuple[int, ...]]] = []
        for left_id, left_shared in self._left_overlap.items():
            left_whole = len(left_shared) == self._left.sizes[left_id]
            for right_id, context in self._pairs[left_id].items():
                if context == excluded:
                    continue
                right_shared = right_overlap.get(right_id, ())
                if left_whole:
                    selected += 1
                    if right_shared and len(right_shared) == self._right.sizes[right_id]:
                        self._counts[context] += 1
                        active.append((self._counts[context], *self._ties[context], context))
                        continue
                if right_shared and created and self._zero_level[context] \
                        and len(left_shared) <= self.params.max_left_semi_context_len:
                    potential.append((left_shared, right_shared))
        candidates.update(potential)

        # The most-used active contexts (ties: NAB's hash order) become the next left set's neurons.
        neurons = [entry[-1] for entry in sorted(active)[-self.params.max_active:]]
        self._previous = tuple(sorted(set(sensed) | {_NEURON_BASE + c for c in neurons}))

        added = sum(self._context(left, right)[1] for left, right in potential) + int(created)
        self._left_overlap = self._left.overlaps(self._previous)

        active_share = len(active) / selected if selected else 0.0
        new_share = added / len(candidates) if created and candidates else 0.0
        return (1.0 - active_share + new_share) / 2.0


def nab_rest_period(n_points: int, probation_percent: float = 0.15) -> int:
    """NAB's rest period for a file of ``n_points``: a fifth of its probationary period."""
    probation = min(int(probation_percent * n_points), probation_percent * 5000)
    return int(probation / 5.0)
