"""A change ticket said as what to undo is read as the undo of the rollout it records, never as an object's name
(chat/understand/tickets.py); the rollback goes to the revision before the one whose change cause carries it."""

import pytest

from sre_agent.chat.understand.forms import recognise
from sre_agent.chat.understand.tickets import ticket_in, ticket_undone


@pytest.mark.parametrize("question, subject", [
    ("undo LC-402 on transcode-worker", "transcode-worker"),
    ("rollout undo LC-415 on lecture-upload-api", "lecture-upload-api"),
    ("ok go ahead and undo GRD-431 on grading-service", "grading-service"),
    ("revert the CHG-4471 release on booking-frontend", "booking-frontend"),
])
def test_a_ticket_undone_is_the_rollout_it_records(question, subject):
    rewritten = ticket_undone(question)
    assert rewritten is not None and ticket_in(rewritten) == ticket_in(question)
    recognised = recognise(rewritten)
    assert (recognised.form, recognised.subject) == ("rollback_request", subject)


@pytest.mark.parametrize("question", [
    "undo the rollout on transcode-worker",  # no ticket
    "roll back lc-402 please",  # lower case: a name, as Kubernetes names are
    "what is LC-402",  # a ticket asked about, not undone
])
def test_no_ticket_undone_leaves_the_question_as_typed(question):
    assert ticket_undone(question) is None



def test_the_object_a_ticket_changed_is_the_one_whose_note_records_it():
    import asyncio

    from sre_agent.chat.ask import Ask
    from sre_agent.chat.understand.tickets import ticket_holder
    from tests.unit.chat.test_grounded_search import World

    note = ("notify/ConfigMap/sms-sender", "metadata.annotations.example.io/change", "MSG-161 sender id to MOSSBANK")
    pod_copy = ("notify/Pod/sender-abc", "metadata.annotations.example.io/change", "MSG-161 sender id to MOSSBANK")
    said = ("notify/ConfigMap/other", "data.NOTE", "see MSG-161")  # a value that mentions it is no note on a change
    question = "revert MSG-161"
    ask = Ask(question=question, recognised=recognise(question), tools=World(matches=[note, pod_copy, said]))
    assert asyncio.run(ticket_holder(ask, "MSG-161")) == "notify/ConfigMap/sms-sender"
    two = World(matches=[note, ("notify/Deployment/sender", "metadata.annotations.x", "MSG-161 too")])
    assert asyncio.run(ticket_holder(Ask(question=question, recognised=recognise(question), tools=two), "MSG-161")) is None


def test_an_undo_of_a_ticket_is_of_the_object_whose_note_records_it_never_a_look_alike_of_the_word_ticket():
    import asyncio

    from sre_agent.chat.ask import Ask
    from sre_agent.chat.conversation.graph import _ticket_held
    from tests.unit.chat.test_grounded_search import World

    question = ticket_undone("undo the DEP-715 rollout")  # "undo the rollout, ticket DEP-715": "ticket" is a guessed word
    note = ("depot/Deployment/depot-scheduler", "metadata.annotations.kubernetes.io/change-cause", "DEP-715: 5.5.0 (24Gi)")
    ask = Ask(question=question, recognised=recognise(question), tools=World(matches=[note]))
    assert asyncio.run(_ticket_held(ask)) == ("DEP-715", "depot/Deployment/depot-scheduler")
