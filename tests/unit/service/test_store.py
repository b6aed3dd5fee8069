"""The service store: notifications persisted and correlated into incidents, the run queue with
leases, durable approvals. The same cases on SQLite and, when SRE_AGENT_TEST_POSTGRES_DSN is set,
PostgreSQL (a schema per test)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from sre_agent.app.intake import AlarmResolved, incident_from_alarm, incident_from_question
from sre_agent.service.store import SqliteStore

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def alarm(name: str = "catalog-5xx", state: str = "ALARM", service: str = "catalog", minute: int = 0) -> dict:
    return {"AlarmName": name, "NewStateValue": state, "NewStateReason": "threshold crossed",
            "StateChangeTime": f"2026-03-01T12:{minute:02d}:00Z",
            "Trigger": {"MetricName": "5xx", "Namespace": "Shop",
                        "Dimensions": [{"name": "Namespace", "value": "shop"}, {"name": "Service", "value": service}]}}


def test_the_same_alarm_again_joins_its_open_incident_and_starts_no_second_run(store):
    first = store.intake(incident_from_alarm(alarm(minute=0)), alarm(minute=0), "sns")
    again = store.intake(incident_from_alarm(alarm(minute=3)), alarm(minute=3), "sns")
    assert first.disposition == "opened" and first.run_id
    assert again.disposition == "attached" and again.run_id is None and again.incident_id == first.incident_id
    assert store.incident(first.incident_id).notifications == 2
    assert [n["disposition"] for n in store.notifications(first.incident_id)] == ["opened", "attached"]


def test_other_dimensions_are_another_problem(store):
    a = store.intake(incident_from_alarm(alarm(service="catalog")), {}, "sns")
    b = store.intake(incident_from_alarm(alarm(service="cart")), {}, "sns")
    assert a.incident_id != b.incident_id and b.disposition == "opened"


def test_ok_resolves_the_open_incident_and_the_next_alarm_opens_a_new_one(store):
    first = store.intake(incident_from_alarm(alarm()), {}, "sns")
    with pytest.raises(AlarmResolved) as ok:
        incident_from_alarm(alarm(state="OK"))
    resolved = store.resolve(ok.value.correlation_key, "back to OK", {}, "sns")
    assert resolved.disposition == "resolved" and resolved.incident_id == first.incident_id and resolved.run_id is None
    record = store.incident(first.incident_id)
    assert record.state == "resolved" and record.notes == ["back to OK"]
    again = store.intake(incident_from_alarm(alarm(minute=30)), {}, "sns")
    assert again.disposition == "opened" and again.incident_id != first.incident_id
    assert store.resolve("cloudwatch:nothing-open|", "OK", {}, "sns").disposition == "ignored"


def test_questions_are_never_grouped(store):
    one = store.intake(incident_from_question("is shop healthy?"), {}, "api")
    two = store.intake(incident_from_question("is shop healthy?"), {}, "api")
    assert one.incident_id != two.incident_id and one.run_id and two.run_id


def test_incident_ids_are_not_computable_from_the_alarm(store):
    ids = {store.intake(incident_from_alarm(alarm(name=f"a{i}")), {}, "sns").incident_id for i in range(5)}
    assert len(ids) == 5 and all(len(i.rsplit("-", 1)[-1]) == 12 for i in ids)


# Long enough that a busy machine cannot let the lease run out between the claim and the next line.
LEASE_S = 3.0


def test_a_run_is_claimed_by_one_worker_and_reclaimed_when_its_lease_runs_out(store):
    queued = store.intake(incident_from_alarm(alarm()), {}, "sns")
    run = store.claim_next("worker-a", lease_s=LEASE_S)
    assert run is not None and run.run_id == queued.run_id and run.state == "running" and run.claims == 1
    assert store.claim_next("worker-b", lease_s=30) is None  # leased
    assert store.backlog() == 0
    time.sleep(LEASE_S + 0.2)  # worker-a died: its lease ran out
    assert store.backlog() == 1
    taken = store.claim_next("worker-b", lease_s=30)
    assert taken is not None and taken.run_id == run.run_id and taken.owner == "worker-b" and taken.claims == 2
    assert store.renew(run.run_id, "worker-a", 30) is False  # the dead worker cannot take it back
    store.finish(run.run_id, "worker-a", "remediated", {}, None)  # nor finish it
    assert store.run(run.run_id).state == "running"
    store.finish(run.run_id, "worker-b", "remediated", {"status": "remediated"}, "# report")
    done = store.run(run.run_id)
    assert done.state == "done" and done.status == "remediated" and done.report == "# report"


def test_an_approval_is_durable_answered_once_and_needs_its_approval_id(store):
    queued = store.intake(incident_from_alarm(alarm()), {}, "sns")
    store.claim_next("w", 30)
    store.pause(queued.run_id, "w", {"action_id": "act-1", "plan": {"tool": "rollout_undo"}}, deadline=time.time() + 60)
    paused = store.run(queued.run_id)
    assert paused.state == "awaiting_approval" and paused.owner is None
    approval_id = paused.approval["approval_id"]
    assert approval_id.startswith("apr-") and len(approval_id) > 20
    assert store.claim_next("w", 30) is None  # a paused run holds no worker and is not work
    assert store.answer(queued.run_id, {"decision": "approved"}, "apr-guess") is False
    assert store.answer(queued.run_id, {"decision": "approved", "by": "carol"}, approval_id) is True
    assert store.answer(queued.run_id, {"decision": "rejected"}, approval_id) is False  # answered already
    resumed = store.claim_next("w", 30)
    assert resumed.run_id == queued.run_id and resumed.resume == {"decision": "approved", "by": "carol"}


def test_an_overdue_approval_is_found_by_the_clock(store):
    queued = store.intake(incident_from_alarm(alarm()), {}, "sns")
    store.claim_next("w", 30)
    store.pause(queued.run_id, "w", {"action_id": "act-1"}, deadline=time.time() - 1)
    assert [r.run_id for r in store.overdue_approvals()] == [queued.run_id]
    assert store.answer(queued.run_id, {"decision": "timeout"}, None) is True
    assert store.overdue_approvals() == []


def test_a_fix_that_did_not_hold_is_investigated_again_on_the_same_incident(store):
    first = store.intake(incident_from_alarm(alarm()), {}, "sns")
    store.claim_next("w", 30)
    store.finish(first.run_id, "w", "remediated", {}, None)
    again = store.intake(incident_from_alarm(alarm(minute=20)), {}, "sns")
    assert again.disposition == "reinvestigating" and again.incident_id == first.incident_id
    assert again.run_id and again.run_id != first.run_id


def test_everything_survives_reopening_the_store(tmp_path):
    path = tmp_path / "service.sqlite"
    queued = SqliteStore(path).intake(incident_from_alarm(alarm()), alarm(), "sns")
    reopened = SqliteStore(path)
    assert reopened.incident(queued.incident_id).incident.alarm["AlarmName"] == "catalog-5xx"
    assert reopened.claim_next("after-restart", 30).run_id == queued.run_id


def test_a_redelivered_message_is_recognised_by_its_id_and_changes_nothing(store):
    first = store.intake(incident_from_alarm(alarm()), {}, "sns", message_id="m-1")
    store.resolve(incident_from_alarm(alarm()).correlation_key, "OK", {}, "sns", message_id="m-2")
    replayed = store.intake(incident_from_alarm(alarm(minute=40)), {}, "sns", message_id="m-1")
    assert replayed.disposition == "duplicate" and replayed.incident_id == first.incident_id and replayed.run_id is None
    assert store.resolve("any", "OK", {}, "sns", message_id="m-2").disposition == "duplicate"
    assert len(store.incidents()) == 1  # the replay did not reopen anything
    assert store.record("sns", "ignored", {}, message_id="m-1").disposition == "duplicate"


def test_a_human_resolves_an_open_incident_once(store):
    opened = store.intake(incident_from_alarm(alarm()), {}, "sns")
    assert store.resolve_incident(opened.incident_id, "resolved by carol: fixed by hand") is True
    assert store.resolve_incident(opened.incident_id, "again") is False
    assert store.incident(opened.incident_id).notes == ["resolved by carol: fixed by hand"]


def test_open_keys_by_prefix(store):
    for name in ("a", "b"):
        store.intake(incident_from_alarm(alarm(name=name)), {}, "sns")
    assert sorted(store.open_keys("cloudwatch:a|")) == ["cloudwatch:a|Namespace=shop,Service=catalog"]
    assert len(store.open_keys("cloudwatch:")) == 2 and store.open_keys("sweep:") == []
