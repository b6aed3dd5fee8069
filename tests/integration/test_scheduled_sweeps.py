"""Scheduled sweeps over the real MCP servers (stdio) against the lab: a healthy sweep, then the same
world with bad-image's fault injected -> the second sweep's one new problem opens exactly one
incident, keyed on the broken resource. Driven through run_schedules with a fake clock that is always
past the next fire, so the test waits for the sweeps, never for the cron."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from sre_agent.app.schedules import ScheduledSweep
from sre_agent.app.servers import stdio_servers
from sre_agent.app.toolbox import Toolbox
from sre_agent.contracts import Incident
from sre_agent.lab.lab import Lab
from sre_agent.service.schedule import FileSweepArchive, new_problems, run_schedules
from sre_agent.sweep.engine import run_sweep
from sre_agent.sweep.models import SweepReport

pytestmark = pytest.mark.slow


def test_a_fault_between_two_scheduled_sweeps_opens_one_incident(tmp_path):
    entry = ScheduledSweep(name="cluster", cron="*/5 * * * *", severity="high")
    archive = FileSweepArchive(tmp_path)
    reports: list[SweepReport] = []
    opened: list[Incident] = []
    errors: list[tuple[str, Exception]] = []
    clock = [datetime.now(UTC)]

    def now() -> datetime:
        clock[0] += timedelta(minutes=10)  # every read is past the next fire
        return clock[0]

    with Lab() as lab:
        lab.load("healthy-baseline")
        stop = asyncio.Event()

        async def sweep(schedule: ScheduledSweep) -> SweepReport:
            if reports:  # the second fire: catalog's image is now a tag that was never pushed
                lab.inject("bad-image")
                lab.advance(15 * 60)
            async with Toolbox(stdio_servers(lab.env(), allow_writes=False, namespaces=[])) as tools:
                report = await run_sweep(tools, schedule.namespace)
            reports.append(report)
            if len(reports) == 2:
                stop.set()
            return report

        async def open_incident(incident: Incident) -> None:
            opened.append(incident)

        asyncio.run(asyncio.wait_for(run_schedules([entry], sweep, archive, open_incident, stop, now=now,
                                                   on_error=lambda name, exc: errors.append((name, exc))), 280))

    assert errors == []
    first, second = reports
    assert first.status == "healthy" and not first.problems, [p.resource for p in first.problems]
    assert second.status == "problems"
    assert [p.resource for p in second.problems] == ["shop/Deployment/catalog"]  # one fault in the lab
    assert [p.resource for p in new_problems(first, second)] == ["shop/Deployment/catalog"]
    assert len(opened) == 1, [i.correlation_key for i in opened]
    catalog = opened[0]
    assert catalog.affected == ["shop/Deployment/catalog"]
    assert catalog.correlation_key == "sweep:shop/Deployment/catalog|bad_image"
    assert catalog.source == "sweep" and catalog.severity == "high"
    # Both sweeps archived; the next sweep is compared with the second (nothing new if nothing changes).
    assert len(list((tmp_path / "sweeps" / "cluster").glob("*.json"))) == 2
    assert new_problems(archive.previous("cluster"), second) == []
