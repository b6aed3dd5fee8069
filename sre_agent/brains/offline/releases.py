"""When a release is the fault: a rollout tied to the symptom by its onset (the symptom began within
ONSET_AFTER_CHANGE after the revision went live, or the revision live when it began), that changed what the pods run
(image, env, config, command, volumes, resources), whose service got slower or began failing while its pods stay up --
and whose failing calls do not go to a host outside the cluster. Read by the diagnosis rules (diagnosis_rules.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

from ...contracts import Finding, parse_time
from ...graph.pins import BEGAN_WITH, earliest_onset, pinned_revision
from ...quoting import clip
from .logs import RATE_LIMITED, errors_name_a_dependency, errors_point_outside, rate_limited


def _has(findings: list[Finding], resource: str, *signals: str) -> bool:
    return any(f.resource == resource and f.signal in signals for f in findings)


# A symptom whose onset the series show this soon after a release went live began with that release -- how a
# release older than the incident window (its errors grew with traffic until an alarm fired) is still tied to it.
ONSET_AFTER_CHANGE = timedelta(minutes=20)


BEHAVIOUR_CHANGES = {"image", "env", "config_refs", "command", "volumes", "resources"}


def backed_services(f: Finding, all_: list[Finding]) -> set:
    return {x.details.get("service") for x in all_ if x.signal == "Backs" and x.resource == f.resource}


def symptom_onset(f: Finding, all_: list[Finding]) -> tuple[datetime, str] | None:
    """The earliest anomaly onset on the rollout's workload or the Service it backs (the pin's rule, graph/pins.py)."""
    return earliest_onset([x for x in all_ if x.resource in {f.resource, *backed_services(f, all_)}])


def onset_revision(f: Finding, all_: list[Finding]) -> dict | None:
    """The revision of a RecentRollout's history that was live when the workload's symptom began (the
    earliest anomaly onset on it or its Service; the pin's rule, graph/pins.py), when that is not the
    current one: a release two revisions back with a harmless rollout on top is the release's fault, not
    the top rollout's."""
    history = f.details.get("history") or []
    earliest = symptom_onset(f, all_)
    if earliest is None or len(history) < 2:
        return None
    culprit = pinned_revision(history, f.details.get("revision"), earliest[0]).culprit
    if culprit is None or culprit == f.details.get("revision"):
        return None
    return next((r for r in history if r.get("revision") == culprit), None)


def onset_tied(f: Finding, all_: list[Finding]) -> bool:
    """A rollout is tied to the symptom when the symptom's onset on the workload or its Service (the earliest the series
    show it) came within ONSET_AFTER_CHANGE after it -- inside the incident window or not: a release whose pods served
    unharmed for longer than that before the symptom began did not bring it (an outside dependency slowing down twenty
    minutes later is not the release). With no onset to read (or one before it: onset_revision weighs the revision live
    then), a rollout inside the incident window is a suspect by its timing."""
    created = parse_time(f.details.get("created"))
    earliest = symptom_onset(f, all_)
    if created is not None and earliest is not None and earliest[0] - created > ONSET_AFTER_CHANGE:
        return False
    if f.details.get("in_window", True):
        return True
    return created is not None and earliest is not None and timedelta(0) <= earliest[0] - created


def regression(f: Finding, all_: list[Finding]) -> bool:
    # A rollout in the window (or one the symptom's onset ties to), pods healthy, and the workload's service got
    # slower or started failing -- judged by the revision live when that began (the latest rollout may have come
    # after it) -- unless its failing calls go to a host outside the cluster: a human weighs that, never an undo.
    # (a 429 from out there is an answer to how often it calls: the release that changed that stays a suspect)
    outside = errors_point_outside(f.resource, all_) and not rate_limited(f.resource, all_)
    if not onset_tied(f, all_) or outside or errors_name_a_dependency(f.resource, all_):
        return False
    began_with = onset_revision(f, all_)
    if began_with is None and after_the_alarm(f, all_):
        return False
    changed = began_with.get("changed") if began_with else f.details.get("changed")
    if changed is not None and not BEHAVIOUR_CHANGES & set(changed):
        return False
    return _degraded_not_broken(f, all_)


ALARM_MARGIN = timedelta(minutes=1)  # a rollout and the alarm's transition read off clocks a minute apart


def after_the_alarm(f: Finding, all_: list[Finding]) -> bool:
    """The release went out after the alarm the incident is about had fired (AlarmFired): whatever it changed since, it
    did not bring what fired -- the causal link runs forward in time only."""
    fired = next((when for x in all_ if x.signal == "AlarmFired" and (when := parse_time(x.details.get("fired")))), None)
    created = parse_time(f.details.get("created"))
    return fired is not None and created is not None and created > fired + ALARM_MARGIN


def _degraded_not_broken(f: Finding, all_: list[Finding]) -> bool:
    """The rollout's workload (or its Service) got slower or started failing, with no pod-level fault of its own."""
    # a release whose pods' memory climbs toward the limit brought a leak: memory_leak names it (its fix is the same
    # rollback), a generic regression does not
    broken = _has(all_, f.resource, "ImagePullBackOff", "CrashLoopBackOff", "OOMKilled", "CreateContainerConfigError",
                  "LivenessProbeFailing", "FailedScheduling", "MemoryRamp")
    services = backed_services(f, all_)
    degraded = any((x.signal in ("LatencyAnomaly", "ErrorAnomaly") or error_lines(x)) and
                   (x.resource == f.resource or x.resource in services) for x in all_)
    return degraded and not broken


def restart_brought_trouble(f: Finding, all_: list[Finding]) -> bool:
    """ConfigBroughtIn: the restart that brought the edit in is tied to the symptom's onset, and its workload got
    slower or failing since -- unless its failing calls go outside the cluster."""
    workload = str(f.details.get("workload") or "")
    rollout = next((x for x in all_ if x.resource == workload and x.signal == "RecentRollout"), None)
    if rollout is None or not onset_tied(rollout, all_) or errors_point_outside(workload, all_):
        return False
    restarted, earliest = parse_time(rollout.details.get("created")), symptom_onset(rollout, all_)
    if restarted is not None and earliest is not None and earliest[0] < restarted - RESTART_SLACK:
        return False  # the trouble was there before the restart brought the edit in
    return _degraded_not_broken(rollout, all_)


RESTART_SLACK = timedelta(minutes=2)  # a series' onset is read at its period's start: a minute or two before the restart


START_BEARING_CHANGES = {"image", "command"}


def release_cannot_start(f: Finding, all_: list[Finding]) -> bool:
    return bool(f.details.get("start_error")) and any(
        x.signal == "RecentRollout" and x.resource == f.resource and START_BEARING_CHANGES & set(x.details.get("changed") or [])
        for x in all_)


MIN_NEW_ERROR_LINES = 3  # a new error template seen once or twice in half an hour is a service's usual noise


def error_lines(x: Finding) -> bool:
    """New error lines enough to call a service degraded on their own (its error and latency metrics did not move) --
    at error level: a new WARN line (a deprecated option, a slow start) is a release talking, not a service failing."""
    return x.signal == "NewErrorTemplate" and int(x.details.get("count") or 0) >= MIN_NEW_ERROR_LINES and \
        x.details.get("level") != "warning"


def regression_reason(f: Finding, all_: list[Finding]) -> str:
    began_with = onset_revision(f, all_)
    if not began_with:
        return f.summary + _said_why(f, all_) + _fails_with(f, all_)
    return (f"{BEGAN_WITH} {began_with.get('revision')} (live from {began_with.get('created')}, "
            f"changed {', '.join(began_with.get('changed') or ['?'])}: images {began_with.get('images')}); "
            f"revision {f.details.get('revision')} came after it (changed {', '.join(f.details.get('changed') or ['?'])})")


def _said_why(f: Finding, all_: list[Finding]) -> str:
    """What the person who made the live release said it changes (its kubernetes.io/change-cause: "max_connections 200
    -> 40, leave headroom for the reporting replica") -- the release's own words, often the fault's name."""
    causes = [str((x.details.get("intent") or {}).get("value") or "") for x in all_ if x.resource == f.resource
              and x.signal == "RecordedIntent" and (x.details.get("intent") or {}).get("key") == "kubernetes.io/change-cause"]
    cause = next((c for c in causes if c), "")
    return f"; its change-cause: {cause[:200]!r}" if cause and cause not in f.summary else ""


def _fails_with(f: Finding, all_: list[Finding]) -> str:
    """The line its failing calls log since the release, when the other end answers 429 (it calls too often): the
    symptom's own words beside the release that causes it."""
    # the sample line as logged (the template masks its numbers: the 429 itself)
    line = next((x.summary.split(": ", 1)[-1] for x in all_ if x.resource == f.resource
                 and x.signal in ("UpstreamErrors", "NewErrorTemplate") and RATE_LIMITED.search(x.summary)), "")
    return f"; its calls are now refused for their rate: {clip(line, 160)}" if line else ""

