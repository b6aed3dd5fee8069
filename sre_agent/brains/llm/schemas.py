"""What the models are asked to return (structured output). Fields the model could get wrong in
ways that matter -- agent, category, resource ids, evidence ids -- are plain strings here and are
checked in code afterwards, so a wrong value becomes a clear fallback, not a parsing failure."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class RouteDecision(BaseModel):
    """The supervisor's next step: one question for one specialist, or done."""

    done: bool = Field(description="true when the findings are enough to conclude (or nothing more is worth asking)")
    agent: str | None = Field(None, description="kubernetes, metrics, logs or runbooks")
    target: str | None = Field(None, description="a resource id (namespace/Kind/name or Kind/name), a namespace, or 'cluster'")
    question: str | None = Field(None, description="what the specialist should find out, in one sentence")
    reason: str = Field("", description="why this question, from the findings so far")


class ReportedFinding(BaseModel):
    resource: str = Field(description="the resource the fact is about: namespace/Kind/name, or Kind/name if cluster-scoped")
    signal: str = Field(description="a short CamelCase code for the fact, from the known signal codes where one fits")
    summary: str = Field(description="the fact in one sentence, quoting the decisive value (reason, image, message)")
    severity: Literal["critical", "warning", "info"] = "warning"
    evidence: list[str] = Field(default_factory=list, description="ids of the tool calls that show it, e.g. ev-3")


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
