"""Where a rollback goes, from the evidence: the last revision *before* the one that introduced the
symptom -- never "whatever precedes the current revision".

Two facts decide it. When the symptom was first seen: the earliest anomaly onset the metrics showed
(plus the metric's period, since an onset is the start of the first bad datapoint's bucket and a
rollout inside that bucket may have caused it), and at the latest the alarm's own state change.
And when each revision went live: a revision's ReplicaSet creation time, but never earlier than the
revision before it went live -- a rollback re-uses an old ReplicaSet (old creation time) under a new
revision number, and revision numbers are the order in which templates went live. The revision
that introduced the symptom is the last one live when the symptom was seen; the pin is the highest
revision below it. Pure functions: a table test holds histories and times."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel

from ..contracts import Finding, Incident, parse_time

DEFAULT_PERIOD_S = 60  # detect_anomalies' default period, for an onset that does not say its own
# How a regression's diagnosis names the revision its symptom began with -- written by the offline brain's
# diagnosis, read back by chat's causal answers (began_with_revision).
BEGAN_WITH = "the symptom began with revision"
_BEGAN_WITH = re.compile(re.escape(BEGAN_WITH) + r" (\d+)")


def began_with_revision(summary: str) -> int | None:
    """The revision a diagnosis summary says the symptom began with, if it says."""
    match = _BEGAN_WITH.search(summary)
    return int(match.group(1)) if match else None


class RevisionPin(BaseModel):
    """The revision to return to, or why there is none (`to_revision` None)."""

    to_revision: int | None
    culprit: int | None = None  # the revision that introduced the symptom
    current: int | None = None
    why: str


def earliest_onset(findings: list[Finding]) -> tuple[datetime, str] | None:
    """The earliest time by which a finding's anomaly onset shows the symptom had started (the onset plus
    its datapoints' period), and what says so; None when no finding carries an onset."""
    earliest: tuple[datetime, str] | None = None
    for finding in findings:
        onset = parse_time(finding.details.get("onset"))  # always timezone-aware
        if onset is None or finding.severity == "info":
            continue
        period = finding.details.get("period") or DEFAULT_PERIOD_S
        bound = onset + timedelta(seconds=float(period))
        if earliest is None or bound < earliest[0]:
            earliest = bound, f"{finding.signal} on {finding.resource} from {onset.isoformat()} ({period}s datapoints)"
    return earliest


ANOMALY_SIGNALS = ("ErrorAnomaly", "LatencyAnomaly", "MetricAnomaly")  # a symptom's metric off its baseline


def anomaly_onset(findings: list[Finding]) -> tuple[datetime, Finding] | None:
    """When the earliest symptom anomaly began (its onset itself: the memory's time to detect, the postmortem's
    impact), and the finding that says so; None when no anomaly finding carries an onset."""
    dated = [(moment, f) for f in findings if f.signal in ANOMALY_SIGNALS
             if (moment := parse_time(f.details.get("onset"))) is not None]
    return min(dated, key=lambda pair: pair[0]) if dated else None


def symptom_seen(findings: list[Finding], incident: Incident) -> tuple[datetime, str]:
    """The latest time by which the evidence shows the symptom had started, and what says so."""
    earliest = earliest_onset(findings)
    if earliest is not None and earliest[0] < incident.started_at:
        return earliest
    return incident.started_at, f"the alarm fired at {incident.started_at.isoformat()}"


def went_live(revisions: list[dict[str, Any]]) -> list[tuple[int, datetime | None]]:
    """(revision, the earliest it can have gone live), oldest revision first."""
    out: list[tuple[int, datetime | None]] = []
    floor: datetime | None = None
    for row in sorted(revisions, key=lambda r: int(r.get("revision") or 0)):
        created = parse_time(row.get("created"))
        live = max(created, floor) if created and floor else created or floor
        out.append((int(row.get("revision") or 0), live))
        floor = live
    return out


def pinned_revision(revisions: list[dict[str, Any]], current: int | None, seen: datetime, seen_because: str = "") -> RevisionPin:
    timeline = [(rev, live) for rev, live in went_live(revisions) if rev > 0]
    live_by_then = [rev for rev, live in timeline if live is not None and live <= seen]
    if not live_by_then:
        return RevisionPin(to_revision=None, current=current,
                           why=f"no revision in the history was live when the symptom was seen ({seen.isoformat()})")
    culprit = live_by_then[-1]
    earlier = [rev for rev, _ in timeline if rev < culprit]
    if not earlier:
        return RevisionPin(to_revision=None, culprit=culprit, current=current,
                           why=f"revision {culprit} was live when the symptom was seen and the history holds no earlier revision")
    target = earlier[-1]
    because = f" ({seen_because})" if seen_because else ""
    return RevisionPin(to_revision=target, culprit=culprit, current=current,
                       why=f"revision {culprit} was the last to go live before the symptom was seen at {seen.isoformat()}"
                           f"{because}; {target} is the last revision before it")


def rollback_target(findings: list[Finding], incident: Incident, workload: str) -> int | None:
    """The revision a rollback of `workload` goes to, from its RecentRollout finding: the one before the revision live
    when the symptom began (or simply the previous one, without a history) -- None for a kind without revisions or
    no rollout seen. The pin re-reads the history before anything is written (graph/pinning.py)."""
    kind = workload.split("/")[-2] if workload.count("/") >= 1 else ""
    rollout = next((f for f in findings if f.resource == workload and f.signal == "RecentRollout"), None)
    if rollout is None or kind not in ("Deployment", "StatefulSet", "DaemonSet") or not rollout.details.get("previous_revision"):
        return None
    target = rollout.details["previous_revision"]
    if rollout.details.get("history"):
        seen, because = symptom_seen(findings, incident)
        pin = pinned_revision(rollout.details["history"], rollout.details.get("revision"), seen, because)
        target = pin.to_revision or target
        if restarts_only_since(rollout.details["history"], target, rollout.details.get("revision")):
            return None  # the target runs what runs now: a rollback to it changes nothing, so it is no fix
    return target


def restarts_only_since(history: list[dict[str, Any]], target: int, current: int | None) -> bool:
    """Did every revision after `target` up to `current` change nothing of the pod spec (restarts: `changed` empty)?"""
    since = [r for r in history if current is not None and target < int(r.get("revision") or 0) <= current]
    return bool(since) and all(r.get("changed") == [] for r in since)
