"""Retries with jittered doubling backoff, then the fallback model; permanent errors skip straight on;
a rejected request is repaired once and never costs the model its place for the run."""

from __future__ import annotations

import asyncio
import random

import pytest
from llm_fakes import ScriptedChatModel, always_failing, answer

from sre_agent.brains.llm.providers import ModelHandle
from sre_agent.brains.llm.resilience import BudgetSpent, ModelChain, ModelUnavailable, backoff_delay, classify
from sre_agent.brains.llm.settings import LlmSettings
from sre_agent.brains.llm.usage import UsageMeter

THROTTLED = RuntimeError("ThrottlingException: Rate exceeded")


def test_retry_backoff_doubles_and_permanent_errors_skip_to_the_fallback():
    class Forbidden(Exception):
        status_code = 403

    delays: list[float] = []

    async def sleep(seconds: float) -> None:
        delays.append(seconds)

    def handle(name: str, respond) -> ModelHandle:
        return ModelHandle("bedrock", name, ScriptedChatModel(respond=respond, model_id=name))

    async def ask(chain: ModelChain):
        async def call_(h: ModelHandle):
            message = await h.model.ainvoke("hi")
            return message.text, message
        return await chain.ask("test", call_)

    settings = LlmSettings(retries=3, backoff_s=0.5)
    throttled = ModelChain([handle("a", always_failing(THROTTLED)), handle("b", lambda m, b: answer(text="ok"))],
                           settings, UsageMeter(), sleep)
    value, used = asyncio.run(ask(throttled))
    assert (value, used.model_id) == ("ok", "b")
    # Equal jitter: each delay lies between half the doubled delay and the full doubled delay.
    assert [ceiling / 2 <= delay <= ceiling for delay, ceiling in zip(delays, [0.5, 1.0, 2.0], strict=True)] == [True] * 3

    delays.clear()
    denied = ModelChain([handle("a", always_failing(Forbidden("AccessDenied"))), handle("b", always_failing(THROTTLED))],
                        LlmSettings(retries=1, backoff_s=0.5), UsageMeter(), sleep)
    with pytest.raises(ModelUnavailable, match="AccessDenied"):
        asyncio.run(ask(denied))
    assert len(denied.models[0].model.log) == 1 and len(denied.models[1].model.log) == 2
    assert len(delays) == 1 and 0.25 <= delays[0] <= 0.5
    with pytest.raises(ModelUnavailable, match="given up on earlier"):
        asyncio.run(ask(denied))


class Rejected(Exception):
    """What botocore raises for a Converse request Bedrock refuses as malformed."""

    def __init__(self) -> None:
        super().__init__("ValidationException: messages: tool_use ids were found without tool_result blocks")
        self.response = {"Error": {"Code": "ValidationException"}, "ResponseMetadata": {"HTTPStatusCode": 400}}


def test_jitter_spreads_retries_of_runs_throttled_together():
    settings = LlmSettings(backoff_s=1.0, max_backoff_s=4.0)
    rng = random.Random(7)
    delays = {round(backoff_delay(2, settings, rng), 3) for _ in range(20)}
    assert len(delays) > 10 and all(2.0 <= d <= 4.0 for d in delays)  # capped at max_backoff_s


@pytest.mark.parametrize("error, kind", [
    (Rejected(), "rejected"), (RuntimeError("ThrottlingException"), "transient"), (TypeError("bug"), "permanent"),
    (type("E", (Exception,), {"status_code": 422})(), "rejected"), (type("E", (Exception,), {"status_code": 401})(), "permanent"),
    (type("E", (Exception,), {"status_code": 529})(), "transient"),
])
def test_failures_are_classified_by_status_and_error_code(error, kind):
    assert classify(error) == kind


def test_a_rejected_request_is_repaired_once_then_goes_to_the_fallback_without_dropping_the_model():
    sent: list[list[str]] = []
    conversation = ["question", "huge tool result"]

    def primary(messages, bound):
        return Rejected() if "huge tool result" in conversation else answer(text="repaired ok")

    async def ask(chain: ModelChain):
        async def call_(h: ModelHandle):
            sent.append([h.model_id, *conversation])
            message = await h.model.ainvoke("hi")
            return message.text, message
        return await chain.ask("kubernetes agent", call_, repair=lambda: conversation.__setitem__(slice(None), ["question"]))

    meter = UsageMeter()
    chain = ModelChain([ModelHandle("bedrock", "a", ScriptedChatModel(respond=primary, model_id="a"))],
                       LlmSettings(retries=2), meter, sleep=lambda s: asyncio.sleep(0))
    value, used = asyncio.run(ask(chain))
    assert (value, used.model_id) == ("repaired ok", "a")
    assert sent == [["a", "question", "huge tool result"], ["a", "question"]]  # no backoff, no third try
    assert any("retrying once with a repaired request" in n for n in meter.take().notes)

    # Rejected even when repaired: the fallback answers this step, and the primary stays in use.
    always = ModelChain([ModelHandle("bedrock", "a", ScriptedChatModel(respond=always_failing(Rejected()), model_id="a")),
                         ModelHandle("anthropic", "b", ScriptedChatModel(respond=lambda m, b: answer(text="b"), model_id="b"))],
                        LlmSettings(retries=2), UsageMeter(), sleep=lambda s: asyncio.sleep(0))
    conversation[:] = ["question"]
    value, used = asyncio.run(ask(always))
    assert (value, used.model_id, always.down) == ("b", "b", {})
    assert any("rejected the request again" in n and "stays in use" in n for n in always.meter.take().notes)


def test_a_spent_budget_stops_model_calls_before_they_are_made():
    model = ScriptedChatModel(respond=lambda m, b: answer(text="x"), model_id="a")
    chain = ModelChain([ModelHandle("bedrock", "a", model)], LlmSettings(), UsageMeter())
    chain.budget_check = lambda: "token budget spent (200500 of 200000)"

    async def call_(h: ModelHandle):
        message = await h.model.ainvoke("hi")
        return message.text, message

    with pytest.raises(BudgetSpent, match="token budget spent"):
        asyncio.run(chain.ask("supervisor", call_))
    assert model.log == []
