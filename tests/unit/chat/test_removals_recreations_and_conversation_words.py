"""Requests read by what they change, and words read by the conversation they are said in: a field taken out by its
name is a patch of that field, never the object deleted; a Pending claim re-created on another StorageClass is the
kubectl pipeline that does it (a Bound one is refused: its data); kubectl's undo keeps the revision or version it
names; a one-word question that is a word of the diagnosis just given ("leak?" after memory_leak) is about it, not
about an object whose name carries the word."""

from __future__ import annotations

import pytest

from sre_agent.chat.act.change_plans import change_verb, plan_for
from sre_agent.chat.act.plans import BY_HAND
from sre_agent.chat.understand.grounding import _conversation_word
from sre_agent.chat.understand.inventory import Known, Mention
from sre_agent.chat.understand.kubectl_speak import translate

PINNED = {"spec": {"template": {"spec": {"nodeSelector": {"example.io/pool": "edge"}, "containers": [{"name": "web"}]}}}}


@pytest.mark.parametrize(("question", "verb"), [
    ("remove the nodeselector", "unset"),
    ("drop the nodeSelector from outage-map so it runs on the general nodes", "unset"),
    ("remove the outage-map deployment", "delete"),  # the object named: deleted (and guarded as before)
    ("delete the pending pods", "delete"),
    ("patch scada-bridge livenessProbe path to /healthz", "probe"),
])
def test_a_field_removed_by_its_name_is_a_field_change_never_a_delete(question, verb):
    assert change_verb(question) == verb


def test_the_removal_patch_takes_out_only_that_field():
    plan = plan_for("remove the nodeselector", "public/Deployment/outage-map", PINNED)
    assert not isinstance(plan, str) and plan.tool == BY_HAND
    assert '"op": "remove", "path": "/spec/template/spec/nodeSelector"' in plan.kubectl
    unset = plan_for("remove the affinity", "public/Deployment/outage-map", PINNED)
    assert isinstance(unset, str) and "no such field" in unset  # not set: said, never a delete


@pytest.mark.parametrize(("phase", "question", "pinned"), [
    ("Pending", "recreate the pvc with gp3-tsdb", "gp3-tsdb"),
    ("Pending", "ok recreate the claim on gp3-retain and kick indexer-2", "gp3-retain"),
    ("Pending", "recreate it", None),  # no class said: asked for
    ("Bound", "recreate the pvc with gp3", None),  # its volume's data would go with it
])
def test_a_pending_claim_is_recreated_on_the_class_said(phase, question, pinned):
    claim = {"spec": {"storageClassName": "gp3-tsbd"}, "status": {"phase": phase}}
    plan = plan_for(question, "tsdb/PersistentVolumeClaim/data-db-0", claim)
    if pinned is None:
        assert isinstance(plan, str)
        return
    assert not isinstance(plan, str) and f'"storageClassName": "{pinned}"' in plan.kubectl
    assert plan.kubectl.endswith("kubectl replace --force -f -")


@pytest.mark.parametrize(("typed", "asked"), [
    ("rollout undo report-renderer to 2.6.4", "roll back report-renderer to 2.6.4"),
    ("kubectl rollout undo deploy/report-renderer --to-revision=1", "roll back report-renderer to revision 1"),
    ("k -n x rollout undo deploy/report-renderer --to-revision 3", "roll back report-renderer to revision 3"),
    ("kubectl rollout undo deploy/report-renderer", "roll back report-renderer"),
])
def test_kubectls_undo_keeps_the_revision_or_version_it_names(typed, asked):
    read = translate(typed)
    assert read is not None and read.question == asked


DETECTOR = Known("Deployment", "leak-detector", "acoustic")


@pytest.mark.parametrize(("span", "said", "conversational"), [
    ("leak", {"memory", "leak", "report"}, True),  # the diagnosis's word
    ("leak", {"memory", "oom"}, False),  # not said before: a token of a name, read as before
    ("leak-detector", {"leak", "detector"}, False),  # the whole name is always the object
])
def test_a_word_of_the_diagnosis_just_given_is_the_conversations_not_a_name(span, said, conversational):
    mention = Mention(span, None, [(0.9, DETECTOR)], None)
    assert _conversation_word(mention, said) is conversational


@pytest.mark.parametrize(("question", "value"), [
    # the port said of a URL the key holds: that URL with the port, never the word "port" (fernhollow fh06)
    ("set BILLING_API_URL back to port 8080 and restart customer-portal", "http://billing.b.svc:8080/v2"),
    ("set BILLING_API_URL to http://billing.b.svc:9000/v2", "http://billing.b.svc:9000/v2"),  # a whole value: as said
])
def test_a_port_said_of_a_url_setting_changes_only_its_port(question, value):
    from sre_agent.chat.act.config_key_plans import config_key_plan

    plan = config_key_plan(question, "public/ConfigMap/portal-config",
                           {"data": {"BILLING_API_URL": "http://billing.b.svc:8443/v2", "REDIS_URL": "redis://r:6379"}})
    assert not isinstance(plan, str) and f'"BILLING_API_URL": "{value}"' in plan.kubectl
