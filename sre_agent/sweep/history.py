"""Sweeps over time: every report saved in the state dir, and what changed since the previous one."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from .models import SweepReport


class SweepDiff(BaseModel):
    """What changed between two sweeps, by root resource."""

    previous_started_at: datetime | None = None  # None: there was no previous sweep to compare with
    new: list[str] = Field(default_factory=list)  # problems that were not there before
    resolved: list[str] = Field(default_factory=list)  # problems that are gone
    ongoing: list[str] = Field(default_factory=list)
    worse: list[str] = Field(default_factory=list)  # ongoing and now critical where it was a warning


class HistoryError(ValueError):
    pass


def diff(current: SweepReport, previous: SweepReport | None) -> SweepDiff:
    if previous is None:
        return SweepDiff(new=[p.resource for p in current.problems])
    before = {p.resource: p for p in previous.problems}
    now = {p.resource: p for p in current.problems}
    # A resource whose backend could not be checked this time is not "resolved": we did not see it.
    resolved = [r for r in before if r not in now] if current.status != "unknown" else []
    return SweepDiff(previous_started_at=previous.started_at, new=[r for r in now if r not in before], resolved=resolved,
                     ongoing=[r for r in now if r in before],
                     worse=[r for r in now if r in before and now[r].severity == "critical" and before[r].severity != "critical"])


def sweeps_dir(state_dir: Path) -> Path:
    return state_dir / "sweeps"


def save(report: SweepReport, state_dir: Path) -> Path:
    folder = sweeps_dir(state_dir)
    folder.mkdir(parents=True, exist_ok=True)
    scope = report.scope.strip("()").replace("/", "_")
    path = folder / f"{report.started_at.strftime('%Y%m%dT%H%M%S%fZ')}-{scope}.json"
    path.write_text(report.model_dump_json(indent=2))
    return path


def read(path: Path) -> SweepReport:
    """A previous `sre-agent sweep --json` output (or a saved sweep), or a clear error."""
    try:
        return SweepReport.model_validate_json(path.read_text())
    except OSError as exc:
        raise HistoryError(f"cannot read previous sweep {path}: {exc.strerror or exc}") from None
    except (ValidationError, json.JSONDecodeError, ValueError) as exc:
        first = str(exc).splitlines()[0]
        raise HistoryError(f"{path} is not a sweep report (the output of `sre-agent sweep --json`): {first}") from None


def last_saved(state_dir: Path, scope: str) -> SweepReport | None:
    """The newest saved sweep of the same scope that saw every backend: unreadable files are skipped (a
    half-written one is not history), and so are `unknown` sweeps (what they missed is not "new" later)."""
    folder = sweeps_dir(state_dir)
    suffix = f"-{scope.strip('()').replace('/', '_')}.json"
    for path in sorted(folder.glob(f"*{suffix}"), reverse=True) if folder.is_dir() else []:
        try:
            report = read(path)
        except HistoryError:
            continue
        if report.status != "unknown":
            return report
    return None
