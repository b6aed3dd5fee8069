"""A backlog is the count the broker or its consumer prints (chat/answer/backlog.py): the number beside the words that
say work waits, in whichever order a log writes them; the consumers its newest line counts; and the questions that ask
for it are read as such, never as a health check whose "Ready" says nothing of a queue's depth."""

from __future__ import annotations

import pytest

from sre_agent.chat.answer.backlog import consumers_in, counts_in
from sre_agent.chat.understand.forms import recognise


@pytest.mark.parametrize("line, count", [
    ("2026-11-29T03:02:11Z queue 'cdn.purge' in vhost '/': 5317 messages ready, 0 consumers", 5317),
    ("consumer group ingest lag 1,840 on topic results", 1840),
    ("backlog=212 oldest=95s", 212),
    ("queue depth: 90", 90),
    ("pending: 31 jobs", 31),
    ("processed 400 records in 2.1s", None),  # work done, not work waiting
    ("GET /healthz 200 3ms", None),
])
def test_the_count_beside_the_words_that_say_work_waits_is_the_backlog(line, count):
    assert [n for n, _ in counts_in([line])] == ([count] if count is not None else [])


def test_the_consumers_are_the_newest_lines():
    lines = ["2 consumers attached", "consumer connection closed", "queue 'q': 10 messages ready, 0 consumers"]
    assert consumers_in(lines) == 0 and consumers_in(["nothing here"]) is None


@pytest.mark.parametrize("question", [
    "How many purge messages are waiting?", "is the purge queue backing up", "whats the backlog on orders queue",
    "whats the consumer lag", "how many jobs are queued",
])
def test_a_backlog_question_is_read_as_one(question):
    assert recognise(question).form == "backlog"


@pytest.mark.parametrize("typed, meant", [
    ("y is calibration at 0", "why is calibration at 0"),
    ("data reduction hasnt run in an hour y", "data reduction hasn't run in an hour why"),
    ("plot x y axis", "plot x y axis"),  # a "y" inside a question is no why
])
def test_a_y_typed_for_why_is_read_as_why(typed, meant):
    from sre_agent.chat.understand.spelling import normalise
    assert normalise(typed) == meant


@pytest.mark.parametrize("question, subject", [
    ("revert the reminder-templates edit", "reminder-templates"),
    ("roll the vetrx-supply api deployment back to 2026.47.3", "api"),
    ("roll the ingester back", "ingester"),
])
def test_a_rollback_said_with_a_determiner_or_a_kind_noun_is_one(question, subject):
    read = recognise(question)
    assert read.form == "rollback_request" and read.subject == subject



def test_a_two_letter_term_is_looked_for_a_function_word_is_not():
    from sre_agent.chat.answer.grounded_search import concepts_of
    assert "gc" in concepts_of("what were the gc pauses like", ["scheduler-api"])
    assert "is" not in concepts_of("is it in the db", []) and "db" in concepts_of("is it in the db", [])
