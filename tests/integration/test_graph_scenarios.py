"""The offline brain on every scenario of the catalog, end to end: a fresh lab, the scenario's
alarm (or question), the full graph over the three MCP servers with remediation auto and an
on-call stand-in who approves proposals -- scored by the evaluation harness against the truth,
with mitigation checked in the lab's world state. A new scenario file is covered automatically."""

from __future__ import annotations

import pytest

from sre_agent.contracts import RootCauseCategory
from sre_agent.eval.harness import run_scenario
from sre_agent.lab.scenarios.loader import load_scenarios
from sre_agent.lab.world.images import load_catalog

from ..lab_servers import LabWithServers

CATALOG = load_scenarios(load_catalog())
# The sandbox's allow-list, as each scenario's run would have it (every namespace its world holds), for all of them.
NAMESPACES = sorted({m["metadata"]["namespace"] for item in CATALOG.values() for m in item.cluster.manifests
                     if m["metadata"].get("namespace")} | {m["metadata"]["name"] for item in CATALOG.values()
                                                           for m in item.cluster.manifests if m.get("kind") == "Namespace"} | {"default"})


@pytest.fixture(scope="module")
def shared():
    """One lab, reset per scenario, and one set of write-enabled servers over HTTP for the whole catalog."""
    with LabWithServers(allow_writes=True, namespaces=NAMESPACES, ssm_targets=["*"]) as lab:
        yield lab


@pytest.mark.parametrize("scenario_id", sorted(CATALOG))
def test_offline_brain_finds_and_handles_the_fault(shared, scenario_id):
    loaded = CATALOG[scenario_id]
    truth = loaded.scenario.truth
    # Verification polls every second (two simulated minutes at 120x) rather than every 2 s: the same two
    # healthy checks in a row, about half the waiting across the catalog.
    row = run_scenario(loaded, lab_speed=120, verify_timeout_s=45, verify_poll_s=1.0, lab=shared.lab,
                       servers=shared.connections())
    assert row.error is None, row.error
    assert (row.category, row.resource) == (truth.category.value, truth.resource), row
    assert row.false_actions == 0, row.actions
    if truth.category == RootCauseCategory.NONE:
        assert row.status in ("healthy", "answered") and not row.actions
    else:
        assert row.status in ("remediated", "escalated")
        if row.status == "remediated":
            assert row.mitigation, row.mitigation_detail
