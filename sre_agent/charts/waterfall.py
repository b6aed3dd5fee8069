"""The run's waterfall: agents (graph nodes), tool calls and LLM calls on one time axis.

From the run's X-Ray segment when it was traced -- the tracer's own segment, serialised in memory at
the end of the run (sre_agent/tracing.py), the same document `sre-agent trace` fetches, so no backend
is called -- and otherwise from the evidence: each tool call's duration, laid end to end in the
order the calls were made (the run records no start times), said so in the caption."""

from __future__ import annotations

from typing import Any

from matplotlib.figure import Figure

from ..contracts import ToolCallRecord
from .models import Waterfall, WaterfallSpan
from .svg import ALARM, BAND, MUTED, SERIES, render

MAX_SPANS = 80  # a longer run keeps its first spans; the caption says how many were left out
KIND_COLOUR = {"run": MUTED, "node": SERIES, "tool": "#5dade2", "llm": "#af7ac5"}


def _kind(document: dict[str, Any], depth: int) -> str:
    annotations = document.get("annotations") or {}
    if depth == 0:
        return "run"
    if "tool" in annotations:
        return "tool"
    if "model" in annotations:
        return "llm"
    return "node"


def from_trace(document: dict[str, Any], *, now: float | None = None) -> Waterfall:
    """A segment document (with its subsegments inline) as spans; an unclosed span ends at `now`."""
    origin = float(document["start_time"])
    spans: list[WaterfallSpan] = []

    def visit(doc: dict[str, Any], depth: int) -> None:
        start = float(doc["start_time"])
        end = doc.get("end_time")
        end = float(end) if end is not None else (now if now is not None else start)
        metadata = {k: v for namespace in (doc.get("metadata") or {}).values() if isinstance(namespace, dict)
                    for k, v in namespace.items()}
        detail = "paused for approval" if metadata.get("paused") else ""
        spans.append(WaterfallSpan(name=doc.get("name", "?"), kind=_kind(doc, depth), depth=depth, start_s=start - origin,
                                   duration_s=max(0.0, end - start), failed=bool(doc.get("error") or doc.get("fault")),
                                   detail=detail))
        for child in sorted(doc.get("subsegments") or [], key=lambda d: float(d["start_time"])):
            visit(child, depth + 1)

    visit(document, 0)
    return Waterfall(source="trace", trace_id=document.get("trace_id"), spans=spans)


def from_tool_calls(records: list[ToolCallRecord]) -> Waterfall:
    """Tracing off: each agent's tool calls end to end (durations are real, start offsets are not)."""
    spans: list[WaterfallSpan] = []
    clock = 0.0
    for record in records:
        seconds = record.duration_ms / 1000
        spans.append(WaterfallSpan(name=f"{record.agent}: {record.server}.{record.tool}", kind="tool", depth=1,
                                   start_s=clock, duration_s=seconds, failed=not record.ok, detail=record.id))
        clock += seconds
    return Waterfall(source="tool_calls", spans=spans)


def caption(waterfall: Waterfall) -> str:
    left_out = max(0, len(waterfall.spans) - MAX_SPANS)
    more = f"; the first {MAX_SPANS} of {len(waterfall.spans)} spans" if left_out else ""
    if waterfall.source == "trace":
        return f"from the run's X-Ray trace {waterfall.trace_id or ''}: agents, tool and LLM calls{more}".replace("  ", " ")
    return ("tracing was off: the tool calls' own durations, laid end to end in the order they were made "
            f"(the run records no start times){more}")


def draw_waterfall(figure: Figure, waterfall: Waterfall) -> None:
    axes = figure.add_subplot()
    spans = waterfall.spans[:MAX_SPANS]
    for row, span in enumerate(spans):
        colour = ALARM if span.failed else KIND_COLOUR[span.kind]
        bars = axes.barh(row, max(span.duration_s, 0.002), left=span.start_s, height=0.7, color=colour,
                         edgecolor=ALARM if span.failed else None)
        bars.patches[0].set_gid(f"span-{row}")
        label = f"{'  ' * span.depth}{span.name}  {span.duration_s * 1000:.0f} ms" + (f"  ({span.detail})" if span.detail else "")
        axes.text(span.start_s + span.duration_s, row, " " + label, va="center", fontsize=6.5,
                  color=ALARM if span.failed else SERIES)
    axes.set_yticks([])
    axes.invert_yaxis()
    axes.set_xlabel("seconds since the run started" if waterfall.source == "trace" else "seconds (durations end to end)")
    axes.set_facecolor(BAND if not spans else "white")
    axes.set_title("run waterfall" + (" (from the trace)" if waterfall.source == "trace" else " (from tool-call durations)"),
                   loc="left")
    if spans:
        end = max(s.start_s + s.duration_s for s in spans)
        axes.set_xlim(0, end * 1.45 or 1)  # room on the right for the labels


def waterfall_svg(waterfall: Waterfall) -> str:
    rows = min(len(waterfall.spans), MAX_SPANS)
    height = 1.0 + 0.16 * max(rows, 3)
    return render(lambda figure: draw_waterfall(figure, waterfall), 7.5, height,
                  {"left": 0.03, "top": 1 - 0.35 / height, "bottom": 0.5 / height})
