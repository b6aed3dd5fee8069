"""Each question form against a catalog world, through the real MCP servers: the facts an SRE
expects in the answer (from the scenario's description, not from what chat prints), and the
honesty rule: a stopped world is "could not check", never "healthy"."""

from __future__ import annotations

import functools
import re

import pytest

from sre_agent.app.options import RunOptions
from sre_agent.chat.conversation.repl import SessionRunner
from sre_agent.chat.conversation.session import ChatSession

from .conftest import text_of


@pytest.fixture(scope="module")
def regression(chat_on):
    return chat_on("bad-deploy-regression")  # checkout 2.3.0 -> 2.4.0 38 min ago; frontend latency alarm fires


def test_alarms_name_the_firing_alarm(regression):
    answer = regression.ask("are any alarms firing?")
    assert answer.status == "problems"
    assert "shop-frontend-latency-p99" in answer.headline
    assert [c.status for c in answer.coverage if c.backend == "cloudwatch"] == ["checked"]
    assert any(r.tool == "describe_alarms" for r in answer.evidence)


def test_what_is_broken_is_never_healthy_in_a_broken_world(regression):
    answer = regression.ask("what's broken right now?")
    assert answer.status == "problems" and "healthy" not in answer.headline.lower()
    assert answer.next_steps


def test_what_changed_finds_the_rollout_and_its_image_change(regression):
    answer = regression.ask("what changed in the last hour?")
    text = text_of(answer)
    assert "shop/Deployment/checkout" in text and "checkout:2.3.0" in text and "checkout:2.4.0" in text
    assert answer.resources[0] == "shop/Deployment/checkout"
    narrow = regression.ask("what changed in the last 10 minutes?")  # the rollout is older than that
    assert "checkout:2.4.0" not in text_of(narrow)


def test_rollback_safety_then_roll_it_back_is_an_approval_request_not_a_write(regression):
    safe = regression.ask("is it safe to roll back checkout?")
    text = text_of(safe)
    assert "revision 1" in text and "checkout:2.3.0" in text and "image" in text
    request = regression.ask("roll it back")  # "it": checkout, from the previous turn
    assert request.status == "approval_required" and request.approval is not None
    assert request.approval.tool == "rollout_undo"
    assert request.approval.args["to_revision"] == 1 and request.approval.args["name"] == "checkout"
    assert any("kubectl rollout undo deployment/checkout -n shop --to-revision=1" in s for s in request.next_steps)
    images = [c["image"] for c in regression.lab.store.get("Deployment", "shop", "checkout")["spec"]["template"]["spec"]["containers"]]
    assert images == ["ghcr.io/acme-shop/checkout:2.4.0"]  # chat changed nothing
    assert not any(r.tool == "rollout_undo" for r in request.evidence)


def test_follow_ups_use_the_previous_turns_resource(regression):
    regression.ask("is checkout healthy?")
    logs = regression.ask("show me its logs")
    assert logs.resources[0] == "shop/Deployment/checkout"
    assert "order summary" in text_of(logs)  # the 2.4.0 regression's error, from its logs
    deps = regression.ask("and its dependencies?")
    assert deps.resources[0] == "shop/Deployment/checkout" and "shop/Service/inventory" in text_of(deps)
    callers = regression.ask("what depends on it?")
    assert "shop/Deployment/frontend" in text_of(callers)


def test_status_of_the_alarmed_service_is_not_healthy(regression):
    answer = regression.ask("is frontend healthy?")
    assert answer.status == "problems" and "shop-frontend-latency-p99" in text_of(answer)


def test_why_is_it_failing_runs_the_investigation_and_the_runbook_follows(regression):
    answer = regression.ask("why is checkout failing?")
    assert answer.status == "problems" and answer.diagnosis
    assert answer.diagnosis["category"] == "bad_deploy_regression"
    assert answer.diagnosis["resource"] == "shop/Deployment/checkout"
    runbook = regression.ask("which runbook applies?")
    assert "bad_deploy_regression" in text_of(runbook)


def test_an_unread_question_says_so_and_answers_the_nearest_grounded_thing(regression):
    answer = regression.ask("tell me a story about checkout")
    # never a dead end: checkout's state, and a line saying the question itself was not read; checkout fails
    # about a tenth of its requests here (9-10%, with the minute's noise), and its state says so
    assert answer.form == "unrecognised" and answer.status in ("problems", "answered")
    assert "could not read what the question asks" in answer.next_steps[0] and "LLM" not in answer.headline
    failed = re.search(r"Service checkout failed (\d+(?:\.\d+)?)% of its requests", text_of(answer))
    assert failed is not None and 5 <= float(failed.group(1)) <= 15
    assert "shop/Deployment/checkout" in text_of(answer)
    assert regression.ask("help").status == "answered"


def test_an_unread_question_naming_nothing_gets_what_is_wrong_now(regression):
    answer = regression.ask("zzz quux frobnicate")
    assert answer.form == "unrecognised" and answer.status == "problems"
    assert "checkout" in text_of(answer) and "could not read" in answer.next_steps[0]


def test_crashlooping_pods_and_their_events(chat_on):
    chat = chat_on("crash-missing-env")  # payments 1.9.0 refuses to start without its webhook secret
    pods = chat.ask("any pods crashlooping?")
    assert pods.status == "problems" and "CrashLoopBackOff" in text_of(pods)
    assert "payments/Deployment/payments" in pods.resources
    events = chat.ask("events for payments")
    assert events.status == "problems" and "BackOff" in text_of(events)


def test_a_healthy_world_is_healthy_with_every_backend_checked(chat_on):
    chat = chat_on("healthy-baseline")
    for question in ("what's broken right now?", "are any alarms firing?", "any pods crashlooping?"):
        answer = chat.ask(question)
        assert answer.status == "healthy", (question, text_of(answer))
        assert all(c.status == "checked" for c in answer.coverage), answer.coverage


def test_a_stopped_world_is_could_not_check_never_healthy(lab_process, tmp_path):
    lab = lab_process("healthy-baseline")
    options = RunOptions(env=lab.env, state_dir=tmp_path, tracing_mode="off")
    runner = SessionRunner(session := ChatSession(options))
    runner.start()
    try:
        assert runner.run(functools.partial(session.ask, "is checkout healthy?")).status == "healthy"
        lab.stop()  # the world goes away under a running session
        for question in ("are any alarms firing?", "what's broken right now?", "any pods crashlooping?",
                         "what changed in the last hour?", "is it healthy?",
                         "is there a checkout-v2 service anywhere"):  # unknown, never "not found"
            answer = runner.run(functools.partial(session.ask, question))
            assert answer.status == "unknown", (question, text_of(answer))
            assert "could not check" in answer.headline
            assert "healthy" not in answer.headline.lower() and "nothing" not in answer.headline.lower()
    finally:
        runner.close()


def test_would_a_rollback_fix_it_names_both_revisions_and_blames_the_current_one(regression):
    answer = regression.ask("would a rollback of checkout fix it")
    text = text_of(answer)
    assert answer.form == "rollback_would_help"
    assert answer.headline.startswith("Yes"), answer.headline
    assert "checkout:2.4.0" in text and "checkout:2.3.0" in text and "revision 1" in text
    before = regression.ask("and what was it before that")  # "it": checkout, the previous revision's image
    assert before.form == "version" and "2.3.0" in text_of(before)


def test_a_name_no_object_has_is_not_found_never_answered_about_another(regression):
    missing = regression.ask("is there a checkout-v2 service anywhere")
    assert missing.status == "answered" and "not found" in missing.headline, missing.headline
    assert "shop/Deployment/checkout" not in missing.resources  # a look-alike is a suggestion, not the answer's subject
    run = regression.ask("did the nightly-export job finish")
    assert "not found" in run.headline and "nightly-export" in run.headline


def test_the_call_chain_is_walked_down_to_where_it_breaks(chat_on):
    chat = chat_on("upstream-dependency-down")  # ledger scaled to 0: payments and checkout fail every request
    walked = chat.ask("walk me down the call chain from frontend to whatever is broken")
    assert walked.status == "problems" and walked.form == "call_path"
    assert walked.headline.startswith("frontend -> checkout -> payments -> ledger: it breaks at ledger"), walked.headline
    assert walked.resources[0] == "payments/Deployment/ledger" and "no ready endpoint" in text_of(walked)
    to_it = chat.ask("whats the path from frontend to payments")  # a named target: the chain to it, and its state
    assert to_it.headline.startswith("frontend -> checkout -> payments: payments is broken"), to_it.headline
    nowhere = chat.ask("trace the call chain from frontend to nothing-here")
    assert nowhere.headline.startswith("nothing-here: not found") and nowhere.status == "answered"
