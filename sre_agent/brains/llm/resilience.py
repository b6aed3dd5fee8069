"""Asking a model when providers fail: bounded retries with exponential backoff, then the fallback
model, then give up with ModelUnavailable so the brain can hand the step to the offline policy.

A model that exhausts its retries is left alone for the rest of the run: an investigation is a few
minutes long, and paying the full retry ladder again at every step would only delay the answer."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from langchain_core.messages import AIMessage

from .providers import ModelHandle
from .settings import LlmSettings
from .usage import UsageMeter

T = TypeVar("T")

# Errors a retry cannot fix: bad credentials, no access to the model, a malformed request.
PERMANENT_STATUS = {400, 401, 403, 404, 422}
PERMANENT_CODES = {"AccessDeniedException", "ValidationException", "ResourceNotFoundException",
                   "UnrecognizedClientException", "ExpiredTokenException"}
# A bug on our side (or in an integration) fails the same way every time.
PROGRAMMING_ERRORS = (TypeError, AttributeError, NameError, ImportError, AssertionError)


class ModelUnavailable(RuntimeError):
    def __init__(self, step: str, failures: list[str]) -> None:
        self.step = step
        self.failures = failures
        super().__init__(f"{step}: no model answered ({'; '.join(failures[-3:]) or 'none configured'})")


class UnusableAnswer(RuntimeError):
    """The model answered, but not in the shape asked for (no tool call, invalid JSON)."""

    def __init__(self, message: str, raw: AIMessage | None = None) -> None:
        super().__init__(message)
        self.raw = raw


class InvalidAnswer(ValueError):
    """The model answered in shape, but the answer breaks a contract (unknown agent or category, a
    malformed resource id, no evidence): the brain hands that step to the offline policy."""


def is_permanent(exc: BaseException) -> bool:
    if isinstance(exc, PROGRAMMING_ERRORS):
        return True
    status = getattr(exc, "status_code", None) or getattr(getattr(exc, "response", None), "status_code", None)
    if isinstance(status, int) and status in PERMANENT_STATUS:
        return True
    response = getattr(exc, "response", None)
    code = response.get("Error", {}).get("Code") if isinstance(response, dict) else None
    return code in PERMANENT_CODES


def describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:240]


class ModelChain:
    """The primary model, then the fallback. `ask` returns the answer and the model that gave it."""

    def __init__(self, models: list[ModelHandle], settings: LlmSettings, meter: UsageMeter,
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep) -> None:
        self.models = models
        self.settings = settings
        self.meter = meter
        self.sleep = sleep
        self.down: dict[str, str] = {}  # label -> why it was given up on

    @property
    def available(self) -> list[ModelHandle]:
        return [m for m in self.models if m.label not in self.down]

    async def ask(self, step: str, call: Callable[[ModelHandle], Awaitable[tuple[T, AIMessage]]]) -> tuple[T, ModelHandle]:
        """`call` runs one request on one model and returns (value, the raw AIMessage for usage)."""
        failures: list[str] = []
        if not self.available:
            raise ModelUnavailable(step, ["every model was given up on earlier in this run"])
        for index, handle in enumerate(self.available):
            error = ""
            for attempt in range(self.settings.retries + 1):
                try:
                    value, raw = await asyncio.wait_for(call(handle), self.settings.call_timeout_s)
                except UnusableAnswer as exc:
                    self.meter.add(handle.label, handle.model_id, exc.raw)  # the tokens were spent anyway
                    error, permanent = str(exc), False
                except TimeoutError as exc:  # ours (no message) or the SDK's own
                    error = describe(exc) if str(exc) else f"no answer within {self.settings.call_timeout_s:.0f}s"
                    permanent = False
                except Exception as exc:  # provider SDKs raise their own types; all of them mean "no answer"
                    error, permanent = describe(exc), is_permanent(exc)
                else:
                    self.meter.add(handle.label, handle.model_id, raw)
                    if index > 0 or attempt > 0:
                        self.meter.note(f"{step}: answered by {handle.label} after {len(failures)} failed attempt(s)")
                    return value, handle
                failures.append(f"{handle.label} attempt {attempt + 1}: {error}")
                if permanent or attempt == self.settings.retries:
                    break
                await self.sleep(min(self.settings.backoff_s * 2 ** attempt, self.settings.max_backoff_s))
            self.down[handle.label] = error
            following = self.available
            self.meter.note(f"{step}: {handle.label} gave no usable answer after {attempt + 1} attempt(s) ({error}); "
                            + (f"using {following[0].label} for the rest of the run" if following
                               else "no model left for the rest of the run"))
        raise ModelUnavailable(step, failures)


async def ask_structured(chain: ModelChain, step: str, schema: type[T], messages: list) -> tuple[T, ModelHandle]:
    """Structured output through the chain; an answer that does not parse counts as a failed attempt."""

    async def call(handle: ModelHandle) -> tuple[T, AIMessage]:
        runnable = handle.model.with_structured_output(schema, include_raw=True, **handle.structured_kwargs)
        out = await runnable.ainvoke(messages)
        raw, parsed = out.get("raw"), out.get("parsed")
        if out.get("parsing_error") is not None or not isinstance(parsed, schema):
            why = out.get("parsing_error") or "no structured answer"
            raise UnusableAnswer(f"answer is not a valid {schema.__name__}: {str(why)[:160]}", raw)
        return parsed, raw

    return await chain.ask(step, call)
