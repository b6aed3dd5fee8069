"""An answer as text for a terminal: the headline, the facts, what to do next, and the evidence
(tool calls) and backend coverage it rests on."""

from __future__ import annotations

from .models import Answer, Turn

MARK = {"problems": "!", "unknown": "?", "healthy": "ok", "approval_required": "approval", "needs_llm": "llm"}


def render(answer: Answer, *, evidence: bool = True) -> str:
    mark = MARK.get(answer.status)
    lines = [f"[{mark}] {answer.headline}" if mark else answer.headline]
    lines += [f"  - {d}" if d and not d.startswith("  ") else d for d in answer.details]
    if answer.approval:
        a = answer.approval
        lines.append(f"  action: {a.tool} {a.args}")
        lines.append(f"  precondition: {a.precondition}")
    for i, step in enumerate(answer.next_steps):
        lines.append(f"{'Next:' if i == 0 else '     '} {step}")
    if evidence and answer.evidence:
        calls = ", ".join(f"{r.id} {r.server}.{r.tool}{'' if r.ok else ' (failed)'}" for r in answer.evidence[:12])
        more = f" +{len(answer.evidence) - 12} more" if len(answer.evidence) > 12 else ""
        lines.append(f"  evidence: {calls}{more}")
    if evidence and answer.coverage:
        lines.append("  backends: " + "; ".join(c.sentence() for c in answer.coverage))
    return "\n".join(lines)


def render_history(turns: list[Turn]) -> str:
    if not turns:
        return "(no turns yet in this session)"
    return "\n".join(f"{i}. [{t.at}] {t.question}\n   -> {t.answer.headline}" for i, t in enumerate(turns, 1))


def render_report(session_id: str, turns: list[Turn]) -> str:
    """/report: the session as markdown an on-call engineer can paste into a ticket."""
    out = [f"# Chat session {session_id}", ""]
    for turn in turns:
        out += [f"## {turn.question}", f"_{turn.at}, {turn.answer.status}_", "", "```", render(turn.answer), "```", ""]
    return "\n".join(out)
