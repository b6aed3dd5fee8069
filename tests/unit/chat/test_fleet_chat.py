"""Chat over several clusters: a question goes to the cluster it names (the name taken out of it), else to the
cluster the conversation is on, else to every cluster -- and the joined answer never calls a cluster healthy that
was not seen."""

from __future__ import annotations

import pytest

from sre_agent.chat.conversation.fleet import focus_after, join_answers, route_question
from sre_agent.chat.models import Answer
from sre_agent.contracts import BackendCheck

CLUSTERS = ["prod-eu", "prod-us", "staging"]


@pytest.mark.parametrize("question, focus, clusters, asked", [
    ("is payments ok in prod-eu?", None, ["prod-eu"], "is payments ok?"),
    ("prod-us: what's broken", "prod-eu", ["prod-us"], "what's broken"),
    ("why is checkout on staging crashing", None, ["staging"], "why is checkout crashing"),
    ("what changed in prod-eu's shop namespace", None, ["prod-eu"], "what changed shop namespace"),
    ("PROD-EU payments status", None, ["prod-eu"], "payments status"),
    # a name inside another word is not the cluster ("prod-eu-db" is an object)
    ("is prod-eu-db healthy", None, CLUSTERS, "is prod-eu-db healthy"),
    ("roll it back", "prod-us", ["prod-us"], "roll it back"),
    ("which clusters have crash-looping pods?", None, CLUSTERS, "which clusters have crash-looping pods?"),
    ("compare prod-eu and prod-us", None, ["prod-eu", "prod-us"], "compare prod-eu and prod-us"),
])
def test_a_question_goes_where_it_says_else_where_the_conversation_is_else_everywhere(question, focus, clusters, asked):
    routed = route_question(question, CLUSTERS, focus)
    assert routed.clusters == clusters
    assert routed.question == asked


def answer(status: str, headline: str, backend_status: str = "checked") -> Answer:
    return Answer(question="q", form="broken_now", status=status, headline=headline, resources=["shop/Deployment/a"],
                  next_steps=[f"fix {headline}"], coverage=[BackendCheck(backend="kubernetes", status=backend_status)])


def test_the_joined_answer_says_which_clusters_have_problems_and_which_could_not_be_checked():
    joined = join_answers("what's broken?", {
        "prod-eu": answer("healthy", "nothing broken"),
        "prod-us": answer("problems", "checkout crashlooping"),
        "staging": answer("unknown", "could not check kubernetes", "could_not_check")})
    assert joined.status == "problems"
    assert joined.headline == "problems in prod-us (1 of 3 clusters); healthy: prod-eu; could not check: staging"
    assert joined.details[1] == "prod-us: checkout crashlooping"
    assert joined.next_steps == ["prod-us: fix checkout crashlooping"]
    assert [c.backend for c in joined.coverage] == ["prod-eu/kubernetes", "prod-us/kubernetes", "staging/kubernetes"]


@pytest.mark.parametrize("statuses, status", [
    (["healthy", "healthy"], "healthy"),
    (["healthy", "unknown"], "unknown"),  # never healthy unseen
    (["answered", "healthy"], "answered"),
])
def test_a_fleet_is_healthy_only_when_every_cluster_said_so(statuses, status):
    joined = join_answers("q", {f"c{i}": answer(s, s) for i, s in enumerate(statuses)})
    assert joined.status == status


def test_after_asking_every_cluster_the_conversation_is_on_the_one_with_a_problem():
    assert focus_after(["prod-us"]) == "prod-us"
    assert focus_after(["prod-us", "staging"]) is None
    assert focus_after([]) is None
