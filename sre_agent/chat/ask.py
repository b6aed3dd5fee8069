"""One question being answered: what was asked, the conversation it belongs to, the tools, and the
tool calls made so far (every answer carries the calls behind it). Handlers register per form with
the backends a "nothing wrong" verdict of theirs depends on; `settle` applies the honesty rule."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ..contracts import ToolCallRecord
from ..graph.coverage import backend_checks, could_not_check_sentence, holes
from ..graph.ports import ToolOutcome, Tools
from .models import Answer
from .understand.forms import Recognised

AGENT = "chat"


@dataclass
class Ask:
    question: str
    recognised: Recognised
    tools: Tools
    namespace: str | None = None  # -n, or the namespace the question names
    focus: list[str] = field(default_factory=list)  # resources of earlier turns, most recent first
    last_diagnosis: dict | None = None
    recent: list[str] = field(default_factory=list)  # the last turns' headlines and facts: what was established
    last_answer: dict | None = None  # the previous turn's answer: what "do it" refers to
    investigate: Callable[[str, str], Awaitable[dict]] | None = None  # (question, resource) -> summary (why_failing)
    resource: str | None = None  # the subject, once resolved to a resource id
    notes: list[str] = field(default_factory=list)  # how the subject was read ("took 'setlement' to mean ...")
    records: list[ToolCallRecord] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    inventory_cache: Any = None  # the session's InventoryCache (chat/understand/inventory.py): what exists, listed once a few seconds
    memory: Any = None  # the session's incident memory (sre_agent/memory/store.py); None when memory is off

    @property
    def form(self) -> str:
        return self.recognised.form

    @property
    def incident(self) -> str | None:
        """What the conversation is about as an incident: the root cause it found, else the object it is on."""
        diagnosis = self.last_diagnosis or {}
        if diagnosis.get("resource") and diagnosis.get("category") not in (None, "none"):
            return str(diagnosis["resource"])
        return self.focus[0] if self.focus else None

    async def call(self, server: str, tool: str, args: dict[str, Any]) -> ToolOutcome:
        outcome = await self.tools.call(AGENT, server, tool, args)
        self.records.append(outcome.record)
        return outcome

    def answer(self, headline: str, **fields: Any) -> Answer:
        resources = fields.pop("resources", None) or ([self.resource] if self.resource else [])
        if self.notes:
            fields["details"] = [*self.notes, *(fields.get("details") or [])]
        return Answer(question=self.question, form=self.form, headline=headline, resources=resources,
                      evidence=list(self.records), duration_s=round(time.monotonic() - self.started, 3), **fields)


Handler = Callable[[Ask], Awaitable[Answer]]


@dataclass(frozen=True)
class Registered:
    handler: Handler
    needs: tuple[str, ...]  # backends a "healthy / nothing found" answer of this form rests on


HANDLERS: dict[str, Registered] = {}


RESTORE_ACCESS = "Check that the backends are reachable (kubeconfig, AWS credentials) and ask again."


AnyHandler = TypeVar("AnyHandler", bound=Handler)  # a handler keeps its own signature (optional arguments too)


def handles(*forms: str, needs: tuple[str, ...] = ()) -> Callable[[AnyHandler], AnyHandler]:
    def register(fn: AnyHandler) -> AnyHandler:
        for form in forms:
            HANDLERS[form] = Registered(fn, needs)
        return fn
    return register


def settle(answer: Answer, needs: tuple[str, ...]) -> Answer:
    """The honesty rule on one answer: a "healthy" (nothing wrong, nothing firing, nothing changed)
    verdict with a hole in the backends it needs becomes "could not check X: <reason>" (unknown);
    any other answer keeps its facts and says what it could not see."""
    checks = backend_checks(answer.evidence, needs)
    missing = holes(checks, needs)
    answer.coverage = checks
    failed = [c for c in checks if c.status == "could_not_check" and c not in missing]
    if answer.status == "healthy" and missing:
        answer.status = "unknown"
        answer.details.insert(0, f"(partial) {answer.headline}")
        answer.headline = could_not_check_sentence(missing)
        # "nothing to do" followed a verdict that no longer stands
        answer.next_steps = [RESTORE_ACCESS]
    elif missing or failed:
        gaps = [c for c in missing + failed if c.status == "could_not_check"]
        if gaps:
            answer.details.append(could_not_check_sentence(gaps))
    if answer.status == "unknown":  # "nothing to do" never follows a verdict that could not be reached
        answer.next_steps = [s for s in answer.next_steps if not s.lower().startswith("nothing to do")] or [RESTORE_ACCESS]
    return answer


class RecordingTools:
    """The session's tools as a `Tools` port whose every call also lands in the ask's evidence:
    what a library (the sweep engine, an investigation) asks the backends is what the answer rests on."""

    def __init__(self, ask: Ask) -> None:
        self._ask = ask

    @property
    def parameters(self) -> Any:
        return self._ask.tools.parameters

    def start_numbering_at(self, count: int) -> None:
        self._ask.tools.start_numbering_at(count)

    def read_only_tools(self, server: str) -> list[Any]:
        return self._ask.tools.read_only_tools(server)

    async def call(self, agent: str, server: str, tool: str, args: dict[str, Any], brain: str = "offline") -> ToolOutcome:
        outcome = await self._ask.tools.call(agent, server, tool, args, brain)
        self._ask.records.append(outcome.record)
        return outcome
