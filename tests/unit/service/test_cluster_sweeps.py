"""Scheduled sweeps with several clusters configured: each schedule sweeps every cluster (or the one it names) as a
series of its own -- archived apart, compared with that cluster's previous sweep only, its incidents in that cluster
and keyed by it; a sweep of one cluster resolves only that cluster's incidents. A sweep naming a cluster that is not
configured is refused when the settings load."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from sre_agent.app.clusters import ClusterSettings
from sre_agent.app.options import RunOptions
from sre_agent.app.schedules import ScheduledSweep
from sre_agent.app.settings import ConfigError, load_settings
from sre_agent.service.core import IncidentService
from sre_agent.service.feeds import resolve_gone
from sre_agent.service.schedule import FileSweepArchive, incident_for_problem, per_cluster, run_schedules, series_name

from .test_schedule import CATALOG, PAYMENT, T0, Clock, report

NIGHTLY = ScheduledSweep(name="nightly", cron="0 3 * * *")
CLUSTERS = [ClusterSettings(name="prod-eu"), ClusterSettings(name="prod-us")]


def test_a_schedule_is_a_series_per_cluster_or_per_the_one_it_names():
    only = ScheduledSweep(name="payments", cron="0 * * * *", cluster="prod-us")
    series = per_cluster([NIGHTLY, only], ["prod-eu", "prod-us"])
    assert [series_name(s) for s in series] == ["nightly@prod-eu", "nightly@prod-us", "payments@prod-us"]
    assert per_cluster([NIGHTLY], []) == [NIGHTLY] and series_name(NIGHTLY) == "nightly"
    incident = incident_for_problem(report(CATALOG).problems[0], series[1], T0)
    assert incident.cluster == "prod-us" and incident.correlation_key == "sweep:shop/Deployment/catalog|bad_image@prod-us"


def test_each_clusters_series_is_archived_and_compared_on_its_own(tmp_path):
    clock = Clock(timedelta(minutes=10))
    found = {"prod-eu": [report(CATALOG), report(CATALOG)], "prod-us": [report(), report(CATALOG)]}
    opened, stop = [], asyncio.Event()

    async def sweep(schedule: ScheduledSweep):
        item = found[schedule.cluster].pop(0)
        if not any(found.values()):
            stop.set()
        return item.model_copy(update={"started_at": clock.t})

    async def open_incident(incident):
        opened.append((incident.cluster, incident.correlation_key))

    every5 = ScheduledSweep(name="nightly", cron="*/5 * * * *")  # the fake clock is always past its next fire
    asyncio.run(asyncio.wait_for(run_schedules(per_cluster([every5], ["prod-eu", "prod-us"]), sweep,
                                               FileSweepArchive(tmp_path), open_incident, stop, now=clock), 5))
    # catalog is new in prod-eu at its first sweep, and in prod-us only when prod-us first has it.
    assert opened == [("prod-eu", "sweep:shop/Deployment/catalog|bad_image@prod-eu"),
                      ("prod-us", "sweep:shop/Deployment/catalog|bad_image@prod-us")]
    for name in ("nightly@prod-eu", "nightly@prod-us"):
        assert len(list((tmp_path / "sweeps" / name).glob("*.json"))) == 2


def test_a_clusters_sweep_resolves_that_clusters_incidents_only(tmp_path):
    service = IncidentService(RunOptions(state_dir=tmp_path), shared_servers=False, clusters=CLUSTERS)
    eu, us = per_cluster([NIGHTLY], ["prod-eu", "prod-us"])
    first = report(CATALOG, PAYMENT)
    opened = {(s.cluster, p.resource): service.receive_incident(incident_for_problem(p, s, T0), {}, "sweep")
              for s in (eu, us) for p in first.problems}
    assert {o.disposition for o in opened.values()} == {"opened"}
    assert {service.store.incident(o.incident_id).cluster for o in opened.values()} == {"prod-eu", "prod-us"}
    gone = resolve_gone(service, eu, report(PAYMENT))  # prod-eu no longer has catalog; prod-us was not swept
    assert gone == ["sweep:shop/Deployment/catalog|bad_image@prod-eu"]
    open_now = {k for k, o in opened.items() if service.store.incident(o.incident_id).state == "open"}
    assert open_now == {("prod-eu", "shop/Deployment/payment"), ("prod-us", "shop/Deployment/catalog"),
                        ("prod-us", "shop/Deployment/payment")}


def test_a_sweep_naming_a_cluster_must_name_a_configured_one(tmp_path):
    sweeps = [{"name": "nightly", "cron": "0 3 * * *", "cluster": "prod-ue"}]
    with pytest.raises(ConfigError, match="names cluster 'prod-ue', but the configured clusters are prod-eu, prod-us"):
        load_settings({"clusters": [{"name": "prod-eu"}, {"name": "prod-us"}], "service": {"sweeps": sweeps}})
    with pytest.raises(ConfigError, match="no clusters are configured"):
        load_settings({"service": {"sweeps": sweeps}})
    fine = load_settings({"clusters": [{"name": "prod-ue"}], "service": {"sweeps": sweeps}})
    assert fine.service.sweeps[0].cluster == "prod-ue"
    with pytest.raises(ValueError, match="not"):
        FileSweepArchive(tmp_path).save("nightly@../x", report())
