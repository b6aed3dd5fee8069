"""Asking a model when providers fail: bounded retries with jittered exponential backoff, then the
fallback model, then give up with ModelUnavailable so the brain can hand the step to the offline
policy. Every attempt is a traced `llm` subsegment (model, tokens in/out/cached, latency, cost, error).

Three kinds of failure, three answers:
- transient (throttling, 5xx, timeouts, an answer that does not parse): retry after a backoff;
- the request itself was rejected (400/422, Bedrock ValidationException: context too long, broken
  tool pairing): repair the request once (repair.py) and retry at once; if the repaired request is
  rejected too, this step goes to the next model -- the model is not dropped for the run;
- permanent (bad credentials, no access to the model, a model that does not exist, our own bug): the
  model is left alone for the rest of the run, as is a model that exhausts its retries -- paying the
  full retry ladder again at every step would only delay the answer.

Provider SDKs do not retry on their own (providers.py turns their retries off), so the retries
configured here are the only ones."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from langchain_core.messages import AIMessage
from pydantic import BaseModel, ValidationError

from ...tracing.tracer import active_tracer
from .caching import outgoing
from .providers import ModelHandle
from .repair import repair_request
from .settings import LlmSettings
from .text_tools import as_sent
from .tool_binding import compact_model
from .tool_calls import CallRepair
from .usage import UsageMeter

T = TypeVar("T")

# Errors a retry cannot fix: bad credentials, no access to the model, no such model.
PERMANENT_STATUS = {401, 403, 404}
PERMANENT_CODES = {"AccessDeniedException", "ResourceNotFoundException", "UnrecognizedClientException",
                   "ExpiredTokenException"}
# The request was refused as malformed: a repaired request may pass.
REJECTED_STATUS = {400, 413, 422}
REJECTED_CODES = {"ValidationException"}
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


Reply = TypeVar("Reply", bound=BaseModel)


def _answer_call(raw: AIMessage, schema: type[BaseModel]) -> dict[str, Any] | None:
    """The call of the structured answer `schema` in `raw`: called natively or written as text (JSON,
    fenced or tagged), near-miss field names repaired (tool_calls.py); None when there is none."""
    recovered, _ = CallRepair([compact_model(schema)], answers=(schema.__name__,)).recover(raw)
    return next((c for c in recovered.tool_calls if c["name"] == schema.__name__), None)


async def forced_reply(handle: ModelHandle, tools: list[Any], schema: type[Reply], sent: list[Any]) -> tuple[Reply, AIMessage]:
    """Ask for the structured answer `schema` (a tool the model is made to call) and validate it; an answer
    that is not that call, or not a valid one, is UnusableAnswer -- the chain's retry-with-repair handles it."""
    # A model given its tools as text is asked in words (the request carries the schema; text_tools.py):
    # a forced call there becomes a grammar, and llama.cpp samples a large schema's grammar at a token or
    # two a second -- minutes for one report.
    bound = handle.model if handle.text_tools else handle.model.bind_tools(tools, tool_choice=schema.__name__)
    raw = await bound.ainvoke(sent)
    chosen = _answer_call(raw, schema)
    if chosen is None:
        raise UnusableAnswer(f"the answer is not a {schema.__name__} call", raw)
    try:
        return schema.model_validate(chosen["args"]), raw
    except ValidationError as exc:
        raise UnusableAnswer(f"answer is not a valid {schema.__name__}: {str(exc)[:160]}", raw) from None


class InvalidAnswer(ValueError):
    """The model answered in shape, but the answer breaks a contract (unknown agent or category, a
    malformed resource id, no evidence): the brain hands that step to the offline policy."""


class BudgetSpent(ModelUnavailable):
    """The run's token or dollar budget is spent: no more model calls this run (the step is answered
    the way an unavailable model's is, and the supervisor then ends the run with what is known)."""

    def __init__(self, step: str, why: str) -> None:
        super().__init__(step, [why])
        self.why = why


def _status_and_code(exc: BaseException) -> tuple[int | None, str | None]:
    status = getattr(exc, "status_code", None) or getattr(getattr(exc, "response", None), "status_code", None)
    response = getattr(exc, "response", None)
    code = response.get("Error", {}).get("Code") if isinstance(response, dict) else None
    if isinstance(response, dict) and status is None:
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return (status if isinstance(status, int) else None), code


def classify(exc: BaseException) -> str:
    """'permanent', 'rejected' (the request, not the model, is at fault) or 'transient'."""
    if isinstance(exc, PROGRAMMING_ERRORS):
        return "permanent"
    status, code = _status_and_code(exc)
    if code in PERMANENT_CODES or status in PERMANENT_STATUS:
        return "permanent"
    if code in REJECTED_CODES or status in REJECTED_STATUS:
        return "rejected"
    return "transient"


def is_permanent(exc: BaseException) -> bool:
    return classify(exc) == "permanent"


def backoff_delay(attempt: int, settings: LlmSettings, rng: random.Random) -> float:
    """Equal jitter: half the doubled delay, plus up to as much again at random, so that runs throttled
    together do not retry in lockstep."""
    ceiling = min(settings.backoff_s * 2 ** attempt, settings.max_backoff_s)
    return ceiling / 2 + rng.uniform(0, ceiling / 2)


def describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:240]


class ModelChain:
    """The primary model, then the fallback. `ask` returns the answer and the model that gave it."""

    def __init__(self, models: list[ModelHandle], settings: LlmSettings, meter: UsageMeter,
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep, rng: random.Random | None = None) -> None:
        self.models = models
        self.settings = settings
        self.meter = meter
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.down: dict[str, str] = {}  # label -> why it was given up on
        # Why no model may be called any more (the run's budget is spent); set by the brain.
        self.budget_check: Callable[[], str | None] = lambda: None
        # The model's deadline in the run (epoch seconds, llm.run_deadline_s): no call runs past it, none starts after.
        self.deadline: float | None = None

    def _timeout(self) -> float:
        """One call's time: the call timeout, cut to what is left before the model's deadline."""
        if self.deadline is None:
            return self.settings.call_timeout_s
        return max(0.0, min(self.settings.call_timeout_s, self.deadline - time.time()))

    @property
    def available(self) -> list[ModelHandle]:
        return [m for m in self.models if m.label not in self.down]

    async def _attempt(self, step: str, handle: ModelHandle,
                       call: Callable[[ModelHandle], Awaitable[tuple[T, AIMessage]]]) -> tuple[T, AIMessage]:
        """One traced request: the subsegment carries model, tokens, latency and cost, or the error."""
        span = active_tracer().llm_span(handle.label)
        started = time.monotonic()
        try:
            value, raw = await asyncio.wait_for(call(handle), self._timeout())
        except UnusableAnswer as exc:
            usage = self.meter.add(handle.label, handle.model_id, exc.raw, step)  # the tokens were spent anyway
            span.close(error=str(exc), step=step, latency_ms=round((time.monotonic() - started) * 1000, 1),
                       **usage.model_dump())
            raise
        except BaseException as exc:
            span.close(error=describe(exc) if str(exc) else type(exc).__name__, step=step,
                       latency_ms=round((time.monotonic() - started) * 1000, 1))
            raise
        usage = self.meter.add(handle.label, handle.model_id, raw, step)
        span.close(step=step, latency_ms=round((time.monotonic() - started) * 1000, 1), **usage.model_dump())
        return value, raw

    async def ask(self, step: str, call: Callable[[ModelHandle], Awaitable[tuple[T, AIMessage]]],
                  repair: Callable[[], None] | None = None) -> tuple[T, ModelHandle]:
        """`call` runs one request on one model and returns (value, the raw AIMessage for usage);
        `repair` fixes the request in place when a provider rejects it as malformed."""
        failures: list[str] = []
        spent = self.budget_check()
        if spent:
            raise BudgetSpent(step, spent)
        if not self.available:
            raise ModelUnavailable(step, ["every model was given up on earlier in this run"])
        if self.deadline is not None and time.time() >= self.deadline:
            raise ModelUnavailable(step, ["the model's deadline in this run passed (llm.run_deadline_s)"])
        candidates = self.available
        for index, handle in enumerate(candidates):
            error, permanent, repaired, rejected, attempt = "", False, False, False, 0
            while True:
                try:
                    value, _raw = await self._attempt(step, handle, call)
                except UnusableAnswer as exc:
                    error, kind = str(exc), "transient"
                except TimeoutError as exc:  # ours (no message) or the SDK's own
                    error = describe(exc) if str(exc) else f"no answer within {self.settings.call_timeout_s:.0f}s"
                    kind = "transient"
                    if self.deadline is not None and time.time() >= self.deadline:  # cut by the deadline: no retry
                        failures.append(f"{handle.label}: cut at the model's deadline in this run ({error})")
                        raise ModelUnavailable(step, failures) from exc
                except Exception as exc:  # provider SDKs raise their own types; all of them mean "no answer"
                    error, kind = describe(exc), classify(exc)
                else:
                    if failures:
                        self.meter.note(f"{step}: answered by {handle.label} after {len(failures)} failed attempt(s)")
                    return value, handle
                failures.append(f"{handle.label} attempt {len(failures) + 1}: {error}")
                if kind == "rejected":
                    if repair is not None and not repaired:
                        repair()
                        repaired = True
                        self.meter.note(f"{step}: {handle.label} rejected the request ({error}); retrying once with a "
                                        "repaired request (trimmed context, repaired tool pairing)")
                        continue
                    rejected = True
                    break
                if kind == "permanent" or attempt == self.settings.retries:
                    permanent = kind == "permanent"
                    break
                await self.sleep(backoff_delay(attempt, self.settings, self.rng))
                attempt += 1
            if rejected:
                following = [m for m in candidates[index + 1:] if m.label not in self.down]
                self.meter.note(f"{step}: {handle.label} rejected the request again ({error}); "
                                + (f"asking {following[0].label} for this step" if following else "no other model for this step")
                                + f"; {handle.label} stays in use for the next steps")
                continue
            self.down[handle.label] = error
            left = self.available
            how = "a permanent error" if permanent else f"{attempt + 1} attempt(s)"
            self.meter.note(f"{step}: {handle.label} gave no usable answer after {how} ({error}); "
                            + (f"using {left[0].label} for the rest of the run" if left
                               else "no model left for the rest of the run"))
        raise ModelUnavailable(step, failures)


async def ask_structured(chain: ModelChain, step: str, schema: type[Reply], messages: list,
                         stable_through: int | None = None) -> tuple[Reply, ModelHandle]:
    """Structured output through the chain; an answer that does not parse counts as a failed attempt.
    A rejected request is retried with `messages` repaired in place. `stable_through`: see
    caching.outgoing (the block of the last message up to which the step's next request repeats it)."""

    # The schema goes out compacted (no titles, no null branches): it is part of every such request.
    definition = compact_model(schema)["function"]

    async def call(handle: ModelHandle) -> tuple[Reply, AIMessage]:
        fitted = as_sent(messages, handle, chain.settings, [definition], answer=definition)
        if handle.text_tools:  # asked in words, with the schema written out (see forced_reply)
            return await forced_reply(handle, [], schema, outgoing(fitted, handle.provider, last_turn=True))
        runnable = handle.model.with_structured_output(definition, include_raw=True, **handle.structured_kwargs)
        # One request and done: nothing reads this conversation back, so only its static prefix (and
        # what the step's next request repeats, if any) is marked.
        out = await runnable.ainvoke(outgoing(fitted, handle.provider, chain.settings.prompt_caching, last_turn=True,
                                              stable_through=stable_through))
        raw, parsed = out.get("raw"), out.get("parsed")
        if isinstance(raw, AIMessage) and (call := _answer_call(raw, schema)):
            parsed = call["args"]  # also an answer written as text, or with near-miss field names
        elif out.get("parsing_error") is not None or not isinstance(parsed, dict):
            why = out.get("parsing_error") or "no structured answer"
            raise UnusableAnswer(f"answer is not a valid {schema.__name__}: {str(why)[:160]}", raw)
        try:
            return schema.model_validate(parsed), raw
        except ValidationError as exc:
            raise UnusableAnswer(f"answer is not a valid {schema.__name__}: {str(exc)[:160]}", raw) from None

    return await chain.ask(step, call, repair=lambda: repair_request(messages))
