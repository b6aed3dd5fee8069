"""Scheduled health sweeps inside `sre-agent serve`: each entry of the config's `service.sweeps` list
runs a read-only sweep at its cron times, archives the report, and opens an incident for each problem
that is new since the previous sweep.

What "new" is compared with (the honesty rule: "could not check" is never "no problems"). A sweep
with a hole (status `unknown`: Kubernetes or CloudWatch could not be checked) is archived like any
other, but it is no evidence that what it did not list is gone. So the baseline a sweep is compared
with (`baseline`) is the newest archived sweep of that schedule that saw everything, plus the
problems every holed sweep archived after it did see (those were announced when seen, so they are not
new again). A problem that was there before a hole is still in the baseline after it: it does not
come back as new; a problem that appeared during a hole and was never seen counts as new at the first
sweep that sees it; a holed sweep opens incidents only for new problems it saw, with evidence.

With several clusters configured (the config's `clusters:`), a schedule sweeps each of them (or the one its `cluster`
names) as a series of its own (`per_cluster`): `<name>@<cluster>`, archived in a folder of that name, compared with
that cluster's previous sweeps only, its incidents in that cluster and keyed by it (`sweep_key`)."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from croniter import croniter

from ..app.schedules import ScheduledSweep
from ..contracts import Incident
from ..sweep.history import HistoryError, read, sweeps_dir
from ..sweep.incidents import incident_for_problem as _problem_incident
from ..sweep.models import Problem, SweepReport

log = logging.getLogger(__name__)

MAX_WAIT = timedelta(minutes=1)  # re-read the clock at least this often (a suspended host, a clock step)


def next_fire(schedule: ScheduledSweep, after: datetime) -> datetime:
    """The first cron time strictly after `after` (naive = UTC), in UTC."""
    after = after if after.tzinfo else after.replace(tzinfo=UTC)
    local = after.astimezone(ZoneInfo(schedule.timezone))
    return croniter(schedule.cron, local).get_next(datetime).astimezone(UTC)


def problem_key(problem: Problem) -> str:
    """What identifies a problem across sweeps: its root resource (namespace/Kind/name) and category,
    never its free-text summary or messages."""
    return f"{problem.resource}|{problem.category or 'uncategorized'}"


def sweep_key(problem: Problem, cluster: str | None = None) -> str:
    """The correlation key of a sweep problem's incident: `sweep:<problem>`, and `@<cluster>` when a configured
    cluster was swept (the same Deployment failing in two clusters is two incidents)."""
    return f"sweep:{problem_key(problem)}" + (f"@{cluster}" if cluster else "")


def series_name(schedule: ScheduledSweep) -> str:
    """What a schedule's sweeps are archived and compared as: its name, `<name>@<cluster>` for one cluster's."""
    return f"{schedule.name}@{schedule.cluster}" if schedule.cluster else schedule.name


def per_cluster(schedules: list[ScheduledSweep], clusters: list[str]) -> list[ScheduledSweep]:
    """Each schedule once per cluster it sweeps: its `cluster`, or every configured one (none configured: as it is)."""
    if not clusters:
        return list(schedules)
    return [s.model_copy(update={"cluster": cluster}) for s in schedules for cluster in ([s.cluster] if s.cluster
                                                                                          else clusters)]


def _unique_series(schedules: list[ScheduledSweep]) -> None:
    seen: set[str] = set()
    for s in schedules:
        if series_name(s) in seen:
            raise ValueError(f"sweep {series_name(s)!r} is defined twice: each scheduled sweep needs its own name")
        seen.add(series_name(s))


def new_problems(previous: SweepReport | None, current: SweepReport) -> list[Problem]:
    """The problems of `current` whose key is not in `previous` (a `baseline`), in current's order;
    with no previous, all of them."""
    known = {problem_key(p) for p in previous.problems} if previous else set()
    return [p for p in current.problems if problem_key(p) not in known]


def baseline(history: Iterable[SweepReport]) -> SweepReport | None:
    """What a new sweep is compared with (see the module docstring), from a schedule's archived sweeps
    newest first: the newest one that saw everything, plus what the holed ones after it saw. With no
    complete sweep at all: the union of the holed ones (what was announced). None: no history."""
    carried: list[Problem] = []
    newest_holed: SweepReport | None = None
    for report in history:
        if report.status != "unknown":
            keys = {problem_key(p) for p in report.problems}
            extra = [p for p in carried if problem_key(p) not in keys]
            return report.model_copy(update={"problems": report.problems + extra}) if extra else report
        newest_holed = newest_holed or report
        keys = {problem_key(p) for p in carried}
        carried += [p for p in report.problems if problem_key(p) not in keys]
    return newest_holed.model_copy(update={"problems": carried}) if newest_holed else None


def incident_for_problem(problem: Problem, sweep: ScheduledSweep, now: datetime) -> Incident:
    """The sweep's Incident (sweep.incidents') with the schedule's severity, an id naming the schedule
    (two schedules may find one problem in the same second), the key that groups repeats of it and, for a
    configured cluster's sweep, that cluster."""
    base = _problem_incident(problem, now)
    return base.model_copy(update={"id": base.id.replace("sweep-", f"sweep-{sweep.name}-", 1), "severity": sweep.severity,
                                   "correlation_key": sweep_key(problem, sweep.cluster), "cluster": sweep.cluster})


class SweepArchive(Protocol):
    def save(self, name: str, report: SweepReport) -> str:
        """Keep a schedule's report; returns where (or an id)."""
        ...

    def previous(self, name: str) -> SweepReport | None:
        """What the next sweep of `name` is compared with: the `baseline` of what is saved."""
        ...


class FileSweepArchive:
    """state_dir/sweeps/<name>/<UTC start time>.json, the newest `keep` of each schedule (and always
    the newest complete one: it is the baseline) -- <name>@<cluster>/ for one cluster's series. Beside the CLI's
    sweeps/<time>-<scope>.json, unmixed."""

    def __init__(self, state_dir: Path, keep: int = 200) -> None:
        if keep < 1:
            raise ValueError("keep must be at least 1")
        self.root, self.keep = sweeps_dir(Path(state_dir)), keep

    def _folder(self, name: str) -> Path:
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*(@[A-Za-z0-9][A-Za-z0-9._-]*)?", name):
            raise ValueError(f"sweep name {name!r} is not [a-z0-9-] (with @<cluster> for one cluster's series)")
        return self.root / name

    def _reports(self, name: str) -> Iterable[tuple[Path, SweepReport]]:
        """Newest first; an unreadable file (half written) is not history: skipped."""
        folder = self._folder(name)
        for path in sorted(folder.glob("*.json"), reverse=True) if folder.is_dir() else []:
            try:
                yield path, read(path)
            except HistoryError:
                continue

    def save(self, name: str, report: SweepReport) -> str:
        folder = self._folder(name)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{report.started_at.astimezone(UTC).strftime('%Y%m%dT%H%M%S%fZ')}.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(report.model_dump_json(indent=2))
        tmp.replace(path)
        self._prune(name)
        return str(path)

    def previous(self, name: str) -> SweepReport | None:
        return baseline(report for _, report in self._reports(name))

    def _prune(self, name: str) -> None:
        old = sorted(self._folder(name).glob("*.json"), reverse=True)[self.keep:]
        if not old:
            return
        anchor = next((path for path, report in self._reports(name) if report.status != "unknown"), None)
        for path in old:
            if path != anchor:
                path.unlink(missing_ok=True)


async def run_schedules(schedules: list[ScheduledSweep], sweep: Callable[[ScheduledSweep], Awaitable[SweepReport]],
                        archive: SweepArchive, open_incident: Callable[[Incident], Awaitable[Any]], stop: asyncio.Event,
                        now: Callable[[], datetime] = lambda: datetime.now(UTC),
                        on_error: Callable[[str, Exception], None] | None = None) -> None:
    """Run each schedule at its cron times until `stop` is set. Fires missed while the service was down
    (or while another sweep ran) are not replayed: one sweep, then the next fire after it finished.
    Schedules due together run one after another, so a sweep never overlaps itself. A sweep (or its
    archiving, or an incident) that raises goes to `on_error(name, exc)` and the loop goes on. Setting
    `stop` cancels a sweep under way and returns."""
    _unique_series(schedules)
    report_error = on_error or (lambda name, exc: log.error("scheduled sweep %s failed: %s", name, exc, exc_info=exc))
    due_at = {series_name(s): next_fire(s, now()) for s in schedules}
    while schedules and not stop.is_set():
        moment = now()
        due = sorted((s for s in schedules if due_at[series_name(s)] <= moment), key=lambda s: due_at[series_name(s)])
        if not due:
            wait = min(min(due_at.values()) - moment, MAX_WAIT).total_seconds()
            if await _stopped(stop, asyncio.sleep(max(wait, 0))):
                return
            continue
        for schedule in due:
            if stop.is_set():
                return
            try:
                if await _stopped(stop, _run_one(schedule, sweep, archive, open_incident, now)):
                    return
            except Exception as exc:
                report_error(series_name(schedule), exc)
            due_at[series_name(schedule)] = next_fire(schedule, now())


async def _stopped(stop: asyncio.Event, work: Awaitable[Any]) -> bool:
    """Await `work` unless `stop` is set first (then cancel it): True when stopped. Work's error propagates."""
    task, stopping = asyncio.ensure_future(work), asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for pending in (task, stopping):
            if not pending.done():
                pending.cancel()
    if not task.done():
        await asyncio.gather(task, return_exceptions=True)
        return True
    task.result()
    return False


async def _run_one(schedule: ScheduledSweep, sweep: Callable[[ScheduledSweep], Awaitable[SweepReport]],
                   archive: SweepArchive, open_incident: Callable[[Incident], Awaitable[Any]],
                   now: Callable[[], datetime]) -> None:
    report = await sweep(schedule)
    before = archive.previous(series_name(schedule))  # read before this report is saved: it is not its own baseline
    archive.save(series_name(schedule), report)
    if not schedule.open_incidents:
        return
    errors: list[Exception] = []
    for problem in new_problems(before, report):
        try:
            await open_incident(incident_for_problem(problem, schedule, now()))
        except Exception as exc:  # the others still open; the first failure is reported
            errors.append(exc)
    if errors:
        raise errors[0]
