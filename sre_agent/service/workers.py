"""The service's workers: a fixed number of asyncio tasks that take runs from the store's queue, one
step at a time. A step ends when the run finishes or pauses for a human; a paused run holds no
worker (its graph waits in its checkpoint, its approval and deadline in the store). While a step
runs, its lease is renewed; a worker that dies lets the lease run out and another worker (in this
replica or another) carries the run on from its checkpoint.

The approval clock lives here too: an approval whose deadline passed is answered "timeout" through
the store, exactly as a human's answer is, so it escalates even after a restart.

A step itself (the graph, its MCP sessions, its checkpointer) runs elsewhere: in a step process
(step_processes.py) by default, so that it shares neither the GIL nor the CPU priority of the loop
that acknowledges alarms. The claim, the lease, the store's run states, the events and the wake-ups
stay on the service's loop -- and the store calls made here go to a thread, because the intake's
group commit holds the store's lock for a whole batch (docs/benchmarks.md, service section)."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable
from typing import Any

from ..app.cluster import cluster_identity
from ..app.options import RunOptions
from .cluster_servers import Placement
from .groups import root_key
from .spend_caps import SpendGate
from .step_processes import InProcessSteps, StepFailed, StepProcesses, StepRequest
from .store import RunRecord

log = logging.getLogger(__name__)
LEASE_S = 60.0
POLL_S = 1.0  # how often an idle worker looks for work queued by another replica or answered by the clock


def default_workers() -> int:
    """Runs are mostly waiting on tools (I/O), so a few per core -- bounded so a storm cannot exhaust memory."""
    return max(2, min(8, 2 * (os.cpu_count() or 1)))


def default_step_processes(workers: int) -> int:
    """Half the cores, at most one per worker: steps mostly wait on tools, so a process runs several;
    the other cores stay free for the intake."""
    return max(1, min(workers, (os.cpu_count() or 2) // 2))


class Workers:
    def __init__(self, store: Any, options: RunOptions, *, size: int, servers: Any = None,
                 on_event: Callable[[str, RunRecord, dict[str, Any]], Awaitable[None] | None] | None = None,
                 lease_s: float = LEASE_S, poll_s: float = POLL_S, step_processes: int | None = None,
                 step_nice: int = 10, spend: SpendGate, placement: Placement | None = None) -> None:
        """`placement`: the options and servers of the incident's cluster (cluster_servers.py); default: `servers`
        (the service's SharedServers, or None: the options' own) for every run, one cluster."""
        self.store, self.options, self.size, self.servers = store, options, size, servers
        self.placement = placement or Placement([], servers)
        self.spend = spend  # which brain a new run gets (the LLM spend caps), and what each step spent
        self.on_event = on_event
        self.lease_s, self.poll_s = lease_s, poll_s
        self.owner = f"{socket.gethostname()}:{os.getpid()}"
        self.cluster = cluster_identity(options)  # what a root cause is grouped within (groups.py)
        self.busy = 0
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task] = []
        self._stopping = False
        processes = default_step_processes(size) if step_processes is None else step_processes
        self.steps: StepProcesses | InProcessSteps = (StepProcesses(min(processes, size), nice=step_nice) if processes
                                                      else InProcessSteps())

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
        await self.steps.stop()

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
        record = await asyncio.to_thread(self.store.incident, run.incident_id)
        given, new = await asyncio.to_thread(self.spend.brain_for, run.run_id, run.started, self.options.brain)
        if new and given.capped_by:
            log.warning("run %s of incident %s: %s", run.run_id, run.incident_id, given.reason)
            await self._emit("brain_capped", run, {"period": given.capped_by, "reason": given.reason})
        options = self.options.model_copy(update={"brain": given.brain, "brain_reason": given.reason})
        renewing = asyncio.get_running_loop().create_task(self._renew(run.run_id))
        started = time.monotonic()
        try:
            # In the incident's cluster (it carries it: a run resumed after a restart comes back there), with the
            # MCP servers bound to that cluster.
            options = await self.placement.options_for(options, record.incident.cluster if record else None)
            await asyncio.to_thread(self.store.mark_started, run.run_id, self.owner)
            step = await self.steps.run(StepRequest(run.run_id, options, incident=record.incident if record else None,
                                                    resume=run.resume))
        except Exception as exc:  # reported on the run; the worker goes on with the next
            log.exception("run %s of incident %s failed", run.run_id, run.incident_id)
            kind = exc.kind if isinstance(exc, StepFailed) else type(exc).__name__  # its type in the step process
            await asyncio.to_thread(self.store.fail, run.run_id, self.owner, f"{kind}: {exc}")
            if await asyncio.to_thread(self.store.release_group, run.incident_id):  # its joined alarms ask again
                self.wake()
            await self._emit("failed", run, {"error": str(exc), "duration_s": time.monotonic() - started})
            return
        finally:
            renewing.cancel()
        if step.llm_cost_usd:  # the run's total so far: a step run again after a crash replaces it, never adds to it
            await asyncio.to_thread(self.spend.record, run.run_id, given.brain, step.llm_cost_usd)
        if step.approval_request is not None:
            # A root cause is grouped within the incident's cluster: the same Deployment in two clusters is two causes.
            cluster = cluster_identity(options) if options.cluster else self.cluster
            key = root_key(cluster, step.approval_request.get("diagnosis"))
            leader = await asyncio.to_thread(self.store.lead_or_join, run.incident_id, key) if key else None
            if leader is not None:  # another alarm's incident holds this root cause: its approval is this one's
                if await asyncio.to_thread(self.store.park, run.run_id, self.owner, leader):
                    await self._emit("joined", run, {"leader": leader, "step": step,
                                                     "duration_s": time.monotonic() - started})
                else:  # the leader's run ended while this one was being diagnosed: its outcome is this one's
                    await self._end_as_member(run, leader)
                return
            deadline = time.time() + self.options.approval_timeout_s
            request = {**step.approval_request, **({"cluster": options.cluster} if options.cluster else {})}
            await asyncio.to_thread(self.store.pause, run.run_id, self.owner, request, deadline)
            await self._emit("awaiting_approval", run, {"request": request, "deadline": deadline, "step": step,
                                                        "duration_s": time.monotonic() - started})
            return
        assert step.result is not None
        await asyncio.to_thread(self.store.finish, run.run_id, self.owner, step.result.status,
                                step.result.model_dump(mode="json"), step.report_markdown)
        await self._emit("finished", run, {"status": step.result.status, "step": step,
                                           "duration_s": time.monotonic() - started})
        await self._end_joined(run, step.result, step.report_markdown)

    async def _end_joined(self, run: RunRecord, result: Any, report: str | None) -> None:
        """The run of a group's leader ended: every joined alarm's parked run ends with the same outcome."""
        for member in await asyncio.to_thread(self.store.close_group, run.incident_id, result.status):
            status, joined, text = _as_member(member, run.incident_id, result.model_dump(mode="json"), report)
            if await asyncio.to_thread(self.store.finish_joined, member.run_id, status, joined, text):
                await self._emit("finished", member, {"status": status, "joined": run.incident_id})

    async def _end_as_member(self, run: RunRecord, leader: str) -> None:
        ended = [r for r in await asyncio.to_thread(self.store.runs_of, leader) if r.state == "done" and r.result]
        if not ended:  # (a closed group always has its leader's result; say so rather than hang if not)
            await asyncio.to_thread(self.store.fail, run.run_id, self.owner, f"joined {leader}, whose run left no result")
            return
        status, joined, text = _as_member(run, leader, ended[-1].result or {}, ended[-1].report)
        await asyncio.to_thread(self.store.finish, run.run_id, self.owner, status, joined, text)
        await self._emit("finished", run, {"status": status, "joined": leader})

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


def _as_member(member: RunRecord, leader: str, result: dict[str, Any], report: str | None) -> tuple[str, dict, str]:
    """A joined run's ending: its leader's result under its own ids, and a report that says whose it is."""
    diagnosis = result.get("diagnosis") or {}
    status = str(result.get("status") or "escalated")
    text = (f"# Incident {member.incident_id}: joined {leader}\n\nThis alarm's investigation found the same root "
            f"cause ({diagnosis.get('category')} on {diagnosis.get('resource')}) as incident {leader}, which held the "
            f"one approval and action for it; its outcome is this incident's: **{status}**.\n\n" + (report or ""))
    return status, {**result, "incident_id": member.incident_id, "run_id": member.run_id}, text
