"""What a sweep reports: problems (one per root resource, its symptoms under it), the alarms seen,
and which backends the verdict rests on. Shared by the sweep command, chat ("what's broken?"), the
service and the evaluation."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from ..contracts import BackendCheck

Severity = Literal["critical", "warning"]
Status = Literal["healthy", "problems", "unknown"]


class Symptom(BaseModel):
    """One observation under a problem: an analyzer finding, an alarm, an anomaly, a log template."""

    resource: str  # namespace/Kind/name or Kind/name
    source: Literal["analyzer", "alarm", "anomaly", "logs"]
    signal: str  # the analyzer's reason, the alarm name, the metric, the template id
    message: str
    severity: Severity = "warning"


class NextStep(BaseModel):
    """What a human does next: the runbook that applies and the action they could approve."""

    runbook: str | None = None
    action: str | None = None  # e.g. "rollout_undo shop/checkout" -- proposed, never run by a sweep
    note: str = ""


class Problem(BaseModel):
    resource: str  # the root resource: the symptoms' common owner or dependency
    severity: Severity
    category: str = ""  # RootCauseCategory value when the signals say which, else ""
    summary: str
    symptoms: list[Symptom] = Field(default_factory=list)
    blast_radius: list[str] = Field(default_factory=list)  # what depends on the resource
    since: datetime | None = None
    next_step: NextStep = Field(default_factory=NextStep)


class AlarmSeen(BaseModel):
    name: str
    state: Literal["ALARM", "INSUFFICIENT_DATA", "OK"]
    reason: str = ""
    since: datetime | None = None
    demand: bool = False  # on a metric of work arriving (requests): high traffic, not by itself a problem


class SweepReport(BaseModel):
    scope: str  # a namespace, or "(cluster)"
    started_at: datetime
    duration_s: float = 0.0
    # healthy: every backend answered and nothing is wrong; problems: something is; unknown: a backend could not be checked
    status: Status
    problems: list[Problem] = Field(default_factory=list)  # ranked, worst first
    alarms: list[AlarmSeen] = Field(default_factory=list)  # those not OK
    coverage: list[BackendCheck] = Field(default_factory=list)
    counts: dict[str, int] = Field(default_factory=dict)  # what was looked at: pods, nodes, alarms, ...
    notes: list[str] = Field(default_factory=list)  # states an operator chose (a cordoned node): seen, not problems
