"""The finish node (terminal status, the answer to a chat question) and the report: markdown for
people, the InvestigationResult JSON for machines."""

from __future__ import annotations

from datetime import UTC, datetime

from langgraph.runtime import Runtime

from ..contracts import (
    OUTSIDE_THE_CLUSTER,
    BackendCheck,
    Diagnosis,
    Finding,
    IncidentStatus,
    InvestigationResult,
    LlmUsage,
    RootCauseCategory,
)
from ..metric_kinds import demand_metric
from .changes import ranked_changes
from .context import RunContext, emit
from .coverage import HEALTH_BACKENDS, backend_checks, checked_sentence, could_not_check_sentence, holes
from .fixes import proposed_fixes
from .recall import facts_lines, relevant_facts, seen_before_lines
from .state import Investigation

ACCESS_HINT = {"kubernetes": "KUBECONFIG, --kubeconfig, --context", "cloudwatch": "AWS_PROFILE, --profile, --region, "
               "AWS_ENDPOINT_URL"}


def coverage_of(state: Investigation) -> list[BackendCheck]:
    """Which backends this run's verdict rests on (the honesty rule): every backend called, and the
    ones a health verdict needs whether called or not."""
    return backend_checks(state.tool_calls, HEALTH_BACKENDS)


def unseen_backends(state: Investigation) -> list[BackendCheck]:
    """The backends a health verdict needs that this run could not see (unreachable or never asked)."""
    return holes(coverage_of(state), HEALTH_BACKENDS)


def _no_fault(state: Investigation) -> bool:
    return state.diagnosis is None or state.diagnosis.category == RootCauseCategory.NONE


def alarm_unexplained(state: Investigation) -> Finding | None:
    """What says the alarm that opened the incident still fires with no cause found: the metrics agent's AlarmFiring,
    or -- the alarm not seen back to OK -- errors or latency off their baseline. Finding no cause for that is not a
    verdict of health (the cause may be older than what was read); a human looks."""
    if state.incident.source != "alarm" or not _no_fault(state):
        return None
    firing = next((f for f in state.findings if f.signal == "AlarmFiring"), None)
    if firing is not None or any(f.signal == "AlarmRecovered" for f in state.findings):
        return firing
    # an alarm on a floor ("fewer than 200 sends a minute") whose metric fell and has not come back: work not done
    floor = "Less" in str(((state.incident.alarm or {}).get("Trigger") or {}).get("ComparisonOperator") or "")
    off = next((f for f in state.findings if f.severity != "info" and (f.signal in ("ErrorAnomaly", "LatencyAnomaly")
                                                                       or floor and f.signal == "MetricAnomaly")), None)
    # The alarmed metric itself still off its baseline is the alarm's own evidence that something is using up
    # (a volume filling, a queue growing, a node hot) -- unless it measures demand (more requests served, with no
    # errors or latency off: load handled), or what drives it is seen to be a batch Job's run: finite work that
    # ends by itself (the nightly bill run that heats its node).
    alarmed = next((f for f in state.findings if f.severity != "info" and f.details.get("alarmed")
                    and not demand_metric(str(f.details.get("metric") or ""))), None)
    return off or (None if alarmed is None or _batch_run_drives(state) else alarmed)


def _batch_run_drives(state: Investigation) -> bool:
    return any(f.signal == "NodeTopConsumer" and f.resource.split("/")[-2:-1] == ["Job"] for f in state.findings)


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def _answer(state: Investigation, status: str) -> str:
    coverage = coverage_of(state)
    missing = holes(coverage, HEALTH_BACKENDS)
    if _no_fault(state) and missing:  # no verdict: what could not be checked and what was, never "healthy"
        return (f"{_first_upper(status)}: {_first_upper(could_not_check_sentence(missing))}. "
                f"Checked: {checked_sentence(coverage)}. No verdict without evidence from "
                f"{' and '.join(HEALTH_BACKENDS)}; restore access and ask again.")
    # A root cause found stands on what was seen; say what could not be seen beside it.
    failed = [c for c in coverage if c.status == "could_not_check"]
    note = f" {_first_upper(could_not_check_sentence(failed))}." if failed else ""
    fixes = [] if _no_fault(state) or status == "remediated" else proposed_fixes(state)
    step = next((c for c in (fixes[0].commands if fixes else []) if not c.startswith("#")), None)
    next_step = f" Next: {fixes[0].summary.split(';')[0]} -- `{step}`." if step else ""
    return _verdict(state, status) + note + next_step


def _verdict(state: Investigation, status: str) -> str:
    diagnosis = state.diagnosis
    if state.incident.source != "chat" and diagnosis and diagnosis.category != RootCauseCategory.NONE:
        cause = f"Root cause: {diagnosis.category.value} on {diagnosis.resource} -- {diagnosis.summary.split(': ', 1)[-1]}"
        if status == "remediated" and state.actions:
            action = state.actions[0]
            return f"{cause}. Fixed with {action.tool} ({action.result}); verified: {state.verification}."
        return f"{cause}. Escalated: {state.escalation_reason or 'the fix did not verify'}."
    looked_at = sorted({t.target for t in state.tasks if t.agent == "kubernetes" and t.target != "cluster"})
    if diagnosis is None or diagnosis.category == RootCauseCategory.NONE:
        checks = ", ".join(looked_at) or "the cluster"
        warnings = [f.summary for f in state.findings if f.severity != "info"]
        if diagnosis is not None and _traced_outside(state):
            return diagnosis.summary  # the trouble was traced outside: where to, said first
        if warnings:
            return f"No root cause found for {checks}, but note: " + "; ".join(warnings[:3])
        return f"Healthy: {checks} checked -- pods ready, no warning events, no failing dependencies."
    return f"Not healthy: {diagnosis.summary}"


def _traced_outside(state: Investigation) -> bool:
    return state.diagnosis is not None and state.diagnosis.summary.startswith(OUTSIDE_THE_CLUSTER)


def _why_escalated(state: Investigation) -> str:
    if not _no_fault(state):
        return "the fix did not verify"
    if _traced_outside(state):  # nothing here to change, yet the alarm is real: whoever owns that host acts
        return "the fault is outside the cluster -- " + state.diagnosis.summary.removeprefix(OUTSIDE_THE_CLUSTER + ": ")  # type: ignore[union-attr]  # (traced: a diagnosis)
    down = [f"{f.signal} on {f.resource}" for f in state.findings if f.severity == "critical"]
    return "no root cause was found, but something is down: " + "; ".join(down[:3]) + " -- look at it before closing"


def final_status(state: Investigation) -> IncidentStatus:
    """The terminal status. Finding nothing is a verdict only when every backend it rests on was
    seen: with a hole in kubernetes or cloudwatch it is `unknown`, never `healthy` (or a chat answer
    that reads as one). A root cause found stands; the answer says what could not be checked."""
    if state.status:
        return state.status
    if _no_fault(state) and unseen_backends(state):
        return "unknown"
    if state.incident.source == "chat":
        return "answered"
    if _no_fault(state) and (any(f.severity == "critical" for f in state.findings) or _traced_outside(state)):
        # no root cause, but something seen is down (a dependency without endpoints, a crash), or the calls fail at a
        # host outside the cluster (a vendor's outage): a human looks -- "healthy" would close a real page
        return "escalated"
    return "healthy" if _no_fault(state) else "escalated"


async def finish(state: Investigation, runtime: Runtime[RunContext]) -> dict:
    status = final_status(state)
    emit(runtime, "done", status=status)
    answer = _answer(state, status)
    if state.incident.source == "chat" and state.escalation_reason:  # stopped early: say why, page no one
        answer = f"Stopped early ({state.escalation_reason}); what was found so far: {answer}"
    return {"status": status, "answer": answer}


def to_result(state: Investigation, *, duration_s: float, trace_id: str | None, report_path: str | None) -> InvestigationResult:
    actions = [a.model_copy(update={"verified": state.verified}) if i == 0 else a for i, a in enumerate(state.actions)]
    return InvestigationResult(
        incident_id=state.incident.id, run_id=state.run_id, status=state.status or "escalated", cluster=state.incident.cluster,
        diagnosis=state.diagnosis or Diagnosis(),
        actions=actions, agents_invoked=list(dict.fromkeys(t.agent for t in state.tasks)),
        tool_calls=len(state.tool_calls), redacted=sum(c.redacted for c in state.tool_calls),
        llm=LlmUsage(brain=state.brain, brain_reason=state.brain_reason, model=state.usage.model,
                     input_tokens=state.usage.input_tokens, output_tokens=state.usage.output_tokens,
                     cost_usd=round(state.usage.cost_usd, 6), by_model=state.usage.by_model),
        duration_s=round(duration_s, 3), time_to_diagnosis_s=state.diagnosed_after_s, trace_id=trace_id,
        report_path=report_path, coverage=coverage_of(state),
        proposed_fixes=[] if state.status == "remediated" else proposed_fixes(state), recalled=state.recalled or [],
        team_facts=relevant_facts(state))


def fix_lines(fixes) -> list[str]:
    """The proposed fixes as markdown: what to change, the commands, what a human must supply."""
    out = []
    for fix in fixes:
        out.append(f"- Fix `{fix.resource}`: {fix.summary}" + (f" (needs: {fix.needs})" if fix.needs else ""))
        out += [f"  - `{command}`" for command in fix.commands]
    return out


def render_markdown(state: Investigation, result: InvestigationResult) -> str:
    incident, diagnosis = state.incident, result.diagnosis
    out = [f"# Incident {incident.id}: {incident.title}", "",
           f"**Run:** {result.run_id}  ", f"**Status:** {result.status}  ", f"**Severity:** {incident.severity}  ",
           f"**Source:** {incident.source}  ", *([f"**Cluster:** {incident.cluster}  "] if incident.cluster else []),
           *([f"**Requested by:** {incident.requested_by.label()}  "] if incident.requested_by else []),
           f"**Brain:** {state.brain}" + (f" -- {state.brain_reason}" if state.brain_reason else "") + "  ",
           f"**Duration:** {result.duration_s:.1f}s (diagnosis after {result.time_to_diagnosis_s or 0:.1f}s), "
           f"{result.tool_calls} tool calls  ", f"**Generated:** {datetime.now(UTC).isoformat(timespec='seconds')}", ""]
    out += ["## Summary", "", state.answer or diagnosis.summary or "-", ""]
    out += ["## Root cause", "", f"- Category: `{diagnosis.category.value}`",
            f"- Resource: `{diagnosis.resource or '-'}`", f"- Confidence: {diagnosis.confidence:.2f}",
            *([f"- Decided by: {diagnosis.decided_by}"] if diagnosis.decided_by else []), f"- {diagnosis.summary}", ""]
    if len(state.hypotheses) > 1:
        out += ["Other hypotheses considered:", ""]
        out += [f"- `{h.category.value}` on `{h.resource}` ({h.confidence:.2f})" for h in state.hypotheses[1:4]] + [""]
    out += seen_before_lines(result.recalled) + facts_lines(result.team_facts)
    changes, onset = ranked_changes(state)
    if changes:
        out += ["## Changes before the symptom", "", f"Ranked by how close each came before the onset ({onset}).", ""]
        out += [f"- {c.at.isoformat(timespec='seconds')} `{c.resource}`: {c.what} -- "
                + (f"{c.before_onset_s / 60:.0f} min before the onset" if c.before_onset_s >= 0
                   else f"{-c.before_onset_s / 60:.0f} min after the onset (not its cause)") + f" [{', '.join(c.evidence)}]"
                for c in changes[:8]] + [""]
    out += ["## Coverage", "", "What the verdict rests on: a backend that could not be checked leaves the answer "
            "open, never healthy.", ""]
    out += [f"- {check.sentence()}" + (f", {check.calls_failed} failed" if check.calls_failed and check.calls_ok else "")
            for check in result.coverage] + [""]
    out += ["## Evidence", ""]
    cited = {e.id for e in diagnosis.evidence}
    for finding in state.findings:
        if finding.severity == "info" and not cited.intersection(finding.evidence):
            continue
        refs = ", ".join(finding.evidence)
        out.append(f"- **{finding.signal}** `{finding.resource}` ({finding.agent}): {finding.summary} [{refs}]")
    out += ["", "### Tool calls", "", "| id | agent | tool | args | ok |", "|---|---|---|---|---|"]
    for record in state.tool_calls:
        args = ", ".join(f"{k}={v}" for k, v in record.args.items())[:90].replace("|", "/")
        out.append(f"| {record.id} | {record.agent} | {record.server}.{record.tool} | {args} | {'yes' if record.ok else 'no'} |")
    out += ["", "## Timeline", ""]
    out += [f"{i}. {t.agent}: {t.question} `{t.target}` -- {t.reason}" for i, t in enumerate(state.tasks, 1)]
    out += ["", "## Actions", ""]
    if not result.actions:
        out.append("- none")
    for action in result.actions:
        out.append(f"- `{action.tool}` {action.args} (risk {action.risk}, approved by {action.approved_by or '-'}): "
                   f"{action.result}; verified: {action.verified}")
    if state.verification:
        out.append(f"- verification: {state.verification}")
    out += ["", "## What to do next", ""]
    if result.status == "remediated":
        out.append("- Watch the alarm for the next hour; open a follow-up to fix the change that caused this for good.")
    elif result.status == "escalated":
        out.append(f"- Escalated because: {state.escalation_reason or _why_escalated(state)}.")
    elif result.status == "unknown":
        for check in holes(result.coverage, HEALTH_BACKENDS):
            if check.status == "could_not_check":
                out.append(f"- Restore access to {check.backend} ({ACCESS_HINT.get(check.backend, 'its endpoint')}) "
                           f"and run again: {check.sentence()}.")
            else:
                out.append(f"- Nothing was asked of {check.backend}: name the service or namespace (-n) so it is consulted.")
    if result.proposed_fixes:
        out += fix_lines(result.proposed_fixes)
    elif result.status == "escalated" and state.plan:
        out.append(f"- Proposed fix: `{state.plan.tool}` {state.plan.args} (runbook `{state.plan.runbook}`).")
    elif result.status in ("healthy", "answered"):
        out.append("- Nothing to do." if _no_fault(state) else f"- Follow the `{result.diagnosis.category.value}` runbook.")
    for note in state.notes:
        out.append(f"- Note: {note}")
    return "\n".join(out) + "\n"

