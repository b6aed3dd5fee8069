"""Where the service's run steps execute: in a few step processes of their own (StepProcesses), or on a
thread of the service's process (InProcessSteps, `service.step_processes: 0`).

Why processes: measured under the intake storm (docs/benchmarks.md, service section), a step on a
thread of the serve process still shares its GIL and its CPU with the loop that acknowledges alarms:
with two runs executing, one-at-a-time acknowledgements had a p99 of 58-83 ms against 10 ms with
no-op steps, and the loop stalled for up to 150-280 ms. A step process has its own interpreter, runs
at a lower CPU priority (`service.step_nice`, default 10) so that the intake wins the cores, and
talks to the same long-lived MCP servers over HTTP, with its own connection for the checkpoints.

What stays in the service: the claim, the lease and its renewal, the store's run states, the events
and the approval clock (workers.py). A step process only turns a StepRequest into a RunStep. So a
cancelled step (service stop) is cancelled in its process, which closes what it opened; a step
process that dies fails the steps it was running ("the step process exited"), and is started again
for the next; a SIGKILL of the service takes its step processes with it (PR_SET_PDEATHSIG), and its
runs are carried on from their checkpoints once their leases run out, as before."""

from __future__ import annotations

import asyncio
import itertools
import logging
import pickle
import signal
import sys
from dataclasses import dataclass
from typing import Any

from ..app.options import RunOptions
from ..app.runs import RunStep, step_run
from ..contracts import Incident
from .resolved_alerts import alert_readers
from .servers import die_with_parent
from .step_loop import StepLoop
from .step_worker import HEADER, read_frame

log = logging.getLogger(__name__)
CANCEL_WAIT_S = 30.0  # how long a cancelled step may take to close its sessions before its process is killed


@dataclass(frozen=True)
class StepRequest:
    """One step of a run: start it (`incident`), hand it an answer (`resume`), or carry it on (neither)."""

    run_id: str
    options: RunOptions
    incident: Incident | None = None
    resume: dict[str, Any] | None = None


class StepFailed(Exception):
    """A step raised in its process: `kind` is the exception's type there, str() its message."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


class StepProcessExited(RuntimeError):
    """The step process running a step exited before answering (killed, out of memory, crashed)."""


class InProcessSteps:
    """Steps on an event loop of the service's own process (a thread): `service.step_processes: 0`."""

    def __init__(self) -> None:
        self.loop = StepLoop()

    def start(self) -> None:
        self.loop.start()

    async def run(self, request: StepRequest) -> RunStep:
        return await self.loop.run(step_run(request.run_id, request.options, incident=request.incident,
                                            resume=request.resume, alerts=alert_readers(request.options)))

    async def stop(self) -> None:
        await asyncio.to_thread(self.loop.stop)

    def pids(self) -> list[int]:
        return []


class _StepProcess:
    """One child running `python -m sre_agent.service.step_worker`; its steps by id, awaiting their answer."""

    def __init__(self, index: int) -> None:
        self.index = index
        self.process: asyncio.subprocess.Process | None = None
        self.answers: dict[int, asyncio.Future] = {}
        self._reading: asyncio.Task | None = None

    @property
    def up(self) -> bool:
        return self.process is not None and self.process.returncode is None and self._reading is not None \
            and not self._reading.done()

    async def start(self, nice: int) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "sre_agent.service.step_worker", str(logging.getLogger().getEffectiveLevel()),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, preexec_fn=die_with_parent(signal.SIGKILL, nice=nice),
            limit=2**26)  # stderr: the service's own, so a step's log lines land where they always did
        self._reading = asyncio.get_running_loop().create_task(self._read(), name=f"step-process-{self.index}")

    def send(self, message: dict[str, Any]) -> None:
        assert self.process is not None and self.process.stdin is not None
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        self.process.stdin.write(HEADER.pack(len(data)) + data)

    async def _read(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        try:
            while True:
                answer = await read_frame(self.process.stdout)
                waiting = self.answers.pop(answer["id"], None)
                if waiting is not None and not waiting.done():
                    waiting.set_result(answer)
        except EOFError:
            pass
        code = await self.process.wait()
        for waiting in self.answers.values():
            if not waiting.done():
                waiting.set_exception(StepProcessExited(f"the step process running this step exited ({_exit(code)})"))
        self.answers.clear()

    async def stop(self, timeout_s: float) -> None:
        """End of stdin: the process cancels its steps, lets them close, and exits; killed if it does not."""
        if self.process is None or self.process.returncode is not None:
            return
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            await asyncio.wait_for(self.process.wait(), timeout_s)
        except TimeoutError:
            log.warning("step process %s did not stop within %ss; killing it", self.process.pid, timeout_s)
            self.process.kill()
            await self.process.wait()
        if self._reading is not None:
            await asyncio.gather(self._reading, return_exceptions=True)


def _exit(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit status {code}"


class StepProcesses:
    """`size` step processes; each step goes to the one running the fewest. A process that exited is
    started again when a step needs it."""

    def __init__(self, size: int, nice: int = 10) -> None:
        self.size, self.nice = max(1, size), nice
        self._processes = [_StepProcess(i) for i in range(self.size)]
        self._ids = itertools.count(1)
        self._lock: asyncio.Lock | None = None
        self._stopping = False

    def start(self) -> None:
        """Start the processes now (they import the graph while the service starts), without waiting."""
        self._lock = asyncio.Lock()
        loop = asyncio.get_running_loop()
        for process in self._processes:
            loop.create_task(self._ensure(process))

    async def _ensure(self, process: _StepProcess) -> None:
        assert self._lock is not None
        async with self._lock:
            if not process.up and not self._stopping:
                await process.start(self.nice)

    async def run(self, request: StepRequest) -> RunStep:
        if self._lock is None:
            self.start()
        process = min(self._processes, key=lambda p: (not p.up, len(p.answers)))
        await self._ensure(process)
        step_id = next(self._ids)
        answered: asyncio.Future = asyncio.get_running_loop().create_future()
        process.answers[step_id] = answered
        process.send({"kind": "step", "id": step_id, "request": request})
        try:
            answer = await asyncio.shield(answered)
        except asyncio.CancelledError:  # the worker is stopping: cancel the step there, let it close its sessions
            if process.up:
                process.send({"kind": "cancel", "id": step_id})
                try:
                    await asyncio.wait_for(answered, CANCEL_WAIT_S)
                except (TimeoutError, StepProcessExited):
                    pass
            raise
        if "error" in answer:
            raise StepFailed(answer["error_type"], answer["error"])
        if answer.get("cancelled"):
            raise asyncio.CancelledError
        return answer["step"]

    async def stop(self, timeout_s: float = 30.0) -> None:
        self._stopping = True
        await asyncio.gather(*(p.stop(timeout_s) for p in self._processes))

    def pids(self) -> list[int]:
        return [p.process.pid for p in self._processes if p.process is not None and p.process.returncode is None]


__all__ = ["InProcessSteps", "StepFailed", "StepProcessExited", "StepProcesses", "StepRequest"]
