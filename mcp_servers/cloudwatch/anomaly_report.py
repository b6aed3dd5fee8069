"""Turning a CloudWatch series into the `detect_anomalies` tool's answer, with anomaly_intervals.py's detector.

The detector sees points, not time: CloudWatch leaves out periods without data, so the gaps are
counted and reported (a sparse series makes "N points ago" mean less). Each interval gains a
`direction` and an `ongoing` flag (it reaches the last point), the two things a responder asks
first; a deviation that is infinite (flat baseline) is reported as null with `flat_baseline`,
because JSON has no infinity."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from .anomaly_intervals import DEFAULT_THRESHOLD, detect_anomalies
from .anomaly_scorer import METHOD
from .timewindow import iso


def anomaly_report(stamps: list[datetime], values: list[float], period: int,
                   threshold: float = DEFAULT_THRESHOLD) -> dict[str, Any]:
    if not values:
        return {"method": METHOD, "anomalous": False, "intervals": [], "baseline": None,
                "note": "no datapoints in the window: check the dimensions with list_metrics or widen the window"}
    labels = [iso(t) for t in stamps]
    report = detect_anomalies(labels, values, threshold=threshold).model_dump()
    median = report["baseline"]["median"]
    for interval in report["intervals"]:
        interval["direction"] = "up" if interval["max_value"] >= median else "down"
        interval["ongoing"] = interval["end"] == labels[-1]
        if not math.isfinite(interval["deviation_mads"]):
            interval["deviation_mads"] = None
            interval["flat_baseline"] = True
    expected = round((stamps[-1] - stamps[0]).total_seconds() / period) + 1
    report["gaps"] = max(0, expected - len(values))
    if report["warmup_points"] >= len(values) // 2:
        report["note"] = (f"only {len(values)} points, {report['warmup_points']} of them warm-up: "
                          "widen the window (a few hours of history) for a meaningful baseline")
    return report
