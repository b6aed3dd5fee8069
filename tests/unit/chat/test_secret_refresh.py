"""A Secret refreshed with a value only a person has: the by-hand edit, the key named when one is -- never a key named
after the words ("current"), and no value carried."""

from __future__ import annotations

import pytest

from sre_agent.chat.act.secret_refresh import secret_refresh_plan
from sre_agent.chat.understand.forms import recognise

DB = {"data": {"DATABASE_URL": "x"}}
ROLES = {"data": {"RESULTS_API_PASSWORD": "x", "TRACKER_PASSWORD": "y"}}


@pytest.mark.parametrize("question, rid, obj, change", [
    ("ok put the current password in results-api-db and restart results-api", "results/Secret/results-api-db", DB,
     "Secret results-api-db: put the current value in its key (DATABASE_URL)"),
    ("update marlow-registry with the current harbor robot secret", "t/Secret/marlow-registry", {"data": {".dockerconfigjson": "x"}},
     "Secret marlow-registry: put the current value in its key (.dockerconfigjson)"),
    ("put the new results api password in app-roles", "d/Secret/app-roles", ROLES,
     "Secret app-roles: put the current value in key RESULTS_API_PASSWORD"),
    ("put the new password in app-roles", "d/Secret/app-roles", ROLES,
     "Secret app-roles: put the current value in the key it holds (RESULTS_API_PASSWORD, TRACKER_PASSWORD)"),
])
def test_the_edit_a_person_makes(question, rid, obj, change):
    plan = secret_refresh_plan(question, rid, obj)
    assert plan is not None and plan.change == change and plan.kubectl.endswith(f"edit secret {rid.rsplit('/', 1)[-1]}")
    assert "x" not in str(plan.args.values())  # no value carried


@pytest.mark.parametrize("question, rid", [
    ("put the old password back into app-roles", "d/Secret/app-roles"),  # not a value only a person has: undoing a rotation
    ("put the current value in app-config", "d/ConfigMap/app-config"),  # a ConfigMap's value is said, not held
])
def test_not_a_refresh(question, rid):
    assert secret_refresh_plan(question, rid, ROLES) is None


@pytest.mark.parametrize("question, subject", [
    ("ok put the current password in results-api-db and restart results-api", "results-api-db"),
    ("update marlow-registry with the current harbor robot secret", "marlow-registry"),
])
def test_a_refresh_is_read_as_a_change_of_the_secret_named(question, subject):
    recognised = recognise(question)
    assert recognised.form == "node_or_pod_write" and recognised.subject == subject


def test_paste_me_the_password_is_never_a_change():
    assert recognise("paste me the new results_api password from orders-db-app-roles").form != "node_or_pod_write"


def test_a_key_to_add_back_is_the_one_typed_not_a_held_key_sharing_a_word():
    """'add BILLING_DB_PASSWORD back ... with the new password value': the key to add is the one typed (the Secret holds
    `password`, which the rotation renamed it to) -- never the value put into another key."""
    held = {"data": {"BILLING_DB_HOST": "x", "BILLING_DB_USER": "y", "password": "z"}}
    plan = secret_refresh_plan("add BILLING_DB_PASSWORD back into billing-db with the new password value",
                               "billing/Secret/billing-db", held)
    assert plan is not None and "key BILLING_DB_PASSWORD (a key it does not hold: added)" in plan.change
    assert "key password" in secret_refresh_plan("put the current password in billing-db", "billing/Secret/billing-db",
                                                 held).change


def test_a_cronjobs_request_and_limit_said_together_are_pinned_together():
    from sre_agent.chat.act.cronjob_plans import cronjob_resources
    template = {"containers": [{"name": "forecast", "resources": {"requests": {"cpu": "500m"}, "limits": {"cpu": "1"}}}]}
    cron = {"spec": {"jobTemplate": {"spec": {"template": {"spec": template}}}}}
    plan = cronjob_resources("raise the cronjob's cpu request to 1 and limit to 2", "forecast/CronJob/demand-forecast", cron)
    assert plan.change == "CronJob demand-forecast container forecast: cpu request 500m -> 1, cpu limit 1 -> 2 (the next runs use it)"
    assert plan.kubectl.endswith("--requests=cpu=1 --limits=cpu=2")
