"""Answers an on-call can read at 3 a.m.: the headline, the handler's first facts, the lines that carry the
question's own words, each fact once, one next step -- and "more" for the rest."""

import pytest

from sre_agent.chat.conversation.brief import KEPT_FIRST, MAX_DETAILS, brief
from sre_agent.chat.conversation.render import render
from sre_agent.chat.models import Answer
from sre_agent.chat.understand.question_words import question_terms, ranked


def _answer(question: str, details: list[str], **fields) -> Answer:
    return Answer(question=question, form="status", headline="checkout: 1/3 ready", details=details,
                  resources=["shop/Deployment/checkout"], **fields)


LONG = [
    "pods: 1 Running, 2 CrashLoopBackOff",
    "last state: OOMKilled (exit 137) at 03:12",
    "image ghcr.io/shop/checkout:4.3.0",
    "on node ip-10-0-1-20",
    "env: DATABASE_URL from ConfigMap checkout-config",
    "requests cpu 250m, memory 512Mi; limits memory 768Mi",
    "probe: readiness GET /healthz :8080",
    "service checkout selects app=checkout",
]


@pytest.mark.parametrize(("question", "kept", "dropped"), [
    # the attribute asked for, spelled short, wins a place after the handler's own first lines
    ("whats the mem limit on checkout", ["768Mi"], ["readiness GET", "selects app"]),
    ("which node is checkout on", ["ip-10-0-1-20"], ["readiness GET"]),
    ("what image is checkout running", ["4.3.0"], ["readiness GET"]),
    ("what svc selects checkout", ["selects app=checkout"], ["readiness GET"]),
])
def test_the_lines_that_bear_on_the_question_are_kept(question, kept, dropped):
    text = render(_answer(question, LONG), evidence=False)
    assert all(k in text for k in kept), text
    assert not any(d in text for d in dropped), text
    assert "OOMKilled" in text  # the handler's own first lines stay, whatever the question's words
    assert "more: say 'more'" in text


def test_at_most_the_kept_lines_and_each_fact_once():
    details = [*LONG, LONG[1], LONG[1].upper()]
    cut = brief(_answer("is checkout ok", details))
    assert len(cut.details) <= MAX_DETAILS
    assert cut.details[:KEPT_FIRST] == LONG[:KEPT_FIRST]
    assert len({d.lower() for d in cut.details}) == len(cut.details)


def test_a_short_answer_is_shown_whole_and_says_nothing_of_more():
    answer = _answer("is checkout ok", LONG[:2], next_steps=["kubectl -n shop describe deploy checkout"])
    text = render(answer, evidence=False)
    assert "more" not in text and "kubectl -n shop describe deploy checkout" in text


def test_one_next_step_then_more_and_full_shows_everything():
    answer = _answer("is checkout ok", LONG, next_steps=["first", "second"])
    short, whole = render(answer, evidence=False), render(answer, evidence=False, full=True)
    assert "Next: first" in short and "second" not in short
    assert all(line in whole for line in LONG) and "second" in whole and "say 'more'" not in whole
    assert render(answer.model_copy(update={"full": True}), evidence=False) == whole  # "more": the answer shown whole


def test_an_indented_line_travels_with_its_fact():
    details = ["pods:", "  checkout-1 Running", "  checkout-2 OOMKilled", "node ip-10-0-1-20"]
    cut = brief(_answer("is checkout ok", details))
    assert cut.details[:3] == details[:3]


def test_no_absolute_paths_and_no_endless_lines():
    details = ["report /home/someone/.local/state/sre-agent/reports/run-1.md", "x" * 1000]
    cut = brief(_answer("why", details))
    assert "/home/someone" not in " ".join(cut.details) and "run-1.md" in cut.details[0]
    assert len(cut.details[1]) <= 300


def test_a_url_path_the_answer_is_about_is_kept():  # an HTTP probe's path is a fact, not this machine's file
    cut = brief(_answer("why is it not ready", ["readinessProbe GET /health/ready :8080 failing with 404"]))
    assert "/health/ready" in cut.details[0]


def test_question_terms_spell_out_kubectl_words_and_split_names():
    terms = question_terms("whats the mem on the checkout-api svc pls")
    assert {"memory", "service", "checkout", "api", "checkout-api"} <= terms
    assert "pls" not in terms and "the" not in terms


def test_an_evidence_quote_of_what_the_headline_says_is_said_once():
    headline = ("shop/Deployment/api: missing_config_ref: couldn't find key SLOT_MINUTES in ConfigMap shop/api-config; "
                "the pod template references a missing object")
    details = ["evidence ev-6 kubernetes.describe: couldn't find key SLOT_MINUTES in ConfigMap shop/api-config",
               "evidence ev-8 kubernetes.pod_logs: error: connection refused to db:5432 while loading the cache"]
    answer = _answer("why", details).model_copy(update={"headline": headline})
    assert brief(answer).details == [details[1]]  # the quote that says something new stays


def test_a_heading_the_headline_repeats_keeps_the_lines_under_it():
    from sre_agent.chat.conversation.render import render
    from sre_agent.chat.models import Answer

    answer = Answer(form="property", question="grep 'Last State'", status="answered",
                    headline="p/Pod/x status.containerStatuses[shipper].lastState: terminated: exitCode: 137",
                    details=["status.containerStatuses[shipper].lastState:", "    terminated:", "      reason: OOMKilled"])
    assert "reason: OOMKilled" in render(answer, evidence=False)


def test_a_path_a_change_sets_or_a_command_names_is_kept_whole():
    """"set INSTRUMENT_CA_BUNDLE=/etc/x/ca.pem": the value is the change -- shown cut, a human would copy the wrong one."""
    command = "To approve, run: kubectl set env deployment/gw -n lab INSTRUMENT_CA_BUNDLE=/etc/x/ca-bundle.pem"
    cut = brief(_answer("set INSTRUMENT_CA_BUNDLE=/etc/x/ca-bundle.pem", ["env INSTRUMENT_CA_BUNDLE=/etc/x/ca-bundle.pem",
                                                                           "mountPath: /etc/x"], next_steps=[command]))
    assert cut.next_step == command and "=/etc/x/ca-bundle.pem" in cut.details[0] and "mountPath: /etc/x" in cut.details[1]


def test_a_question_word_counts_where_a_word_of_the_line_begins_never_inside_one():
    lines = ["status.observedGeneration: 2", "targetPort: 8080", "restarts: 4"]
    scores = {line: score for score, _, line in ranked("which paths does it serve", lines)}
    assert scores["status.observedGeneration: 2"] == 0  # "serve" is not in observedGeneration
    best = {q: ranked(q, lines)[0][2] for q in ("what port does it target", "how many restart")}
    assert best == {"what port does it target": "targetPort: 8080", "how many restart": "restarts: 4"}


def test_a_command_and_a_taint_key_are_shown_exactly_as_they_run():
    """An image's registry host is dropped from prose, never from a command a human pastes, and a taint's domain is
    no registry host: node.kubernetes.io/disk-pressure:NoSchedule keeps its key."""
    image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app:2.7.0"
    answer = Answer(question="fix it", form="write_request", status="approval_required",
                    headline="Approval needed: remove taint node.kubernetes.io/disk-pressure:NoSchedule from node n1",
                    details=[f"it ran {image} before", f"or: `kubectl set image deploy/app app={image}`"],
                    next_steps=["To approve, run: kubectl taint node n1 node.kubernetes.io/disk-pressure:NoSchedule-"])
    short = brief(answer)
    assert "node.kubernetes.io/disk-pressure:NoSchedule from node n1" in short.headline
    assert short.next_step == "To approve, run: kubectl taint node n1 node.kubernetes.io/disk-pressure:NoSchedule-"
    assert "it ran team/app:2.7.0 before" in short.details  # prose: the host dropped
    assert f"or: `kubectl set image deploy/app app={image}`" in short.details  # the command: whole
