"""`run_sweep`: one read-only pass over the cluster and its alarms, as a ranked report of problems.

The honesty rule decides the status: `unknown` when Kubernetes or CloudWatch could not be checked
(whatever else was seen), `problems` when anything is wrong, `healthy` only with evidence from both."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from ..contracts import parse_time
from ..graph.coverage import HEALTH_BACKENDS, backend_checks, holes
from ..metric_kinds import measures_demand
from .collect import Collector, Gates, Progress
from .grouping import MAINTENANCE_SIGNALS, group
from .models import AlarmSeen, Status, SweepReport
from .triage import rank, to_problem


async def run_sweep(tools: Any, namespace: str | None = None, *, progress: Progress | None = None,
                    cluster: str | None = None, gates: Gates | None = None) -> SweepReport:
    """Sweep the cluster (or one namespace) through `tools` (the graph's Tools port). Never writes. `cluster`: its
    name in CloudWatch (ClusterName), when the account's alarms and log groups serve several clusters. `gates`: the
    in-flight limits of servers this sweep shares with others (collect.server_gates)."""
    started_at, started = datetime.now(UTC), time.monotonic()
    collector = Collector(tools, namespace, progress, cluster, gates)
    ev = await collector.collect()
    groups = group(ev)
    problems = [to_problem(g, ev) for g in groups]
    # Runbooks: by category where the signals named one, by search where they did not.
    unsure = {p.resource: " ".join(f"{s.signal} {s.message}" for s in p.symptoms) for p in problems if not p.category}
    if problems:
        if progress:
            progress(f"{len(problems)} problem(s); finding their runbooks")
        await collector.runbooks(ev, {p.category for p in problems if p.category}, unsure)
        problems = [to_problem(g, ev) for g in groups]
    coverage = [check if check.backend not in collector.incomplete or check.status != "checked" else
                check.model_copy(update={"status": "could_not_check", "reason": collector.incomplete[check.backend]})
                for check in backend_checks(collector.records, HEALTH_BACKENDS)]
    status: Status = "unknown" if holes(coverage, HEALTH_BACKENDS) else "problems" if problems else "healthy"
    alarms = [AlarmSeen(name=a["name"], state=a["state"], reason=a.get("reason") or "", since=parse_time(a.get("updated")),
                        demand=measures_demand(a))
              for a in ev.alarms if a.get("state") in ("ALARM", "INSUFFICIENT_DATA")]
    counts = {**collector.counts, "tool_calls": len(collector.records)}
    notes = [f["message"] for f in ev.findings if f.get("reason") in MAINTENANCE_SIGNALS]
    if collector.untied:
        notes.append(f"{len(collector.untied)} alarm(s) name no cluster (no ClusterName dimension), so none is tied to "
                     f"{cluster}: {', '.join(sorted(collector.untied)[:5])}")
    return SweepReport(scope=namespace or "(cluster)", started_at=started_at, duration_s=round(time.monotonic() - started, 3),
                       status=status, problems=rank(problems), alarms=alarms, coverage=coverage, counts=counts, notes=notes)
