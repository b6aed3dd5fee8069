"""StepLoop (service/step_loop.py): run steps on a loop of their own; stopping it lets a cancelled step
close what it opened."""

from __future__ import annotations

import asyncio
import threading

from sre_agent.service.step_loop import StepLoop


def test_a_step_runs_on_the_step_loop_and_returns_its_value():
    steps = StepLoop("test-steps")

    async def step() -> int:
        return threading.get_ident()

    async def main() -> tuple[int, int]:
        return await steps.run(step()), threading.get_ident()

    try:
        ran_on, caller = asyncio.run(main())
    finally:
        steps.stop()
    assert ran_on != caller


def test_stopping_cancels_a_running_step_and_waits_for_its_cleanup():
    steps = StepLoop("test-steps")
    started, cleaned = threading.Event(), threading.Event()

    async def endless_step() -> None:
        started.set()
        try:
            await asyncio.sleep(3600)
        finally:
            await asyncio.sleep(0)  # async cleanup, as closing an MCP session is
            cleaned.set()

    async def main() -> None:
        waiting = asyncio.ensure_future(steps.run(endless_step()))
        while not started.is_set():
            await asyncio.sleep(0.01)
        waiting.cancel()  # what Workers.stop() does to its workers
        await asyncio.to_thread(steps.stop)

    asyncio.run(main())
    assert cleaned.is_set()
