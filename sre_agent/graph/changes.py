"""Change correlation, as a ranked list: every change the evidence shows in the window (rollouts with
what they changed, scale events, nodes going NotReady), ordered by how close each came before the
moment the symptom was first seen. The change just before the onset is where an SRE looks first; a
change after the onset did not cause it. Read from findings' structured details only."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from ..contracts import parse_time
from .pins import symptom_seen
from .state import Investigation

# Finding signal -> the detail that says when the change happened.
WHEN = {"RecentRollout": "created", "RecentScaleUp": "at", "RecentScaleDown": "at", "NodeNotReady": "since"}


class Change(BaseModel):
    resource: str
    what: str
    at: datetime
    before_onset_s: float  # seconds before the symptom was seen (negative: after it, so not its cause)
    evidence: list[str] = []


def ranked_changes(state: Investigation) -> tuple[list[Change], str]:
    """Changes before the symptom, closest first, then the ones after it; and what dates the symptom."""
    seen, because = symptom_seen(state.findings, state.incident)
    changes: dict[tuple[str, str], Change] = {}
    for finding in state.findings:
        at = parse_time(finding.details.get(WHEN.get(finding.signal, ""), None)) if finding.signal in WHEN else None
        if at is None:
            continue
        what = finding.summary
        if finding.signal == "RecentRollout" and finding.details.get("changed") is not None:
            what = (f"rollout to revision {finding.details.get('revision')} changed "
                    f"{', '.join(finding.details['changed']) or 'nothing but its hash'}")
        changes.setdefault((finding.resource, what), Change(resource=finding.resource, what=what, at=at,
                                                            before_onset_s=(seen - at).total_seconds(),
                                                            evidence=list(finding.evidence)))
    ordered = sorted(changes.values(), key=lambda c: (c.before_onset_s < 0, abs(c.before_onset_s)))
    return ordered, because
