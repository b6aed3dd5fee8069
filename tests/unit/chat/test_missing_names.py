"""Names a question gives that no object may have (chat/understand/missing.py), and change requests chat pins or asks
about (chat/act/writes.plan_for): pure functions, table tests."""

from __future__ import annotations

import pytest

from sre_agent.chat.act.change_plans import plan_for
from sre_agent.chat.act.plans import Plan
from sre_agent.chat.understand.missing import ALL_KINDS, _replacement, is_typo, typed_names


@pytest.mark.parametrize("question, names", [
    ("is there a grades-db-rw service anywhere", [("grades-db-rw", ("Service", "Deployment", "StatefulSet", "DaemonSet"))]),
    ("whats the checkout-svc doing", [("checkout-svc", ALL_KINDS)]),
    ("is there a search-indexer cronjob", [("search-indexer", ("CronJob", "Job"))]),
    ("did the transcript-export job finish", [("transcript-export", ("Job", "CronJob"))]),
    ("whats the gp3-fast storage class", [("gp3-fast", ("StorageClass",))]),
    ("whats on ip-10-42-99-12", [("ip-10-42-99-12", ALL_KINDS)]),
    ("show me the lecture-cache redis", [("lecture-cache", ALL_KINDS)]),
    # not a name slot: a node group before "nodes", a label value, a bare word, an English compound
    ("are the data-r6i nodes ok", []),
    ("which pods have app=subscription-svc pods", []),
    ("is checkout healthy", []),
    ("can we make the anti-affinity preferred instead", []),
])
def test_names_are_read_where_a_name_goes(question, names):
    assert typed_names(question) == names


@pytest.mark.parametrize("typed, name, typo", [
    ("notfy-api", "notify-api", True),
    ("setlement-worker", "settlement-worker", True),
    ("grades-db-rw", "grades-db", False),  # a token more: another name
    ("search-indexer", "search-api", False),
    ("ip-10-42-99-12", "ip-10-42-16-21.ap-southeast-2.compute.internal", False),  # numbers are never typos
    ("ip-10-42-16-21", "ip-10-42-16-21.ap-southeast-2.compute.internal", True),
])
def test_a_typo_is_told_from_another_name(typed, name, typo):
    assert is_typo(typed, name) is typo


CRONJOB = {"spec": {"schedule": "*/10 * * * *", "suspend": False}}
DEPLOYMENT = {"metadata": {"generation": 4}, "spec": {"replicas": 3, "template": {"spec": {"containers": [{"name": "app"}]}}}}


def test_suspending_a_cronjob_is_a_pinned_patch_a_human_runs():
    plan = plan_for("suspend the renewals cronjob", "commerce/CronJob/renewals", CRONJOB)
    assert isinstance(plan, Plan)
    assert plan.kubectl == """kubectl patch cronjob renewals -n commerce -p '{"spec": {"suspend": true}}'"""
    assert plan.precondition == "suspend=False"
    resumed = plan_for("resume it", "commerce/CronJob/renewals", {"spec": {"suspend": True}})
    assert isinstance(resumed, Plan) and '"suspend": false' in resumed.kubectl
    # a resume is the typed write; a run asked beside it starts one (never read as a bare rerun of a suspended CronJob)
    assert resumed.tool == "resume_cronjob" and resumed.args["run_now"] is False
    run_too = plan_for("resume renewals and kick off one run now", "commerce/CronJob/renewals", {"spec": {"suspend": True}})
    assert isinstance(run_too, Plan) and run_too.tool == "resume_cronjob" and run_too.args["run_now"] is True


def test_a_change_chat_cannot_pin_is_asked_about_never_a_restart():
    said = plan_for("make the anti-affinity preferred", "engage/Deployment/notify-api", DEPLOYMENT)
    assert isinstance(said, str) and "say the change to make" in said
    restart = plan_for("restart it", "engage/Deployment/notify-api", DEPLOYMENT)
    assert isinstance(restart, Plan) and restart.tool == "rollout_restart"


def _pod(name: str, status: str = "Running", ready: str = "1/1") -> dict:
    return {"name": name, "status": status, "ready": ready}


@pytest.mark.parametrize(("typed", "pods", "now"), [
    # the same ReplicaSet: its pod now, the one in trouble first
    ("slope-map-b9g2nrg4m4-m8qzx", [_pod("slope-map-b9g2nrg4m4-aaaaa"), _pod("slope-map-b9g2nrg4m4-bbbbb", "CrashLoopBackOff", "0/1")],
     "slope-map-b9g2nrg4m4-bbbbb"),
    # a rollout since: the workload's pod now, never another workload's that shares the stem
    ("slope-map-b9g2nrg4m4-m8qzx", [_pod("slope-map-tiles-7f9c8d6b5-aaaaa"), _pod("slope-map-n6m9tdnpwh-ccccc")],
     "slope-map-n6m9tdnpwh-ccccc"),
    ("slope-map-b9g2nrg4m4-m8qzx", [_pod("conditions-api-7f9c8d6b5-aaaaa")], None),
    ("ride-ledger-0", [_pod("ride-ledger-1")], None),  # a StatefulSet's member is named, never guessed
])
def test_a_replaced_pod_is_followed_to_its_successor(typed, pods, now):
    assert _replacement(typed, pods) == now


def test_a_pod_restarted_by_name_is_deleted_for_its_controller_to_recreate_and_a_bare_pod_is_not():
    from sre_agent.chat.act.change_plans import plan_for
    from sre_agent.chat.act.plans import Plan

    owned = {"metadata": {"name": "lockerdb-0", "ownerReferences": [{"kind": "StatefulSet", "name": "lockerdb"}]},
             "status": {"phase": "Running"}}
    plan = plan_for("restart lockerdb-0", "data/Pod/lockerdb-0", owned)
    assert isinstance(plan, Plan) and plan.tool == "delete_pod" and "recreates it" in plan.change
    bare = {"metadata": {"name": "debug-shell"}, "status": {"phase": "Running"}}
    assert "has no controller" in str(plan_for("restart debug-shell", "data/Pod/debug-shell", bare))
