"""The sweeps page: for each scheduled sweep (state_dir/sweeps/<name>/, service/schedule.py) and each
scope swept from the CLI (state_dir/sweeps/<time>-<scope>.json), the newest report's problems ranked
as the sweep ranked them, each marked new when the previous report of the same series did not have
it (sweep/history.py `diff`, by root resource). With several clusters configured, a scheduled sweep is a series
per cluster (state_dir/sweeps/<name>@<cluster>/): shown per cluster, each compared with its own previous report."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from pydantic import BaseModel, Field

from ..sweep.history import HistoryError, diff, read, sweeps_dir
from ..sweep.models import Problem, SweepReport
from .ports import ConsoleBackend

MAX_SERIES = 20


class SweepSeries(BaseModel):
    name: str  # a schedule's name, or "cli: <scope>"
    cluster: str | None = None  # the configured cluster this series sweeps (several configured)
    latest: SweepReport
    new: list[str] = Field(default_factory=list)  # root resources not in the previous report
    resolved: list[str] = Field(default_factory=list)
    previous_at: str | None = None

    def is_new(self, problem: Problem) -> bool:
        return problem.resource in self.new


def _readable(paths: list[Path]) -> list[SweepReport]:
    reports = []
    for path in paths:
        try:
            reports.append(read(path))
        except HistoryError:  # half written, or not a sweep: not history
            continue
    return reports


def _series(name: str, paths: list[Path]) -> SweepSeries | None:
    reports = _readable(sorted(paths, reverse=True)[:2])  # file names start with the UTC start time
    if not reports:
        return None
    latest, previous = reports[0], (reports[1] if len(reports) > 1 else None)
    changes = diff(latest, previous)
    schedule, _, cluster = name.partition("@")  # service/schedule.py series_name: <name>@<cluster>
    return SweepSeries(name=schedule, cluster=cluster or None, latest=latest, new=changes.new,
                       resolved=changes.resolved, previous_at=previous.started_at.isoformat() if previous else None)


def by_cluster(series: list[SweepSeries]) -> list[tuple[str | None, list[SweepSeries]]]:
    """The series grouped by the cluster they sweep (the configured clusters' in name order, then the rest)."""
    groups: dict[str | None, list[SweepSeries]] = defaultdict(list)
    for item in series:
        groups[item.cluster].append(item)
    return sorted(groups.items(), key=lambda group: (group[0] is None, group[0] or ""))


def sweeps_page(service: ConsoleBackend) -> list[SweepSeries]:
    root = sweeps_dir(Path(service.options.state_dir))
    if not root.is_dir():
        return []
    found: list[SweepSeries] = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        series = _series(folder.name, list(folder.glob("*.json")))
        if series:
            found.append(series)
    by_scope: dict[str, list[Path]] = defaultdict(list)
    for path in root.glob("*.json"):
        by_scope[path.stem.partition("-")[2] or "cluster"].append(path)
    for scope, paths in sorted(by_scope.items()):
        series = _series(f"cli: {scope}", paths)
        if series:
            found.append(series)
    return sorted(found, key=lambda s: s.latest.started_at, reverse=True)[:MAX_SERIES]
