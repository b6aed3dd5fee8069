"""What an object records of its own last change, the incident's reach, a summary, and config edits as changes -- asked
in a lab where a dependency was scaled to zero on purpose (its annotations carry the decommission, a change ticket,
who asked) and its callers fail; then a ConfigMap is edited with the real kubectl, as a person would."""

from __future__ import annotations

import functools
import os
import subprocess
from pathlib import Path

import pytest

from sre_agent.app.options import RunOptions
from sre_agent.chat.conversation.repl import SessionRunner
from sre_agent.chat.conversation.session import ChatSession
from sre_agent.lab.lab import Lab

from .conftest import text_of

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


@pytest.fixture(scope="module")
def chat(tmp_path_factory):
    lab = Lab(scenario_dirs=[SCENARIOS]).start()
    lab.load("dependency-scaled-down-on-purpose")
    session = ChatSession(RunOptions(env=lab.env(), state_dir=tmp_path_factory.mktemp("records"), tracing_mode="off"))
    runner = SessionRunner(session)
    runner.start()
    yield lab, lambda question: runner.run(functools.partial(session.ask, question))
    runner.close()
    lab.stop()


def test_a_troubled_object_shows_the_note_people_left_first_and_was_that_on_purpose_quotes_it(chat):
    _, ask = chat
    state = ask("is ledger ok?")
    assert state.status == "problems" and "scaled to 0" in state.headline
    assert state.details[0].startswith("note ops.example.com/decommission:") and "PLAT-881" in state.details[0]
    record = ask("was that on purpose")
    assert record.form == "change_record" and record.resources == ["payments/Deployment/ledger"]
    assert "PLAT-881" in record.headline and any("j.ortiz" in d for d in record.details)


def test_a_question_no_form_reads_is_answered_by_the_line_of_the_world_that_carries_its_words(chat):
    _, ask = chat
    answer = ask("what is PLAT-881?")  # the ticket is written only in an annotation: search_text finds it over MCP
    assert answer.form == "grounded_search" and answer.status == "answered"
    assert answer.headline.startswith("retired in favour of the ledger-v2 service, change PLAT-881")
    assert "ops.example.com/decommission" in answer.headline and "Found by the question's words (plat-881)" in text_of(answer)


def test_how_bad_names_what_depends_on_the_problem_once_each(chat):
    _, ask = chat
    reach = ask("how bad is it")
    assert reach.form == "impact" and reach.status == "problems", text_of(reach)
    assert reach.headline.startswith("payments/Deployment/ledger") and "checkout" in reach.headline
    named = reach.headline.split("are hit: ", 1)[1].split(", ")
    assert len(named) == len(set(named)) and "ledger" not in named


def test_a_summary_is_the_investigation_as_facts_with_no_raw_tool_output(chat):
    _, ask = chat
    summary = ask("summarize this for the incident channel")
    assert summary.form == "compose" and summary.full and summary.status != "needs_llm", text_of(summary)
    assert summary.headline.startswith("Summary (facts, not prose") and "ledger" in summary.headline
    assert not any(d.startswith("evidence ") and ": {" in d for d in summary.details)


def test_a_configmap_edited_with_kubectl_is_a_change_and_its_record_says_who_and_what_it_holds(chat):
    lab, ask = chat
    patched = subprocess.run(["kubectl", "-n", "shop", "patch", "configmap", "inventory-config", "-p",
                              '{"data":{"WAREHOUSE_REGION":"us-west-2"}}'], env={**os.environ, **lab.env()},
                             capture_output=True, text=True, timeout=60)
    assert patched.returncode == 0, patched.stderr
    changed = ask("what changed in the last hour")
    assert any(d.startswith("config: shop/ConfigMap/inventory-config written") for d in changed.details), text_of(changed)
    record = ask("who touched the inventory-config configmap")
    assert record.form == "change_record" and "last written by kubectl" in record.headline, text_of(record)
    assert "WAREHOUSE_REGION=us-west-2" in record.details


def test_who_cordoned_it_after_a_list_of_nodes_means_the_cordoned_one(chat_on):
    chat = chat_on("statefulset-member-on-cordoned-node", scenario_dirs=[SCENARIOS])
    listed = chat.ask("which nodes do we have")
    assert listed.resources[0] != "Node/ip-10-0-2-34.ec2.internal"  # the cordoned node is not the list's first
    record = chat.ask("who cordoned it and why")
    assert record.resources == ["Node/ip-10-0-2-34.ec2.internal"], text_of(record)
    assert "CHG-5120" in record.headline and any("a.nakamura" in d for d in record.details)
