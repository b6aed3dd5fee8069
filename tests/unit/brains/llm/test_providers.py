"""Building LLM brains: what each provider needs, said when it is missing; fallback model specs."""

from __future__ import annotations

import re

import pytest
from llm_fakes import ScriptedChatModel, always_failing

from sre_agent.brains.llm.factory import make_llm_brain
from sre_agent.brains.llm.providers import ProviderConfigError, parse_model_spec
from sre_agent.brains.llm.settings import LlmSettings

THROTTLED = RuntimeError("ThrottlingException: Rate exceeded")


@pytest.mark.parametrize("name, env, says", [
    ("anthropic", {}, "ANTHROPIC_API_KEY"),
    ("openai", {}, "OPENAI_BASE_URL"),
    ("openai", {"OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}, "SRE_AGENT_LLM_OPENAI_MODEL"),
    ("bedrock", {}, "AWS_REGION"),
    ("gemini", {}, "bedrock, anthropic, openai"),
])
def test_construction_fails_saying_what_to_set(name, env, says, monkeypatch):
    for var in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")  # no region from a profile either
    with pytest.raises(ProviderConfigError, match=re.escape(says)):
        make_llm_brain(name, env=env)


def test_a_fallback_that_cannot_be_built_fails_construction():
    primary = ScriptedChatModel(respond=always_failing(THROTTLED))
    with pytest.raises(ProviderConfigError, match=r"llm.fallback_model='anthropic' cannot be built: .*ANTHROPIC_API_KEY"):
        make_llm_brain("openai", model=primary, settings=LlmSettings(fallback_model="anthropic"), env={})


def test_openai_provider_talks_to_any_compatible_endpoint():
    brain = make_llm_brain("openai", settings=LlmSettings(openai_model="qwen2.5", fallback_model="llama3.1"),
                           env={"OPENAI_BASE_URL": "http://127.0.0.1:9/v1"})
    primary, fallback = brain.chain.models
    assert (primary.label, fallback.label) == ("openai:qwen2.5", "openai:llama3.1")
    assert primary.model.openai_api_base == "http://127.0.0.1:9/v1"


@pytest.mark.parametrize("spec, provider, model_id", [
    ("anthropic:claude-3-5-haiku-20241022", "anthropic", "claude-3-5-haiku-20241022"),
    ("us.anthropic.claude-3-5-haiku-20241022-v1:0", "bedrock", "us.anthropic.claude-3-5-haiku-20241022-v1:0"),
    ("openai", "openai", None),
])
def test_fallback_model_spec(spec, provider, model_id):
    assert parse_model_spec(spec, "bedrock") == (provider, model_id)
