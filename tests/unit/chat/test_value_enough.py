"""'would 512Mi be enough', 'is 1.5 cores enough for it': a value said is judged by what was measured -- held at its
limit (OOM-killed, throttled) means more than the limit, how much more unmeasured; else the most it used lately."""

from __future__ import annotations

import pytest

from sre_agent.chat.answer.needs import value_said, verdict_on
from sre_agent.chat.understand.forms import recognise

MI = 2 ** 20


@pytest.mark.parametrize("question, said", [
    ("would 512Mi be enough", ("512Mi", 512 * MI)),
    ("is 1.5 cores enough for it", ("1.5 cores", 1.5)),
    ("will a 1Gi limit do", ("1Gi", 1024 * MI)),
    ("would 750m be enough for the api", ("750m", 0.75)),
])
def test_the_value_said_is_read_with_its_unit_and_the_question_as_a_need(question, said):
    assert value_said(question) == said
    assert recognise(question).form == "resource_need"


@pytest.mark.parametrize("said, limit, hit, used, starts", [
    (("128Mi", 128 * MI), "128Mi", "OOM-killed", None, "No: it is OOM-killed at its 128Mi limit"),
    (("512Mi", 512 * MI), "128Mi", "OOM-killed", None, "Probably -- not measured: 512Mi is above the 128Mi limit"),
    (("500m", 0.5), "500m", "throttled", None, "No: it is throttled at its 500m limit"),
    (("512Mi", 512 * MI), "1Gi", None, 30.0, "Yes: it used at most ~308Mi"),
    (("256Mi", 256 * MI), "1Gi", None, 30.0, "No: it used ~308Mi"),
    (("320Mi", 320 * MI), "1Gi", None, 30.0, "Tight: it used up to ~308Mi"),
    (("512Mi", 512 * MI), "1Gi", None, None, "Not measured"),
])
def test_the_verdict_comes_from_what_was_measured(said, limit, hit, used, starts):
    assert verdict_on(said, "cpu" if said[0].endswith("m") else "memory", limit, hit, used).startswith(starts)


def test_an_amount_given_to_what_is_named_is_the_quantity_asked():
    from sre_agent.chat.act.plans import quantity_asked
    assert quantity_asked("give the log-shipper 4Gi and be done with it", "memory") == "4Gi"
    assert quantity_asked("give it 2 cores", "cpu") == "2"
