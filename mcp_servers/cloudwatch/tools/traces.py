"""X-Ray: how a service's requests fared (errors, faults, throttles, response times)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from mcp.server.fastmcp import FastMCP
from mcp.server.fastmcp.exceptions import ToolError
from pydantic import Field

from ...common.registry import Row, ToolResult, tool_decorator
from .. import reads
from ..traces import service_filter, summarize_traces
from .context import CloudWatchTools, TimeArg, window
from .metrics import TimeSpan

MAX_TRACE_SPAN_HOURS = 24  # GetTraceSummaries refuses longer ranges


class ResponseTimes(Row):
    p50: float | None
    p90: float | None
    p99: float | None
    max: float | None


class TraceSummary(ToolResult):
    service: str | None
    filter: str | None = Field(description="the X-Ray filter expression used")
    window: TimeSpan
    more: bool
    traces: int
    errors: int = Field(description="traces with a 4xx error")
    faults: int = Field(description="traces with a 5xx fault")
    throttles: int
    error_rate: float | None = Field(description="(errors + faults) / traces")
    response_time_s: ResponseTimes
    slowest: list[dict[str, Any]] = Field(description="id, response_time_s, duration_s, error, fault, throttle, "
                                                      "http, services, fault_root_causes")
    note: str | None = None
    hint: str | None = None


def register(mcp: FastMCP, ctx: CloudWatchTools) -> None:
    tool = tool_decorator(mcp)
    xray = ctx.xray

    @tool(title="X-Ray trace summaries of a service", read_only=True, destructive=False, idempotent=True,
          open_world=True, hint="lower slowest")
    def trace_summaries(
        service: Annotated[str | None, Field(max_length=200, description="X-Ray service name as in the service map")] = None,
        start: TimeArg = "-1h",
        end: TimeArg = "now",
        filter_expression: Annotated[str | None, Field(max_length=2000, description="extra X-Ray filter, e.g. responsetime > 2")] = None,
        slowest: Annotated[int, Field(ge=0, le=100, description="how many of the slowest traces to list")] = 10,
        max_traces: Annotated[int, Field(ge=1, le=10000)] = 1000,
    ) -> TraceSummary:
        """X-Ray traces of a service in a window: error (4xx), fault (5xx) and throttle counts, response-time
        percentiles and the slowest traces."""
        span = window(start, end, timedelta(hours=MAX_TRACE_SPAN_HOURS))
        try:
            expression = service_filter(service, filter_expression)
        except ValueError as exc:
            raise ToolError(str(exc)) from None
        got = ctx.backend(lambda: reads.fetch_trace_summaries(xray, span, expression, max_traces),
                          f"trace_summaries {expression or '(all)'}")
        note = None
        if got is None:
            if filter_expression:
                raise ToolError("trace_summaries: this endpoint does not implement X-Ray filter expressions; "
                                "drop filter_expression (a service alone is matched client-side)")
            rows, more = ctx.backend(lambda: reads.fetch_trace_summaries(xray, span, None, max_traces), "trace_summaries")
            rows = ctx.backend(lambda: reads.traces_of_service(xray, rows, service or ""), f"trace_summaries of {service!r}")
            got = (rows, more)
            note = "this endpoint does not implement filter expressions; the service was matched client-side"
        summaries, more = got
        payload: dict[str, Any] = {"service": service, "filter": expression, "window": span.describe(), "more": more}
        payload.update(summarize_traces(summaries, slowest=slowest))
        if note:
            payload["note"] = note
        if not summaries:
            payload["hint"] = "no traces: check the service name (as the X-Ray service map shows it) and the window"
        return TraceSummary.model_validate(payload)
