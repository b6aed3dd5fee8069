"""What a chart is drawn from: small typed models extracted from a run's own evidence (charts/evidence.py,
charts/waterfall.py), so a drawing module never reads tool excerpts or trace documents itself."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class MetricPoint(BaseModel):
    at: datetime
    value: float


class AnomalyInterval(BaseModel):
    start: datetime
    end: datetime
    max_value: float | None = None


class MetricEvidence(BaseModel):
    """One metric over the incident window, as far as the run's evidence shows it."""

    metric: str
    role: Literal["alarmed", "root_cause"] = "alarmed"
    resource: str = ""
    window_start: datetime | None = None
    window_end: datetime | None = None
    points: list[MetricPoint] = Field(default_factory=list)  # the series, when the run fetched it
    statistic: str | None = None  # the series' statistic (Average, Maximum, ...)
    points_fetched: int = 0  # datapoints the tool returned; more than len(points) when the evidence downsampled them
    alarm_points: list[MetricPoint] = Field(default_factory=list)  # the datapoints the alarm quoted when it fired
    threshold: float | None = None
    comparison: str | None = None  # GreaterThanThreshold, ...
    baseline_median: float | None = None
    baseline_mad: float | None = None
    onset: datetime | None = None  # the anomaly detector's onset
    onset_of: str | None = None  # set when the onset marked is another metric's (the alarmed one's)
    intervals: list[AnomalyInterval] = Field(default_factory=list)
    action_at: datetime | None = None  # when the run's action ran (from its trace)
    action_label: str = ""
    evidence: list[str] = Field(default_factory=list)  # the ToolCallRecord ids this was read from

    @property
    def has_shape(self) -> bool:
        """Something to draw besides markers: a series, quoted datapoints, a baseline or an interval."""
        return bool(self.points or self.alarm_points or self.baseline_median is not None or self.intervals)


class PathNode(BaseModel):
    resource: str
    role: Literal["alarmed", "hop", "root_cause"] = "hop"
    failing: bool = False  # a warning or critical finding is about it
    signals: list[str] = Field(default_factory=list)


class PathEvidence(BaseModel):
    """The dependency path from the alarmed resource to the root cause, over the edges tools returned."""

    nodes: list[PathNode] = Field(default_factory=list)
    relations: list[str] = Field(default_factory=list)  # len(nodes) - 1: what each hop is (selects, runs, calls...)
    found: bool = True  # False: no path in the evidence; the nodes are then just the two ends
    evidence: list[str] = Field(default_factory=list)


class WaterfallSpan(BaseModel):
    name: str
    kind: Literal["run", "node", "tool", "llm", "wait"] = "node"  # wait: the run paused (for a human) or stopped
    depth: int = 0
    start_s: float  # offset from the run's start
    duration_s: float
    failed: bool = False
    detail: str = ""


class Waterfall(BaseModel):
    # the run's X-Ray segments; tracing off, the evidence's calls at their start times, or (older
    # evidence without them) their durations end to end
    source: Literal["trace", "tool_calls", "tool_durations"]
    trace_id: str | None = None
    spans: list[WaterfallSpan] = Field(default_factory=list)
    steps: int = 1  # segments the run was traced in: one per step the service ran it in (start, after approval...)


class Chart(BaseModel):
    """One rendered chart: `name` is its file suffix (<run>.<name>.svg), `svg` the document."""

    name: str
    title: str
    svg: str
    caption: str = ""
