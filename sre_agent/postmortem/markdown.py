"""A postmortem draft as markdown: for a ticket, a wiki page or the channel."""

from __future__ import annotations

from .draft import Postmortem, duration


def timing(seconds: float | None) -> str:
    return duration(seconds) if seconds is not None else "-"


def render_markdown(pm: Postmortem) -> str:
    out = [f"# Postmortem (draft): {pm.title}", "",
           f"**Incident:** {pm.incident_id} (run {pm.run_id})  ", f"**Severity:** {pm.severity}  ",
           f"**Outcome:** {pm.status}  ", f"**Drafted:** {pm.generated_at:%Y-%m-%d %H:%M} UTC by sre-agent from the "
           "run's evidence -- blameless: it names changes and systems, people only as who approved an action.", "",
           "## Summary", "", pm.summary, "", "## Impact", "", pm.impact.sentence(), "",
           "| time to detect | time to diagnose | time to mitigate |", "|---|---|---|",
           f"| {timing(pm.time_to_detect_s)} | {timing(pm.time_to_diagnose_s)} | {timing(pm.time_to_mitigate_s)} |", "",
           "## Timeline (UTC)", ""]
    out += [f"- {m.at:%Y-%m-%d %H:%M:%S} -- {m.what}" for m in pm.timeline] or ["- (no dated events)"]
    out += ["", "## Root cause", ""]
    out += [f"`{pm.category}` on `{pm.resource}`: {pm.root_cause}", ""] if pm.category != "none" else \
        ["No root cause was found.", ""]
    if pm.evidence:
        out += ["Evidence:", "", *[f"- {e}" for e in pm.evidence], ""]
    out += ["## Actions", ""]
    out += [f"- `{a.tool}` on `{a.target}` (approved by {a.approved_by or '-'}): {a.result}; verified: "
            f"{'yes' if a.verified else 'no'}" for a in pm.actions] or ["- none taken by the responder"]
    out += ["", "## What went well", "", *[f"- {w}" for w in pm.went_well or ["(nothing recorded)"]], "",
            "## What went badly", "", *[f"- {b}" for b in pm.went_badly or ["(nothing recorded)"]], "",
            "## Earlier occurrences", ""]
    out += [f"- {r.sentence()}" for r in pm.earlier] or ["- none in the incident memory"]
    out += ["", "## Follow-ups", "", *[f"- [ ] {f}" for f in pm.follow_ups or ["(none proposed)"]], ""]
    return "\n".join(out)
