"""Scripted chat models for the LLM brain's tests: real LangChain chat models whose answers come
from a Python function of the conversation, so tool calls and structured output take the same
code paths (bind_tools, with_structured_output, usage_metadata) as a provider's model."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import Field

USAGE = {"input_tokens": 1000, "output_tokens": 100, "total_tokens": 1100}
_ids = itertools.count(1)

Responder = Callable[[list[BaseMessage], list[str]], "AIMessage | BaseException"]


class ScriptedChatModel(BaseChatModel):
    """`respond(messages, bound_tool_names)` returns the next AIMessage, or an exception to raise
    (as a provider SDK would). Every call is logged; bound copies share the log."""

    respond: Any
    model_id: str = "scripted-model"
    bound: list[str] = Field(default_factory=list)
    log: list = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def _generate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
        self.log.append((list(self.bound), list(messages)))
        answer = self.respond(list(messages), list(self.bound))
        if isinstance(answer, BaseException):
            raise answer
        return ChatResult(generations=[ChatGeneration(message=answer)])

    def bind_tools(self, tools, *, tool_choice=None, **kwargs):
        """A tool_choice naming one tool leaves the model only that tool to answer with, so `bound` is just it."""
        names = [convert_to_openai_tool(t)["function"]["name"] for t in tools
                 if not (isinstance(t, dict) and "cachePoint" in t)]  # a Bedrock cache mark, not a tool
        return self.model_copy(update={"bound": [tool_choice] if tool_choice in names else names})


def call(tool: str, /, **args: Any) -> dict:
    return {"name": tool, "args": args, "id": f"call_{next(_ids)}", "type": "tool_call"}


def answer(*calls: dict, text: str = "") -> AIMessage:
    return AIMessage(content=text, tool_calls=list(calls), usage_metadata=dict(USAGE))


def structured(schema: str, **fields: Any) -> AIMessage:
    """How a provider returns structured output: a call of the schema's tool."""
    return answer(call(schema, **fields))


def prompt_text(messages: list[BaseMessage]) -> str:
    return "\n".join(m.text for m in messages if isinstance(m, HumanMessage))


def evidence_of(text: str, tool: str) -> list[str]:
    """Evidence ids of `tool`'s calls as the prompt lists them ('[ev-3] kubernetes.get_resources ...')."""
    return re.findall(rf"\[(ev-\d+)\] \w+\.{tool}\b", text)


def tool_results(messages: list[BaseMessage]) -> list[ToolMessage]:
    return [m for m in messages if isinstance(m, ToolMessage)]


def always_failing(error: BaseException) -> Responder:
    return lambda messages, bound: error
