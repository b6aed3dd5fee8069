"""Metric anomaly detector: finds fault onsets in short CloudWatch-like series, stays quiet on noise."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pytest

from mcp_servers.cloudwatch.anomaly_intervals import detect_anomalies
from mcp_servers.cloudwatch.anomaly_scorer import AnomalyScorer, DetectorParams, alerts_from_surprises

N = 180  # about what one MCP call fetches: 3 hours of 1-minute points
ONSET = 160  # the fault starts 20 points before the end
TIMES = [datetime(2024, 5, 1, 12, 0) + timedelta(minutes=i) for i in range(N)]


def noise(seed: int, kind: str = "gaussian") -> np.ndarray:
    rng = np.random.default_rng(seed)
    if kind == "gaussian":
        return 50.0 + 5.0 * rng.standard_normal(N)
    if kind == "ar1":  # autocorrelated, like most real metrics
        x = np.zeros(N)
        shocks = 5.0 * rng.standard_normal(N)
        for i in range(1, N):
            x[i] = 0.7 * x[i - 1] + shocks[i]
        return 50.0 + x
    if kind == "poisson":  # request counts
        return rng.poisson(20, N).astype(float)
    raise ValueError(kind)


def after_onset(*values: float) -> np.ndarray:
    return np.r_[np.zeros(ONSET), values, np.zeros(N - ONSET - len(values))]


FAULTS = {
    "step up 6 sigma": np.r_[np.zeros(ONSET), np.full(N - ONSET, 30.0)],
    "drop 6 sigma": np.r_[np.zeros(ONSET), np.full(N - ONSET, -30.0)],
    "single spike": after_onset(45.0),
    "ramp": np.r_[np.zeros(ONSET), np.linspace(0.0, 40.0, N - ONSET)],
}


@pytest.mark.parametrize("fault", FAULTS, ids=list(FAULTS))
@pytest.mark.parametrize("seed", [1, 2])
def test_finds_the_fault_onset_near_the_end_of_a_short_series(fault: str, seed: int) -> None:
    series = noise(seed) + FAULTS[fault]
    report = detect_anomalies(TIMES, series)
    assert report.anomalous, f"{fault} missed: {report}"
    first = report.intervals[0]
    start = TIMES.index(datetime.fromisoformat(first.start))
    # Found at the onset, not before it; a ramp needs a few points to stand out.
    assert ONSET <= start <= ONSET + (10 if fault == "ramp" else 2)
    assert report.baseline.median == pytest.approx(50.0, abs=2.0)
    assert abs(first.deviation_mads) > 4


@pytest.mark.parametrize("kind", ["gaussian", "ar1", "poisson"])
def test_stays_quiet_on_stationary_noise(kind: str) -> None:
    # The default threshold is set for ~3% false alarms per 180-point window (module docstring);
    # over 12 fixed seeds that allows at most one noisy window to alarm.
    alarmed = [seed for seed in range(12) if detect_anomalies(TIMES, noise(seed, kind)).anomalous]
    assert len(alarmed) <= 1, f"{kind}: seeds {alarmed} raised anomalies on pure noise"


def test_report_is_json_ready_with_baseline_and_method() -> None:
    report = detect_anomalies(TIMES, noise(3) + FAULTS["step up 6 sigma"])
    payload = report.model_dump()
    assert payload["method"].startswith("tail-surprise ensemble")
    assert payload["intervals"][0]["end"] == TIMES[-1].isoformat()
    assert payload["intervals"][0]["max_value"] > 70
    assert payload["baseline"]["points"] < N


def test_streaming_scores_depend_only_on_the_past() -> None:
    base = noise(4)
    changed = base.copy()
    changed[120:] += 100.0  # a different future must not change any earlier score

    def scores(series: np.ndarray) -> list[float]:
        scorer = AnomalyScorer()
        return [scorer.score(t, float(v)) for t, v in zip(TIMES, series)]

    before, after = scores(base), scores(changed)
    assert before[:120] == after[:120]
    assert all(0.0 <= s <= 1.0 for s in before + after)
    assert max(after[120:]) > 0.8  # and the change itself is seen


def test_alerts_once_per_incident_not_once_per_point() -> None:
    scorer = AnomalyScorer()
    series = noise(5) + FAULTS["step up 6 sigma"]
    alerts = [scorer.score(t, float(v)) for t, v in zip(TIMES, series)]
    high = [i for i, a in enumerate(alerts) if a >= 0.9]
    assert len(high) == 1 and ONSET <= high[0] <= ONSET + 6  # emitted `confirm` points after the peak


def test_rejects_bad_input_with_a_clear_message() -> None:
    with pytest.raises(ValueError, match="timestamps"):
        detect_anomalies(TIMES[:10], [1.0] * 11)
    with pytest.raises(ValueError, match="finite"):
        detect_anomalies(TIMES[:3], [1.0, float("nan"), 2.0])
    with pytest.raises(ValueError, match="threshold"):
        detect_anomalies(TIMES[:3], [1.0, 1.0, 2.0], threshold=1.5)
    with pytest.raises(ValueError, match="tail_fraction"):
        DetectorParams(tail_fraction=0.7)


def test_alert_stage_replayed_from_recorded_surprises_equals_streaming() -> None:
    # The NAB cross-validation sweeps refractory/confirm from one pass of the statistics; that
    # is only honest if the replay is exactly what the streaming scorer emits.
    series = noise(6, "ar1") + FAULTS["step up 6 sigma"] + after_onset(0.0, 0.0, 0.0, 60.0)
    for params in (DetectorParams(), DetectorParams(confirm=0, refractory=5), DetectorParams(confirm=6, refractory=40)):
        scorer = AnomalyScorer(params)
        points = [scorer.update(float(v)) for v in series]
        replayed = alerts_from_surprises([p.alert_surprise for p in points], params)
        assert replayed.tolist() == [p.alert for p in points]
        assert any(p.alert > 0 for p in points)


def test_alert_weights_reweight_the_alert_sum_but_not_the_level() -> None:
    series = noise(7) + FAULTS["ramp"]
    plain = AnomalyScorer(DetectorParams(alert_weights=()))
    weighted = AnomalyScorer(DetectorParams(alert_weights=(("shape12", 0.0), ("level24", 2.0))))
    for value in series:
        a, b = plain.update(float(value)), weighted.update(float(value))
        assert a.level == b.level and a.surprise == b.surprise  # what the short-window intervals read
        assert a.alert_surprise == pytest.approx(a.surprise)
        expected = a.surprise - a.components.get("shape12", 0.0) + a.components.get("level24", 0.0)
        assert b.alert_surprise == pytest.approx(expected if a.surprise > 0 else 0.0)
    with pytest.raises(ValueError, match="alert_weights"):
        DetectorParams(alert_weights=(("level1", -1.0),))


def test_history_ensemble_averages_each_statistic_over_its_members() -> None:
    # Short histories so members disagree within a test-sized series (a level shift at 300).
    rng = np.random.default_rng(3)
    series = np.r_[50.0 + 5.0 * rng.standard_normal(300), 70.0 + 5.0 * rng.standard_normal(300)]
    members = [AnomalyScorer(DetectorParams(histories=(h,))) for h in (80, 160)]
    ensemble = AnomalyScorer(DetectorParams(histories=(80, 160)))
    disagreements = 0
    for value in series:
        parts = [m.update(float(value)).components for m in members]
        point = ensemble.update(float(value))
        assert point.components.keys() == parts[0].keys()
        for name, surprise in point.components.items():
            assert surprise == pytest.approx((parts[0][name] + parts[1][name]) / 2)
        disagreements += parts[0] != parts[1]
    assert disagreements > 100  # the members did differ, so the average was really tested


def test_history_ensemble_changes_nothing_on_a_series_shorter_than_its_shortest_history() -> None:
    # What the MCP server fetches is short: the ensemble must score it as one history does.
    series = noise(11) + FAULTS["step up 6 sigma"]
    single, ensemble = AnomalyScorer(DetectorParams(histories=(2000,))), AnomalyScorer()
    assert min(DetectorParams().histories) > len(series)
    for value in series:
        a, b = single.update(float(value)), ensemble.update(float(value))
        assert b.components == pytest.approx(a.components)  # equal members: the mean is the value, up to rounding
        assert (b.level, b.alert, b.alert_surprise) == pytest.approx((a.level, a.alert, a.alert_surprise))
