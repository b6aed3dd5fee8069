"""A batch that got slower: a CronJob whose runs take much longer than they used to, from the run on which they began
to, and what that run's Job spec changed from the run before it (parallelism, completions, image) -- every run copies
the CronJob's job template, so a change between two runs is a change of the template. "Last night's import took twice
as long" is read from the runs' own start and completion times, never from a guess."""

from __future__ import annotations

from datetime import datetime
from statistics import median
from typing import Any, NamedTuple

from ...contracts import parse_time
from ...graph.cronjob_fixes import image_repository
from .calls import Calls

SLOWER = 1.5  # a run this many times the earlier runs' median is slower, not noise
MIN_BEFORE = 2  # runs before the change to know what "usual" was
COMPARED = ("parallelism", "completions", "images")


class SlowerRuns(NamedTuple):
    first: dict[str, Any]  # the first slow run
    before_s: float  # the earlier runs' median duration
    after_s: float  # the slow runs' median duration
    changed: list[str]  # "parallelism 4 -> 2": what the first slow run's spec changed from the run before it


def _seconds(job: dict[str, Any]) -> float | None:
    started, completed = parse_time(job.get("started")), parse_time(job.get("completed"))
    return (completed - started).total_seconds() if isinstance(started, datetime) and isinstance(completed, datetime) else None


def slower_runs(jobs: list[dict[str, Any]]) -> SlowerRuns | None:
    """The change in a CronJob's finished runs' durations: from the first run that took SLOWER times the runs before it
    (and the runs after it stayed slow) -- None when its runs take as long as they did."""
    runs = sorted((j for j in jobs if _seconds(j) is not None), key=lambda j: str(j.get("created") or ""))
    durations = [_seconds(j) or 0.0 for j in runs]
    for k in range(MIN_BEFORE, len(runs)):
        usual = median(durations[:k])
        if usual > 0 and all(d >= SLOWER * usual for d in durations[k:]):
            before, first = runs[k - 1], runs[k]
            changed = [f"{field} {_said(before.get(field))} -> {_said(first.get(field))}" for field in COMPARED
                       if before.get(field) != first.get(field)]
            return SlowerRuns(first, usual, median(durations[k:]), changed)
    return None


def last_completed(jobs: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The newest run that ran to completion: the images it ran are ones that exist and worked -- what a template whose
    image cannot be pulled goes back to (a CronJob has no rollout history; its runs are its history)."""
    done = [j for j in jobs if j.get("status") == "Complete" and j.get("images")]
    return max(done, key=lambda j: str(j.get("created") or ""), default=None)


def unfinished(jobs: list[dict[str, Any]]) -> list[str]:
    """The runs with neither a Complete nor a Failed condition (kubectl's STATUS Running), by name."""
    return [str(j.get("name")) for j in jobs if j.get("status") == "Running"]


def _said(value: Any) -> str:
    return ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)


def minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f}m" if seconds >= 90 else f"{seconds:.0f}s"


def image_moved_under_runs(jobs: list[dict[str, Any]]) -> tuple[str, str, str] | None:
    """(image before, image now, the last run that completed) when every run since the last completed one failed and
    ran another tag of the same repository than that run: the job template's image moved and its runs fail since --
    the template's change is the regression (a CronJob has no rollout history; its runs are its history)."""
    good = last_completed(jobs)
    if good is None:
        return None
    later = [j for j in jobs if str(j.get("created") or "") > str(good.get("created") or "")]
    failed = [j for j in later if j.get("status") == "Failed"]
    if not failed or any(j.get("status") not in ("Failed", "Running") for j in later):  # (the run going now may fail too)
        return None
    newest = max(failed, key=lambda j: str(j.get("created") or ""))
    moved = [(old, new) for old in good["images"] for new in newest.get("images") or []
             if old != new and image_repository(old) == image_repository(new)]
    return (moved[0][0], moved[0][1], str(good.get("name"))) if len(moved) == 1 else None


class KilledAtDeadline(NamedTuple):
    newest: dict[str, Any]  # the newest run killed at its deadline
    deadline_s: int  # the deadline the killed runs had
    usual_s: float  # how long the runs that completed took (their median)
    deadline_before: int | None  # the deadline the completed runs had, when they had one


def killed_at_deadline(jobs: list[dict[str, Any]]) -> KilledAtDeadline | None:
    """Every run since the last completed one failed at its deadline (DeadlineExceeded), and the runs that completed took
    longer than that deadline: the deadline is shorter than the work (a lowered activeDeadlineSeconds), not a run that
    hung -- None otherwise."""
    good = [j for j in jobs if j.get("status") == "Complete" and _seconds(j) is not None]
    if not good:
        return None
    newest_good = max(good, key=lambda j: str(j.get("created") or ""))
    later = [j for j in jobs if str(j.get("created") or "") > str(newest_good.get("created") or "")]
    killed = [j for j in later if "DeadlineExceeded" in str(j.get("condition") or "") and j.get("deadline_s")]
    if not killed or any(j.get("status") not in ("Failed", "Running") for j in later):
        return None
    newest = max(killed, key=lambda j: str(j.get("created") or ""))
    usual = median(_seconds(j) or 0.0 for j in good)
    if int(newest["deadline_s"]) >= usual:
        return None  # the work fits the deadline: the run hung or slowed, which other signals read
    before = newest_good.get("deadline_s")
    return KilledAtDeadline(newest, int(newest["deadline_s"]), usual, int(before) if before else None)


def duration_findings(target: str, jobs: list[dict[str, Any]], ev: str, calls: Calls) -> None:
    """What a CronJob's runs' durations say: slower than they were since a run (and what its spec changed), or killed
    at a deadline shorter than the runs that completed took."""
    if (slower := slower_runs(jobs)) is not None:  # "took twice as long": from which run, and what its spec changed
        calls.find(target, "RunsSlower", f"{target}'s runs take {minutes(slower.after_s)} since {slower.first.get('name')} "
                   f"({slower.first.get('created')}), against {minutes(slower.before_s)} before"
                   + (f"; that run's Job spec changed {'; '.join(slower.changed)} from the run before it" if slower.changed
                      else ""), ev, severity="warning", changed=slower.changed, first=slower.first.get("name"))
    if (killed := killed_at_deadline(jobs)) is not None:
        was = f" (the runs that completed had {killed.deadline_before}s)" if killed.deadline_before else ""
        calls.find(target, "RunsKilledAtDeadline",
                   f"{target}'s runs are killed at their deadline: {killed.newest.get('name')} failed DeadlineExceeded "
                   f"after activeDeadlineSeconds {killed.deadline_s}s{was}, while its runs that completed took "
                   f"{minutes(killed.usual_s)}", ev, severity="critical", deadline_s=killed.deadline_s,
                   usual_s=killed.usual_s, deadline_before=killed.deadline_before, run=killed.newest.get("name"))
