"""Alarms about one root cause are one incident: 25 differently named alarms whose runs diagnose the same root resource
and category form one group -- one leader holding the approval, 24 joined and parked -- and all end with the leader's
outcome; 100 distinct faults are 100 groups; a leader that fails releases its group. SQLite and, when
SRE_AGENT_TEST_POSTGRES_DSN is set, PostgreSQL (a schema per test)."""

from __future__ import annotations

from sre_agent.app.intake import incident_from_alarm
from sre_agent.service.groups import root_key

from .test_store import alarm

OWNER = "w1"


def opened(store, name: str, service: str = "search") -> tuple[str, str]:
    """An alarm's incident and its run, claimed by a worker (as a run is when it steps)."""
    outcome = store.intake(incident_from_alarm(alarm(name=name, service=service)), {}, "sns")
    claimed = store.claim_next(OWNER, 60)
    assert claimed is not None and claimed.run_id == outcome.run_id
    return outcome.incident_id, outcome.run_id


def test_a_root_key_needs_a_resource_and_a_category():
    assert root_key("https://k8s", {"category": "oom_killed", "resource": "shop/Deployment/search"}) == \
        "https://k8s shop/Deployment/search oom_killed"
    assert root_key("c", {"category": "none", "resource": ""}) is None and root_key("c", None) is None


def test_a_storm_of_alarms_about_one_root_cause_is_one_group_with_one_approval(store):
    key = root_key("cluster-a", {"category": "oom_killed", "resource": "shop/Deployment/search"})
    incidents = [opened(store, f"search-alarm-{i}") for i in range(25)]
    (leader, leader_run), *others = incidents
    assert store.lead_or_join(leader, key) is None  # the first diagnosis leads
    store.pause(leader_run, OWNER, {"action_id": "act-1"}, deadline=1e12)
    for incident_id, run_id in others:
        assert store.lead_or_join(incident_id, key) == leader
        assert store.park(run_id, OWNER, leader)
    assert store.lead_or_join(leader, key) is None and store.lead_or_join(others[0][0], key) == leader  # idempotent
    group = store.group_of(others[3][0])
    assert group.leader == leader and len(group.members) == 24 and group.outcome is None
    pending = [r for i, _ in incidents for r in store.runs_of(i) if r.state == "awaiting_approval"]
    assert [r.run_id for r in pending] == [leader_run]  # one approval card for the root cause
    assert any(leader in note for note in store.incident(others[0][0]).notes)
    assert sum("joined" in note for note in store.incident(leader).notes) == 24
    parked = store.close_group(leader, "remediated")
    assert sorted(r.run_id for r in parked) == sorted(run for _, run in others)
    for run in parked:
        assert store.finish_joined(run.run_id, "remediated", {"status": "remediated"}, "joined")
    assert {r.status for i, _ in others for r in store.runs_of(i)} == {"remediated"}
    assert store.group_of(leader).outcome == "remediated"


def test_distinct_faults_are_never_merged(store):
    for i in range(100):
        incident_id, _ = opened(store, f"alarm-{i}", service=f"svc-{i}")
        key = root_key("cluster-a", {"category": "oom_killed" if i % 2 else "bad_image",
                                     "resource": f"shop/Deployment/svc-{i}"})
        assert store.lead_or_join(incident_id, key) is None
    same_name_other_cluster, _ = opened(store, "alarm-x", service="svc-1")
    assert store.lead_or_join(same_name_other_cluster, root_key("cluster-b", {
        "category": "oom_killed", "resource": "shop/Deployment/svc-1"})) is None


def test_a_closed_group_takes_no_new_member_and_a_late_one_is_told(store):
    key = root_key("c", {"category": "oom_killed", "resource": "shop/Deployment/search"})
    leader, _ = opened(store, "a")
    late, late_run = opened(store, "b")
    assert store.lead_or_join(leader, key) is None
    assert store.lead_or_join(late, key) == leader
    assert store.close_group(leader, "escalated") == []  # nobody parked yet
    assert store.park(late_run, OWNER, leader) is False  # the leader ended meanwhile: the caller ends it now
    newer, _ = opened(store, "c")
    assert store.lead_or_join(newer, key) is None  # a new occurrence leads a new group


def test_a_leader_that_fails_releases_its_group(store):
    key = root_key("c", {"category": "oom_killed", "resource": "shop/Deployment/search"})
    leader, _ = opened(store, "a")
    member, member_run = opened(store, "b")
    store.lead_or_join(leader, key)
    store.lead_or_join(member, key)
    store.park(member_run, OWNER, leader)
    assert store.release_group(leader) == [member_run]
    assert store.run(member_run).state == "queued" and store.group_of(member) is None
    assert store.lead_or_join(member, key) is None  # asked again, it leads
