"""The sweep, scored: per scenario a fresh lab, one `run_sweep` over the real MCP servers, and the
truth's root resource looked up among the problems (found? at which rank?). On a no-fault scenario
every problem is a false one. Like harness.py, this module reads a scenario's truth; the sweep never does."""

from __future__ import annotations

import asyncio
import statistics

from pydantic import BaseModel

from ..app.servers import stdio_servers
from ..app.toolbox import Toolbox
from ..contracts import RootCauseCategory
from ..lab.lab import Lab
from ..lab.scenarios.schema import LoadedScenario
from ..sweep.engine import run_sweep
from ..sweep.models import SweepReport


class SweepScore(BaseModel):
    id: str
    expected_resource: str  # "" for a no-fault scenario
    expected_category: str
    status: str | None = None
    found: bool | None = None  # None: nothing to find (no-fault scenario)
    rank: int | None = None  # 1 = ranked first
    category_ok: bool | None = None
    problems: int = 0
    false_problems: int = 0  # problems on a no-fault scenario
    duration_s: float | None = None
    tool_calls: int = 0
    error: str | None = None


class SweepTotals(BaseModel):
    scenarios: int
    fault_scenarios: int
    found: float | None
    ranked_first: float | None
    category: float | None
    false_problems_on_healthy: int
    median_duration_s: float | None
    errors: int


def score_sweep(loaded: LoadedScenario, report: SweepReport) -> SweepScore:
    truth = loaded.scenario.truth
    fault = truth.category != RootCauseCategory.NONE
    resources = [p.resource for p in report.problems]
    rank = resources.index(truth.resource) + 1 if fault and truth.resource in resources else None
    return SweepScore(id=loaded.scenario.id, expected_resource=truth.resource, expected_category=truth.category.value,
                      status=report.status, found=(rank is not None) if fault else None, rank=rank,
                      category_ok=(report.problems[rank - 1].category == truth.category.value) if rank else None,
                      problems=len(resources), false_problems=0 if fault else len(resources),
                      duration_s=report.duration_s, tool_calls=report.counts.get("tool_calls", 0))


def sweep_scenario(loaded: LoadedScenario) -> SweepScore:
    async def go(env: dict[str, str]) -> SweepReport:
        async with Toolbox(stdio_servers(env, allow_writes=False, namespaces=[])) as tools:
            return await run_sweep(tools)

    try:
        with Lab() as lab:
            lab.load(loaded)
            return score_sweep(loaded, asyncio.run(go(lab.env())))
    except Exception as exc:  # one broken scenario is a row with the error
        truth = loaded.scenario.truth
        return SweepScore(id=loaded.scenario.id, expected_resource=truth.resource, expected_category=truth.category.value,
                          error=f"{type(exc).__name__}: {exc}")


def sweep_totals(rows: list[SweepScore]) -> SweepTotals:
    faults = [r for r in rows if r.found is not None]
    durations = [r.duration_s for r in rows if r.duration_s is not None]

    def share(values: list[bool]) -> float | None:
        return round(sum(values) / len(values), 4) if values else None

    return SweepTotals(scenarios=len(rows), fault_scenarios=len(faults), found=share([bool(r.found) for r in faults]),
                       ranked_first=share([r.rank == 1 for r in faults]), category=share([bool(r.category_ok) for r in faults]),
                       false_problems_on_healthy=sum(r.false_problems for r in rows),
                       median_duration_s=round(statistics.median(durations), 3) if durations else None,
                       errors=sum(1 for r in rows if r.error))


def sweep_markdown(rows: list[SweepScore]) -> str:
    lines = ["| scenario (sweep) | expected root | found | rank | category | problems | status | s | tool calls |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        if r.error:
            lines.append(f"| {r.id} | `{r.expected_resource or '-'}` | error: {r.error[:60]} | | | | | | |")
            continue
        found = "-" if r.found is None else ("yes" if r.found else "no")
        category = "-" if r.category_ok is None else ("yes" if r.category_ok else "no")
        lines.append(f"| {r.id} | `{r.expected_resource or '-'}` | {found} | {r.rank or '-'} | {category} | {r.problems} | "
                     f"{r.status} | {r.duration_s:.2f} | {r.tool_calls} |")
    t = sweep_totals(rows)
    lines += ["", f"Sweep: truth's root found in {t.found:.0%} of {t.fault_scenarios} fault scenarios, ranked first in "
              f"{t.ranked_first:.0%}, category right in {t.category:.0%}; {t.false_problems_on_healthy} false problem(s) on "
              f"no-fault scenarios; median sweep {t.median_duration_s} s; {t.errors} error(s)."
              if t.fault_scenarios and t.found is not None and t.ranked_first is not None and t.category is not None
              else f"Sweep: {t.false_problems_on_healthy} false problem(s) on no-fault scenarios; {t.errors} error(s)."]
    return "\n".join(lines) + "\n"
