"""StepLoop: an event loop in a thread of its own, for coroutines that must not stall the service's
loop -- AgentCore's chat prompts, and run steps when `service.step_processes` is 0 (step_processes.py)."""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

log = logging.getLogger(__name__)


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
