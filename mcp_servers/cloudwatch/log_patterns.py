"""Log template mining for the CloudWatch server's `log_patterns` tool: the report.

Given the log events of an analysis window (and optionally of a baseline window before it), group
the lines into templates with Drain3 and say, per template, whether it is `new` (absent from the
baseline), `surged` (its rate grew by at least a factor) or `steady`. New or surged templates that
look like errors come first: that is usually where an incident's story starts. This module makes
that comparison and ranking (and lists the baseline's templates gone from the window); masking the
lines is log_masking.py's job, clustering them log_templates.py's.

Pure logic, no boto3: the server fetches events and hands them here as `(timestamp_ms, message)`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, Field

from .log_templates import SAMPLES_PER_TEMPLATE, SEVERITY_RANK, LogEvent, MinedTemplate, PatternMiner, Severity

Change = Literal["new", "surged", "steady", "unknown"]

_CHANGE_RANK: dict[str, int] = {"new": 0, "surged": 1, "steady": 2, "unknown": 3}


# ---------------------------------------------------------------------------------------------
# Result models
# ---------------------------------------------------------------------------------------------


class WindowSummary(BaseModel):
    start_ms: int
    end_ms: int
    lines: int


class LogTemplate(BaseModel):
    template_id: str = Field(description="hash of the template text: same text, same id")
    template: str
    severity: Severity
    change: Change = Field(description="new: absent from the baseline; surged: rate ratio at least "
                           "the surge factor; steady: neither; unknown: no baseline was given")
    count: int
    baseline_count: int = 0
    rate_ratio: float | None = Field(
        default=None, description="window rate / baseline rate; None when new or without a baseline"
    )
    first_seen: int = Field(description="epoch ms of its first line in the analysis window")
    last_seen: int
    samples: list[str] = Field(default_factory=list, description="raw lines, each cut to 400 chars")


class GoneTemplate(BaseModel):
    """A template of the baseline that is absent from the window, e.g. an error that cleared."""

    template_id: str
    template: str
    severity: Severity
    baseline_count: int


class LogPatternReport(BaseModel):
    window: WindowSummary
    baseline: WindowSummary | None = None
    template_count: int = Field(description="templates in the window, before max_templates")
    templates: list[LogTemplate] = Field(default_factory=list)
    gone: list[GoneTemplate] = Field(default_factory=list)
    truncated: bool = Field(default=False, description="more than max_templates were found")


def mine_log_patterns(
    events: Sequence[LogEvent],
    baseline: Sequence[LogEvent] | None = None,
    *,
    window: tuple[int, int] | None = None,
    baseline_window: tuple[int, int] | None = None,
    surge_factor: float = 3.0,
    min_surge_count: int = 5,
    max_templates: int = 50,
    sim_th: float = 0.5,
) -> LogPatternReport:
    """Templates of `events`, each compared with `baseline` when one is given.

    `window` / `baseline_window` are (start_ms, end_ms): pass the ranges that were queried --
    inferred from the first and last event, a quiet window looks shorter and its rates higher.
    A template `surged` when (count / window length) / (baseline count / baseline length) is at
    least `surge_factor` and it has at least `min_surge_count` lines (three lines are no surge).
    """
    if surge_factor <= 1.0:
        raise ValueError(f"surge_factor must be above 1 (got {surge_factor}); 3.0 is a sensible default")
    miner = PatternMiner(sim_th=sim_th)
    # The baseline goes first, so clusters start from the usual shape of the logs.
    baseline_lines = miner.add_baseline(baseline) if baseline is not None else 0
    window_lines = miner.add_window(events)

    w_start, w_end = _span(events, window, "window")
    window_summary = WindowSummary(start_ms=w_start, end_ms=w_end, lines=window_lines)
    baseline_summary = None
    if baseline is not None:
        b_start, b_end = _span(baseline, baseline_window, "baseline_window")
        baseline_summary = WindowSummary(start_ms=b_start, end_ms=b_end, lines=baseline_lines)
    # Floor at one second: a single event (span 0) would otherwise make rates infinite.
    window_s = max(w_end - w_start, 1000) / 1000
    baseline_s = max(b_end - b_start, 1000) / 1000 if baseline_summary else 1.0

    found: list[LogTemplate] = []
    gone: list[GoneTemplate] = []
    for row in _merge_by_text(miner.templates()):
        tid = hashlib.blake2b(row.text.encode(), digest_size=6).hexdigest()
        if row.count == 0:
            gone.append(GoneTemplate(template_id=tid, template=row.text, severity=row.severity,
                                     baseline_count=row.baseline_count))
            continue
        change: Change
        ratio: float | None = None
        if baseline is None:
            change = "unknown"
        elif row.baseline_count == 0:
            change = "new"
        else:
            ratio = round((row.count / window_s) / (row.baseline_count / baseline_s), 3)
            change = "surged" if ratio >= surge_factor and row.count >= min_surge_count else "steady"
        found.append(LogTemplate(
            template_id=tid, template=row.text, severity=row.severity, change=change,
            count=row.count, baseline_count=row.baseline_count, rate_ratio=ratio,
            first_seen=row.first, last_seen=row.last, samples=row.samples,
        ))

    found.sort(key=_priority)
    gone.sort(key=lambda g: (SEVERITY_RANK[g.severity], -g.baseline_count, g.template))
    return LogPatternReport(
        window=window_summary,
        baseline=baseline_summary,
        template_count=len(found),
        templates=found[:max_templates],
        gone=gone[:10],
        truncated=len(found) > max_templates,
    )


def _span(events: Sequence[LogEvent], given: tuple[int, int] | None, name: str) -> tuple[int, int]:
    if given is not None:
        start, end = given
        if end < start:
            raise ValueError(f"{name} ends ({end}) before it starts ({start}); pass (start_ms, end_ms)")
        return start, end
    if not events:
        return 0, 0
    stamps = [timestamp for timestamp, _ in events]
    return min(stamps), max(stamps)


def _priority(t: LogTemplate) -> tuple[int, int, int, int, str]:
    """New or surged errors and warnings first; then by severity, change and volume."""
    notable = t.change in ("new", "surged") and t.severity != "info"
    return (0 if notable else 1, SEVERITY_RANK[t.severity], _CHANGE_RANK[t.change], -t.count, t.template)


class _Row:
    __slots__ = ("text", "severity", "count", "baseline_count", "first", "last", "samples")

    def __init__(self, text: str, t: MinedTemplate) -> None:
        self.text, self.severity = text, t.severity
        self.count, self.baseline_count = t.count, t.baseline_count
        self.first, self.last, self.samples = t.first, t.last, list(t.samples)


def _merge_by_text(templates: list[MinedTemplate]) -> list[_Row]:
    """Fold clusters whose final template text is the same (Drain can generalise two clusters to
    the same tokens) into one row, so a template is never listed twice."""
    rows: dict[str, _Row] = {}
    for t in templates:
        text = t.cluster.get_template()
        row = rows.get(text)
        if row is None:
            rows[text] = _Row(text, t)
            continue
        row.count += t.count
        row.baseline_count += t.baseline_count
        if SEVERITY_RANK[t.severity] < SEVERITY_RANK[row.severity]:
            row.severity = t.severity
        row.first, row.last = min(row.first, t.first), max(row.last, t.last)
        row.samples = (row.samples + t.samples)[:SAMPLES_PER_TEMPLATE]
    return list(rows.values())
