"""Opening investigations for what a sweep found: one Incident per new problem at or above a severity."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from ..app.options import RunOptions
from ..app.runs import run_investigation
from ..contracts import Incident
from .models import Problem, Severity

LOOKBACK = timedelta(hours=1)
LEVELS = {"warning": 1, "critical": 2}


def at_or_above(problem: Problem, minimum: Severity) -> bool:
    return LEVELS[problem.severity] >= LEVELS[minimum]


def incident_for_problem(problem: Problem, now: datetime | None = None) -> Incident:
    """The Incident for one problem: its root resource is what the investigation starts from."""
    now = now or datetime.now(UTC)
    started = min(problem.since or now, now)
    slug = re.sub(r"[^a-z0-9]+", "-", problem.resource.lower()).strip("-")[:60]
    return Incident(id=f"sweep-{slug}-{now.strftime('%Y%m%d-%H%M%S')}", source="sweep", title=f"sweep: {problem.summary[:160]}",
                    severity="critical" if problem.severity == "critical" else "high", started_at=started,
                    window_start=started - LOOKBACK, window_end=now, affected=[problem.resource])


async def open_incidents(problems: list[Problem], options: RunOptions, *,
                         on_progress: Callable[[dict[str, Any]], None] | None = None) -> list[tuple[Problem, str, str]]:
    """Investigate each problem (remediation as the settings say); returns (problem, run id, status)."""
    opened: list[tuple[Problem, str, str]] = []
    for problem in problems:
        result, state = await run_investigation(incident_for_problem(problem), options, on_progress=on_progress)
        opened.append((problem, state.run_id, result.status))
    return opened
