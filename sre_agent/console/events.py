"""Server-sent events for the console's live pages: every incident whose status or run progress
changed, as `event: incident` with a JSON body {incident_id, status, progress}.

The store is polled (once a second) rather than fed by the workers' callbacks: several replicas may
share one PostgreSQL store, and a run another replica is stepping changes there, not here. Progress
is the running run's checkpoint: how many tool calls so far and the latest one."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator
from typing import Any

from .pages import checkpoint_of
from .ports import ConsoleBackend

POLL_S = 1.0
HEARTBEAT_S = 15.0  # a comment line now and then keeps proxies from closing an idle stream
STREAM_S = 120.0  # then the stream ends and EventSource reconnects: no request lives forever
WATCHED = 50  # the newest incidents

# uvicorn's graceful shutdown waits for every open response, and an event stream never ends by
# itself: the server sets this first (commands/serve.py) so that the streams end within a poll.
_closing = threading.Event()


def end_event_streams() -> None:
    """Ask every open event stream of this process to end (the server is shutting down)."""
    _closing.set()


def open_event_streams() -> None:
    """Streams may run again (a server started in this process)."""
    _closing.clear()


async def progress_of(view: dict[str, Any], service: ConsoleBackend) -> str:
    if view.get("status") != "investigating" or not view.get("run_id"):
        return ""
    state = await checkpoint_of(view["run_id"], service.options)
    if state is None or not state.tool_calls:
        return "starting"
    last = state.tool_calls[-1]
    return f"{len(state.tool_calls)} tool calls, latest {last.agent}: {last.server}.{last.tool}"


async def snapshot(service: ConsoleBackend) -> dict[str, dict[str, Any]]:
    views = await asyncio.to_thread(lambda: [service.view(r) for r in service.store.incidents(WATCHED)])
    out = {}
    for view in views:
        out[view["incident_id"]] = {"incident_id": view["incident_id"], "status": view.get("status"),
                                    "progress": await progress_of(view, service)}
    return out


def event(name: str, data: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps(data)}\n\n"


async def incident_events(service: ConsoleBackend, request: Any, *, poll_s: float = POLL_S,
                          stream_s: float = STREAM_S) -> AsyncIterator[str]:
    seen: dict[str, dict[str, Any]] = {}
    started = last_sent = time.monotonic()
    yield "retry: 2000\n\n"
    while time.monotonic() - started < stream_s and not _closing.is_set() and not await request.is_disconnected():
        current = await snapshot(service)
        for incident_id, item in current.items():
            if seen.get(incident_id) != item:
                yield event("incident", item)
                last_sent = time.monotonic()
        seen = current
        if time.monotonic() - last_sent > HEARTBEAT_S:
            yield ": still here\n\n"
            last_sent = time.monotonic()
        await asyncio.sleep(poll_s)
