"""What the graph's nodes need besides the state: the brain, the tools, the policy and the
outputs. Passed per run through LangGraph's config (never checkpointed: it is rebuilt on resume)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from langchain_core.runnables import RunnableConfig

from .brain import Brain
from .policy import RemediationPolicy
from .toolbox import Toolbox


@dataclass
class Runtime:
    brain: Brain
    toolbox: Toolbox
    policy: RemediationPolicy
    progress: Callable[[dict[str, Any]], None] = lambda event: None
    tracer: Any = None
    notifier: Any = None
    verify_timeout_s: float = 90.0
    verify_poll_s: float = 2.0
    healthy_checks_needed: int = 2
    ledger: Any = None
    started: float = field(default_factory=time.monotonic)

    def emit(self, kind: str, **fields: Any) -> None:
        self.progress({"kind": kind, "elapsed_s": round(time.monotonic() - self.started, 2), **fields})


def runtime_of(config: RunnableConfig) -> Runtime:
    return config["configurable"]["runtime"]
