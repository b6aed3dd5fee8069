"""Retries with doubling backoff, then the fallback model; permanent errors skip straight on."""

from __future__ import annotations

import asyncio

import pytest
from llm_fakes import ScriptedChatModel, always_failing, answer

from sre_agent.brains.llm.providers import ModelHandle
from sre_agent.brains.llm.resilience import ModelChain, ModelUnavailable
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
    assert (value, used.model_id, delays) == ("ok", "b", [0.5, 1.0, 2.0])

    delays.clear()
    denied = ModelChain([handle("a", always_failing(Forbidden("AccessDenied"))), handle("b", always_failing(THROTTLED))],
                        LlmSettings(retries=1, backoff_s=0.5), UsageMeter(), sleep)
    with pytest.raises(ModelUnavailable, match="AccessDenied"):
        asyncio.run(ask(denied))
    assert len(denied.models[0].model.log) == 1 and len(denied.models[1].model.log) == 2
    assert delays == [0.5]
    with pytest.raises(ModelUnavailable, match="given up on earlier"):
        asyncio.run(ask(denied))
