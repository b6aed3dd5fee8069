"""`sre-agent trace INCIDENT_ID`: fetch an investigation's X-Ray trace and draw it as a waterfall.

Reading side of sre_agent/tracing/: GetTraceSummaries filtered by annotation.incident_id, then
BatchGetTraces; the segment documents are put back into one tree (subsegments sent on their own
are re-attached by parent_id) and drawn one line per span: start offset, duration, a bar on a
shared timeline, and the error or fault with its cause."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Optional

import typer

# GetTraceSummaries refuses long time ranges; ask in slices no wider than this.
SUMMARY_SLICE = timedelta(hours=6)
BATCH_GET_MAX_IDS = 5
# Errors with which a server says it cannot evaluate filter expressions (moto answers InternalFailure
# "Not implemented yet"): then every trace in the window is read and matched here.
FILTER_UNSUPPORTED = {"InternalFailure", "NotImplemented", "NotImplementedException"}
MAX_HOURS = 30 * 24  # X-Ray keeps traces for 30 days


class TraceLookupError(Exception):
    """Why a trace could not be fetched, phrased for the person at the terminal."""


# --- the tree ---------------------------------------------------------------------------------
@dataclass
class SpanNode:
    id: str
    name: str
    trace_id: str | None
    start: float
    end: float | None
    error: bool = False
    fault: bool = False
    cause: str | None = None
    annotations: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    children: list[SpanNode] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.error or self.fault

    def walk(self, depth: int = 0) -> Iterator[tuple[int, SpanNode]]:
        yield depth, self
        for child in sorted(self.children, key=lambda c: c.start):
            yield from child.walk(depth + 1)


def _cause_text(cause: Any) -> str | None:
    if not isinstance(cause, dict):
        return None if not cause else f"see exception {cause}"  # X-Ray allows a bare exception id
    messages = []
    for exc in cause.get("exceptions", []):
        kind, message = exc.get("type", "Error"), exc.get("message", "")
        # sre_agent.tracing.tracer files a tool's own error text under ToolCallError: the text says it all.
        messages.append(message if kind == "ToolCallError" and message else f"{kind}: {message}".rstrip(": "))
    return "; ".join(messages) or None


def _node(doc: dict[str, Any]) -> SpanNode:
    metadata = {}
    for namespace in (doc.get("metadata") or {}).values():
        if isinstance(namespace, dict):
            metadata.update(namespace)
    return SpanNode(id=doc["id"], name=doc.get("name", "?"), trace_id=doc.get("trace_id"), start=float(doc["start_time"]),
                    end=float(doc["end_time"]) if doc.get("end_time") is not None else None,
                    error=bool(doc.get("error")), fault=bool(doc.get("fault")), cause=_cause_text(doc.get("cause")),
                    annotations=dict(doc.get("annotations") or {}), metadata=metadata,
                    children=[_node(sub) for sub in doc.get("subsegments") or []])


def build_trees(documents: list[dict[str, Any]]) -> list[SpanNode]:
    """The trace's root segments, with every independently sent subsegment hung under its parent."""
    roots: list[SpanNode] = []
    loose: list[tuple[str, SpanNode]] = []
    for doc in documents:
        node = _node(doc)
        if doc.get("type") == "subsegment":
            loose.append((doc.get("parent_id", ""), node))
        else:
            roots.append(node)
    by_id = {n.id: n for root in [*roots, *(n for _, n in loose)] for _, n in root.walk()}
    for parent_id, node in loose:
        parent = by_id.get(parent_id)
        if parent is not None:
            parent.children.append(node)
        else:  # its parent never arrived: still show it rather than lose it
            roots.append(node)
    return sorted(roots, key=lambda r: r.start)


# --- the waterfall ----------------------------------------------------------------------------
def _bar(node: SpanNode, origin: float, total: float, width: int) -> str:
    end = node.end if node.end is not None else origin + total

    def column(at: float) -> float:  # rounded, so 1000.1 - 1000 lands on a column and not just past it
        return round((at - origin) / total * width, 6) if total > 0 else 0.0

    first = min(width - 1, math.floor(column(node.start)))
    last = max(first + 1, min(width, math.ceil(column(end)))) if total > 0 else width
    mark = "!" if node.failed else ("~" if node.end is None else "=")
    return "[" + " " * first + mark * (last - first) + " " * (width - last) + "]"


def _label(node: SpanNode) -> str:
    notes = []
    if "input_tokens" in node.metadata or "output_tokens" in node.metadata:
        notes.append(f"tokens in={node.metadata.get('input_tokens', 0)} out={node.metadata.get('output_tokens', 0)}")
    if node.metadata.get("paused"):
        notes.append("paused for approval")
    if node.metadata.get("unfinished"):
        notes.append("never closed: the run ended or failed inside it")
    if node.metadata.get("cancelled"):
        notes.append(f"cancelled ({node.metadata['cancelled']})")
    if node.end is None:
        notes.append("IN PROGRESS")
    if node.failed:
        notes.append(("FAULT" if node.fault else "ERROR") + (f": {node.cause}" if node.cause else ""))
    return node.name + (f"  ({'; '.join(notes)})" if notes else "")


def render_waterfall(root: SpanNode, width: int = 40) -> str:
    """One line per span: offset from the start, duration, the bar, then the indented name."""
    spans = list(root.walk())
    ends = [n.end for _, n in spans if n.end is not None]
    origin = root.start
    total = max(ends, default=origin) - origin
    a = root.annotations
    header = [f"trace {root.trace_id or '?'}",
              "  ".join(f"{k}={a[k]}" for k in ("incident_id", "severity", "brain", "status", "category") if k in a)]
    failed = sum(1 for _, n in spans if n.failed)
    header.append(f"{len(spans)} spans, {total * 1000:.0f} ms" + (f", {failed} failed" if failed else ""))
    lines = [h for h in header if h]
    lines.append(f"{'offset':>9} {'duration':>9}  {'timeline':<{width + 2}}  span")
    for depth, node in spans:
        duration = f"{(node.end - node.start) * 1000:7.0f} ms" if node.end is not None else "      ? ms"
        lines.append(f"{(node.start - origin) * 1000:6.0f} ms {duration}  {_bar(node, origin, total, width)}  "
                     f"{'  ' * depth}{_label(node)}")
    return "\n".join(lines) + "\n"


# --- fetching ---------------------------------------------------------------------------------
def _slices(start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
    while end > start:
        yield max(start, end - SUMMARY_SLICE), end
        end -= SUMMARY_SLICE


def _summary_ids(xray: Any, start: datetime, end: datetime, **filters: str) -> list[str]:
    ids: list[str] = []
    for begin, until in _slices(start, end):
        paginator = xray.get_paginator("get_trace_summaries")
        for page in paginator.paginate(StartTime=begin, EndTime=until, **filters):
            ids += [s["Id"] for s in page.get("TraceSummaries", []) if s["Id"] not in ids]
    return ids


def _documents(xray: Any, trace_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    traces: dict[str, list[dict[str, Any]]] = {}
    for index in range(0, len(trace_ids), BATCH_GET_MAX_IDS):
        for page in xray.get_paginator("batch_get_traces").paginate(TraceIds=trace_ids[index:index + BATCH_GET_MAX_IDS]):
            for found in page.get("Traces", []):
                traces.setdefault(found["Id"], []).extend(json.loads(s["Document"]) for s in found.get("Segments", []))
    return traces


def _about(documents: list[dict[str, Any]], incident_id: str) -> bool:
    return any((d.get("annotations") or {}).get("incident_id") == incident_id for d in documents)


def fetch_incident_traces(xray: Any, incident_id: str, start: datetime, end: datetime) -> dict[str, list[dict[str, Any]]]:
    """{trace id: segment documents} for every trace annotated with this incident in [start, end]."""
    from botocore.exceptions import ClientError

    quoted = incident_id.replace("\\", "\\\\").replace('"', '\\"')
    try:
        ids = _summary_ids(xray, start, end, FilterExpression=f'annotation.incident_id = "{quoted}"')
        return {tid: docs for tid, docs in _documents(xray, ids).items() if _about(docs, incident_id)}
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in FILTER_UNSUPPORTED:
            raise
    traces = _documents(xray, _summary_ids(xray, start, end))
    return {tid: docs for tid, docs in traces.items() if _about(docs, incident_id)}


def _xray_client(endpoint_url: str | None, region: str | None) -> Any:
    import boto3
    from botocore.config import Config

    # A fresh session, not boto3's default one: that caches credentials for the life of the process.
    return boto3.session.Session().client(
        "xray", endpoint_url=endpoint_url, region_name=region,
        config=Config(retries={"total_max_attempts": 2}, connect_timeout=5, read_timeout=30))


def lookup(incident_id: str, hours: float, endpoint_url: str | None, region: str | None,
           now: datetime | None = None) -> dict[str, list[dict[str, Any]]]:
    """Fetch the incident's traces, turning the AWS client's failures into TraceLookupError."""
    from botocore.exceptions import (
        ClientError,
        EndpointConnectionError,
        NoCredentialsError,
        NoRegionError,
        PartialCredentialsError,
    )

    end = now or datetime.now(UTC)
    start = end - timedelta(hours=hours)
    where = endpoint_url or f"AWS X-Ray ({region or 'default region'})"
    try:
        traces = fetch_incident_traces(_xray_client(endpoint_url, region), incident_id, start, end)
    except (NoCredentialsError, PartialCredentialsError):
        raise TraceLookupError(
            f"no AWS credentials to read X-Ray at {where}: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE; "
            "for the lab, `source .sre-agent/lab.env` (written by `sre-agent lab up`)") from None
    except NoRegionError:
        raise TraceLookupError("no AWS region for X-Ray: set AWS_REGION or pass --region") from None
    except EndpointConnectionError as exc:
        raise TraceLookupError(
            f"cannot reach X-Ray at {where} ({exc}): check --endpoint-url / AWS_ENDPOINT_URL; for the lab, is "
            "`sre-agent lab up` running and .sre-agent/lab.env sourced?") from None
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise TraceLookupError(f"X-Ray at {where} refused {exc.operation_name}: {error.get('Code')}: "
                               f"{error.get('Message')}") from None
    if not traces:
        raise TraceLookupError(
            f"no trace for incident {incident_id} at {where} between {start:%Y-%m-%d %H:%M} and {end:%Y-%m-%d %H:%M} "
            f"UTC (the last {hours:g} h). Widen the search with --hours (up to {MAX_HOURS}; X-Ray keeps traces 30 "
            "days); a trace is sent when the investigation ends, and only when tracing was on for that run "
            "(AWS_XRAY_DAEMON_ADDRESS, AWS_ENDPOINT_URL or SRE_AGENT_TRACING_MODE=api).")
    return traces


def render_traces(traces: dict[str, list[dict[str, Any]]], width: int) -> str:
    """Every trace of the incident (a resumed run is a second trace), oldest first."""
    roots = []
    for trace_id, documents in traces.items():
        for root in build_trees(documents):
            root.trace_id = root.trace_id or trace_id
            roots.append(root)
    return "\n".join(render_waterfall(root, width) for root in sorted(roots, key=lambda r: r.start))


def trace(
    incident_id: Annotated[str, typer.Argument(help="The incident whose investigation to show (e.g. inc-20240101-0930-ab12cd34).")],
    hours: Annotated[float, typer.Option(min=0.1, max=MAX_HOURS, help="How far back to search, in hours.")] = 24.0,
    endpoint_url: Annotated[Optional[str], typer.Option(
        envvar="AWS_ENDPOINT_URL", help="X-Ray endpoint (the lab's moto); default AWS.")] = None,
    region: Annotated[Optional[str], typer.Option(envvar=["AWS_REGION", "AWS_DEFAULT_REGION"], help="AWS region.")] = None,
    width: Annotated[int, typer.Option(min=10, max=200, help="Width of the timeline, in characters.")] = 40,
) -> None:
    """Show an investigation's X-Ray trace as a waterfall: agents, tool calls and LLM calls, with errors.

    Examples:
      sre-agent trace inc-20240101-0930-ab12cd34
      sre-agent trace inc-20240101-0930-ab12cd34 --hours 72
    """
    try:
        traces = lookup(incident_id, hours, endpoint_url, region)
    except TraceLookupError as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None
    typer.echo(render_traces(traces, width), nl=False)
