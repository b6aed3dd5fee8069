"""The memory store: migrations, recall by key, cluster scope, TTL, forgetting and the team's facts. The same cases
run on SQLite and, when SRE_AGENT_TEST_POSTGRES_DSN is set, PostgreSQL."""

from __future__ import annotations

import os
import secrets
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from sre_agent.memory.models import PastIncident
from sre_agent.memory.store import SCHEMA_VERSION, PostgresMemory, SqliteMemory, incident_keys

POSTGRES_DSN = os.environ.get("SRE_AGENT_TEST_POSTGRES_DSN")
NOW = datetime.now(UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.skipif(
    not POSTGRES_DSN, reason="set SRE_AGENT_TEST_POSTGRES_DSN=postgresql://... to run the PostgreSQL memory"))])
def store(request, tmp_path):
    memory = SqliteMemory(tmp_path / "memory.sqlite") if request.param == "sqlite" else PostgresMemory(POSTGRES_DSN or "")
    yield memory
    memory.close()


@pytest.fixture
def cluster() -> str:
    """PostgreSQL is shared between tests and runs: each test remembers in a cluster of its own."""
    return f"lab-{secrets.token_hex(4)}"


def past(cluster: str, *, resource="shop/Deployment/search", category="oom_killed", alarm="shop-search-5xx",
         at: datetime = NOW, person: str | None = None, prints=("signal:OOMKilled",)) -> PastIncident:
    token = secrets.token_hex(4)
    return PastIncident(run_id=f"run-{token}", incident_id=f"inc-{token}", recorded_at=at, cluster=cluster, alarm=alarm,
                        affected=["shop/Service/search"], resource=resource, category=category, status="remediated",
                        fingerprints=list(prints), fault_fingerprints=list(prints), fix_tool="rollout_undo",
                        fix_applied=True, verified=True,
                        approved_by=person)


def test_a_fresh_store_is_migrated_to_the_current_schema_once(tmp_path):
    first = SqliteMemory(tmp_path / "m.sqlite")
    assert first.schema_version == SCHEMA_VERSION
    first.close()
    again = SqliteMemory(tmp_path / "m.sqlite")  # reopening runs no migration twice
    rows = again._sql("SELECT COUNT(*) FROM sre_memory_schema").fetchone()[0]
    assert rows == SCHEMA_VERSION
    again.close()


def test_a_store_newer_than_this_code_is_refused_with_what_to_do(tmp_path):
    db = sqlite3.connect(tmp_path / "m.sqlite")
    db.execute("CREATE TABLE sre_memory_schema (version INTEGER NOT NULL)")
    db.execute("INSERT INTO sre_memory_schema VALUES (?)", (SCHEMA_VERSION + 1,))
    db.commit()
    db.close()
    with pytest.raises(RuntimeError, match="newer than this sre-agent knows.*upgrade"):
        SqliteMemory(tmp_path / "m.sqlite")


def test_keys_name_the_alarm_the_objects_the_fingerprints_and_the_approver():
    keys = incident_keys(past("c", person="dana"))
    assert {"alarm:shop-search-5xx", "affected:shop/Service/search", "root:shop/Deployment/search|oom_killed",
            "resource:shop/Deployment/search", "fp:signal:OOMKilled", "person:dana"} <= set(keys)
    assert not any(k.startswith("person:") for k in incident_keys(past("c", person="policy")))


def test_recall_by_key_is_newest_first_and_scoped_to_the_cluster(store, cluster):
    older, newer = past(cluster, at=NOW - timedelta(days=2)), past(cluster, at=NOW - timedelta(hours=1))
    elsewhere = past(cluster + "-other")
    for record in (older, newer, elsewhere):
        store.remember(record, ttl_s=None)
    found = store.recall_keys(["alarm:shop-search-5xx"], cluster=cluster)
    assert [r.run_id for r in found] == [newer.run_id, older.run_id]
    assert found[0] == newer  # the whole record comes back
    assert elsewhere.run_id in {r.run_id for r in store.recall_keys(["alarm:shop-search-5xx"])}
    assert store.recall_keys([], cluster=cluster) == []


def test_remembering_a_run_again_replaces_it(store, cluster):
    record = past(cluster)
    store.remember(record, ttl_s=None)
    store.remember(record.model_copy(update={"category": "memory_leak"}), ttl_s=None)
    found = store.recall_keys(["fp:signal:OOMKilled"], cluster=cluster)
    assert [(r.run_id, r.category) for r in found] == [(record.run_id, "memory_leak")]
    assert store.recall_keys(["root:shop/Deployment/search|oom_killed"], cluster=cluster) == []


def test_an_expired_record_is_never_recalled(store, cluster):
    old = past(cluster, at=NOW - timedelta(days=3))
    store.remember(old, ttl_s=86400.0)  # expired two days ago
    fresh = past(cluster)
    store.remember(fresh, ttl_s=86400.0)
    assert [r.run_id for r in store.recall_keys(["alarm:shop-search-5xx"], cluster=cluster)] == [fresh.run_id]


def test_forget_by_incident_resource_and_person(store, cluster):
    person = f"dana-{cluster}"  # unique: PostgreSQL's facts are shared with the other tests
    a = past(cluster, resource=f"shop/Deployment/a-{cluster}", person=person)
    b = past(cluster, resource=f"shop/Deployment/b-{cluster}")
    c = past(cluster, resource=f"shop/Deployment/c-{cluster}")
    for record in (a, b, c):
        store.remember(record, ttl_s=None)
    assert store.forget(person=person) == 1
    assert store.forget(resource=b.resource) == 1
    assert store.forget(incident=c.incident_id) == 1
    assert store.recall_keys(["alarm:shop-search-5xx"], cluster=cluster) == []


def test_facts_are_added_listed_scoped_and_deleted(store, cluster):
    fact = store.add_fact("  payments belongs to the ledger team ", namespace="payments", person="dana", cluster=cluster)
    assert fact.text == "payments belongs to the ledger team" and fact.id.startswith("fact-")
    listed = {f.id: f for f in store.facts()}
    assert listed[fact.id].namespace == "payments" and listed[fact.id].person == "dana"
    assert store.delete_fact(fact.id) and not store.delete_fact(fact.id)
    assert fact.id not in {f.id for f in store.facts()}


def test_an_expired_fact_is_not_listed(store, cluster):
    gone = store.add_fact("old news", ttl_s=60.0, now=NOW - timedelta(hours=1), cluster=cluster)
    kept = store.add_fact("still true", ttl_s=None, cluster=cluster)
    ids = {f.id for f in store.facts()}
    assert kept.id in ids and gone.id not in ids
