"""A scheduled sweep in a service configured with two clusters (a fleet of two labs; crash-missing-env's fault in
cluster 2, the same names healthy in cluster 1), over the service's own MCP servers -- one kubernetes server per
cluster, over HTTP on loopback -- reports each cluster on its own: archived apart, cluster 1 healthy and cluster 2
with the fault, the incident it opens in cluster 2; the console's sweeps page shows them per cluster. Driven through
the service's run_sweeps with a clock always past the next fire, so the test waits for the sweeps, never the cron."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from sre_agent.app.clusters import ClusterSettings
from sre_agent.app.options import RunOptions
from sre_agent.app.schedules import ScheduledSweep
from sre_agent.lab.fleet import LabFleet
from sre_agent.lab.trigger import lab_namespaces
from sre_agent.service.api import build_app
from sre_agent.service.core import IncidentService
from sre_agent.service.feeds import run_sweeps
from sre_agent.sweep.history import read

pytestmark = pytest.mark.slow


def test_a_scheduled_sweep_over_two_clusters_reports_each_and_opens_the_fault_in_its_cluster(tmp_path):
    fleet = LabFleet(2, history_minutes=60, state_dir=tmp_path / "fleet").start()
    try:
        fleet.load("crash-missing-env", fault_in=1)
        clusters = [ClusterSettings.model_validate(c)
                    for c in fleet.clusters_config([lab_namespaces(lab) for lab in fleet.labs])]
        service = IncidentService(RunOptions(state_dir=tmp_path / "state", env=fleet.profiles_env(), remediation="off"),
                                  clusters=clusters, step_processes=0)
        entry = ScheduledSweep(name="nightly", cron="*/5 * * * *", severity="high")
        archive = tmp_path / "state" / "sweeps"
        clock = [datetime.now(UTC)]

        def now() -> datetime:
            clock[0] += timedelta(minutes=10)  # every read is past the next fire
            return clock[0]

        async def sweep_once() -> None:
            stop = asyncio.Event()
            sweeping = asyncio.create_task(run_sweeps(service, [entry], stop, now=now))
            try:
                while not all(list((archive / f"nightly@{name}").glob("*.json")) for name in fleet.names):
                    assert not sweeping.done(), sweeping
                    await asyncio.sleep(0.2)
                stop.set()
                await sweeping
                health = service.servers.health()
            finally:
                stop.set()
                await service.servers.stop()
            assert all(s["started"] for cluster in health.values() for s in cluster.values()), health

        try:
            asyncio.run(asyncio.wait_for(sweep_once(), 120))
            reports = {name: read(next((archive / f"nightly@{name}").glob("*.json"))) for name in fleet.names}
            assert reports["sre-lab-1"].status == "healthy", reports["sre-lab-1"].problems
            assert reports["sre-lab-2"].status == "problems"
            assert [p.resource for p in reports["sre-lab-2"].problems] == ["payments/Deployment/payments"]
            opened = service.store.incidents()
            assert [(i.cluster, i.correlation_key, i.incident.source) for i in opened] == [
                ("sre-lab-2", f"sweep:payments/Deployment/payments|{reports['sre-lab-2'].problems[0].category}@sre-lab-2",
                 "sweep")]
            console = TestClient(build_app(service), base_url="http://127.0.0.1")  # no lifespan: nothing else runs
            page = console.get("/ui/sweeps").text
            assert page.index('id="cluster-sre-lab-1"') < page.index('id="cluster-sre-lab-2"')
            assert page.count('data-cluster="sre-lab-1"') == page.count('data-cluster="sre-lab-2"') == 1
            assert "payments/Deployment/payments" in page.split('id="cluster-sre-lab-2"')[1]
        finally:
            service.intake_writer.stop()
    finally:
        fleet.stop()
