"""An answer as text for a terminal: the headline, the facts, what to do next, and the evidence
(tool calls) and backend coverage it rests on -- short by default (chat/conversation/brief.py: the lines that bear on
the question), whole with `full` (--verbose, "more", a session's report)."""

from __future__ import annotations

from ..models import Answer, Turn
from .brief import brief

MARK = {"problems": "!", "unknown": "?", "healthy": "ok", "approval_required": "approval", "needs_llm": "llm"}


def render(answer: Answer, *, evidence: bool = True, full: bool = False) -> str:
    mark = MARK.get(answer.status)
    short = None if full or answer.full else brief(answer)
    headline = short.headline if short else answer.headline
    lines = [f"[{mark}] {headline}" if mark else headline]
    details = short.details if short else answer.details
    lines += [f"  - {d}" if d and not d.startswith("  ") else d for d in details]
    if answer.approval:
        a = answer.approval
        lines.append(f"  action: {a.tool} {a.args}")
        lines.append(f"  precondition: {a.precondition}")
        if a.requested_by:
            lines.append(f"  asked for by: {a.requested_by.label()}")
    steps = ([short.next_step] if short.next_step else []) if short else answer.next_steps
    for i, step in enumerate(steps):
        lines.append(f"{'Next:' if i == 0 else '     '} {step}")
    if short and short.hidden:
        lines.append(f"  (+{short.hidden} more: say 'more')")
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
        out += [f"## {turn.question}", f"_{turn.at}, {turn.answer.status}_", "", "```", render(turn.answer, full=True), "```", ""]
    return "\n".join(out)
