"""Knobs of the LLM brains, read from the environment once per run (never at import time)."""

from __future__ import annotations

import os
from collections.abc import Mapping

from pydantic import BaseModel, Field


class LlmSettings(BaseModel):
    max_tool_calls: int = Field(8, ge=1, le=50, description="tool calls one specialist may make for one question")
    retries: int = Field(2, ge=0, le=6, description="retries per model after the first attempt, on provider errors")
    backoff_s: float = Field(1.0, ge=0, description="first retry delay; doubles per retry")
    max_backoff_s: float = Field(20.0, ge=0)
    call_timeout_s: float = Field(120.0, gt=0, description="one model call; a hung provider counts as an error")
    tool_output_chars: int = Field(8000, ge=500, description="how much of one tool result the model reads")
    fallback_model: str | None = Field(None, description="'provider:model-id' or a model id of the primary provider")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "LlmSettings":
        env = os.environ if env is None else env
        names = {"max_tool_calls": "SRE_AGENT_LLM_MAX_TOOL_CALLS", "retries": "SRE_AGENT_LLM_RETRIES",
                 "backoff_s": "SRE_AGENT_LLM_BACKOFF_S", "max_backoff_s": "SRE_AGENT_LLM_MAX_BACKOFF_S",
                 "call_timeout_s": "SRE_AGENT_LLM_TIMEOUT_S", "tool_output_chars": "SRE_AGENT_LLM_TOOL_OUTPUT_CHARS",
                 "fallback_model": "SRE_AGENT_FALLBACK_MODEL"}
        values = {field: env[var] for field, var in names.items() if env.get(var)}
        try:
            return cls.model_validate(values)
        except ValueError as exc:
            raise ValueError(f"invalid LLM setting in the environment ({', '.join(names[f] for f in values)}): {exc}") from None
