"""X-Ray tracing of investigations, built on aws-xray-sdk's own Segment/Subsegment entities.

One investigation is one segment named "sre-agent" (annotated with incident_id, severity, brain,
and at the end status and category); each graph node is a subsegment of it; each MCP tool call and
each LLM call is a subsegment of the node that made it. The documents are sent when the run ends,
either to the X-Ray daemon over UDP (the production sidecar) or straight to the PutTraceSegments
API with boto3 (the lab's default: it lands in moto) -- emitters.py.

Why entities and not the SDK's global `xray_recorder`: the recorder keeps the "current segment" in
process-global context, which leaks between runs, breaks across LangGraph's tasks and logs "no
segment found" whenever a span is asked for outside it. Here each Tracer owns its segment, the
open node lives in a ContextVar (so concurrent investigations in one service, each in its own
asyncio task, never nest under each other's nodes), and a run without tracing gets a NullTracer
that does nothing at all."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import platform
import time
import traceback
from collections.abc import AsyncIterator, Mapping
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from langgraph.errors import GraphBubbleUp

from .emitters import ApiEmitter, DaemonEmitter, Emitter, split_for_sending

# aws_xray_sdk is imported where it is used: importing aws_xray_sdk.core builds the SDK's global
# recorder (two botocore clients, ~0.4 s), which a run with tracing off should not pay for.
if TYPE_CHECKING:
    from aws_xray_sdk.core.models.segment import Segment
    from aws_xray_sdk.core.models.subsegment import Subsegment

log = logging.getLogger(__name__)

SEGMENT_NAME = "sre-agent"
METADATA_NAMESPACE = "sre_agent"
TRACING_SETTING = "tracing.mode (SRE_AGENT_TRACING_MODE)"  # off | auto (default) | api | daemon
CAUSE_CHARS = 1000


class ToolCallError(Exception):
    """Stands for an MCP tool's error in a subsegment's cause (X-Ray causes are exceptions)."""


class Span:
    """One open subsegment. close() ends it; closing twice is harmless. As a context manager it
    records an exception as a fault, and a LangGraph interrupt (a pause for approval) as a pause."""

    def __init__(self, tracer: Tracer, subsegment: Subsegment, kind: str,
                 previous_node: Subsegment | None = None) -> None:
        self._tracer = tracer
        self.subsegment = subsegment
        self.kind = kind  # node | tool | llm
        self._previous_node = previous_node
        self.closed = False

    def close(self, error: str | None = None, **metadata: Any) -> None:
        if self.closed:
            return
        self.closed = True
        sub = self.subsegment
        if sub.in_progress:  # the tracer may have closed it already at the end of the run
            ended = time.time()
            for key, value in {**metadata, "duration_ms": round((ended - sub.start_time) * 1000, 1)}.items():
                sub.put_metadata(key, value, METADATA_NAMESPACE)
            if error is not None:
                from aws_xray_sdk.core.models.throwable import Throwable

                sub.add_error_flag()
                cause = Throwable(ToolCallError(error[:CAUSE_CHARS]), None, remote=self.kind != "node")
                sub.cause = {"working_directory": os.getcwd(), "exceptions": [cause]}
            sub.close(ended)
        self._tracer._span_closed(self, error, metadata)

    def __enter__(self) -> Span:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: Any) -> None:
        if exc is None:
            self.close()
        elif isinstance(exc, GraphBubbleUp):  # an interrupt: the node re-runs from the start on resume
            self.close(paused="waiting for a human decision; the node re-runs when the run resumes")
        elif not isinstance(exc, Exception):  # cancelled or interrupted: not the node's fault
            self.close(cancelled=type(exc).__name__)
        else:
            if self.subsegment.in_progress:
                self.subsegment.add_exception(exc, traceback.extract_tb(tb))
            self.close()


class _NullSpan:
    kind = "none"
    closed = True

    def close(self, error: str | None = None, **metadata: Any) -> None:
        pass

    def __enter__(self) -> _NullSpan:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


NULL_SPAN = _NullSpan()

# The node span open in the current asyncio task; tool and LLM spans nest under it.
_current_node: ContextVar[Subsegment | None] = ContextVar("sre_agent_current_node", default=None)


class Tracer:
    """Traces one investigation: begin() (or `async with investigation(...)`), spans, annotate(),
    end(). One Tracer per run; it owns its emitter."""

    def __init__(self, emitter: Emitter, *, name: str = SEGMENT_NAME) -> None:
        self.emitter = emitter
        self.name = name
        self.segment: Segment | None = None
        self._open: list[Span] = []
        self._counts = {"tool_calls": 0, "tool_errors": 0, "llm_calls": 0, "input_tokens": 0, "output_tokens": 0}

    def __bool__(self) -> bool:
        return True

    @property
    def trace_id(self) -> str | None:
        return self.segment.trace_id if self.segment else None

    # --- the investigation's segment ------------------------------------------------------
    def begin(self, *, incident_id: str, severity: str, brain: str, source: str | None = None,
              trace_id: str | None = None) -> Tracer:
        """Open the run's segment; `trace_id` continues an earlier step's trace (a run resumed after
        an approval is one trace of several segments, one per step)."""
        if self.segment is not None:
            raise RuntimeError("this Tracer already traced an investigation; make one Tracer per run")
        from aws_xray_sdk.core.models.segment import Segment
        from aws_xray_sdk.version import VERSION as XRAY_SDK_VERSION

        segment = Segment(self.name, traceid=trace_id)
        for key, value in {"incident_id": incident_id, "severity": severity, "brain": brain, "source": source}.items():
            if value is not None:
                segment.put_annotation(key, value)
        segment.set_service({"runtime": platform.python_implementation(),
                             "runtime_version": platform.python_version(), "version": _package_version()})
        segment.set_aws({"xray": {"sdk": "X-Ray for Python", "sdk_version": XRAY_SDK_VERSION}})
        self.segment = segment
        return self

    @contextlib.asynccontextmanager
    async def investigation(self, **fields: Any) -> AsyncIterator[Tracer]:
        """begin() now, end() on the way out -- recording the exception if the run failed. Sending
        happens in a worker thread: a slow or unreachable endpoint must not stall the event loop
        that other investigations (the service) share. Inside, active_tracer() is this tracer."""
        self.begin(**fields)
        token = _active_tracer.set(self)
        try:
            yield self
        except BaseException as exc:
            self.end(error=exc)  # failing or cancelled: send now, without awaiting anything
            raise
        finally:
            _active_tracer.reset(token)
        await asyncio.to_thread(self.end)

    def annotate(self, **values: str | int | float | bool | None) -> None:
        """Indexed annotations on the segment (status, category, ...); None values are skipped."""
        if self.segment is None or not self.segment.in_progress:
            return
        for key, value in values.items():
            if value is not None:
                self.segment.put_annotation(key, value)

    def end(self, error: BaseException | None = None) -> None:
        """Close what is still open, close the segment and send it. Sending never raises: a lost
        trace is logged, the investigation's result stands."""
        segment = self.segment
        if segment is None or not segment.in_progress:
            return
        for span in reversed(list(self._open)):  # a node that raised before closing its span
            span.subsegment.put_metadata("unfinished", True, METADATA_NAMESPACE)
            span.close()
        segment.put_metadata("counts", dict(self._counts), METADATA_NAMESPACE)
        if isinstance(error, Exception) and not isinstance(error, GraphBubbleUp):
            segment.add_exception(error, traceback.extract_tb(error.__traceback__))
        elif error is not None:
            segment.put_metadata("cancelled", type(error).__name__, METADATA_NAMESPACE)
        segment.close()
        entities = split_for_sending(segment)
        try:
            self.emitter.send(entities)
        except Exception as exc:  # noqa: BLE001 -- any transport failure only costs the trace
            log.warning("could not send trace %s to %s: %s: %s (the investigation is unaffected; check the "
                        "endpoint, region and credentials, or set %s=off)", segment.trace_id,
                        self.emitter.description, type(exc).__name__, exc, TRACING_SETTING)
        finally:
            if hasattr(self.emitter, "close"):  # the Tracer owns its emitter: one per run
                self.emitter.close()

    # --- spans ----------------------------------------------------------------------------
    def node_span(self, name: str) -> Span | _NullSpan:
        if not self._open_for_spans():
            return NULL_SPAN
        sub = _subsegment(name, "local", self.segment)
        self.segment.add_subsegment(sub)
        sub.put_annotation("node", name)
        span = Span(self, sub, "node", previous_node=_current_node.get())
        _current_node.set(sub)
        self._open.append(span)
        return span

    def tool_span(self, server: str, tool: str) -> Span | _NullSpan:
        span = self._child_span(f"{server}.{tool}", "tool")
        if isinstance(span, Span):
            span.subsegment.put_annotation("server", server)
            span.subsegment.put_annotation("tool", tool)
        return span

    def llm_span(self, model: str) -> Span | _NullSpan:
        span = self._child_span(f"llm {model}", "llm")
        if isinstance(span, Span):
            span.subsegment.put_annotation("model", model)
        return span

    def _child_span(self, name: str, kind: str) -> Span | _NullSpan:
        if not self._open_for_spans():
            return NULL_SPAN
        node = _current_node.get()
        # Only a node of this run that is still open can be a parent; anything else hangs off the segment.
        parent = node if node is not None and node.parent_segment is self.segment and node.in_progress else self.segment
        sub = _subsegment(name, "remote", self.segment)
        parent.add_subsegment(sub)
        span = Span(self, sub, kind)
        self._open.append(span)
        return span

    def _open_for_spans(self) -> bool:
        return self.segment is not None and self.segment.in_progress

    def _span_closed(self, span: Span, error: str | None, metadata: dict[str, Any]) -> None:
        if span in self._open:
            self._open.remove(span)
        if span.kind == "node" and _current_node.get() is span.subsegment:
            _current_node.set(span._previous_node)
        elif span.kind == "tool":
            self._counts["tool_calls"] += 1
            self._counts["tool_errors"] += error is not None
        elif span.kind == "llm":
            self._counts["llm_calls"] += 1
            self._counts["input_tokens"] += int(metadata.get("input_tokens") or 0)
            self._counts["output_tokens"] += int(metadata.get("output_tokens") or 0)


class NullTracer:
    """Tracing off: falsy (so `if tracer:` hooks skip it), no segment, no trace id, spans do nothing."""

    trace_id = None
    segment = None

    def __bool__(self) -> bool:
        return False

    def begin(self, **fields: Any) -> NullTracer:
        return self

    def investigation(self, **fields: Any) -> contextlib.AbstractAsyncContextManager:
        return contextlib.nullcontext(self)

    def annotate(self, **values: Any) -> None:
        pass

    def end(self, error: BaseException | None = None) -> None:
        pass

    def node_span(self, name: str) -> _NullSpan:
        return NULL_SPAN

    def tool_span(self, server: str, tool: str) -> _NullSpan:
        return NULL_SPAN

    def llm_span(self, model: str) -> _NullSpan:
        return NULL_SPAN


# The tracer of the investigation this task runs in: a brain's model calls become subsegments of the
# node that asked without the Brain protocol carrying a tracer (the offline brain has no use for one).
_active_tracer: ContextVar[Tracer | None] = ContextVar("sre_agent_active_tracer", default=None)


def active_tracer() -> Tracer | NullTracer:
    return _active_tracer.get() or NullTracer()


def _subsegment(name: str, namespace: str, segment: Segment) -> Subsegment:
    from aws_xray_sdk.core.models.subsegment import Subsegment

    return Subsegment(name, namespace, segment)


def node_span(tracer: Tracer | NullTracer | None, name: str) -> Span | _NullSpan:
    """A node's span when the run is traced, else a no-op (for `with node_span(rt.tracer, name):`)."""
    return tracer.node_span(name) if tracer else NULL_SPAN


def wait_span(tracer: Tracer | NullTracer | None, what: str) -> Span | _NullSpan:
    """A span for time the run spends waiting on someone (a human's approval) rather than working:
    a node-level span annotated `wait`, which the waterfall draws as a wait."""
    span = node_span(tracer, f"waiting for {what}")
    if isinstance(span, Span):
        span.subsegment.put_annotation("wait", what)
    return span


def tracer_for(mode: str, env: Mapping[str, str]) -> Tracer | NullTracer:
    """The tracer a run's configuration asks for.

    `mode` is the tracing.mode setting: off|auto|api|daemon (default auto). auto: the daemon when
    AWS_XRAY_DAEMON_ADDRESS is set (the production sidecar), else PutTraceSegments when
    AWS_ENDPOINT_URL is set (the lab's moto, or a local X-Ray-compatible endpoint), else off --
    so nothing is sent to a real account unless someone asked for it. AWS_XRAY_SDK_ENABLED=false
    (the SDK's own switch) also turns it off."""
    mode = (mode or "auto").strip().lower()
    if mode in ("off", "false", "0", "no", "none") or env.get("AWS_XRAY_SDK_ENABLED", "").lower() == "false":
        return NullTracer()
    if mode not in ("auto", "api", "daemon"):
        log.warning("%s=%r is not one of off, auto, api, daemon; tracing is off for this run", TRACING_SETTING, mode)
        return NullTracer()
    if mode == "daemon" or (mode == "auto" and env.get("AWS_XRAY_DAEMON_ADDRESS")):
        return Tracer(DaemonEmitter(env.get("AWS_XRAY_DAEMON_ADDRESS")))
    if mode == "api" or (mode == "auto" and (env.get("AWS_ENDPOINT_URL") or env.get("AWS_ENDPOINT_URL_XRAY"))):
        return Tracer(ApiEmitter(env))
    return NullTracer()


def _package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("sre-agent")
    except PackageNotFoundError:
        return "dev"
