"""What the models are asked to return (structured output). Fields the model could get wrong in
ways that matter -- agent, category, resource ids, evidence ids -- are plain strings here and are
checked in code afterwards, so a wrong value becomes a clear fallback, not a parsing failure."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class PlannedQuestion(BaseModel):
    agent: str
    target: str
    question: str
    reason: str = ""


class RouteDecision(BaseModel):
    """The supervisor's next step: one question for one specialist (and the ones to follow it), or done."""

    done: bool = Field(description="true when the findings are enough to conclude (or nothing more is worth asking)")
    agent: str | None = Field(None, description="kubernetes, metrics, logs or runbooks")
    target: str | None = Field(None, description="a resource id (namespace/Kind/name or Kind/name), a namespace, or 'cluster'")
    question: str | None = Field(None, description="what the specialist should find out, in one sentence")
    reason: str = Field("", description="why this question, from the findings so far")
    then: list[PlannedQuestion] = Field(default_factory=list, description="the questions to ask after it, in order")
    conclude_after: bool = Field(False, description="true: conclude once these are answered, without asking you again")


class ReportedFinding(BaseModel):
    # Each field is explained once, in the findings rules of the specialist's prompt (prompts/report.md).
    resource: str
    signal: str
    summary: str
    severity: Literal["critical", "warning", "info"] = "warning"
    evidence: list[str] = Field(default_factory=list)


class FindingsReport(BaseModel):
    """A specialist's answer: the facts its tool calls established."""

    findings: list[ReportedFinding] = Field(default_factory=list)


class Alternative(BaseModel):
    category: str
    resource: str = ""
    confidence: float = Field(0.0, ge=0, le=1)
    why: str = ""


class DiagnosisAnswer(BaseModel):
    """The root cause the findings support."""

    category: str = Field(description="one of the root-cause categories listed in the instructions")
    resource: str = Field(description="the root-cause resource id per the rule in the instructions; empty for none")
    summary: str = Field(description="one or two sentences: what is wrong, on what, and what shows it")
    confidence: float = Field(ge=0, le=1)
    evidence: list[str] = Field(default_factory=list, description="ids of the tool calls that prove it, e.g. ev-3")
    alternatives: list[Alternative] = Field(default_factory=list, description="other explanations considered, if any")
