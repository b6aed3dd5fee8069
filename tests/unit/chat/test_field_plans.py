"""A spec field changed by its own name: found in the live object, patched where it is set, asked back when it is set
in several places, refused when the object does not set it (chat/act/field_plans.py)."""

from __future__ import annotations

import pytest

from sre_agent.chat.act.field_plans import field_plan, field_said
from sre_agent.chat.act.plans import Plan

PROBE = {"httpGet": {"path": "/healthz", "port": 8080}, "initialDelaySeconds": 5}
DEPLOYMENT = {"spec": {"replicas": 3, "template": {"spec": {"containers": [
    {"name": "api", "livenessProbe": dict(PROBE), "readinessProbe": dict(PROBE, initialDelaySeconds=2)}]}}}}
CRONJOB = {"spec": {"schedule": "*/15 * * * *", "suspend": True, "concurrencyPolicy": "Forbid"}}


@pytest.mark.parametrize(("question", "said"), [
    ("set initialDelaySeconds back to 60", ("initialDelaySeconds", "60")),
    ("set concurrencyPolicy to Allow so it stops skipping", ("concurrencyPolicy", "Allow")),
    ("set suspend to false on lab-results-import", ("suspend", "false")),
    ("scale it to 3", None),
])
def test_a_field_is_said_by_its_own_name_with_its_value(question, said):
    assert field_said(question) == said


def test_the_one_place_a_field_is_set_is_patched_with_the_value_typed_as_it_is():
    plan = field_plan("set the liveness initialDelaySeconds back to 60", "fleet/Deployment/api", DEPLOYMENT)
    assert isinstance(plan, Plan) and plan.args["path"] == "/spec/template/spec/containers/0/livenessProbe/initialDelaySeconds"
    assert plan.args["value"] == 60 and '"value": 60' in plan.kubectl and "-n fleet" in plan.kubectl
    resumed = field_plan("set suspend to false", "labs/CronJob/import", CRONJOB)
    assert isinstance(resumed, Plan) and resumed.args == {"kind": "CronJob", "name": "import", "namespace": "labs",
                                                          "path": "/spec/suspend", "value": False}


def test_a_field_set_in_several_places_is_asked_back_and_one_not_set_is_said_so():
    several = field_plan("set initialDelaySeconds back to 60", "fleet/Deployment/api", DEPLOYMENT)
    assert isinstance(several, str) and "2 places" in several and "livenessProbe" in several and "readinessProbe" in several
    missing = field_plan("set concurrencyPolicy to Allow", "fleet/Deployment/api", DEPLOYMENT)
    assert isinstance(missing, str) and "does not set concurrencyPolicy" in missing
    assert field_plan("scale it to 3", "fleet/Deployment/api", DEPLOYMENT) is None
