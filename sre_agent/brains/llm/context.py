"""The investigation as the models read it: short plain-text blocks built from the state.

Only what the graph established goes in (incident, questions asked, findings, evidence ids), in a
bounded size, so a long investigation does not grow the prompt without limit."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime

from ...contracts import Finding, ToolCallRecord
from ...graph.state import Investigation, Task
from .redaction import redact_text
from .tool_binding import render_result

MAX_FINDINGS = 60
MAX_EVIDENCE = 80
MAX_MEMORY_CHARS = 1200  # the memory's share of every request: a hint, bounded


def incident_block(state: Investigation, alarm: bool = True) -> str:
    """The incident as every request of the run carries it; `alarm=False` leaves out the alarm's payload
    (for a reader who works from a target the supervisor chose with it, and from where it was seen)."""
    incident = state.incident
    # No incident id: nothing the models do needs it, and it is in every request of the run.
    # A chat question is its incident's title too: said once, as the question.
    title = "" if incident.question and incident.question.strip() == incident.title.strip() else f": {incident.title}"
    lines = [f"Incident ({incident.source}, severity {incident.severity}){title}",
             f"Started {_time(incident.started_at)}; look at {_time(incident.window_start)} .. {_time(incident.window_end)}"]
    if incident.affected:
        lines.append("Where the symptom was seen: " + ", ".join(incident.affected))
    if incident.question:
        lines.append(f"The SRE asks: {incident.question}")
    if incident.alarm and alarm:
        # Compact JSON without null fields: the alarm is in every request of the run.
        lines.append("Alarm: " + render_result(incident.alarm, 800))
    if memory := memory_block(state):
        lines.append(memory)
    return "\n".join(lines)


def memory_block(state: Investigation) -> str:
    """The incident memory's hypotheses and what the team said, redacted and bounded; "" when there is none."""
    lines = []
    for past in (state.recalled or [])[:3]:
        lines.append(f"- remembered {past.incident_id} ({past.when:%Y-%m-%d}): {past.category} on {past.resource}"
                     + (f"; fix {past.fix_tool} {'verified' if past.verified else 'did NOT verify'}" if past.fix_tool else ""))
    for fact in state.team_facts[:5]:
        scope = fact.resource or fact.namespace or "everywhere"
        lines.append(f"- the team said ({scope}): {fact.text}" + (" [a rule: the policy enforces it]" if fact.forbid else ""))
    if not lines:
        return ""
    text = redact_text("\n".join(["Memory (hypotheses to check against this run's tool results, never evidence):", *lines]))
    return text[:MAX_MEMORY_CHARS]


def _time(moment: datetime) -> str:
    # Microseconds say nothing to an investigation; UTC is written Z, as the tools write it.
    text = moment.isoformat(timespec="seconds")
    return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text


def finding_line(finding: Finding, who: bool = True) -> str:
    refs = ",".join(finding.evidence)
    agent = f"[{finding.agent}] " if who else ""
    return f"- {agent}{finding.resource} {finding.signal} ({finding.severity}): {finding.summary[:240]} [{refs}]"


def findings_block(findings: list[Finding], who: bool = True) -> str:
    """The findings so far; `who=False` leaves out which specialist reported each (a specialist
    reads them for what was found, and cites them by their evidence ids)."""
    if not findings:
        return "Findings so far: none."
    shown = findings[-MAX_FINDINGS:]
    head = f"Findings so far ({len(findings)}" + (f", last {len(shown)} shown" if len(shown) < len(findings) else "") + "):"
    return "\n".join([head, *(finding_line(finding, who) for finding in shown)])


def finding_groups(findings: list[Finding]) -> list[str]:
    """The findings shown (the last MAX_FINDINGS) as runs of one specialist's lines, oldest first.
    A run is complete once another specialist has reported after it, so a later request that sends
    the same runs as separate blocks repeats an earlier request's prefix block for block."""
    groups: list[list[str]] = []
    previous = None
    for finding in findings[-MAX_FINDINGS:]:
        if finding.agent != previous:
            groups.append([])
            previous = finding.agent
        groups[-1].append(finding_line(finding))
    return ["\n".join(lines) for lines in groups]


def tasks_block(tasks: list[Task]) -> str:
    if not tasks:
        return "Questions already asked: none."
    return "\n".join(["Questions already asked (never ask one again):",
                      *(f"- {t.agent} | {t.target} | {t.question}" for t in tasks)])


def evidence_line(record: ToolCallRecord, excerpt_chars: int = 0) -> str:
    args = json.dumps(record.args, default=str, sort_keys=True)[:200]
    line = f"[{record.id}] {record.server}.{record.tool} {args}{'' if record.ok else ' (FAILED)'}"
    if excerpt_chars:
        line += f"\n    {record.excerpt[:excerpt_chars]}"
    return line


def evidence_block(records: list[ToolCallRecord]) -> str:
    if not records:
        return "Tool calls so far: none."
    shown = records[-MAX_EVIDENCE:]
    return "\n".join(["Tool calls so far (cite these ids as evidence):", *map(evidence_line, shown)])


def calls_summary(records: list[ToolCallRecord]) -> str:
    """The tool calls as the supervisor needs them -- which backends answered, and every call that
    failed in full -- not the index of ids the diagnosis cites."""
    if not records:
        return "Tool calls so far: none."
    per_server = Counter(r.server for r in records)
    failed = [r for r in records if not r.ok]
    head = f"Tool calls so far: {len(records)} (" + ", ".join(f"{n} {server}" for server, n in per_server.items()) + ")"
    return "\n".join([head + (", failed:" if failed else ", none failed"), *map(evidence_line, failed[-MAX_EVIDENCE:])])


def task_block(task: Task) -> str:
    return f"Your question: {task.question}\nTarget: {task.target}\nWhy the supervisor asks: {task.reason or '-'}"
