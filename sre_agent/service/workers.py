"""The service's workers: a fixed number of asyncio tasks that take runs from the store's queue, one
step at a time. A step ends when the run finishes or pauses for a human; a paused run holds no
worker (its graph waits in its checkpoint, its approval and deadline in the store). While a step
runs, its lease is renewed; a worker that dies lets the lease run out and another worker (in this
replica or another) carries the run on from its checkpoint.

The approval clock lives here too: an approval whose deadline passed is answered "timeout" through
the store, exactly as a human's answer is, so it escalates even after a restart.

A step itself (the graph, its MCP sessions, its checkpointer) runs on an event loop of its own, in a
thread (StepLoop): a step's synchronous stretches -- graph building, schema checks of tool results --
would otherwise stall the service's loop, and with it every alarm being acknowledged (docs/benchmarks.md,
service section: the intake's p99 during a storm was the runs). The claim, the lease, the events and
the wake-ups stay on the service's loop; only the step moves."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

from ..app.options import RunOptions
from ..app.runs import step_run
from .store import RunRecord

log = logging.getLogger(__name__)
LEASE_S = 60.0
POLL_S = 1.0  # how often an idle worker looks for work queued by another replica or answered by the clock


def default_workers() -> int:
    """Runs are mostly waiting on tools (I/O), so a few per core -- bounded so a storm cannot exhaust memory."""
    return max(2, min(8, 2 * (os.cpu_count() or 1)))


class StepLoop:
    """An event loop in a thread of its own, where run steps execute; `run(coro)` awaits one from the
    service's loop (cancelling the wait cancels the step)."""

    def __init__(self, name: str = "run-steps") -> None:
        self._name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._loop is not None:
            return
        loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=loop.run_forever, name=self._name, daemon=True)
        self._loop = loop
        self._thread.start()

    async def run(self, coro: Any) -> Any:
        if self._loop is None:
            self.start()
        assert self._loop is not None
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, self._loop))

    def stop(self, timeout_s: float = 30.0) -> None:
        """Cancel the steps still running and let them close what they opened (MCP sessions, the
        checkpointer's connection) -- cancelling the caller's wait does not wait for that -- then end."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        self._loop = self._thread = None

        async def wind_down() -> None:
            steps = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for step in steps:
                step.cancel()
            if steps:
                await asyncio.wait(steps, timeout=timeout_s)
            await loop.shutdown_asyncgens()

        try:
            asyncio.run_coroutine_threadsafe(wind_down(), loop).result(timeout_s + 5)
        except Exception:  # noqa: BLE001 -- a step that will not wind down must not keep the service up
            log.warning("run steps did not wind down within %ss; stopping their loop anyway", timeout_s)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout_s)
        if not thread.is_alive():
            loop.close()


class Workers:
    def __init__(self, store: Any, options: RunOptions, *, size: int, servers: Any = None,
                 on_event: Callable[[str, RunRecord, dict[str, Any]], Awaitable[None] | None] | None = None,
                 lease_s: float = LEASE_S, poll_s: float = POLL_S) -> None:
        self.store, self.options, self.size, self.servers = store, options, size, servers
        self.on_event = on_event
        self.lease_s, self.poll_s = lease_s, poll_s
        self.owner = f"{socket.gethostname()}:{os.getpid()}"
        self.busy = 0
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task] = []
        self._stopping = False
        self.steps = StepLoop()

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self.steps.start()
        self._tasks = [loop.create_task(self._worker(i), name=f"worker-{i}") for i in range(self.size)]
        self._tasks.append(loop.create_task(self._approval_clock(), name="approval-clock"))

    def wake(self) -> None:
        """New work was queued here: do not wait for the next poll."""
        self._wake.set()

    async def stop(self) -> None:
        self._stopping = True
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await asyncio.to_thread(self.steps.stop)

    async def _worker(self, index: int) -> None:
        while not self._stopping:
            run = await asyncio.to_thread(self.store.claim_next, self.owner, self.lease_s)
            if run is None:
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), self.poll_s)
                except TimeoutError:
                    pass
                continue
            self.busy += 1
            try:
                await self._step(run)
            finally:
                self.busy -= 1

    async def _step(self, run: RunRecord) -> None:
        record = self.store.incident(run.incident_id)
        options = self.options
        if self.servers is not None:
            options = options.model_copy(update={"servers": await self.servers.connections()})
        renewing = asyncio.get_running_loop().create_task(self._renew(run.run_id))
        started = time.monotonic()
        try:
            self.store.mark_started(run.run_id, self.owner)
            step = await self.steps.run(step_run(run.run_id, options, incident=record.incident if record else None,
                                                 resume=run.resume))
        except Exception as exc:  # reported on the run; the worker goes on with the next
            log.exception("run %s of incident %s failed", run.run_id, run.incident_id)
            self.store.fail(run.run_id, self.owner, f"{type(exc).__name__}: {exc}")
            await self._emit("failed", run, {"error": str(exc), "duration_s": time.monotonic() - started})
            return
        finally:
            renewing.cancel()
        if step.approval_request is not None:
            deadline = time.time() + self.options.approval_timeout_s
            self.store.pause(run.run_id, self.owner, step.approval_request, deadline)
            await self._emit("awaiting_approval", run, {"request": step.approval_request, "deadline": deadline, "step": step,
                                                        "duration_s": time.monotonic() - started})
            return
        assert step.result is not None
        self.store.finish(run.run_id, self.owner, step.result.status, step.result.model_dump(mode="json"),
                          step.report_markdown)
        await self._emit("finished", run, {"status": step.result.status, "step": step,
                                           "duration_s": time.monotonic() - started})

    async def _renew(self, run_id: str) -> None:
        while True:
            await asyncio.sleep(self.lease_s / 3)
            if not await asyncio.to_thread(self.store.renew, run_id, self.owner, self.lease_s):
                log.warning("run %s: lease lost (another worker took it over)", run_id)
                return

    async def _approval_clock(self) -> None:
        while not self._stopping:
            for run in await asyncio.to_thread(self.store.overdue_approvals):
                decision = {"decision": "timeout",
                            "note": f"no answer within {self.options.approval_timeout_s:.0f}s", "by": "approval deadline"}
                if await asyncio.to_thread(self.store.answer, run.run_id, decision, None):
                    await self._emit("approval_timeout", run, {})
                    self.wake()
            await asyncio.sleep(self.poll_s)

    async def _emit(self, event: str, run: RunRecord, detail: dict[str, Any]) -> None:
        if self.on_event is None:
            return
        try:
            outcome = self.on_event(event, run, detail)
            if asyncio.iscoroutine(outcome):
                await outcome
        except Exception:  # a metrics or notification hook never breaks a run
            log.exception("event hook failed for %s %s", event, run.run_id)
