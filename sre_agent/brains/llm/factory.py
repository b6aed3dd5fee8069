"""Building an LLM brain from the `llm` settings:

    make_llm_brain("bedrock", settings=LlmSettings(...))   # models and fallback from the settings
    make_llm_brain("openai", model=chat_model)             # any LangChain chat model, e.g. a test fake

Provider credentials come from the providers' own variables in `env` (default: the process
environment)."""

from __future__ import annotations

import os
from collections.abc import Mapping

from langchain_core.language_models import BaseChatModel

from .brain import LlmBrain
from .prompts import facts, load_prompt
from .providers import PROVIDERS, ModelHandle, ProviderConfigError, build_model, parse_model_spec
from .settings import LlmSettings

PROMPTS = ("supervisor", "kubernetes", "metrics", "logs", "runbooks", "report", "diagnosis")

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
    settings = settings or LlmSettings()
    models = [_handle(name, model) if model is not None else build_model(name, settings.model_for(name), env, settings)]
    if fallback is not None:
        models.append(_handle(name, fallback))
    elif settings.fallback_model:
        provider, model_id = parse_model_spec(settings.fallback_model, name)
        try:
            models.append(build_model(provider, model_id or settings.model_for(provider), env, settings))
        except ProviderConfigError as exc:
            raise ProviderConfigError(f"the fallback model llm.fallback_model={settings.fallback_model!r} "
                                      f"cannot be built: {exc}") from None
    values = facts(settings.max_tool_calls)
    for prompt in PROMPTS:  # a missing or broken prompt fails the run now, not at its first use
        load_prompt(prompt, values, settings.prompts_dir)
    return LlmBrain(name, models, settings)
