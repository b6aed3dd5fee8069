"""Change requests as an on-call types them cold: the namespace after the object ("scale bin-state-cache in telemetry
to 4"), a kind noun after the name ("roll back the ledger-pg statefulset"), a name with a verb's word in it
("image-intake"); a new request never folded into the last one's unanswered question; a quota "raise" never lower."""

from __future__ import annotations

import pytest

from sre_agent.chat.act.change_plans import change_verb, plan_for
from sre_agent.chat.act.plans import Plan
from sre_agent.chat.understand.followups import completed_request
from sre_agent.chat.understand.forms import recognise


@pytest.mark.parametrize("question, form, subject, namespace", [
    ("scale bin-state-cache in telemetry to 4", "write_request", "bin-state-cache", "telemetry"),
    ("scale bid-api in trading to 8 now", "write_request", "bid-api", "trading"),
    ("undo the contract-api rollout in trading", "rollback_request", "contract-api", "trading"),
    ("roll back the ledger-pg statefulset in settlement", "rollback_request", "ledger-pg", "settlement"),
    ("undo the last change to the elevator-pg statefulset in elevator", "rollback_request", "elevator-pg", "elevator"),
    ("roll bid-api in trading back to 7.2.0", "rollback_request", "bid-api", "trading"),
    ("bump the memory limit on image-intake in vision to 1Gi", "write_request", "image-intake", "vision"),
])
def test_a_namespace_after_the_object_is_the_scope(question, form, subject, namespace):
    recognised = recognise(question)
    assert (recognised.form, recognised.subject, recognised.namespace) == (form, subject, namespace)


@pytest.mark.parametrize("question", ["scale in the workers to 2", "restart checkout in the last hour",
                                      "what is broken in the cluster"])
def test_an_in_that_is_not_a_namespace_is_left_alone(question):
    assert recognise(question).namespace is None


def test_a_new_request_is_not_a_fragment_of_the_one_still_waiting():
    waiting = {"status": "needs_subject", "form": "write_request", "question": "bump the memory limit on image-intake to 1Gi"}
    assert completed_request("raise the pods quota in portal to 20", waiting) is None
    assert completed_request("scale bid-api in trading to 8", waiting) is None
    assert completed_request("image-intake in vision", waiting) is not None  # a bare naming turn still completes it
    # a request no form reads, with its own verb: never the waiting request's verb on its object (a delete of the Secret)
    deleting = {"status": "needs_subject", "form": "node_or_pod_write", "question": "delete the imagepullbackoff pods"}
    assert completed_request("update marlow-registry with the current harbor robot secret", deleting) is None


def test_a_dashed_name_is_not_the_verb():
    assert change_verb("bump the memory limit on image-intake in vision to 1gi") == "resources"
    assert change_verb("set the image of image-intake to repo/x:2") == "image"
    assert change_verb("re-run the export") == "rerun"


QUOTA = {"spec": {"hard": {"pods": "10", "requests.cpu": "6", "requests.memory": "12Gi"}}}


def test_a_pods_quota_raise_is_its_pod_count_and_never_lower():
    plan = plan_for("raise the pods quota to 20", "portal/ResourceQuota/portal-pods", QUOTA)
    assert isinstance(plan, Plan) and plan.tool == "raise_quota" and plan.args["hard"] == {"pods": "20"}
    lowered = plan_for("raise the quota memory to 1Gi", "portal/ResourceQuota/portal-pods", QUOTA)
    assert isinstance(lowered, str) and "would not raise it" in lowered and "12Gi" in lowered


@pytest.mark.parametrize("question, kind", [
    ("what secret does ticket-api read its db password from", None),  # the Secret is the answer, ticket-api the subject
    ("which configmap does grading-api mount", None),
    ("events of the pvc", "PersistentVolumeClaim"),  # a kind noun naming the subject still does
])
def test_an_interrogative_on_a_kind_noun_asks_for_an_object_of_that_kind(question, kind):
    from sre_agent.chat.ask import Ask
    from sre_agent.chat.understand.references import _question_kind
    assert _question_kind(Ask(question=question, recognised=recognise(question), tools=None)) == kind


@pytest.mark.parametrize("question, form, subject, verb", [
    ("untaint ox-telemetry-1, drop oxbow.coop/maintenance", "node_or_pod_write", "ox-telemetry-1", "taint"),
    ("point the grading-api service selector at app.oxbow.coop/service=grading-api", "node_or_pod_write", "grading-api",
     "selector"),  # "point ... at" is a selector here, not a targetPort
])
def test_kubectl_words_for_node_and_service_edits(question, form, subject, verb):
    recognised = recognise(question)
    assert (recognised.form, recognised.subject) == (form, subject)
    assert change_verb(question) == verb


@pytest.mark.parametrize("question", ["whats pending in sandbox", "what is stuck in batch"])
def test_what_is_pending_in_a_namespace_is_what_is_broken_there(question):
    from sre_agent.chat.answer.health import TRAILING_IN
    assert recognise(question).form == "broken_now"
    assert TRAILING_IN.search(question).group(1) in ("sandbox", "batch")


@pytest.mark.parametrize("question, form, subject", [
    ("would scaling scale-gateway out help", "scale_would_help", "scale-gateway"),
    ("would more replicas of bid-api fix it", "scale_would_help", "bid-api"),
    ("would adding replicas help", "scale_would_help", None),
    ("scale bid-api to 4", "write_request", "bid-api"),  # the request itself, not the question
    ("and before that", "version", None),
    ("scale-gateway p99 alarm, whats causing it", "alarm_why", None),
])
def test_questions_about_a_remedy_or_the_revision_before(question, form, subject):
    recognised = recognise(question)
    assert (recognised.form, recognised.subject) == (form, subject)
