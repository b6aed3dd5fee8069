"""What one run may do and where it keeps its state: the per-run options the CLI, the service and
the evaluation harness fill in (the application's settings become these for each run)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from ..graph.state import Budget
from .toolbox import ServerConnection


class RunOptions(BaseModel):
    brain: Literal["offline", "bedrock", "anthropic", "openai"] = "offline"
    remediation: Literal["auto", "approve", "off"] = "approve"
    namespaces: list[str] = Field(default_factory=list)
    allow_node_actions: bool = False
    ssm_targets: list[str] = Field(default_factory=list, description="instance ids SSM writes may target ('*' = any)")
    state_dir: Path = Path(".sre-agent")
    checkpoint_dsn: str | None = None  # postgresql://... ; default SQLite in state_dir
    servers: dict[str, ServerConnection] | None = None  # default: the three servers over stdio
    env: dict[str, str] = Field(default_factory=dict)  # KUBECONFIG / AWS_* for stdio servers
    budget: Budget = Field(default_factory=Budget)
    verify_timeout_s: float = 90.0
    verify_poll_s: float = 2.0
    approval_timeout_s: float = 300.0
    escalation_sns_topic_arn: str | None = None
    escalation_webhook_url: str | None = None
