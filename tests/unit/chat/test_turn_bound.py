"""A chat turn is bounded: one that has not answered by the session's chat_turn_timeout_s says so, and the session
stays usable -- a loop or a backend that never answers must not hang the on-call's terminal."""

from __future__ import annotations

import asyncio

from sre_agent.app.options import RunOptions
from sre_agent.chat.conversation.session import ChatSession


class Forever:
    async def ainvoke(self, *args, **kwargs):
        await asyncio.sleep(3600)


class Answers:
    async def ainvoke(self, inputs, config, context=None):
        return {"turns": [{"question": inputs["question"], "answer": {"question": inputs["question"], "form": "help",
                                                                      "status": "answered", "headline": "ok"},
                           "at": "2026-11-28T23:00:00Z"}]}


def test_a_turn_that_does_not_answer_in_time_says_so_and_the_next_one_answers(tmp_path):
    session = ChatSession(RunOptions(state_dir=tmp_path, tracing_mode="off", chat_turn_timeout_s=0.2), tools=object())
    session.graph = Forever()
    stopped = asyncio.run(session.ask("why is exam-sessions empty"))
    assert stopped.status == "unknown" and stopped.headline.startswith("could not answer within 0 s: the turn was stopped")
    session.graph = Answers()
    assert asyncio.run(session.ask("help")).headline == "ok"
