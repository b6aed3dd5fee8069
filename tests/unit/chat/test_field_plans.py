"""A spec field changed by its own name: found in the live object, patched where it is set, asked back when it is set
in several places, refused when the object does not set it (chat/act/field_plans.py)."""

from __future__ import annotations

import pytest

from sre_agent.chat.act.field_plans import field_plan, field_said
from sre_agent.chat.act.plans import Plan
from sre_agent.chat.ask import Ask
from sre_agent.chat.understand.forms import recognise

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


def test_a_one_word_field_the_spec_has_is_patched_and_a_word_it_does_not_have_is_no_field():
    cronjob = {"kind": "CronJob", "spec": {"schedule": "*/30 * * * *",
                                           "jobTemplate": {"spec": {"parallelism": 2, "template": {"spec": {}}}}}}
    plan = field_plan("put parallelism back to 4", "metering/CronJob/meter-import", cronjob)
    assert isinstance(plan, Plan) and plan.args["path"] == "/spec/jobTemplate/spec/parallelism" and plan.args["value"] == 4
    assert field_plan("scale it to 4", "metering/CronJob/meter-import", cronjob) is None  # "scale" is no key of its spec


def test_a_change_naming_a_kind_takes_the_object_of_that_kind_a_dashed_word_names():
    import asyncio

    from sre_agent.chat.understand.kinds_said import which_of_kind
    from tests.unit.chat.test_objects_in_context import Cluster

    question = "set the meter-import cronjob parallelism to 4"
    tools = Cluster({"CronJob": [{"name": "meter-import", "namespace": "metering"}, {"name": "other", "namespace": "x"}]})
    ask = Ask(question=question, recognised=recognise(question), tools=tools)
    assert asyncio.run(which_of_kind(ask, "CronJob")) == "metering/CronJob/meter-import"
    question = "raise the cronjob parallelism to 4"  # no name said: which, never a guess
    ask = Ask(question=question, recognised=recognise(question), tools=tools)
    assert asyncio.run(which_of_kind(ask, "CronJob")).status == "needs_subject"


def test_the_probe_timeouts_said_without_a_probe_are_the_liveness_probes_first():
    from sre_agent.chat.act.hand_edits import probe_edit, probe_named
    both = {"containers": [{"name": "api", "livenessProbe": {"timeoutSeconds": 1}, "readinessProbe": {"timeoutSeconds": 1}}]}
    said = probe_named("put the probe timeouts back to 5s", both)
    assert probe_edit(said) == ("liveness", "timeoutSeconds", "5s")
    ready_only = {"containers": [{"name": "api", "readinessProbe": {"timeoutSeconds": 1}}]}
    assert probe_edit(probe_named("put the probe timeouts back to 5s", ready_only)) == ("readiness", "timeoutSeconds", "5s")
    assert probe_named("set the readiness probe timeout to 5s", both) == "set the readiness probe timeout to 5s"


def test_a_probe_port_said_without_a_probe_is_the_one_probe_not_already_on_it():
    from sre_agent.chat.act.hand_edits import probe_edit, probe_named
    moved = {"containers": [{"name": "api", "livenessProbe": {"httpGet": {"port": 8080, "path": "/healthz"}},
                             "readinessProbe": {"httpGet": {"port": 8081, "path": "/readyz"}}}]}
    assert probe_edit(probe_named("ok fix the probe port back to 8080", moved)) == ("readiness", "port", "8080")
    both_off = {"containers": [{"name": "api", "livenessProbe": {"httpGet": {"port": 9000}},
                                "readinessProbe": {"httpGet": {"port": 9001}}}]}
    assert probe_edit(probe_named("set the probe port to 8080", both_off))[0] == "liveness"  # no one moved: liveness first


SELECTED = {"spec": {"template": {"spec": {"nodeSelector": {"acme.io/pool": "frontline"}}}}}


@pytest.mark.parametrize(("question", "wanted"), [
    ("set checkin nodeSelector back to general", {"acme.io/pool": "general"}),  # a bare value: the one key it holds
    ("ok revert checkin-api's nodeSelector to acme.io/pool=general", {"acme.io/pool": "general"}),
    ("patch its nodeselector to acme.io/pool: general", {"acme.io/pool": "general"}),
    ("fix the node selector to example.io/tier=ocr", {"example.io/tier": "ocr"}),  # the pair said replaces the map
])
def test_a_label_map_is_set_to_the_pair_said(question, wanted):
    from sre_agent.chat.act.field_plans import sets_a_field
    assert sets_a_field(question)
    plan = field_plan(question, "board/Deployment/checkin-api", SELECTED)
    assert isinstance(plan, Plan)
    assert plan.args["path"] == "/spec/template/spec/nodeSelector" and plan.args["value"] == wanted
    assert "kubectl patch deployment checkin-api -n board --type json" in plan.kubectl


def test_a_label_map_already_so_or_not_set_is_said_never_pinned():
    assert "nothing to change" in str(field_plan("set the nodeSelector to frontline", "b/Deployment/x", SELECTED))
    assert "sets no nodeSelector" in str(field_plan("set the nodeSelector to general", "b/Deployment/x", {"spec": {}}))


def test_a_label_map_named_after_listing_nodes_is_the_pod_templates_that_sets_it_not_the_nodes():
    import asyncio

    from sre_agent.chat.act.field_plans import object_setting_field
    from tests.unit.chat.test_objects_in_context import Cluster

    question = "fix the nodeselector to example.io/pool=ocr"  # after "what label do the new ocr nodes have"
    node = {"kind": "Node", "metadata": {"name": "ip-1", "labels": {"example.io/pool": "ocr"}}, "spec": {}}
    tools = Cluster({}, {"plates": dict(SELECTED, kind="Deployment")})
    ask = Ask(question=question, recognised=recognise(question), tools=tools)
    found = asyncio.run(object_setting_field(ask, "Node/ip-1", node, ["vision/Deployment/plates", "Node/ip-1"]))
    assert found is not None and found[0] == "vision/Deployment/plates"
    assert asyncio.run(object_setting_field(ask, "vision/Deployment/plates", SELECTED, ["Node/ip-1"])) is None  # has it
