"""What a sweep gathered, as plain tool results: the input of the (pure) grouping and triage.

Collection (collect.py) fills this from MCP tool calls; the unit tests fill it from recorded
outputs of the same tools. Keeping the raw shapes (dicts as the tools return them) means a rule
reads exactly what a tool said, and a test table is a copy of a real result."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field

from ..contracts import parse_resource_id

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job")


class SweepEvidence(BaseModel):
    scope: str = "(cluster)"
    now: datetime = Field(default_factory=lambda: datetime.now(UTC))
    findings: list[dict[str, Any]] = Field(default_factory=list)  # analyze: findings
    alarms: list[dict[str, Any]] = Field(default_factory=list)  # describe_alarms: alarms (every state)
    workloads: dict[str, str] = Field(default_factory=dict)  # "ns/name" -> kind (get_resources of workload kinds)
    # detect_anomalies results, each with "bad_direction" (up/down, from the alarm that names the metric)
    anomalies: list[dict[str, Any]] = Field(default_factory=list)
    log_templates: dict[str, list[dict[str, Any]]] = Field(default_factory=dict)  # workload id -> log_patterns templates
    walks: dict[str, dict[str, Any]] = Field(default_factory=dict)  # resource id -> ownership result
    service_backing: dict[str, str] = Field(default_factory=dict)  # Service id -> the workload whose pods it selects
    claims: dict[str, list[str]] = Field(default_factory=dict)  # workload id -> PVC ids its pod template mounts
    rollouts: dict[str, dict[str, Any]] = Field(default_factory=dict)  # Deployment id -> rollout_history result
    first_seen: dict[str, str] = Field(default_factory=dict)  # object id -> first warning event time
    runbooks: list[dict[str, Any]] = Field(default_factory=list)  # list_runbooks: runbooks
    runbook_docs: dict[str, dict[str, Any]] = Field(default_factory=dict)  # runbook id -> get_runbook: runbook
    runbook_hits: dict[str, list[dict[str, Any]]] = Field(default_factory=dict)  # problem resource -> search results


def kind_of(rid: str) -> str:
    try:
        return parse_resource_id(rid)[1]
    except ValueError:
        return ""


def namespace_of(rid: str) -> str | None:
    try:
        return parse_resource_id(rid)[0]
    except ValueError:
        return None
