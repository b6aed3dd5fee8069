"""Chat models by provider: Bedrock (the default), Anthropic, and any OpenAI-compatible endpoint.

Each provider is an entry in PROVIDERS: how to build the LangChain chat model (the model id comes
from the `llm` settings: llm.bedrock_model, llm.anthropic_model, llm.openai_model). Building checks
the configuration first and fails with what is missing and how to set it; nothing here runs at
import time. Provider SDKs are imported only when
that provider is built, so a Bedrock user needs no OpenAI package and the other way round."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from langchain_core.language_models import BaseChatModel

from .window import answer_tokens

OPENAI_DEFAULT_MODEL = "gpt-4o"


class ModelLimits(Protocol):
    """What a provider client is built with (LlmSettings has these fields)."""

    max_tokens: int
    context_tokens: int | None
    openai_tool_calling: str
    call_timeout_s: float
    connect_timeout_s: float


class ProviderConfigError(ValueError):
    """An LLM provider cannot be built from this configuration; the message says what to set."""


@dataclass(frozen=True)
class Provider:
    name: str
    # (model id or None for the provider's default, env, limits) -> (the model id used, the chat model)
    build: Callable[[str | None, Mapping[str, str], ModelLimits], tuple[str, BaseChatModel]]
    # Extra with_structured_output arguments. Tool calling is the one method every provider and
    # most local servers support; OpenAI's default json_schema mode is not.
    structured_kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ModelHandle:
    """One configured model: what to call it in notes and prices, and the chat model itself."""

    provider: str
    model_id: str
    model: BaseChatModel
    structured_kwargs: dict[str, Any] = field(default_factory=dict)
    # Tools written into the prompt and calls read from text (llm.openai_tool_calling=prompt; text_tools.py).
    text_tools: bool = False

    @property
    def label(self) -> str:
        return f"{self.provider}:{self.model_id}"


def _require_package(module: str, package: str, provider: str) -> None:
    try:
        __import__(module)
    except ImportError:
        raise ProviderConfigError(f"the {provider} provider needs the {package} package: "
                                  f"pip install {package}") from None


# The inference-profile prefix of a region's geography: Claude 4.x models are served on demand only
# through a cross-region inference profile, and a `us.` profile is rejected outside the US. Regions
# without a geography profile of their own get the `global.` profile (it may route the request to
# any commercial region: set llm.bedrock_model to keep data in a geography). GovCloud and China have
# neither: they need an explicit id.
GEO_PREFIXES = (("us-gov-", None), ("cn-", None), ("us-", "us"), ("eu-", "eu"), ("ap-northeast-1", "jp"),
                ("ap-northeast-3", "jp"), ("ap-southeast-2", "au"), ("ap-southeast-4", "au"))
BEDROCK_BASE_MODEL = "anthropic.claude-sonnet-4-6"
BEDROCK_TRIAGE_MODEL = "anthropic.claude-haiku-4-5-20251001-v1:0"  # Haiku-class: routing needs no Sonnet
BEDROCK_ENDPOINT_VARIABLE = "AWS_ENDPOINT_URL_BEDROCK_RUNTIME"


def bedrock_default_model(region: str, base: str = BEDROCK_BASE_MODEL) -> str:
    """Claude Sonnet 4.6 (or `base`) through the inference profile of `region`'s geography (else the global one)."""
    prefix = next((prefix for family, prefix in GEO_PREFIXES if region.startswith(family)), "global")
    if prefix is None:
        raise ProviderConfigError(f"no default Bedrock model for region {region}: set llm.bedrock_model "
                                  "(SRE_AGENT_LLM_BEDROCK_MODEL) to a model id or inference profile enabled in that region "
                                  f"(aws bedrock list-inference-profiles --region {region})")
    return f"{prefix}.{base}"


def bedrock_region(env: Mapping[str, str]) -> str:
    import boto3

    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or boto3.Session().region_name
    if not region:
        raise ProviderConfigError("the bedrock provider needs an AWS region: set AWS_REGION (e.g. export AWS_REGION=us-east-1) "
                                  "or a region in your AWS profile")
    return region


def _answer_limit(limits: ModelLimits) -> int:
    # A self-hosted model's window holds the request and the answer: the answer gets at most a quarter.
    return answer_tokens(limits.max_tokens, limits.context_tokens)


def botocore_config(settings: ModelLimits) -> Any:
    """Timeouts bound every request, and botocore does not retry: the model chain is the one place that
    retries (with jittered backoff, then the fallback model), so retries never multiply (3 x 3)."""
    from botocore.config import Config

    return Config(connect_timeout=settings.connect_timeout_s, read_timeout=settings.call_timeout_s,
                  retries={"total_max_attempts": 1, "mode": "standard"})


def _build_bedrock(model_id: str | None, env: Mapping[str, str], limits: ModelLimits) -> tuple[str, BaseChatModel]:
    import boto3

    region = bedrock_region(env)
    model_id = model_id or bedrock_default_model(region)
    if boto3.Session().get_credentials() is None:
        raise ProviderConfigError("the bedrock provider found no AWS credentials: set AWS_PROFILE, or "
                                  "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run with an IAM role allowed to call "
                                  "bedrock:InvokeModel / bedrock:Converse")
    from langchain_aws import ChatBedrockConverse

    return model_id, ChatBedrockConverse(model=model_id, region_name=region, temperature=0, max_tokens=_answer_limit(limits),
                                         endpoint_url=bedrock_endpoint(env, region), config=botocore_config(limits))


def bedrock_endpoint(env: Mapping[str, str], region: str) -> str | None:
    """Where SigV4-signed Converse requests go: AWS_ENDPOINT_URL_BEDROCK_RUNTIME when set (a VPC endpoint,
    a gateway, a test server), read from `env` so a run's own environment decides. The catch-all
    AWS_ENDPOINT_URL is not followed: it points every AWS client at the lab's moto server, which has
    no Bedrock -- a run there stalled on it and fell back to the offline brain -- so with it set,
    Bedrock goes to its regional endpoint."""
    if env.get(BEDROCK_ENDPOINT_VARIABLE):
        return env[BEDROCK_ENDPOINT_VARIABLE]
    if env.get("AWS_ENDPOINT_URL") or os.environ.get("AWS_ENDPOINT_URL"):
        return f"https://bedrock-runtime.{region}.amazonaws.com"
    return None


def _build_anthropic(model_id: str | None, env: Mapping[str, str], limits: ModelLimits) -> tuple[str, BaseChatModel]:
    if not env.get("ANTHROPIC_API_KEY"):
        raise ProviderConfigError("the anthropic provider needs an API key: export ANTHROPIC_API_KEY=sk-ant-... "
                                  "(from console.anthropic.com)")
    if not model_id:
        raise ProviderConfigError("the anthropic provider needs a model: set llm.anthropic_model (SRE_AGENT_LLM_ANTHROPIC_MODEL)")
    _require_package("langchain_anthropic", "langchain-anthropic", "anthropic")
    from langchain_anthropic import ChatAnthropic

    # max_retries=0: the model chain retries; the SDK's own retries would multiply with it.
    return model_id, ChatAnthropic(model=model_id, api_key=env["ANTHROPIC_API_KEY"], temperature=0,
                                   max_tokens=_answer_limit(limits), base_url=env.get("ANTHROPIC_BASE_URL") or None,
                                   max_retries=0, default_request_timeout=limits.call_timeout_s)


def _build_openai(model_id: str | None, env: Mapping[str, str], limits: ModelLimits) -> tuple[str, BaseChatModel]:
    base_url = env.get("OPENAI_BASE_URL")
    api_key = env.get("OPENAI_API_KEY")
    if not base_url and not api_key:
        raise ProviderConfigError("the openai provider needs OPENAI_API_KEY (for api.openai.com) or OPENAI_BASE_URL "
                                  "(any OpenAI-compatible endpoint, e.g. export OPENAI_BASE_URL=http://localhost:8000/v1 "
                                  "for a local server)")
    if not model_id:
        if base_url:
            raise ProviderConfigError(f"the openai provider needs the name of the model it serves ({base_url}): set "
                                      "llm.openai_model in the config file or SRE_AGENT_LLM_OPENAI_MODEL, e.g. llama3.1:70b")
        model_id = OPENAI_DEFAULT_MODEL  # api.openai.com
    _require_package("langchain_openai", "langchain-openai", "openai")
    from langchain_openai import ChatOpenAI

    # The client sends the answer's cap as max_completion_tokens, OpenAI's name since 2024; many compatible
    # servers know only max_tokens (llama.cpp's Python server among them) and, ignoring the other, write
    # until the context window is full -- minutes per answer on a CPU. Another server gets both names.
    other_server = bool(base_url) and "api.openai.com" not in (base_url or "")
    extra_body = {"max_tokens": _answer_limit(limits)} if other_server else None
    # Local servers usually take any key; the client still insists on one.
    return model_id, ChatOpenAI(model=model_id, base_url=base_url or None, api_key=api_key or "not-needed", temperature=0,
                                max_tokens=_answer_limit(limits), max_retries=0, timeout=limits.call_timeout_s,
                                extra_body=extra_body)


PROVIDERS: dict[str, Provider] = {
    "bedrock": Provider("bedrock", _build_bedrock),
    "anthropic": Provider("anthropic", _build_anthropic),
    "openai": Provider("openai", _build_openai,
                       structured_kwargs={"method": "function_calling"}),
}


def _provider(name: str) -> Provider:
    try:
        return PROVIDERS[name]
    except KeyError:
        raise ProviderConfigError(f"unknown LLM provider {name!r}; choose one of {', '.join(PROVIDERS)}") from None


def build_model(provider_name: str, model_id: str | None, env: Mapping[str, str] | None = None,
                limits: ModelLimits | None = None) -> ModelHandle:
    """The chat model `model_id` of a provider (None: the provider's default, where it has one)."""
    from .settings import LlmSettings

    env = os.environ if env is None else env
    provider = _provider(provider_name)
    limits = limits or LlmSettings()
    used, model = provider.build(model_id, env, limits)
    return ModelHandle(provider.name, used, model, dict(provider.structured_kwargs),
                       text_tools=provider.name == "openai" and limits.openai_tool_calling == "prompt")


def parse_model_spec(spec: str, default_provider: str) -> tuple[str, str | None]:
    """'anthropic:claude-x' -> ('anthropic', 'claude-x'); 'anthropic' -> ('anthropic', None: its default
    model); a bare id belongs to the primary provider. Bedrock ids contain ':' themselves ('...-v1:0'),
    so only a known provider name counts as a prefix."""
    spec = spec.strip()
    if spec in PROVIDERS:
        return spec, None
    head, sep, rest = spec.partition(":")
    if sep and head in PROVIDERS and rest:
        return head, rest
    return default_provider, spec
