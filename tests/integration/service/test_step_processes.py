"""StepProcesses (service/step_processes.py): run steps in child processes, apart from the intake.

A step that hangs is made the way a real one would: its checkpoint store and its MCP servers are a
TCP listener that accepts and never answers. A step that fails fast: a run with no checkpoint to
carry on from (step_run raises LookupError)."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from sre_agent.app.intake import incident_from_question
from sre_agent.app.options import RunOptions
from sre_agent.app.servers import ServerConnection
from sre_agent.service.step_processes import StepFailed, StepProcesses, StepProcessExited, StepRequest

STEP_S = 120  # a bound on a broken test, not a timing: a step process imports the graph (seconds when busy)


@pytest.fixture
def silent_port() -> Iterator[int]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    yield listener.getsockname()[1]
    listener.close()


def _hanging(tmp_path: Path, port: int) -> StepRequest:
    url = f"http://127.0.0.1:{port}/mcp"
    options = RunOptions(state_dir=tmp_path, tracing_mode="off", remediation="off",
                         checkpoint_dsn=f"postgresql://nobody@127.0.0.1:{port}/nothing",
                         servers={name: ServerConnection(transport="streamable_http", url=url, token="t")
                                  for name in ("kubernetes", "cloudwatch", "ssm")})
    return StepRequest("run-hangs", options, incident=incident_from_question("why is checkout slow?"))


def _failing(tmp_path: Path) -> StepRequest:
    return StepRequest("run-with-no-checkpoint", RunOptions(state_dir=tmp_path, tracing_mode="off"))


def _niceness(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])  # stat field 19


async def _started(steps: StepProcesses) -> list[int]:
    while not steps.pids():
        await asyncio.sleep(0.05)
    return steps.pids()


def test_a_failing_step_is_reported_with_its_own_type_and_the_process_runs_at_lower_priority(tmp_path):
    async def main() -> tuple[StepFailed, list[int], int]:
        steps = StepProcesses(1, nice=7)
        steps.start()
        try:
            [pid] = await _started(steps)
            with pytest.raises(StepFailed) as failed:
                await asyncio.wait_for(steps.run(_failing(tmp_path)), STEP_S)
            return failed.value, steps.pids(), _niceness(pid) - os.nice(0)
        finally:
            await steps.stop()

    failure, pids, added_niceness = asyncio.run(main())
    assert failure.kind == "LookupError" and "run-with-no-checkpoint" in str(failure)
    assert len(pids) == 1  # the process that ran the failing step is still up for the next
    assert added_niceness == 7


def test_a_cancelled_step_is_cancelled_in_its_process_which_stays_up(tmp_path, silent_port):
    async def main() -> tuple[list[int], list[int], StepFailed]:
        steps = StepProcesses(1)
        steps.start()
        try:
            before = await _started(steps)
            hanging = asyncio.ensure_future(steps.run(_hanging(tmp_path, silent_port)))
            await asyncio.sleep(1.0)
            hanging.cancel()
            with pytest.raises(asyncio.CancelledError):
                await asyncio.wait_for(hanging, STEP_S)
            after = steps.pids()
            with pytest.raises(StepFailed) as next_step:  # the same process takes the next step
                await asyncio.wait_for(steps.run(_failing(tmp_path)), STEP_S)
            return before, after, next_step.value
        finally:
            await steps.stop()

    before, after, next_step = asyncio.run(main())
    assert before == after
    assert next_step.kind == "LookupError"


def test_a_step_process_that_dies_fails_its_step_and_is_started_again_for_the_next(tmp_path, silent_port):
    async def main() -> tuple[StepProcessExited, int, list[int], StepFailed]:
        steps = StepProcesses(1)
        steps.start()
        try:
            [pid] = await _started(steps)
            hanging = asyncio.ensure_future(steps.run(_hanging(tmp_path, silent_port)))
            await asyncio.sleep(1.0)
            os.kill(pid, signal.SIGKILL)  # the OOM killer, say: by its id only
            with pytest.raises(StepProcessExited) as exited:
                await asyncio.wait_for(hanging, STEP_S)
            with pytest.raises(StepFailed) as next_step:
                await asyncio.wait_for(steps.run(_failing(tmp_path)), STEP_S)
            return exited.value, pid, steps.pids(), next_step.value
        finally:
            await steps.stop()

    exited, killed, now, next_step = asyncio.run(main())
    assert "SIGKILL" in str(exited)
    assert now and killed not in now
    assert next_step.kind == "LookupError"


def test_stopping_ends_the_processes_even_with_a_step_running(tmp_path, silent_port):
    async def main() -> list[int]:
        steps = StepProcesses(2)
        steps.start()
        while len(steps.pids()) < 2:
            await asyncio.sleep(0.05)
        pids = steps.pids()
        hanging = asyncio.ensure_future(steps.run(_hanging(tmp_path, silent_port)))
        await asyncio.sleep(1.0)
        hanging.cancel()  # what Workers.stop() does to its workers, before stopping the steps
        await asyncio.gather(hanging, return_exceptions=True)
        await asyncio.wait_for(steps.stop(), STEP_S)
        return pids

    pids = asyncio.run(main())
    assert not [pid for pid in pids if Path(f"/proc/{pid}").exists()
                and Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] not in ("Z", "X")]
