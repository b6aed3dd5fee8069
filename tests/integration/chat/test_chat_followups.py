"""Turns that lean on the answer before them, asked over the lab: "exit code?" and "the limit on that container" after a
diagnosis answer one property of what was diagnosed (the container found in trouble, not the app container beside it);
"since when" gives the first sign of trouble with its time; and a follow-up with nothing before it is no follow-up."""

from __future__ import annotations

from pathlib import Path

from .conftest import text_of

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def test_fragments_after_a_diagnosis_ask_about_what_was_diagnosed(chat_on):
    chat = chat_on("sidecar-oom-after-app-release", scenario_dirs=[SCENARIOS])
    first = chat.ask("why is reviews failing")
    assert first.form == "why_failing", text_of(first)
    code = chat.ask("exit code?")
    assert code.form == "property" and "exit code 137" in code.headline, text_of(code)
    limit = chat.ask("whats the limit on that container")
    assert limit.form == "property" and "container proxy" in limit.headline and "128Mi" in limit.headline, text_of(limit)
    assert "512Mi" not in limit.headline  # the app container's limit is another container's fact
    since = chat.ask("since when")
    assert since.form == "onset" and since.headline.startswith("Since about "), text_of(since)
    assert "UTC" in since.headline and "reviews" in since.headline


def test_a_fragment_with_no_answer_before_it_is_not_read_as_a_follow_up(chat_on):
    chat = chat_on("sidecar-oom-after-app-release", scenario_dirs=[SCENARIOS])
    cold = chat.ask("would that hold")
    assert cold.form not in ("fix_it", "rollback_would_help", "restart_would_help", "scale_would_help"), text_of(cold)
