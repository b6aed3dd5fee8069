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

    # Short descriptions: the supervisor prompt says when to stop and how to plan ahead.
    done: bool = Field(description="true: conclude now")
    agent: str | None = Field(None, description="kubernetes, metrics, logs or runbooks")
    target: str | None = Field(None, description="a resource id, a namespace or 'cluster'")
    question: str | None = Field(None, description="one sentence")
    reason: str = Field("", description="why, from the findings")
    then: list[PlannedQuestion] = Field(default_factory=list, description="questions to ask after it, in order")
    conclude_after: bool = Field(False, description="true: conclude once they are answered")


class ReportedFinding(BaseModel):
    # Each field is explained once, in the findings rules of the specialist's prompt (prompts/report.md).
    resource: str
    signal: str
    summary: str
    severity: Literal["critical", "warning", "info"] = "warning"
    evidence: list[str] = Field(default_factory=list)


class FindingsReport(BaseModel):
    """Your findings (the findings rules say how to write them)."""

    findings: list[ReportedFinding] = Field(default_factory=list)


class Alternative(BaseModel):
    category: str
    resource: str = ""
    confidence: float = Field(0.0, ge=0, le=1)
    why: str = ""


class DiagnosisAnswer(BaseModel):
    """The root cause the findings support."""

    category: str = Field(description="one of the categories listed")
    resource: str = Field(description="per the root-cause rule; empty for none")
    summary: str = Field(description="one or two sentences: what is wrong, on what, and what shows it")
    confidence: float = Field(ge=0, le=1)
    evidence: list[str] = Field(default_factory=list, description="the ev-N ids that prove it")
    alternatives: list[Alternative] = Field(default_factory=list, description="other explanations considered, if any")
