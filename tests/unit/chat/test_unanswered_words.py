"""The question's own words an answer leaves unsaid are looked up where the world writes them and said beside it:
"how many charge points were added, and when?" answered with the gateway's state gains the log line that counts them."""

from __future__ import annotations

import asyncio

from sre_agent.chat.answer.unanswered_words import beside
from sre_agent.chat.ask import Ask
from sre_agent.chat.models import Answer
from sre_agent.chat.understand.forms import recognise

from .test_grounded_search import World

GATEWAY = "charging/Deployment/charger-gateway"
STATE = Answer(question="", form="status", status="problems", headline=f"{GATEWAY} is not healthy: CPU throttled 41%",
               details=["3/3 replicas ready"], resources=[GATEWAY])


def supplemented(question: str, world: World, answer: Answer = STATE, form: str = "status") -> Answer:
    ask = Ask(question=question, recognised=recognise(question).model_copy(update={"form": form}), tools=world, focus=[])
    ask.resource = GATEWAY
    return asyncio.run(beside(ask, answer.model_copy(update={"question": question, "form": form})))


def test_the_line_carrying_the_words_the_answer_leaves_unsaid_is_said_after_what_the_form_found():
    world = World(logs=["GET /ocpp 200 3ms",
                        'msg="charge points registered" added=118 fleet_before=204 fleet_after=322 ticket=CHG-0934'])
    got = supplemented("How many charge points were added, and when?", world)
    assert got.headline == STATE.headline and got.details[0] == "3/3 replicas ready"
    assert "added=118" in got.details[1] and "the question's words" in got.details[1]


def test_an_answer_that_carries_every_word_of_the_question_is_left_as_it_is_and_nothing_is_looked_up():
    world = World(logs=["throttled at the limit"])
    got = supplemented("is the gateway throttled", world,
                       answer=STATE.model_copy(update={"headline": f"{GATEWAY}: gateway CPU throttled 41%"}))
    assert got.details == STATE.details and world.calls == []


def test_no_line_carrying_enough_of_the_words_adds_nothing():
    got = supplemented("how many charge points were added", World(logs=["GET /ocpp 200 3ms"]))
    assert got.details == STATE.details


def test_a_request_to_act_or_a_pinned_change_is_never_supplemented():
    world = World(logs=['msg="charge points registered" added=118'])
    assert supplemented("raise the charge point limit to 400", world, form="write_request").details == STATE.details
    assert world.calls == []
