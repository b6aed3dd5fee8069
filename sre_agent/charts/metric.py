"""The metric chart: the alarmed metric (or a root-cause metric) over the incident window, with the
alarm threshold, the detector's onset and the action's time marked. Every marked element carries an
SVG id (gid) a reader, the console or a test can find: series, alarm-datapoints, baseline,
anomaly-<n>, threshold, onset, action."""

from __future__ import annotations

from datetime import datetime, timedelta

from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure

from .models import MetricEvidence
from .svg import ACTION, ALARM, BAND, MUTED, ONSET, SERIES, render

MAD_TO_SIGMA = 1.4826  # a normal distribution's standard deviation is 1.4826 MADs
MARGIN = timedelta(minutes=10)  # at least this much axis before the first marker when there is no series


def caption(evidence: MetricEvidence) -> str:
    """What the chart shows and where it came from, in a sentence (the series is often not in the evidence)."""
    if evidence.points:
        shown = f"the {evidence.statistic or ''} series the run fetched".replace("  ", " ")
        if evidence.points_fetched > len(evidence.points):
            shown += f" ({len(evidence.points)} of its {evidence.points_fetched} points: each interval's lowest and highest)"
    elif evidence.has_shape:
        parts = [part for part, present in (("the detector's baseline", evidence.baseline_median is not None),
                                            ("its anomalous intervals", bool(evidence.intervals)),
                                            ("the datapoints the alarm quoted", bool(evidence.alarm_points))) if present]
        shown = "the run did not fetch the series itself; shown: " + ", ".join(parts)
    else:
        shown = "no values of this metric are in the run's evidence; shown: the markers only"
    if evidence.onset_of:
        shown += f"; the onset marked is {evidence.onset_of}'s"
    sources = f" [{', '.join(evidence.evidence)}]" if evidence.evidence else ""
    return f"{evidence.metric} ({evidence.role.replace('_', ' ')}): {shown}{sources}"


def _span(evidence: MetricEvidence) -> tuple[datetime | None, datetime | None]:
    """The time axis: the incident window with a series to show; without one, the markers and a margin
    before the first (three hours of empty axis would squeeze what is known into the right edge)."""
    marks = [p.at for p in evidence.alarm_points] + [m for m in (evidence.onset, evidence.action_at) if m is not None]
    marks += [i.start for i in evidence.intervals] + [i.end for i in evidence.intervals]
    if evidence.points:
        marks += [p.at for p in evidence.points] + [m for m in (evidence.window_start, evidence.window_end) if m is not None]
    elif marks:
        margin = max((max(marks) - min(marks)) * 0.25, MARGIN)
        return min(marks) - margin, max(marks) + margin / 4
    else:
        marks = [m for m in (evidence.window_start, evidence.window_end) if m is not None]
    return (min(marks), max(marks)) if marks else (None, None)


def draw_metric(figure: Figure, evidence: MetricEvidence) -> None:
    axes = figure.add_subplot()
    start, end = _span(evidence)
    if evidence.points:
        (line,) = axes.plot([p.at for p in evidence.points], [p.value for p in evidence.points], color=SERIES, lw=1.4,
                            label=f"{evidence.metric} ({evidence.statistic})" if evidence.statistic else evidence.metric)
        line.set_gid("series")
    if evidence.baseline_median is not None and start is not None:
        spread = MAD_TO_SIGMA * (evidence.baseline_mad or 0.0) * 3
        until = evidence.onset or end
        band = axes.fill_between([start, until], evidence.baseline_median - spread, evidence.baseline_median + spread,
                                 color=BAND, label="baseline (median ± 3σ)")
        band.set_gid("baseline")
        (level,) = axes.plot([start, until], [evidence.baseline_median] * 2, color=MUTED, lw=1, ls=":")
        level.set_gid("baseline-median")
    for index, interval in enumerate(evidence.intervals):
        shade = axes.axvspan(interval.start, interval.end, color=ALARM, alpha=0.08,
                             label="anomalous interval" if index == 0 else None)
        shade.set_gid(f"anomaly-{index}")
        if interval.max_value is not None and not evidence.points:
            peak = axes.scatter([interval.end], [interval.max_value], marker="^", color=ALARM, zorder=3)
            peak.set_gid(f"anomaly-{index}-peak")
    if evidence.alarm_points:
        quoted = axes.scatter([p.at for p in evidence.alarm_points], [p.value for p in evidence.alarm_points], color=ALARM,
                              s=18, zorder=4, label="datapoints the alarm quoted")
        quoted.set_gid("alarm-datapoints")
    if evidence.threshold is not None:
        threshold = axes.axhline(evidence.threshold, color=ALARM, ls="--", lw=1.2, label=f"threshold {evidence.threshold:g}")
        threshold.set_gid("threshold")
    if evidence.onset is not None:
        whose = f" of {evidence.onset_of}" if evidence.onset_of else ""
        onset = axes.axvline(evidence.onset, color=ONSET, lw=1.5, label=f"onset{whose} {evidence.onset:%H:%M}")
        onset.set_gid("onset")
    if evidence.action_at is not None:
        action = axes.axvline(evidence.action_at, color=ACTION, lw=1.5,
                              label=f"action {evidence.action_label} {evidence.action_at:%H:%M}".replace("  ", " "))
        action.set_gid("action")
    if start is not None and end is not None and start < end:
        axes.set_xlim(start, end)
    locator = AutoDateLocator()
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    axes.set_title(f"{evidence.metric} — {evidence.resource or 'alarmed resource'}", loc="left")
    axes.set_ylabel("value")
    if axes.get_legend_handles_labels()[0]:
        axes.legend(loc="upper left", fontsize=7, frameon=False)
    if not evidence.has_shape:
        axes.text(0.5, 0.5, "no values of this metric in the run's evidence", transform=axes.transAxes,
                  ha="center", color=MUTED)


def metric_svg(evidence: MetricEvidence) -> str:
    return render(lambda figure: draw_metric(figure, evidence), 7.5, 3.0)
