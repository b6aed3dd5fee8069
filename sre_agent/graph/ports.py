"""What the graph needs from the world, as small protocols. The application (sre_agent/app) plugs
in the real things -- an offline or LLM brain, the MCP toolbox, an SNS/webhook notifier, an X-Ray
tracer, a SQLite/Postgres action ledger -- and tests or benchmarks plug in stubs; the graph never
imports any of them, so it stays a library that knows only these shapes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field

from ..contracts import Diagnosis, Finding, Incident, ModelSpend, RecalledIncident, TeamFact, ToolCallRecord
from .ledger import LedgerKey, LedgerOwner, LedgerRecord
from .state import Hypothesis, Investigation, RemediationPlan, Task


class ToolOutcome(BaseModel):
    """One tool call: the evidence record, and the parsed result (a dict) or the error."""

    record: ToolCallRecord
    data: Any = None  # the parsed result when the tool succeeded
    error: str | None = None


class Tools(Protocol):
    """The run's MCP tools, as the nodes and the brains use them."""

    @property
    def parameters(self) -> Mapping[tuple[str, str], set[str]]:
        """(server, tool) -> the argument names it accepts. Read-only: a plain attribute or a property."""

    async def call(self, agent: str, server: str, tool: str, args: dict[str, Any],
                   brain: str = "offline") -> ToolOutcome:
        """Call one tool; a failure is an outcome with `error`, never an exception."""

    def start_numbering_at(self, count: int) -> None:
        """Evidence ids continue from `count` (a resumed run keeps its earlier ids)."""

    def read_only_tools(self, server: str) -> list[Any]:
        """LangChain tools of `server` that declare readOnlyHint=True: all a model may be given."""


class SpecialistResult(Protocol):
    records: list[ToolCallRecord]
    findings: list[Finding]


class BrainSpend(BaseModel):
    """What a brain spent since the graph last asked: tokens, dollars, and notes on which model (or
    the offline policy, after a fallback) produced what. Brains that spend something expose
    `take_spend() -> BrainSpend`; the offline brain spends nothing and need not."""

    notes: list[str] = Field(default_factory=list)
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    by_model: list[ModelSpend] = Field(default_factory=list)  # each model's steps and spend, first use first

    @property
    def models(self) -> list[str]:
        """The models that answered, first use first."""
        return [spend.model for spend in self.by_model]


class AlertReader(Protocol):
    """Where an alert that did not come from CloudWatch is read back after a fix (Alertmanager's API, the
    service's record of a `resolved` notification). `read` returns a graph.health.AlarmReading whose
    state is None when this reader cannot tell -- with the reason in its detail -- never raises."""

    name: str

    async def read(self, incident: Incident) -> Any: ...


class Brain(Protocol):
    """The four questions the graph asks. The offline policy and the LLM brains answer the same
    ones, so the graph, the tools, the safety gates and the report never change with the brain."""

    name: str

    async def next_task(self, state: Investigation) -> Task | None:
        """The next question for a specialist, or None when there is nothing left worth asking."""

    async def investigate(self, task: Task, state: Investigation, tools: Tools) -> SpecialistResult:
        """Answer one question with tool calls on the agent's own MCP server."""

    async def diagnose(self, state: Investigation) -> tuple[Diagnosis, list[Hypothesis]]:
        """The root cause the findings support (category `none` when nothing is wrong)."""

    async def plan_remediation(self, state: Investigation) -> RemediationPlan | None:
        """The concrete tool call that fixes the diagnosis, from the runbook the runbooks agent found."""


class Memory(Protocol):
    """Past incidents, as hypotheses (sre_agent/memory): asked before the investigation and after its diagnosis."""

    def recall_before(self, state: Investigation) -> list[RecalledIncident]:
        """The past incidents of this alarm (or the object it watches): their root causes are checked first."""

    def recall_after(self, state: Investigation) -> list[RecalledIncident]:
        """Every match once the diagnosis is known, each marked confirmed or not by it."""

    def facts_for(self, state: Investigation) -> list[TeamFact]:
        """What the team told the responder that holds for this run's cluster (rules the policy enforces among them)."""


class Span(Protocol):
    def close(self, error: str | None = None, **metadata: Any) -> None: ...
    def __enter__(self) -> Any: ...
    def __exit__(self, *exc: object) -> Any: ...


class Tracer(Protocol):
    """Where node timings go (X-Ray in sre_agent.tracing); falsy when tracing is off."""

    def __bool__(self) -> bool: ...
    def node_span(self, name: str) -> Span: ...


class Delivery(Protocol):
    """One channel's outcome of a notification (sre_agent/app/notify's Delivery is one)."""

    @property
    def channel(self) -> str: ...  # "slack", "sns:<arn>", "webhook:<url without query>": safe to show
    @property
    def delivered(self) -> bool: ...
    @property
    def error(self) -> str | None: ...  # why not, as a sentence


class Notifier(Protocol):
    def escalation(self, incident_id: str, title: str, message: str) -> Sequence[Delivery]:
        """Page a human: one outcome per configured channel, [] when none is configured; never raises."""


class Ledger(Protocol):
    """One action per fault across incidents, runs, crashes and replicas, keyed by (resource, action,
    target) (graph/ledger.py has SQLite and Postgres)."""

    def claim(self, key: LedgerKey, owner: LedgerOwner) -> LedgerRecord | None:
        """Record the intent; None if claimed now, else the record of whoever holds this action."""

    def finish(self, key: LedgerKey, result: str, state: Literal["done", "refused"] = "done") -> None: ...
