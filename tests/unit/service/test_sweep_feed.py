"""Scheduled sweeps inside the service: a problem a sweep finds opens an incident through the same
intake as an alarm (one open incident per problem), and a complete sweep that no longer finds it
resolves that incident -- a sweep with a hole resolves nothing (it did not see)."""

from __future__ import annotations

from sre_agent.app.options import RunOptions
from sre_agent.app.schedules import ScheduledSweep
from sre_agent.service.core import IncidentService
from sre_agent.service.feeds import resolve_gone
from sre_agent.service.schedule import incident_for_problem

from .test_schedule import CATALOG, PAYMENT, T0, report

NIGHTLY = ScheduledSweep(name="nightly", cron="0 3 * * *")


def test_a_problem_gone_from_a_complete_sweep_resolves_its_incident_and_only_that_one(tmp_path):
    service = IncidentService(RunOptions(state_dir=tmp_path), shared_servers=False)
    first = report(CATALOG, PAYMENT)
    opened = [service.receive_incident(incident_for_problem(p, NIGHTLY, T0), {}, "sweep") for p in first.problems]
    assert [o.disposition for o in opened] == ["opened", "opened"]
    again = service.receive_incident(incident_for_problem(first.problems[0], NIGHTLY, T0), {}, "sweep")
    assert again.disposition == "attached" and again.incident_id == opened[0].incident_id
    assert resolve_gone(service, NIGHTLY, report(PAYMENT, holes=("kubernetes",))) == []  # did not see: no verdict
    gone = resolve_gone(service, NIGHTLY, report(PAYMENT))
    assert gone == ["sweep:shop/Deployment/catalog|bad_image"]
    states = {service.store.incident(o.incident_id).correlation_key: service.store.incident(o.incident_id).state
              for o in opened}
    assert states == {"sweep:shop/Deployment/catalog|bad_image": "resolved", "sweep:shop/Deployment/payment|oom_killed": "open"}
