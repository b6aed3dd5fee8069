"""The investigation's state: typed models the graph's nodes read and partially update.

List fields that several nodes append to (tool calls, findings, tasks, actions) carry an `add`
reducer, so a node returns only what it added and LangGraph merges it into the checkpointed
state."""

from __future__ import annotations

import hashlib
import json
import operator
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from ..contracts import (
    Action,
    Diagnosis,
    Finding,
    Incident,
    IncidentStatus,
    ModelSpend,
    Person,
    RecalledIncident,
    RootCauseCategory,
    TeamFact,
    ToolCallRecord,
)
from .topology import Link

Agent = Literal["kubernetes", "metrics", "logs", "runbooks"]
MetricsSource = Literal["cloudwatch", "prometheus", "both"]  # where the Metrics agent reads workload series
SPECIALISTS: tuple[Agent, ...] = ("kubernetes", "metrics", "logs", "runbooks")
# Each specialist reaches its backend through its own MCP server, and no other.
SERVER_OF_AGENT: dict[str, str] = {"kubernetes": "kubernetes", "metrics": "cloudwatch", "logs": "cloudwatch",
                                   "runbooks": "ssm"}


def servers_of(agent: str, metrics_source: str = "cloudwatch", *, alarm_in_cloudwatch: bool = False) -> list[str]:
    """The MCP servers an agent reads, first one first: the metrics agent reads Prometheus beside CloudWatch (or instead
    of it) when `metrics.source` says so -- and CloudWatch still when the incident is a CloudWatch alarm, which is read
    where it lives; every other agent its one server."""
    if agent == "metrics" and metrics_source == "prometheus":
        return ["prometheus", "cloudwatch"] if alarm_in_cloudwatch else ["prometheus"]
    if agent == "metrics" and metrics_source == "both":
        return ["cloudwatch", "prometheus"]
    return [SERVER_OF_AGENT[agent]]


class Task(BaseModel):
    """A question the supervisor puts to one specialist; never asked twice."""

    agent: Agent
    target: str  # resource id, namespace or "cluster"
    question: str
    reason: str = ""

    @property
    def key(self) -> str:
        return f"{self.agent}:{self.target}:{self.question}"


class Hypothesis(BaseModel):
    category: RootCauseCategory
    resource: str
    confidence: float = Field(ge=0, le=1)
    reasons: list[str] = Field(default_factory=list)
    evidence: list[str] = Field(default_factory=list)


# Arguments that say where or how a write runs, not what it sets: the rest are its target.
PLACEMENT_ARGS = frozenset({"namespace", "name", "kind", "node", "reason", "dry_run"})


class RemediationPlan(BaseModel):
    """One write. Once pinned (graph/pinning.py) its args name the exact target (a revision, a count,
    a container and image) and `precondition` holds what was observed at planning (expect_* arguments
    the server checks before writing); its action id names exactly that, for approvals and the ledger."""

    runbook: str | None = None
    server: str
    tool: str
    args: dict[str, Any]
    risk: Literal["low", "medium", "high"]
    rationale: str = ""
    resource: str = ""  # the object written, as a resource id (pinned plans)
    precondition: dict[str, Any] = Field(default_factory=dict)
    pin: str = ""  # the evidence behind the target and the precondition, in a sentence
    gate_why: str = ""  # what the policy said about it (why it runs unattended, or waits for a human)
    # Why it was held, not run: it would reverse a change its target records as made on purpose (graph/intent.py).
    # A held plan is proposed to a human with this as what they must confirm; it never reaches the approval step.
    held: str = ""

    @property
    def target(self) -> dict[str, Any]:
        return {k: v for k, v in self.args.items() if k not in PLACEMENT_ARGS and not k.startswith("expect_")}

    @property
    def action_id(self) -> str:
        """Stable id of this pinned plan: tool, arguments and precondition (not the free-text reason)."""
        args = {k: v for k, v in self.args.items() if k != "reason"}
        blob = json.dumps([self.server, self.tool, args, self.precondition], sort_keys=True, default=str)
        return "act-" + hashlib.sha256(blob.encode()).hexdigest()[:16]


class ApprovalDecision(BaseModel):
    decision: Literal["approved", "rejected", "timeout", "auto", "not_needed"]
    by: str | None = None  # who answered, as the report names them (a person: Person.label(), "email (sub ...)")
    note: str = ""
    action_id: str | None = None  # the pinned plan a human answered for; approving another id is refused
    person: Person | None = None  # the person a verified token named (the service with OIDC); None: a typed name


class Budget(BaseModel):
    max_steps: int = 16
    max_seconds: float = 300.0
    max_tokens: int = 200_000
    max_cost_usd: float = 2.0


class Usage(BaseModel):
    steps: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    model: str | None = None  # the LLM(s) that answered, for the result's llm.model
    by_model: list[ModelSpend] = Field(default_factory=list)  # each model's steps and spend


class Investigation(BaseModel):
    incident: Incident
    run_id: str = ""  # this investigation's own id (the LangGraph thread); the incident groups runs
    brain: str = "offline"
    brain_reason: str | None = None  # why this brain and not the configured one (the service's LLM spend cap)
    metrics_source: MetricsSource = "cloudwatch"  # where the Metrics agent reads
    remediation_mode: Literal["auto", "approve", "off"] = "approve"
    budget: Budget = Field(default_factory=Budget)
    usage: Usage = Field(default_factory=Usage)
    started_epoch: float = 0.0  # wall clock, so budgets survive a crash and resume
    tasks: Annotated[list[Task], operator.add] = Field(default_factory=list)
    pending: Task | None = None
    tool_calls: Annotated[list[ToolCallRecord], operator.add] = Field(default_factory=list)
    findings: Annotated[list[Finding], operator.add] = Field(default_factory=list)
    # Ownership and dependency edges the tools returned (graph/topology.py): the causal rule walks these.
    links: Annotated[list[Link], operator.add] = Field(default_factory=list)
    hypotheses: list[Hypothesis] = Field(default_factory=list)
    # Past incidents the memory matched (hypotheses, never evidence); None: the memory was not asked yet.
    recalled: list[RecalledIncident] | None = None
    team_facts: list[TeamFact] = Field(default_factory=list)  # what the team said (its rules bind the policy)
    diagnosis: Diagnosis | None = None
    diagnosed_after_s: float | None = None
    plan: RemediationPlan | None = None
    approval: ApprovalDecision | None = None
    actions: Annotated[list[Action], operator.add] = Field(default_factory=list)
    replans: int = 0  # times the plan was re-pinned after the server found its precondition stale
    stale_plan: str | None = None  # set by `act` when the server refused a stale plan: plan again from fresh reads
    # Plans of this remediate pass that could not be pinned ("tool: why"): the brain plans the runbook's next step
    unpinned: list[str] = []
    verified: bool = False
    verification: str = ""
    status: IncidentStatus | None = None
    answer: str | None = None
    escalation_reason: str | None = None
    notes: Annotated[list[str], operator.add] = Field(default_factory=list)  # which brain did what, fallbacks

    def asked(self, task: Task) -> bool:
        return any(t.key == task.key for t in self.tasks)

    def findings_for(self, resource: str) -> list[Finding]:
        return [f for f in self.findings if f.resource == resource]
