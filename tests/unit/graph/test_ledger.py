"""The action ledger, keyed by (resource, action, target) across incidents and runs: one fault, one
action. The same cases run on SQLite and, when SRE_AGENT_TEST_POSTGRES_DSN is set, PostgreSQL."""

from __future__ import annotations

import os
import secrets

import pytest

from sre_agent.graph.ledger import ActionLedger, LedgerKey, LedgerOwner, PostgresActionLedger
from sre_agent.graph.state import RemediationPlan

POSTGRES_DSN = os.environ.get("SRE_AGENT_TEST_POSTGRES_DSN")


def plan(resource: str, to_revision: int = 1, expect_revision: int = 2, reason: str = "") -> RemediationPlan:
    return RemediationPlan(server="kubernetes", tool="rollout_undo", risk="low", resource=resource,
                           args={"namespace": "shop", "name": resource.split("/")[-1], "to_revision": to_revision,
                                 "reason": reason}, precondition={"expect_revision": expect_revision})


@pytest.fixture
def rid() -> str:
    """PostgreSQL is shared between tests and runs: each test acts on a resource of its own."""
    return f"shop/Deployment/catalog-{secrets.token_hex(4)}"


def owner(incident: str, run: str, pinned: RemediationPlan) -> LedgerOwner:
    return LedgerOwner(incident=incident, run_id=run, action_id=pinned.action_id)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.skipif(
    not POSTGRES_DSN, reason="set SRE_AGENT_TEST_POSTGRES_DSN=postgresql://... to run the PostgreSQL ledger"))])
def ledger(request, tmp_path):
    if request.param == "sqlite":
        return ActionLedger(tmp_path / "actions.sqlite")
    return PostgresActionLedger(POSTGRES_DSN or "")


def test_the_key_is_resource_action_and_target_not_the_incident_or_the_reason(rid):
    first, second = plan(rid, reason="incident A: catalog down"), plan(rid, reason="incident B: storefront 5xx")
    assert LedgerKey.of(first) == LedgerKey.of(second)
    assert LedgerKey.of(first).target == '{"to_revision": 1}'
    assert LedgerKey.of(plan(rid, to_revision=3)) != LedgerKey.of(first)
    assert LedgerKey.of(plan("shop/Deployment/other")) != LedgerKey.of(first)


def test_a_second_incident_attaches_to_the_first_action(ledger, rid):
    pinned = plan(rid)
    key = LedgerKey.of(pinned)
    assert ledger.claim(key, owner("inc-a", "run-1", pinned)) is None, "the first incident claims the action"
    in_flight = ledger.claim(key, owner("inc-b", "run-2", pinned))
    assert in_flight is not None and (in_flight.incident, in_flight.run_id, in_flight.state) == ("inc-a", "run-1", "started")
    ledger.finish(key, "rolled back from revision 2 to 1")
    done = ledger.claim(key, owner("inc-b", "run-3", pinned))
    assert done is not None and done.state == "done" and done.result == "rolled back from revision 2 to 1"
    assert done.action_id == pinned.action_id and "inc-a" in done.sentence()
    assert [r.incident for r in ledger.records(pinned.resource)] == ["inc-a"], "one fault, one record"


def test_a_different_target_on_the_same_resource_is_another_action(ledger, rid):
    first, other = plan(rid, to_revision=1), plan(rid, to_revision=4, expect_revision=5)
    assert ledger.claim(LedgerKey.of(first), owner("inc-a", "run-1", first)) is None
    assert ledger.claim(LedgerKey.of(other), owner("inc-b", "run-2", other)) is None


def test_a_claim_the_server_refused_as_stale_does_not_block_the_re_pinned_plan(ledger, rid):
    stale, fresh = plan(rid, expect_revision=2), plan(rid, expect_revision=3)  # same target, precondition re-observed
    key = LedgerKey.of(stale)
    assert ledger.claim(key, owner("inc-a", "run-1", stale)) is None
    ledger.finish(key, "precondition failed: expected revision 2, found 3", "refused")
    assert ledger.claim(key, owner("inc-a", "run-1", fresh)) is None, "nothing was written: the re-plan claims it"
    record = ledger.records(stale.resource)[0]
    assert (record.action_id, record.state) == (fresh.action_id, "started")


def test_an_action_older_than_the_attach_window_is_history(ledger, rid):
    pinned = plan(rid)
    key = LedgerKey.of(pinned)
    ledger.attach_window_s = 0.0  # every earlier claim is already older than the window
    assert ledger.claim(key, owner("inc-a", "run-1", pinned)) is None
    ledger.finish(key, "done long ago")
    assert ledger.claim(key, owner("inc-b", "run-2", pinned)) is None, "the fault came back: it gets its own action"


def test_the_same_resource_on_two_clusters_is_two_faults(tmp_path, rid):
    """Resource ids repeat across clusters (and across fresh labs): the ledger is scoped by the cluster."""
    def on(scope: str):
        if POSTGRES_DSN:
            return PostgresActionLedger(POSTGRES_DSN, scope=scope)
        return ActionLedger(tmp_path / "actions.sqlite", scope=scope)

    pinned = plan(rid)
    assert on("https://prod-eu:6443").claim(LedgerKey.of(pinned), owner("inc-1", "run-1", pinned)) is None
    assert on("https://prod-us:6443").claim(LedgerKey.of(pinned), owner("inc-2", "run-2", pinned)) is None
    again = on("https://prod-eu:6443").claim(LedgerKey.of(pinned), owner("inc-3", "run-3", pinned))
    assert again is not None and again.incident == "inc-1"
