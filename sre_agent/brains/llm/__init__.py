"""LLM brains: Bedrock (default), Anthropic, or any OpenAI-compatible endpoint driving the same
graph, tools and safety gates as the offline brain.

    make_llm_brain("bedrock")                       # models and fallback from the environment
    make_llm_brain("openai", model=chat_model)      # any LangChain chat model, e.g. a test fake

Environment: SRE_AGENT_BEDROCK_MODEL / SRE_AGENT_ANTHROPIC_MODEL / SRE_AGENT_OPENAI_MODEL name the
model; SRE_AGENT_FALLBACK_MODEL ('provider:model' or a model of the same provider) is tried when the
primary keeps failing; SRE_AGENT_LLM_* tune retries, timeouts and the tool budget (settings.py)."""

from __future__ import annotations

import os
from collections.abc import Mapping

from langchain_core.language_models import BaseChatModel

from .brain import LlmBrain
from .prompts import facts, load_prompt
from .providers import PROVIDERS, ModelHandle, ProviderConfigError, build_model, parse_model_spec
from .settings import LlmSettings

PROMPTS = ("supervisor", "kubernetes", "metrics", "logs", "runbooks", "report", "diagnosis")

__all__ = ["LlmBrain", "LlmSettings", "ProviderConfigError", "PROVIDERS", "make_llm_brain"]


def _model_id(model: BaseChatModel) -> str:
    for attribute in ("model_id", "model", "model_name"):
        value = getattr(model, attribute, None)
        if isinstance(value, str) and value:
            return value
    return type(model).__name__


def _handle(provider: str, model: BaseChatModel | ModelHandle) -> ModelHandle:
    if isinstance(model, ModelHandle):
        return model
    return ModelHandle(provider, _model_id(model), model, dict(PROVIDERS[provider].structured_kwargs)
                       if provider in PROVIDERS else {})


def make_llm_brain(name: str, *, model: BaseChatModel | ModelHandle | None = None,
                   fallback: BaseChatModel | ModelHandle | None = None, settings: LlmSettings | None = None,
                   env: Mapping[str, str] | None = None) -> LlmBrain:
    """The brain for provider `name`; raises ProviderConfigError saying what to set when it cannot be built."""
    env = os.environ if env is None else env
    if name not in PROVIDERS:
        raise ProviderConfigError(f"unknown brain {name!r}; choose offline or one of {', '.join(PROVIDERS)}")
    settings = settings or LlmSettings.from_env(env)
    models = [_handle(name, model) if model is not None else build_model(name, env=env)]
    if fallback is not None:
        models.append(_handle(name, fallback))
    elif settings.fallback_model:
        provider, model_id = parse_model_spec(settings.fallback_model, name)
        try:
            models.append(build_model(provider, model_id, env))
        except ProviderConfigError as exc:
            raise ProviderConfigError(f"the fallback model SRE_AGENT_FALLBACK_MODEL={settings.fallback_model!r} "
                                      f"cannot be built: {exc}") from None
    values = facts(settings.max_tool_calls)
    for prompt in PROMPTS:  # a missing or broken prompt fails the run now, not at its first use
        load_prompt(prompt, values)
    return LlmBrain(name, models, settings)
