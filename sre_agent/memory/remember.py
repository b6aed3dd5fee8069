"""A finished run as a memory record: its signature, what was done and whether it held, from the run's own state."""

from __future__ import annotations

from datetime import UTC, datetime

from ..brains.llm.redaction import redact_text
from ..contracts import InvestigationResult
from ..graph.pins import anomaly_onset
from ..graph.state import Investigation
from .fingerprints import fault_fingerprints, fingerprints
from .models import PastIncident

ALREADY_DONE = ("attached to", "not repeated")  # an action another run took: this run did not act


def past_incident(state: Investigation, result: InvestigationResult, cluster: str,
                  finished: datetime | None = None) -> PastIncident:
    finished = finished or datetime.now(UTC)
    incident, diagnosis = state.incident, state.diagnosis
    started = incident.started_at if incident.started_at.tzinfo else incident.started_at.replace(tzinfo=UTC)
    record = PastIncident(
        run_id=result.run_id, incident_id=incident.id, recorded_at=finished, started_at=started, source=incident.source,
        title=redact_text(incident.title), alarm=(incident.alarm or {}).get("AlarmName") if incident.alarm else None,
        question=redact_text(incident.question) if incident.question else None, cluster=cluster,
        namespace=incident.namespace or _namespace_of(diagnosis.resource if diagnosis else "", incident.affected),
        affected=list(incident.affected), resource=diagnosis.resource if diagnosis else "",
        category=diagnosis.category.value if diagnosis else "none", summary=redact_text(diagnosis.summary if diagnosis else ""),
        status=result.status, fingerprints=fingerprints(state.findings), tool_calls=result.tool_calls,
        fault_fingerprints=fault_fingerprints(state.findings, diagnosis.resource if diagnosis else ""),
        runbook=next((str(f.details.get("runbook")) for f in state.findings if f.signal == "RunbookMatched"), None),
        time_to_diagnose_s=result.time_to_diagnosis_s)
    return record.model_copy(update={**_what_was_done(state, result), **_timings(state, started, finished)})


def _namespace_of(resource: str, affected: list[str]) -> str | None:
    for rid in [resource, *affected]:
        if rid.count("/") == 2:
            return rid.split("/", 1)[0]
    return None


def _what_was_done(state: Investigation, result: InvestigationResult) -> dict:
    acted = next((a for a in state.actions if not a.result.startswith(ALREADY_DONE)), None)
    plan = state.plan
    if acted is not None:
        resource = plan.resource if plan and plan.tool == acted.tool else (state.diagnosis.resource if state.diagnosis else "")
        approved = state.approval.by if state.approval and state.approval.decision in ("approved", "auto") else None
        return {"fix": redact_text(f"{acted.tool} on {resource}: {acted.result}")[:400], "fix_tool": acted.tool,
                "fix_resource": resource, "fix_args": {k: v for k, v in acted.args.items() if k != "reason"},
                "fix_applied": True, "verified": bool(state.verified), "approved_by": approved}
    if result.proposed_fixes:
        fix = result.proposed_fixes[0]
        return {"fix": redact_text(f"proposed: {fix.summary}")[:400], "fix_resource": fix.resource}
    return {}


def _timings(state: Investigation, started: datetime, finished: datetime) -> dict:
    onset = anomaly_onset(state.findings)
    detect = (started - onset[0]).total_seconds() if onset else None
    resolve = (finished - started).total_seconds() if state.verified else None
    return {"time_to_detect_s": round(detect, 1) if detect is not None and detect >= 0 else None,
            "time_to_resolve_s": round(resolve, 1) if resolve is not None and resolve >= 0 else None}
