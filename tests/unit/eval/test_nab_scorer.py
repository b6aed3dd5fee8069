"""NAB scorer: hand-made corpora with known answers, and NAB's published Numenta figures."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from sre_agent.eval.nab.corpus import NAB_DIR_ENV, default_nab_dir, load_corpus, load_reference_scores, load_reference_thresholds
from sre_agent.eval.nab.runner import run_detector_benchmark
from sre_agent.eval.nab.scoring import score_detector
from sre_agent.eval.nab.sweep import MAX_TP, PROFILES, scaled_sigmoid

START = datetime(2024, 1, 1)
STEP = timedelta(minutes=5)
KEY = "toy/series.csv"
# 100 records: probation is the first 15; one window of 20 records, 40..59.
N = 100
WINDOW = (40, 59)
FIXED = {name: 0.5 for name in PROFILES}  # score with a fixed threshold: detections = scores >= 0.5


def _ts(i: int) -> str:
    return (START + i * STEP).strftime("%Y-%m-%d %H:%M:%S")


def write_corpus(root: Path, windows: Sequence[tuple[int, int]] = (WINDOW,), n: int = N) -> Path:
    (root / "toy").mkdir(parents=True)
    rows = ["timestamp,value"] + [f"{_ts(i)},{float(i % 7)}" for i in range(n)]
    (root / KEY).write_text("\n".join(rows) + "\n")
    limits = [[_ts(a) + ".000000", _ts(b) + ".000000"] for a, b in windows]
    (root / "combined_windows.json").write_text(json.dumps({KEY: limits, "other/absent.csv": []}))
    return root


def alarms_at(*indices: int, n: int = N) -> dict[str, np.ndarray]:
    scores = np.zeros(n)
    scores[list(indices)] = 1.0
    return {KEY: scores}


@pytest.fixture
def toy(tmp_path: Path) -> Path:
    return write_corpus(tmp_path)


def test_null_detector_scores_zero_and_loses_fn_weight_per_window(toy: Path) -> None:
    result = score_detector(toy, {KEY: np.zeros(N)})
    assert result.standard == pytest.approx(0.0)
    assert result.profiles["standard"].raw == pytest.approx(-1.0)
    assert result.profiles["reward_low_FN_rate"].raw == pytest.approx(-2.0)


def test_perfect_detector_scores_100_when_perfect_means_what_an_ideal_detector_earns(toy: Path) -> None:
    result = score_detector(toy, alarms_at(WINDOW[0]), perfect="windows")
    for name in PROFILES:
        assert result.profiles[name].raw == pytest.approx(1.0)  # first record of the window pays tpWeight
        assert result.profiles[name].score == pytest.approx(100.0)


def test_default_perfect_convention_is_the_readme_one_so_an_ideal_detector_exceeds_100(toy: Path) -> None:
    # perfect = tpWeight * sigma(-1) per window (the data README's 29.598 for 30 windows).
    result = score_detector(toy, alarms_at(WINDOW[0]))
    standard = result.profiles["standard"]
    assert standard.perfect == pytest.approx(MAX_TP)
    assert standard.score == pytest.approx(100.0 * 2.0 / (MAX_TP + 1.0))


def test_one_false_positive_before_any_window_costs_exactly_the_profile_fp_weight(toy: Path) -> None:
    result = score_detector(toy, alarms_at(WINDOW[0], 20), thresholds=FIXED)
    for name, cost in PROFILES.items():
        assert result.profiles[name].raw == pytest.approx(1.0 - cost.fp)
        assert result.profiles[name].fp == 1


def test_false_positive_just_after_a_window_is_nearly_free_and_far_after_costs_full_weight(toy: Path) -> None:
    right, width = WINDOW[1], WINDOW[1] - WINDOW[0] + 1
    near = score_detector(toy, alarms_at(right + 1), thresholds=FIXED).profiles["standard"].raw
    far = score_detector(toy, alarms_at(N - 1), thresholds=FIXED).profiles["standard"].raw
    near_cost = scaled_sigmoid(1 / (width - 1)) * 0.11
    far_cost = scaled_sigmoid((N - 1 - right) / (width - 1)) * 0.11
    assert near == pytest.approx(-1.0 + near_cost)  # the window itself is still missed
    assert near_cost == pytest.approx(-0.0144, abs=1e-4)
    assert far == pytest.approx(-1.0 + far_cost)
    assert far_cost < near_cost


def test_early_detection_in_a_window_earns_about_one_and_late_detection_less(toy: Path) -> None:
    left, right = WINDOW

    def reward(i: int) -> float:
        return score_detector(toy, alarms_at(i), thresholds=FIXED).profiles["standard"].raw

    assert reward(left) == pytest.approx(1.0)
    assert reward(50) == pytest.approx(scaled_sigmoid(-0.5) / MAX_TP)  # ~0.86 halfway
    assert reward(right) == pytest.approx(scaled_sigmoid(-1 / 20) / MAX_TP)  # ~0.13
    assert reward(left) > reward(50) > reward(right) > 0


def test_only_the_first_detection_in_a_window_counts(toy: Path) -> None:
    once = score_detector(toy, alarms_at(45), thresholds=FIXED).profiles["standard"]
    many = score_detector(toy, alarms_at(45, 46, 50, 58), thresholds=FIXED).profiles["standard"]
    assert many.raw == pytest.approx(once.raw)
    assert many.tp == 4 and once.tp == 1


def test_detections_in_the_probationary_period_are_ignored(toy: Path) -> None:
    result = score_detector(toy, alarms_at(3, 14), thresholds=FIXED)
    assert result.profiles["standard"].raw == pytest.approx(-1.0)
    assert result.profiles["standard"].fp == 0


def test_window_inside_the_probationary_period_does_not_count(tmp_path: Path) -> None:
    root = write_corpus(tmp_path, windows=[(2, 10), WINDOW])
    result = score_detector(root, {KEY: np.zeros(N)})
    assert result.profiles["standard"].null == pytest.approx(-1.0)


def test_sweeper_picks_the_threshold_with_the_best_corpus_score(toy: Path) -> None:
    scores = np.zeros(N)
    scores[20] = 0.95  # a false positive scored above the true detection
    scores[WINDOW[0]] = 0.9
    standard = score_detector(toy, {KEY: scores}).profiles["standard"]
    assert standard.threshold == pytest.approx(0.9)
    assert standard.raw == pytest.approx(1.0 - 0.11)


def test_scores_must_cover_every_corpus_file_and_be_probabilities(toy: Path) -> None:
    with pytest.raises(ValueError, match="missing"):
        score_detector(toy, {})
    with pytest.raises(ValueError, match="outside"):
        score_detector(toy, {KEY: np.full(N, 1.5)})


def test_window_edges_must_be_records_of_the_file(tmp_path: Path) -> None:
    root = write_corpus(tmp_path)
    windows = {KEY: [["2024-01-01 00:01:00.000000", _ts(59)]]}
    (root / "combined_windows.json").write_text(json.dumps(windows))
    with pytest.raises(ValueError, match="does not"):
        load_corpus(root)


def test_data_dir_defaults_to_env_override(monkeypatch: pytest.MonkeyPatch, toy: Path) -> None:
    monkeypatch.setenv(NAB_DIR_ENV, str(toy))
    assert default_nab_dir() == toy
    assert list(load_corpus()) == [KEY]


def test_run_detector_benchmark_streams_each_file_through_a_fresh_detector(toy: Path) -> None:
    class AlarmAtWindowStart:
        def __init__(self) -> None:
            self.seen = 0

        def score(self, timestamp: datetime, value: float) -> float:
            self.seen += 1
            return 1.0 if self.seen == WINDOW[0] + 1 else 0.0

    result = run_detector_benchmark(toy, AlarmAtWindowStart)
    assert result.profiles["standard"].raw == pytest.approx(1.0)
    assert set(result.model_dump()) >= {"standard", "reward_low_FP_rate", "reward_low_FN_rate", "per_file"}


# ----------------------------------------------------------------------------- NAB's own numbers

NAB_DIR = default_nab_dir()
needs_nab = pytest.mark.skipif(
    not (NAB_DIR / "combined_windows.json").is_file() or not (NAB_DIR / "reference_detectors").is_dir(),
    reason=f"NAB data not found at {NAB_DIR} (set {NAB_DIR_ENV} to a dir with realAWSCloudwatch/ "
           "and reference_detectors/)",
)


@needs_nab
def test_reproduces_nab_published_numenta_figures_on_realawscloudwatch() -> None:
    reference = load_reference_scores(NAB_DIR, "numenta")
    assert len(reference) == 17
    thresholds = load_reference_thresholds(NAB_DIR)["numenta"]
    assert thresholds["standard"] == pytest.approx(0.5421876907348634)
    standard = score_detector(NAB_DIR, reference, thresholds=thresholds).profiles["standard"]
    assert standard.raw == pytest.approx(14.051, abs=5e-4)
    assert standard.null == pytest.approx(-30.0)
    assert standard.perfect == pytest.approx(29.598, abs=5e-4)
    assert standard.score == pytest.approx(73.9, abs=0.05)
    assert math.isclose(standard.score, 100 * (14.051419 + 30) / (29.598429 + 30), abs_tol=1e-3)


def test_fixed_thresholds_outside_the_score_range_detect_everything_or_nothing(toy: Path) -> None:
    scores = {KEY: np.full(N, 0.3)}
    everything = score_detector(toy, scores, thresholds={name: 0.1 for name in PROFILES})
    nothing = score_detector(toy, scores, thresholds={name: 1.5 for name in PROFILES})
    assert everything.profiles["standard"].tp == WINDOW[1] - WINDOW[0] + 1
    assert nothing.profiles["standard"].raw == pytest.approx(-1.0)
    assert nothing.profiles["standard"].tp == nothing.profiles["standard"].fp == 0
