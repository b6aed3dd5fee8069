"""What chat says and keeps: an Answer (one turn's reply, with the tool calls behind it and the
backends its verdict rests on), a Turn (question + answer, as the session's thread keeps it), and the
approval request chat hands back instead of ever writing."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from ..contracts import BackendCheck, Person, ToolCallRecord

# answered: facts given; problems: something is wrong; healthy: every backend asked answered and
# nothing is wrong; unknown: a backend the verdict needs could not be checked; needs_llm: the offline
# brain does not recognise the question; approval_required: a write was asked for (chat never writes).
AnswerStatus = Literal["answered", "problems", "healthy", "unknown", "needs_llm", "approval_required", "needs_subject"]


class ApprovalRequest(BaseModel):
    """A write chat will not do by itself: the exact pinned action and how a human approves it."""

    tool: str  # the MCP tool, e.g. rollout_undo
    args: dict = Field(default_factory=dict)
    resource: str
    precondition: str = ""  # what was observed when it was planned (revision, image)
    change: str = ""  # what it would change
    how_to_approve: list[str] = Field(default_factory=list)
    requested_by: Person | None = None  # who asked for it, when a verified token named them (the service with OIDC)


class ChatUsage(BaseModel):
    """The LLM side of one answer: who answered, what it cost, and what happened on the way."""

    brain: str
    models: list[str] = Field(default_factory=list)
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    tools_offered: int = 0
    notes: list[str] = Field(default_factory=list)


class Answer(BaseModel):
    question: str
    form: str
    status: AnswerStatus = "answered"
    headline: str
    details: list[str] = Field(default_factory=list)
    next_steps: list[str] = Field(default_factory=list)
    resources: list[str] = Field(default_factory=list)  # resource ids discussed, the main one first: "it" next turn
    evidence: list[ToolCallRecord] = Field(default_factory=list)  # every tool call behind the answer
    coverage: list[BackendCheck] = Field(default_factory=list)
    approval: ApprovalRequest | None = None
    proposal: ApprovalRequest | None = None  # an action this answer proposed: what "do it" next turn asks approval for
    diagnosis: dict | None = None  # why_failing: the investigation's diagnosis (category, resource, summary)
    duration_s: float = 0.0
    llm: ChatUsage | None = None  # answered with an LLM brain: its models, tokens and cost for this answer
    full: bool = False  # shown whole ("more"): not cut to the lines that bear on the question (chat/conversation/brief.py)


class Turn(BaseModel):
    question: str
    answer: Answer
    at: str  # ISO time the answer was given
