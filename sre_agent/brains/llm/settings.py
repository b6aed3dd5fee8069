"""The LLM brains' settings: which model each provider uses and the knobs of the model chain. This is
the `llm` section of sre-agent's settings (sre_agent/app/settings.py reads it from flags, the
environment as SRE_AGENT_LLM_*, or the config file); provider credentials stay in the providers'
own variables (ANTHROPIC_API_KEY, OPENAI_API_KEY, AWS_*)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class LlmSettings(BaseModel):
    """The LLM brains (`--brain bedrock|anthropic|openai`). Provider credentials come from the
    providers' own variables (see the table of other tools' variables)."""

    model_config = ConfigDict(extra="forbid")

    bedrock_model: str | None = Field(None, description="Bedrock model id or inference profile (default: Claude Sonnet 4.6 "
                                                        "through the inference profile of the region's geography -- us., "
                                                        "eu., jp., au. -- else global.; required in GovCloud and China)")
    # Claude Sonnet 4 reached end of life on 2026-06-15 and Sonnet 4.5 does on 2026-11-30: the default is 4.6.
    anthropic_model: str = Field("claude-sonnet-4-6", description="Anthropic model id")
    openai_model: str | None = Field(None, description="model an OpenAI-compatible endpoint serves (default gpt-4o on "
                                                       "api.openai.com; required with OPENAI_BASE_URL)")
    openai_tool_calling: Literal["native", "prompt"] = Field(
        "native", description="how an OpenAI-compatible model is given its tools: native (the API's tools field) or "
        "prompt (the tools written into the system prompt, calls read from the answer's text, the conversation sent as "
        "plain turns) -- for a server whose chat template drops tools, as llama.cpp's server does with most GGUF models")
    triage_model: str | None = Field(None, description="'provider:model-id' (or a model id of the brain's provider) that "
                                     "routes the investigation -- the supervisor's questions: a small, cheap model "
                                     "(default: the diagnosis model; on Bedrock with no model set, Claude Haiku 4.5 "
                                     "through the region's inference profile)")
    diagnosis_model: str | None = Field(None, description="'provider:model-id' (or a model id of the brain's provider) "
                                        "that investigates and concludes -- the specialists' tool loops and findings, the "
                                        "diagnosis, chat: a strong model (default: the provider's model setting)")
    fallback_model: str | None = Field(None, description="'provider:model-id' (or a model id of the primary provider) "
                                                         "tried when the primary model keeps failing")
    max_tool_calls: int = Field(8, ge=1, le=50, description="tool calls one specialist may make for one question")
    retries: int = Field(2, ge=0, le=6, description="retries per model after the first attempt, on provider errors")
    backoff_s: float = Field(1.0, ge=0, description="first retry delay in seconds; doubles per retry")
    max_backoff_s: float = Field(20.0, ge=0, description="longest retry delay in seconds")
    call_timeout_s: float = Field(120.0, gt=0, description="one model call, in seconds; a hung provider counts as an error")
    run_deadline_s: float = Field(180.0, gt=0, description="the model's share of one run, in seconds: past it the offline "
                                  "brain answers the run's remaining steps (a slow model never leaves it unfinished)")
    connect_timeout_s: float = Field(10.0, gt=0, description="connecting to the provider, in seconds")
    max_tokens: int = Field(4096, ge=256, le=64_000, description="longest answer one model call may write, in tokens")
    prompt_caching: bool = Field(True, description="mark the static system prompt and tool definitions cacheable "
                                                   "(Bedrock cachePoint, Anthropic cache_control)")
    tool_output_chars: int = Field(8000, ge=500, description="how much of one tool result the model reads")
    context_tokens: int | None = Field(None, ge=2048, description="the model's context window in tokens; set it for a "
                                       "self-hosted model (e.g. 8192): each request is then kept within it -- the answer "
                                       "gets at most a quarter, one tool result an eighth, older tool results are "
                                       "shortened and older turns dropped (default: the provider's window is large "
                                       "enough)")
    prompts_dir: Path | None = Field(None, description="directory of prompt files overriding the packaged prompts/")

    def model_for(self, provider: str) -> str | None:
        """The configured model id of `provider` (None: the provider's own default, if it has one)."""
        return getattr(self, f"{provider}_model", None)
