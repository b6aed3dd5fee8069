"""Building an LLM brain from the `llm` settings:

    make_llm_brain("bedrock", settings=LlmSettings(...))   # models and fallback from the settings
    make_llm_brain("openai", model=chat_model)             # any LangChain chat model, e.g. a test fake
    make_llm_brain("openai", model=strong, triage=small)   # tiered: the small model routes

Model tiering: `llm.triage_model` routes (the supervisor's questions), `llm.diagnosis_model` investigates
and concludes (the specialists, the diagnosis, chat); each `provider:model-id`. Unset, one model does
everything -- except on Bedrock with no model set at all, where Claude Haiku 4.5 routes and Claude
Sonnet 4.6 investigates, both through the region's inference profile.

Provider credentials come from the providers' own variables in `env` (default: the process
environment)."""

from __future__ import annotations

import os
from collections.abc import Mapping

from langchain_core.language_models import BaseChatModel

from .brain import LlmBrain
from .prompts import facts, load_prompt
from .providers import (
    BEDROCK_TRIAGE_MODEL,
    PROVIDERS,
    ModelHandle,
    ProviderConfigError,
    bedrock_default_model,
    bedrock_region,
    build_model,
    parse_model_spec,
)
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


def _from_spec(spec: str, setting: str, name: str, settings: LlmSettings, env: Mapping[str, str]) -> ModelHandle:
    provider, model_id = parse_model_spec(spec, name)
    try:
        return build_model(provider, model_id or settings.model_for(provider), env, settings)
    except ProviderConfigError as exc:
        raise ProviderConfigError(f"the model {setting}={spec!r} cannot be built: {exc}") from None


def _triage(name: str, settings: LlmSettings, env: Mapping[str, str], explicit: bool) -> ModelHandle | None:
    """The routing model, when it is not the diagnosis model (see the module docstring)."""
    if settings.triage_model:
        return _from_spec(settings.triage_model, "llm.triage_model", name, settings, env)
    if name == "bedrock" and not explicit and not settings.bedrock_model and not settings.diagnosis_model:
        return build_model("bedrock", bedrock_default_model(bedrock_region(env), BEDROCK_TRIAGE_MODEL), env, settings)
    return None


def make_llm_brain(name: str, *, model: BaseChatModel | ModelHandle | None = None,
                   fallback: BaseChatModel | ModelHandle | None = None, triage: BaseChatModel | ModelHandle | None = None,
                   settings: LlmSettings | None = None, env: Mapping[str, str] | None = None) -> LlmBrain:
    """The brain for provider `name`; raises ProviderConfigError saying what to set when it cannot be built."""
    env = os.environ if env is None else env
    if name not in PROVIDERS:
        raise ProviderConfigError(f"unknown brain {name!r}; choose offline or one of {', '.join(PROVIDERS)}")
    settings = settings or LlmSettings()
    if model is not None:
        primary = _handle(name, model)
    elif settings.diagnosis_model:
        primary = _from_spec(settings.diagnosis_model, "llm.diagnosis_model", name, settings, env)
    else:
        primary = build_model(name, settings.model_for(name), env, settings)
    models = [primary]
    if fallback is not None:
        models.append(_handle(name, fallback))
    elif settings.fallback_model:
        models.append(_from_spec(settings.fallback_model, "llm.fallback_model", name, settings, env))
    router = _handle(name, triage) if triage is not None else _triage(name, settings, env, model is not None)
    values = facts(settings.max_tool_calls)
    for prompt in PROMPTS:  # a missing or broken prompt fails the run now, not at its first use
        load_prompt(prompt, values, settings.prompts_dir)
    # The routing model falls back as the diagnosis model does, then to the diagnosis model itself.
    tiered = [router, *models[1:], primary] if router is not None and router.label != primary.label else None
    return LlmBrain(name, models, settings, triage=tiered)
