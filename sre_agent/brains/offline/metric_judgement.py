"""What a workload's series mean, whichever source read them (CloudWatch or Prometheus): a memory ramp towards
the limit, CPU throttling, an anomaly still going on, an error count that only grew with the traffic. Pure
functions over values, so the two readers (metrics.py, promql_workload.py) judge alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ...contracts import parse_time
from ...metric_kinds import peak_over_median

RECENT = timedelta(minutes=20)  # an anomaly interval ending this close to now is still going on
THROTTLED_PERCENT = 25.0
MEMORY_RAMP_POINTS = 25.0  # percentage points of the limit gained over the window
ERROR_RATE_RISE = 1.5  # the error rate must grow by half (and a percentage point) to be the service's own failure


def intervals_of(report: dict | None) -> list[dict]:
    return (report or {}).get("intervals") or []


def ongoing(intervals: list[dict], now: datetime) -> dict | None:
    """The strongest anomaly interval that ended within RECENT of now (or has not ended)."""
    recent = [i for i in intervals if (parse_time(i.get("end")) or now) >= now - RECENT]
    return max(recent, key=lambda i: i.get("peak_score", i.get("score", 0)), default=None)


def signal_for(metric: str) -> str:
    lowered = metric.lower()
    if "latency" in lowered or "duration" in lowered:
        return "LatencyAnomaly"
    if "5xx" in lowered or "error" in lowered or "fault" in lowered:
        return "ErrorAnomaly"
    return "MetricAnomaly"


@dataclass(frozen=True)
class MemoryRamp:
    early: float  # percent of the limit, mean of the window's first third
    late: float  # the last third's peak
    exhaustion_in_h: float | None


def still_climbing(tail: list[float], rise: float) -> bool:
    """Memory rising through `tail` in many small steps (most steps up, none more than half the climb)."""
    steps = [b - a for a, b in zip(tail, tail[1:], strict=False)]
    span = tail[-1] - tail[0] if tail else 0.0
    return bool(steps) and span >= 0.2 * rise and span > 0 and \
        sum(1 for step in steps if step > 0) >= 0.6 * len(steps) and max(steps) <= 0.5 * span


def memory_ramp(percent_of_limit: list[float], *, period_s: int) -> MemoryRamp | None:
    """A leak: memory (percent of the limit) that climbed gradually by MEMORY_RAMP_POINTS or more over the window --
    through the whole window or, begun with a release inside it, through its last third. A step (a lowered limit,
    a new release's bigger footprint) jumps once and stays flat: not a ramp."""
    values = percent_of_limit
    if len(values) < 6:
        return None
    third = max(1, len(values) // 3)
    early = sum(values[:third]) / third
    middle = sum(values[third:2 * third]) / third
    late = max(values[-third:])
    rise = late - early
    gradual = rise > 0 and (0.2 * rise <= middle - early <= 0.8 * rise or still_climbing(values[-third:], rise))
    if rise < MEMORY_RAMP_POINTS or not gradual:
        return None
    return MemoryRamp(early, late, hours_to_limit(values, period_s=period_s))


def hours_to_limit(percent_of_limit: list[float], *, period_s: int) -> float | None:
    """Time to exhaustion: the least-squares slope of the last third of the series (percent of the limit
    per datapoint), extrapolated to 100%. None when it is not climbing."""
    recent = percent_of_limit[-max(3, len(percent_of_limit) // 3):]
    n = len(recent)
    mean_x, mean_y = (n - 1) / 2, sum(recent) / n
    slope = sum((i - mean_x) * (y - mean_y) for i, y in enumerate(recent)) / sum((i - mean_x) ** 2 for i in range(n))
    if slope <= 0:
        return None
    return max(0.0, (100.0 - recent[-1]) / slope) * period_s / 3600


def throttled_percent(values: list[float]) -> float | None:
    """The mean throttled share (percent) of the last ten minutes when it reaches THROTTLED_PERCENT."""
    recent = values[-10:]
    mean = sum(recent) / len(recent) if recent else 0.0
    return mean if recent and mean >= THROTTLED_PERCENT else None


Points = list[tuple[str, float]]  # (ISO timestamp, value), oldest first
QUIET_POINTS = 5  # points back inside the baseline's band, after an anomaly, before it counts as over
ROBUST_SIGMA = 1.4826  # MAD -> standard deviation for normal noise


def points_of(data: dict | None, statistic: str) -> Points:
    """(timestamp, value) pairs of one statistic of a get_metric_data answer."""
    series = (((data or {}).get("series") or {}).get(statistic)) or {}
    return list(zip(series.get("timestamps") or [], series.get("values") or [], strict=False))


def back_at_baseline(points: Points, interval: dict, baseline: dict) -> int | None:
    """How many points a series has stayed back inside its baseline's band (3 sigma by the MAD, at least 10% of the
    median) since an anomaly interval ended: a spike that is over -- one slow minute of a storm the autoscaler
    absorbed. None when it is not: a point since still off the band (a level the detector learnt as normal stays
    off it), fewer than QUIET_POINTS since, or a quiet spell shorter than twice the anomaly (an intermittent fault's
    gap between two bursts)."""
    end = parse_time(interval.get("end"))
    median, mad = baseline.get("median"), baseline.get("mad")
    if end is None or median is None or mad is None:
        return None
    since = [v for t, v in points if (parse_time(t) or end) > end]
    band = max(3 * ROBUST_SIGMA * float(mad), 0.1 * abs(float(median)))
    if len(since) < max(QUIET_POINTS, 2 * int(interval.get("points") or 1)) or any(abs(v - float(median)) > band for v in since):
        return None
    return len(since)


def error_rate_steady(errors: Points, requests: Points, onset: str) -> str:
    """An error-count anomaly that is the traffic's, not the service's: "" when the error rate itself rose, else
    the rates before and since the onset. Counts rise with requests; the rate is what a failing service moves."""
    start = parse_time(onset)
    if start is None or not errors or not requests:
        return ""
    def split(points: Points) -> tuple[float, float]:
        before = sum(v for t, v in points if (parse_time(t) or start) < start)
        return before, sum(v for t, v in points if (parse_time(t) or start) >= start)
    (errors_before, errors_since), (requests_before, requests_since) = split(errors), split(requests)
    if requests_before <= 0 or requests_since <= 0:
        return ""
    rate_before, rate_since = errors_before / requests_before, errors_since / requests_since
    if rate_since > max(rate_before * ERROR_RATE_RISE, rate_before + 0.01):
        return ""
    return (f"the error rate is {100 * rate_since:.2f}% (it was {100 * rate_before:.2f}% before): the traffic grew, "
            "not the share that fails")


SURGE_FACTOR = 3.0  # requests at least this many times their baseline median: a surge, not a busy hour
DROP_SHARE = 0.5  # requests at most this share of their baseline median: they stopped coming, not a quiet minute


def request_surge(report: dict | None, now: datetime) -> tuple[dict, float] | None:
    """A RequestCount anomaly still going on whose peak is at least SURGE_FACTOR times the series' baseline median:
    the ongoing interval and the factor -- what the service is asked to do multiplied (a caller's retries, a new
    client, a campaign), whatever that does to its CPU and latency."""
    current = ongoing(intervals_of(report), now)
    median = ((report or {}).get("baseline") or {}).get("median")
    # a series idle at baseline has no multiple to read: any traffic would be an infinite surge
    factor = peak_over_median(current, report) if current and isinstance(median, int | float) and median > 0 else None
    return (current, round(factor, 1)) if current and factor is not None and factor >= SURGE_FACTOR else None


def request_drop(report: dict | None, now: datetime) -> tuple[dict, float] | None:
    """A RequestCount anomaly still going on whose lowest point is at most DROP_SHARE of the series' baseline median:
    the ongoing interval and that share -- the service is asked less, so whoever sends it requests stopped (a caller
    that cannot start, one pointed elsewhere), whatever its own health says."""
    current = ongoing(intervals_of(report), now)
    median = ((report or {}).get("baseline") or {}).get("median")
    low = (current or {}).get("max_value")  # the value furthest from the median: below it for a drop
    if not current or current.get("direction", "down") != "down" or not isinstance(median, int | float) or median <= 0 \
            or not isinstance(low, int | float):
        return None
    return (current, round(low / median, 2)) if low <= DROP_SHARE * median else None
