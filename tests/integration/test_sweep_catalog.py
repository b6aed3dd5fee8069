"""`sre-agent sweep` over the real MCP servers against the lab, on every catalog scenario: the truth's root
resource is among the problems and ranked first (each catalog scenario has one fault); the no-fault scenarios
have no problem and status healthy. One lab, reset per scenario, and one set of read-only servers over HTTP
serve the whole module (tests/lab_servers.py) -- in a module of its own, because the lab it holds keeps the
lab account other tests' stopped labs fall back to. Tests may read a scenario's truth to score; the sweep never does."""

from __future__ import annotations

import pytest

from sre_agent.contracts import RootCauseCategory
from sre_agent.lab.scenarios.loader import load_scenarios
from sre_agent.lab.world.images import load_catalog

from ..lab_servers import LabWithServers
from .test_sweep import sweep_with

CATALOG = load_scenarios(load_catalog())


@pytest.fixture(scope="module")
def shared():
    """One lab reset per scenario and one set of read-only servers over HTTP for the catalog's sweeps."""
    with LabWithServers() as lab:
        yield lab


@pytest.mark.parametrize("scenario_id", sorted(CATALOG))
def test_sweep_finds_the_root_resource(shared, scenario_id):
    loaded = CATALOG[scenario_id]
    truth = loaded.scenario.truth
    shared.load(loaded)
    report = sweep_with(shared.connections())
    assert all(c.status == "checked" for c in report.coverage if c.backend in ("kubernetes", "cloudwatch")), report.coverage
    resources = [p.resource for p in report.problems]
    if truth.category == RootCauseCategory.NONE:
        assert report.status == "healthy" and not report.problems, resources
        return
    assert report.status == "problems"
    assert truth.resource in resources, resources
    assert resources[0] == truth.resource, resources  # one fault per catalog scenario: its root comes first
    first = report.problems[0]
    assert first.category in ("", truth.category.value), first.category
    assert first.symptoms and first.since is not None
    assert first.next_step.runbook or first.next_step.note
