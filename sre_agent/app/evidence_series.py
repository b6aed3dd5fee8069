"""The metric series in a tool's result, kept as typed evidence (ToolCallRecord.series) for the run's
charts: the excerpt keeps a result's first EXCERPT_CHARS characters, which a 3-hour series at one
point a minute overruns about twentyfold, so without this the charts could not draw what the run read.

Recognised by shape, not by tool name: any result with `metric` and `series: {statistic: {timestamps,
values}}` (the cloudwatch server's get_metric_data). Bounded so a run's evidence stays small: at most
MAX_SERIES_PER_CALL statistics per call and MAX_SERIES_POINTS points per statistic -- beyond that the
lowest and the highest point of each of MAX_SERIES_POINTS // 2 time buckets, in time order, so a
spike or a dip the chart must show is never averaged away. A point costs about 33 bytes of JSON (an
ISO timestamp and a value), so a call costs at most about MAX_SERIES_PER_CALL x 4 KB."""

from __future__ import annotations

import math
from typing import Any

from ..contracts import MetricSeries, parse_time

MAX_SERIES_POINTS = 120
MAX_SERIES_PER_CALL = 4


def series_in(data: Any) -> list[MetricSeries]:
    """The series a successful tool result holds, downsampled to the bound; [] for any other result."""
    if not isinstance(data, dict) or not isinstance(data.get("series"), dict) or not isinstance(data.get("metric"), str):
        return []
    dimensions = data.get("dimensions") if isinstance(data.get("dimensions"), dict) else {}
    period = data.get("period")
    kept: list[MetricSeries] = []
    for statistic, series in list(data["series"].items())[:MAX_SERIES_PER_CALL]:
        if not isinstance(series, dict):
            continue
        pairs = [(at, float(v)) for at, v in zip(map(parse_time, series.get("timestamps") or []), series.get("values") or [])
                 if at is not None and isinstance(v, int | float) and math.isfinite(v)]
        if not pairs:
            continue
        chosen = downsample(pairs, MAX_SERIES_POINTS)
        kept.append(MetricSeries(metric=data["metric"], statistic=str(statistic), namespace=str(data.get("namespace") or ""),
                                 dimensions={str(k): str(v) for k, v in dimensions.items()},
                                 period_s=period if isinstance(period, int) else None,
                                 timestamps=[at for at, _ in chosen], values=[v for _, v in chosen], points=len(pairs)))
    return kept


def downsample(pairs: list[tuple[Any, float]], bound: int) -> list[tuple[Any, float]]:
    """At most `bound` points: all of them when they fit, else each bucket's lowest and highest, in order."""
    if len(pairs) <= bound:
        return pairs
    buckets = max(1, bound // 2)
    size = math.ceil(len(pairs) / buckets)
    chosen: list[tuple[Any, float]] = []
    for start in range(0, len(pairs), size):
        bucket = range(start, min(start + size, len(pairs)))
        low = min(bucket, key=lambda i: pairs[i][1])
        high = max(bucket, key=lambda i: pairs[i][1])
        chosen += [pairs[i] for i in sorted({low, high})]
    return chosen
