"""DELETE AT MERGE: a minimal stand-in for `sre_agent.sweep.engine.run_sweep`, used only while the
sweep engine (issue 10, branch issue10-sweep) has not landed. It builds the shared SweepReport model
from the kubernetes analyzers and the CloudWatch alarms, nothing more; chat imports the real engine
first (health.py) and falls back to this only on ImportError."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any, Literal

from ..graph.coverage import backend_checks
from ..graph.ports import Tools
from ..sweep.models import AlarmSeen, Problem, Severity, SweepReport, Symptom


async def run_sweep(tools: Tools, namespace: str | None = None) -> SweepReport:
    started, clock = datetime.now(UTC), time.monotonic()
    records = []
    args: dict[str, Any] = {"namespace": namespace} if namespace else {}
    analysis = await tools.call("sweep", "kubernetes", "analyze", args)
    alarms = await tools.call("sweep", "cloudwatch", "describe_alarms", {})
    records += [analysis.record, alarms.record]
    by_resource: dict[str, Problem] = {}
    for finding in (analysis.data or {}).get("findings") or []:
        resource = finding.get("resource") or ""
        severity: Severity = "critical" if finding.get("severity") == "critical" else "warning"
        problem = by_resource.setdefault(resource, Problem(resource=resource, severity=severity,
                                                          summary=finding.get("message") or finding.get("reason") or ""))
        if severity == "critical":
            problem.severity = "critical"
        problem.symptoms.append(Symptom(resource=resource, source="analyzer", signal=finding.get("reason") or "",
                                        message=finding.get("message") or "", severity=severity))
    seen = [AlarmSeen(name=a.get("name", ""), state=a.get("state", "OK"), reason=a.get("reason") or "")
            for a in (alarms.data or {}).get("alarms") or [] if a.get("state") != "OK"]
    problems = sorted(by_resource.values(), key=lambda p: p.severity != "critical")
    coverage = backend_checks(records, ["kubernetes", "cloudwatch"])
    firing = [a for a in seen if a.state == "ALARM"]
    status: Literal["healthy", "problems", "unknown"]
    if any(c.status != "checked" for c in coverage):
        status = "unknown"
    else:
        status = "problems" if problems or firing else "healthy"
    return SweepReport(scope=namespace or "(cluster)", started_at=started, duration_s=time.monotonic() - clock,
                       status=status, problems=problems, alarms=seen, coverage=coverage,
                       counts={"findings": len((analysis.data or {}).get("findings") or []), "alarms": len(seen)})
