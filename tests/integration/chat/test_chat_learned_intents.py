"""A question no form's pattern reads and that names no object, at the start of a conversation: where chat used to
answer "needs an LLM brain" and the /help list, the intent classifier's confident reading is answered, saying so."""

from __future__ import annotations

from .conftest import text_of


def test_a_question_in_words_no_pattern_knows_is_answered_as_the_form_it_reads_like(chat_on):
    chat = chat_on("bad-image")
    answer = chat.ask("is the whole thing on fire or what")
    assert answer.form == "broken_now", text_of(answer)
    assert "read as 'broken_now' by the intent model" in text_of(answer)
    assert "shop/Deployment/catalog" in answer.resources and answer.status == "problems"
