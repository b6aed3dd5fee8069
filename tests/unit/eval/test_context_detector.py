"""The CAD OSE re-implementation: alarms on a level shift and a spike after a learned pattern,
none on the pattern itself or a flat series, and the same outputs every run."""

from __future__ import annotations

import numpy as np
import pytest

from sre_agent.eval.nab.context_detector import ContextDetector, ContextParams, nab_rest_period, python2_tuple_hash

N, ONSET = 1500, 1200


def pattern(seed: int = 0) -> np.ndarray:
    """A noisy 48-point cycle: something for the contexts to learn."""
    rng = np.random.default_rng(seed)
    t = np.arange(N)
    return 50.0 + 20.0 * np.sin(2 * np.pi * t / 48) + rng.normal(0.0, 1.0, N)


def run(series: np.ndarray, params: ContextParams | None = None) -> np.ndarray:
    detector = ContextDetector(params)
    return np.array([detector.score(None, float(v)) for v in series])


def alarms(scores: np.ndarray, params: ContextParams | None = None) -> list[int]:
    return np.flatnonzero(scores >= (params or ContextParams()).base_threshold).tolist()


def shifted() -> np.ndarray:
    x = pattern()
    x[ONSET:] += 60.0
    return x


def spiked() -> np.ndarray:
    x = pattern()
    x[ONSET] += 80.0
    return x


@pytest.mark.parametrize(("name", "series", "expected"), [
    ("level shift", shifted(), [ONSET]),
    ("one-point spike", spiked(), [ONSET]),
    ("the learned pattern", pattern(), []),
    ("flat series", np.full(N, 7.0), []),
])
def test_alarms_where_the_series_leaves_what_it_has_learned(name: str, series: np.ndarray, expected: list[int]) -> None:
    assert alarms(run(series)) == expected, name


def test_a_flat_series_scores_one_half_as_in_nab() -> None:
    # NAB's published CAD OSE output for art_flatline: 122 zeros (the first 120 points, and the
    # rest period after the second point, whose pair is new), then 0.5 for ever.
    scores = run(np.full(400, 3.0))
    assert set(scores[:122]) == {0.0}
    assert set(scores[122:]) == {0.5}


def test_the_rest_period_silences_the_points_after_an_alarm() -> None:
    params = ContextParams(rest_period=50)
    x = shifted()
    x[ONSET + 10] += 200.0  # a second event inside the rest period
    scores = run(x, params)
    assert alarms(scores, params) == [ONSET]
    assert not scores[ONSET + 1: ONSET + 51].any()


def test_outputs_are_deterministic_and_in_unit_interval() -> None:
    first, second = run(shifted()), run(shifted())
    assert np.array_equal(first, second)
    assert first.min() >= 0.0 and first.max() < 1.0


def test_a_fixed_range_reproduces_nab_setup_and_clamps_values_below_it() -> None:
    x = spiked()
    params = ContextParams(value_range=(float(x.min()), float(x.max())))
    assert alarms(run(x, params), params) == [ONSET]
    ContextDetector(ContextParams(value_range=(0.0, 1.0))).update(-5.0)  # below the range: no error


def test_nab_rest_period_is_a_fifth_of_the_probationary_period() -> None:
    assert nab_rest_period(4032) == 120
    assert nab_rest_period(1243) == 37
    assert nab_rest_period(10_000) == 150  # probation capped at 15% of 5000 points


def test_python2_tuple_hash_matches_python2_on_small_tuples() -> None:
    # CPython 2.7's tuplehash on 64 bits: hash(()) == 3527539, hash((1,)) == 3430019387558; -1 hashes as -2.
    assert python2_tuple_hash(()) == 3527539
    assert python2_tuple_hash((1,)) == 3430019387558
    assert python2_tuple_hash((-1,)) == python2_tuple_hash((-2,))
