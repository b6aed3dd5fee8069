"""The LLM brain: the graph's four questions answered by a chat model, each with a way down.

    next_task          structured routing (supervisor.py), the     -> offline supervisor on failure; a "done"
                       questions it planned ahead asked in turn       before the incident's own evidence is
                                                                      overruled (arbiter.py)
    investigate        tool-calling specialist (specialist.py)    -> offline specialist on failure
    diagnose           structured diagnosis (diagnosis.py)        -> offline diagnosis on failure, and
                                                                      whenever the model's is the weaker
                                                                      (arbiter.py: a model can only add)
    plan_remediation   the offline planner, always: runbook-driven and checked in code; the model
                       never writes a write call

"Failure" is a provider that stays down through retries and the fallback model (ModelUnavailable),
the run's token or dollar budget spent (BudgetSpent: no model call is made, the supervisor then
escalates with what is known), or an answer that breaks a contract (InvalidAnswer); past the model's
deadline (llm.run_deadline_s) the offline brain answers every remaining step. Either way the
step is still answered, and the notes -- handed to the graph with the token counts through
take_spend() -- say who answered it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from ...contracts import CATEGORIES, Finding, ToolCallRecord
from ...graph.ports import BrainSpend, Tools
from ...graph.spend import budget_spent
from ...graph.state import Investigation, RemediationPlan, Task
from ..offline.brain import OfflineBrain
from .arbiter import REQUIRED, arbitrate, required_first
from .diagnosis import conclude
from .providers import ModelHandle
from .resilience import BudgetSpent, InvalidAnswer, ModelChain, ModelUnavailable
from .settings import LlmSettings
from .specialist import SpecialistRun
from .supervisor import Plan, route
from .usage import PriceTable, UsageMeter


@dataclass
class LlmSpecialistResult:
    records: list[ToolCallRecord] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def _for_offline(task: Task) -> Task:
    """The offline procedures read `question` as a keyword -- the runbooks one as a category -- while
    the model's question is prose; hand them the category the prose names."""
    if task.agent == "runbooks" and task.question not in CATEGORIES:
        category = next((c for c in CATEGORIES if c in task.question.lower()), None)
        if category:
            return task.model_copy(update={"question": category})
    return task


def _why(exc: Exception) -> str:
    if isinstance(exc, BudgetSpent):
        return f"the run's LLM budget is spent ({exc.why})"
    if isinstance(exc, ModelUnavailable):
        return f"no model answered ({exc.failures[-1] if exc.failures else 'none configured'})"
    return str(exc)


class LlmBrain:
    def __init__(self, name: str, models: list[ModelHandle], settings: LlmSettings, *,
                 triage: list[ModelHandle] | None = None, prices: PriceTable | None = None,
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep) -> None:
        self.name = name
        self.settings = settings
        self.meter = UsageMeter(prices)
        self.chain = ModelChain(models, settings, self.meter, sleep)  # investigates and concludes
        # Routes (llm.triage_model); the same chain when one model does everything.
        self.triage_chain = ModelChain(triage, settings, self.meter, sleep) if triage else self.chain
        self.offline = OfflineBrain()
        self.plan: Plan | None = None  # the supervisor's questions planned ahead (supervisor.py)
        self._deadline_said = False

    def _past_deadline(self, state: Investigation) -> bool:
        """The model's share of the run is spent (llm.run_deadline_s): the offline brain answers the rest, once said."""
        if not state.started_epoch or time.time() - state.started_epoch <= self.settings.run_deadline_s:
            return False
        if not self._deadline_said:
            self._deadline_said = True
            self.meter.note(f"the model's deadline ({self.settings.run_deadline_s:.0f}s of the run) passed: the offline "
                            "brain answers the remaining steps")
        return True

    def take_spend(self) -> BrainSpend:
        return self.meter.take()

    def _watch_budget(self, state: Investigation) -> None:
        """Before every model call: the run's checkpointed usage plus what this brain spent since."""
        pending = self.meter.pending
        for chain in {id(c): c for c in (self.chain, self.triage_chain)}.values():
            chain.budget_check = lambda: budget_spent(state, pending_tokens=pending.input_tokens + pending.output_tokens,
                                                      pending_cost_usd=pending.cost_usd)
            # A call in flight is cut at the model's deadline too: the offline brain needs the rest of the time budget.
            chain.deadline = state.started_epoch + self.settings.run_deadline_s if state.started_epoch else None

    async def next_task(self, state: Investigation) -> Task | None:
        if self._past_deadline(state):
            return await self.offline.next_task(state)
        task = await self._routed(state)
        if task is None and (needed := required_first(state)):
            # A model's "done" with the incident's own evidence ungathered is overruled: no verdict without evidence.
            self.plan = None
            self.meter.note(f"supervisor: the model concluded before {needed[0].agent} looked at {needed[0].target}; "
                            "asked first")
            return needed[0]
        return task

    async def _routed(self, state: Investigation) -> Task | None:
        if self.plan is not None:
            planned, task, note = self.plan.follow(state)
            if note:
                self.meter.note(note)
            if planned:
                return task
            self.plan = None
        self._watch_budget(state)
        try:
            task, notes, self.plan = await route(self.triage_chain, state, self.settings)
        except (ModelUnavailable, InvalidAnswer) as exc:
            task = await self.offline.next_task(state)
            chosen = f"asked {task.agent} about {task.target}" if task else "concluded"
            self.meter.note(f"supervisor: {_why(exc)}; the offline supervisor {chosen}")
            return task
        for note in notes:
            self.meter.note(note)
        return task

    async def investigate(self, task: Task, state: Investigation, tools: Tools) -> LlmSpecialistResult:
        if self._past_deadline(state) or task.reason.startswith(REQUIRED):  # the evidence no verdict goes without
            offline = await self.offline.investigate(_for_offline(task), state, tools)
            return LlmSpecialistResult(records=offline.records, findings=list(offline.findings))
        self._watch_budget(state)
        run = SpecialistRun(task, state, tools, self.chain, self.settings)
        try:
            await run.execute()
        except (ModelUnavailable, InvalidAnswer) as exc:
            # What the model already called is real evidence: keep it, and let the offline procedure answer.
            offline = await self.offline.investigate(_for_offline(task), state, tools)
            kept = f" after {len(run.records)} llm tool call(s)" if run.records else ""
            self.meter.note(f"{task.agent}: {_why(exc)}{kept}; the offline {task.agent} specialist answered "
                            f"({len(offline.records)} call(s), {len(offline.findings)} finding(s))")
            return LlmSpecialistResult(records=[*run.records, *offline.records], findings=list(offline.findings))
        for note in run.notes:
            self.meter.note(note)
        return LlmSpecialistResult(records=run.records, findings=run.findings)

    async def diagnose(self, state: Investigation):
        offline, offline_hypotheses = await self.offline.diagnose(state)  # the same evidence, read by the rules
        if self._past_deadline(state):
            return offline, offline_hypotheses
        self._watch_budget(state)
        try:
            diagnosis, hypotheses, notes, label = await conclude(self.chain, state, self.settings)
        except (ModelUnavailable, InvalidAnswer) as exc:
            diagnosis, hypotheses = offline, offline_hypotheses
            self.meter.note(f"diagnosis: {_why(exc)}; used the offline diagnosis ({diagnosis.category.value}"
                            + (f" on {diagnosis.resource})" if diagnosis.resource else ")"))
            notes = []
        else:  # a model can only add: a weaker conclusion than the rules' gives way to theirs
            decided, note = arbitrate(diagnosis, offline, state, label)
            if decided is not diagnosis and decided.decided_by.startswith("offline"):
                hypotheses = [*offline_hypotheses, *hypotheses]
            diagnosis = decided
            notes = [*notes, note]
        for note in notes:
            self.meter.note(note)
        if self.meter.calls:
            self.meter.note(self.meter.summary())
        return diagnosis, hypotheses

    async def plan_remediation(self, state: Investigation) -> RemediationPlan | None:
        return await self.offline.plan_remediation(state)
