"""The run's waterfall: agents (graph nodes), tool calls and LLM calls on one time axis.

From the run's X-Ray segments when it was traced -- the tracer's own segment, serialised in memory
(sre_agent/tracing/tracer.py), the same document `sre-agent trace` fetches, so no backend is called -- and
otherwise from the evidence: each tool call when it was made (ToolCallRecord.started_at) for its
own duration -- or, in evidence from before records kept start times, laid end to end in the order
the calls were made, said so in the caption.

A run that paused for a human is drawn whole. Run in one process (the CLI), it is one segment with
a span for the wait (tracing.tracer.wait_span). Stepped by the service, it is one segment per step
(app/step_traces.py keeps the earlier ones, all in one X-Ray trace): each step is a row of its own,
and the gap between two steps is the wait -- for the human when the step before ended awaiting
approval (its segment's status annotation), else the run was stopped and carried on from its
checkpoint."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator

from ..contracts import ToolCallRecord
from .models import Waterfall, WaterfallSpan
from .svg import ALARM, BAND, MUTED, ONSET, SERIES, render

MAX_SPANS = 80  # a longer run keeps its agents and its first tool calls; the caption says how many were left out
KIND_COLOUR = {"run": MUTED, "node": SERIES, "tool": "#5dade2", "llm": "#af7ac5", "wait": ONSET}
APPROVAL_WAIT = "waiting for approval"
STOPPED_WAIT = "not running (stopped, carried on from its checkpoint)"


def _kind(document: dict[str, Any], depth: int) -> str:
    annotations = document.get("annotations") or {}
    if depth == 0:
        return "run"
    if "wait" in annotations:
        return "wait"
    if "tool" in annotations:
        return "tool"
    if "model" in annotations:
        return "llm"
    return "node"


def _paused(document: dict[str, Any]) -> bool:
    """A node the graph interrupted while its span was open (the span says so in its metadata)."""
    return any(isinstance(ns, dict) and ns.get("paused") for ns in (document.get("metadata") or {}).values())


def _ended_awaiting_approval(step: dict[str, Any]) -> bool:
    return (step.get("annotations") or {}).get("status") == "awaiting_approval"


def _end(document: dict[str, Any], now: float | None) -> float:
    end = document.get("end_time")
    start = float(document["start_time"])
    return float(end) if end is not None else (now if now is not None else start)


def from_trace(documents: dict[str, Any] | Sequence[dict[str, Any]], *, now: float | None = None,
               approval: str = "") -> Waterfall:
    """The run's segment documents (one per step, subsegments inline, oldest first) as spans; an
    unclosed span ends at `now`. `approval` says how the human answered (the run's own record), for
    the wait's label."""
    steps = sorted([documents] if isinstance(documents, dict) else list(documents), key=lambda d: float(d["start_time"]))
    origin = float(steps[0]["start_time"])
    spans: list[WaterfallSpan] = []
    waited = f"{APPROVAL_WAIT}: {approval}" if approval else APPROVAL_WAIT

    def wait(start: float, end: float, depth: int, label: str) -> None:
        if end > start:
            spans.append(WaterfallSpan(name=label, kind="wait", depth=depth, start_s=start - origin, duration_s=end - start))

    def visit(doc: dict[str, Any], depth: int, name: str | None = None) -> None:
        start, end = float(doc["start_time"]), _end(doc, now)
        kind = _kind(doc, depth)
        spans.append(WaterfallSpan(name=waited if kind == "wait" else name or doc.get("name", "?"), kind=kind,
                                   depth=depth, start_s=start - origin, duration_s=max(0.0, end - start),
                                   failed=bool(doc.get("error") or doc.get("fault")),
                                   detail="paused for approval" if _paused(doc) else ""))
        for child in sorted(doc.get("subsegments") or [], key=lambda d: float(d["start_time"])):
            visit(child, depth + 1)

    for index, step in enumerate(steps):
        if index:
            before = steps[index - 1]
            wait(_end(before, now), float(step["start_time"]), 0, waited if _ended_awaiting_approval(before) else STOPPED_WAIT)
        visit(step, 0, f"{step.get('name', '?')} step {index + 1}" if len(steps) > 1 else None)
    if _ended_awaiting_approval(steps[-1]) and now is not None:  # paused now: the wait so far
        wait(_end(steps[-1], now), now, 0, f"{APPROVAL_WAIT} (still waiting)")
    return Waterfall(source="trace", trace_id=steps[-1].get("trace_id"), spans=spans, steps=len(steps))


def from_tool_calls(records: list[ToolCallRecord]) -> Waterfall:
    """Tracing off: each tool call at the time it was made, for its own duration -- or, evidence from
    before records kept their start times, laid end to end in order (durations real, offsets not)."""
    spans: list[WaterfallSpan] = []
    timed = bool(records) and all(r.started_at is not None for r in records)
    origin = min(r.started_at for r in records if r.started_at is not None) if timed else None
    clock = 0.0
    for record in records:
        seconds = record.duration_ms / 1000
        start = (record.started_at - origin).total_seconds() if origin is not None and record.started_at else clock
        spans.append(WaterfallSpan(name=f"{record.agent}: {record.server}.{record.tool}", kind="tool", depth=1,
                                   start_s=start, duration_s=seconds, failed=not record.ok, detail=record.id))
        clock += seconds
    return Waterfall(source="tool_calls" if timed else "tool_durations", spans=spans)


def caption(waterfall: Waterfall) -> str:
    left_out = max(0, len(waterfall.spans) - MAX_SPANS)
    more = (f"; {MAX_SPANS} of {len(waterfall.spans)} spans: every agent, and the tool and LLM calls from the start"
            if left_out else "")
    if waterfall.source == "trace":
        waits = [s for s in waterfall.spans if s.kind == "wait"]
        steps = f" in {waterfall.steps} steps" if waterfall.steps > 1 else ""
        waited = "; " + ", ".join(f"{s.name} {_seconds(s.duration_s)}" for s in waits) if waits else ""
        return (f"from the run's X-Ray trace {waterfall.trace_id or ''}{steps}: agents, tool and LLM calls"
                f"{waited}{more}").replace("  ", " ")
    if waterfall.source == "tool_calls":
        return f"tracing was off: the tool calls from the evidence, when each was made and how long it took{more}"
    return ("tracing was off: the tool calls' own durations, laid end to end in the order they were made "
            f"(this evidence records no start times){more}")


def _seconds(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.1f} s" if value < 120 else f"{value / 60:.1f} min"


class TimeAxis:
    """Real seconds to drawn seconds: a wait longer than the work around it (a human answers in
    minutes or hours; the run works in seconds) is drawn `cut_to` long, so the work stays readable;
    the axis' tick labels and each bar's label keep the real times."""

    def __init__(self, spans: list[WaterfallSpan]) -> None:
        waits = sorted((s.start_s, s.start_s + s.duration_s) for s in spans if s.kind == "wait")
        total = max((s.start_s + s.duration_s for s in spans), default=0.0)
        work = total - sum(end - start for start, end in waits)
        self.cut_to = max(1.0, 0.25 * work)
        self.cuts = [(start, end) for start, end in waits if end - start > self.cut_to]

    def shown(self, real: float) -> float:
        shift = 0.0
        for start, end in self.cuts:
            if real >= end:
                shift += (end - start) - self.cut_to
            elif real > start:
                return start - shift + (real - start) * self.cut_to / (end - start)
        return real - shift

    def real(self, shown: float) -> float:
        shift = 0.0
        for start, end in self.cuts:
            if shown >= start - shift + self.cut_to:
                shift += (end - start) - self.cut_to
            elif shown > start - shift:
                return start + (shown - (start - shift)) * (end - start) / self.cut_to
        return shown + shift


def shown_spans(spans: list[WaterfallSpan]) -> list[WaterfallSpan]:
    """At most MAX_SPANS, in order: every run, node and wait span, then tool and LLM calls from the
    start -- so a long run still shows every agent on both sides of a pause."""
    if len(spans) <= MAX_SPANS:
        return spans
    keep = {i for i, s in enumerate(spans) if s.kind in ("run", "node", "wait")}
    for index, _ in enumerate(spans):
        if len(keep) >= MAX_SPANS:
            break
        keep.add(index)
    kept = set(sorted(keep)[:MAX_SPANS])
    return [s for i, s in enumerate(spans) if i in kept]


def draw_waterfall(figure: Figure, waterfall: Waterfall) -> None:
    axes = figure.add_subplot()
    spans = shown_spans(waterfall.spans)
    axis = TimeAxis(spans)
    for row, span in enumerate(spans):
        colour = ALARM if span.failed else KIND_COLOUR[span.kind]
        left, right = axis.shown(span.start_s), axis.shown(span.start_s + span.duration_s)
        bars = axes.barh(row, max(right - left, 0.002), left=left, height=0.7, color=colour,
                         edgecolor=ALARM if span.failed else None, hatch="//" if span.kind == "wait" else None,
                         alpha=0.35 if span.kind == "wait" else 1.0)
        bars.patches[0].set_gid(f"wait-{row}" if span.kind == "wait" else f"span-{row}")
        drawn_short = " (bar not to scale)" if span.kind == "wait" and span.duration_s > axis.cut_to else ""
        label = (f"{'  ' * span.depth}{span.name}  {_seconds(span.duration_s)}{drawn_short}"
                 + (f"  ({span.detail})" if span.detail else ""))
        axes.text(right, row, " " + label, va="center", fontsize=6.5, color=ALARM if span.failed else SERIES)
    axes.set_yticks([])
    axes.invert_yaxis()
    axes.set_xlabel("seconds (durations end to end)" if waterfall.source == "tool_durations" else "seconds since the run started")
    axes.set_facecolor(BAND if not spans else "white")
    axes.set_title("run waterfall" + {"trace": " (from the trace)", "tool_calls": " (from the tool calls)",
                                      "tool_durations": " (from tool-call durations)"}[waterfall.source], loc="left")
    if spans:
        end = max(axis.shown(s.start_s + s.duration_s) for s in spans)
        axes.set_xlim(0, end * 1.45 or 1)  # room on the right for the labels
    if axis.cuts:  # ticks in real seconds, none inside a shortened wait, one where each ends
        cut = [(axis.shown(start), axis.shown(stop)) for start, stop in axis.cuts]
        ticks = [x for x in MaxNLocator(nbins=8).tick_values(0, end) if 0 <= x <= end and not any(a < x < b for a, b in cut)]
        axes.xaxis.set_major_locator(FixedLocator(sorted({*ticks, *(b for _, b in cut)})))
        axes.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{axis.real(x):.0f}"))


def waterfall_svg(waterfall: Waterfall) -> str:
    rows = len(shown_spans(waterfall.spans))
    height = 1.0 + 0.16 * max(rows, 3)
    return render(lambda figure: draw_waterfall(figure, waterfall), 7.5, height,
                  {"left": 0.03, "top": 1 - 0.35 / height, "bottom": 0.5 / height})
