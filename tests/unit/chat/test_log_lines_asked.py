"""'whats the fan warning in its logs': warning lines, narrowed to those with the question's own words; a question
with words of its own and no warning asked: the lines with those words; a bare 'show me its logs': nothing extra."""

from __future__ import annotations

from sre_agent.chat.answer.logs import asked_lines

EVENTS = [{"time": "t1", "message": "INFO GET /fans/B-07/decision status=200"},
          {"time": "t2", "message": "WARN fan=F-12 bin=B-07 vibration=high (work order WO-5512 open)"},
          {"time": "t3", "message": "WARN disk usage 81% on /var/lib/grain"},
          {"time": "t4", "message": "INFO moisture sensor M-3 recalibrated"}]


def test_a_named_warning_is_the_warning_line_with_its_words():
    assert [e["time"] for e in asked_lines("whats the fan warning in aeration-controller's logs", "aeration-controller",
                                           EVENTS)] == ["t2"]


def test_warnings_without_words_of_their_own_are_every_warning_line():
    assert [e["time"] for e in asked_lines("whats the warning it keeps logging", "aeration-controller", EVENTS)] == ["t2", "t3"]


def test_words_without_a_warning_pick_the_lines_that_say_them():
    assert [e["time"] for e in asked_lines("anything about moisture in its logs", "aeration-controller", EVENTS)] == ["t4"]
    assert asked_lines("show me its logs", "aeration-controller", EVENTS) == []
