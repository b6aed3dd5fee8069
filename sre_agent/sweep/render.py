"""A sweep for people: a ranked table in the terminal, or Markdown for a ticket or a chat message."""

from __future__ import annotations

from datetime import datetime

from rich.console import Console
from rich.table import Table

from ..graph.coverage import HEALTH_BACKENDS
from .history import SweepDiff
from .models import SweepReport

VERDICT = {"healthy": "healthy: every backend answered and nothing is wrong",
           "problems": "problems found", "unknown": "UNKNOWN: could not check everything"}


def holes_lines(report: SweepReport) -> list[str]:
    return [c.sentence() for c in report.coverage if c.status == "could_not_check"] + \
           [f"could not check {c.backend}: nothing was asked of it" for c in report.coverage
            if c.status == "not_asked" and c.backend in HEALTH_BACKENDS]


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "-"


def _short_when(value: datetime | None) -> str:
    return value.strftime("%m-%d %H:%M") if value else "-"


def print_report(report: SweepReport, changes: SweepDiff | None, console: Console) -> None:
    """A ranked table that fits an 80-column terminal (one line per problem), then each problem's
    symptoms, blast radius and next step as plain lines: wrapping details inside table cells makes
    a resource id unreadable at 3 a.m."""
    for line in holes_lines(report):
        console.print(f"[bold red]{line}[/]")
    new = set(changes.new if changes and changes.previous_started_at else [])
    title = f"sweep of {report.scope}: {VERDICT[report.status]}"
    if not report.problems:
        console.print(f"[bold]{title}[/]")
    elif console.width < 110:  # a narrow terminal (or a pipe): one ranked line per problem, never a squeezed table
        console.print(f"[bold]{title}[/]")
        for i, p in enumerate(report.problems, 1):
            colour = "red" if p.severity == "critical" else "yellow"
            console.print(f"{i:>2}. [{colour}]{p.severity:<8}[/] {p.resource}{' (new)' if p.resource in new else ''}  "
                          f"{p.category or '?'}  since {_short_when(p.since)}  {len(p.symptoms)} symptoms, "
                          f"{len(p.blast_radius)} depend on it", soft_wrap=True)
    else:
        table = Table(title=title)
        table.add_column("#", justify="right")
        table.add_column("severity", no_wrap=True)
        table.add_column("problem", no_wrap=True, overflow="ellipsis", max_width=60)
        table.add_column("category", no_wrap=True, overflow="ellipsis", max_width=26)
        table.add_column("since", no_wrap=True)
        table.add_column("symptoms", justify="right", no_wrap=True)
        table.add_column("deps", justify="right", no_wrap=True)
        for i, p in enumerate(report.problems, 1):
            colour = "red" if p.severity == "critical" else "yellow"
            table.add_row(str(i), f"[{colour}]{p.severity}[/]", p.resource + (" (new)" if p.resource in new else ""),
                          p.category or "?", _short_when(p.since), str(len(p.symptoms)), str(len(p.blast_radius)))
        console.print(table)
    for i, p in enumerate(report.problems, 1):
        summary = p.summary.removeprefix(f"{p.resource}: ")
        console.print(f"[bold]{i}. {p.resource}[/]: {summary}", soft_wrap=True)
        for symptom in p.symptoms[:6]:
            console.print(f"   - {symptom.source} {symptom.signal} on {symptom.resource}", soft_wrap=True)
        if len(p.symptoms) > 6:
            console.print(f"   - (+{len(p.symptoms) - 6} more; --json or --markdown lists them all)")
        if p.blast_radius:
            console.print(f"   depend on it (deps): {', '.join(p.blast_radius[:6])}"
                          + (f" (+{len(p.blast_radius) - 6})" if len(p.blast_radius) > 6 else ""), soft_wrap=True)
        steps = [x for x in (f"runbook {p.next_step.runbook}" if p.next_step.runbook else "",
                             f"propose {p.next_step.action}" if p.next_step.action else "", p.next_step.note) if x]
        if steps:
            console.print(f"   next: {'; '.join(steps)}", soft_wrap=True)
    for alarm in report.alarms:
        if alarm.state == "INSUFFICIENT_DATA":
            console.print(f"alarm {alarm.name}: INSUFFICIENT_DATA (not enough datapoints to judge; not counted as a fault)")
        elif alarm.demand:
            console.print(f"alarm {alarm.name}: ALARM on a demand metric (traffic is high; not counted as a fault)")
    for note in report.notes:
        console.print(f"note (not a problem): {note}", soft_wrap=True)
    if changes is not None:
        for line in diff_lines(changes):
            console.print(line)
    counts = ", ".join(f"{v} {k}" for k, v in report.counts.items())
    console.print(f"looked at {counts} in {report.duration_s:.1f} s; " +
                  "; ".join(c.sentence() for c in report.coverage), soft_wrap=True)


def diff_lines(changes: SweepDiff) -> list[str]:
    if changes.previous_started_at is None:
        return ["no earlier sweep of this scope to compare with"]
    since = changes.previous_started_at.strftime("%Y-%m-%d %H:%M UTC")
    return [f"since the sweep of {since}: {len(changes.new)} new, {len(changes.resolved)} resolved, "
            f"{len(changes.ongoing)} ongoing",
            *(f"  new: {r}" for r in changes.new), *(f"  resolved: {r}" for r in changes.resolved),
            *(f"  worse: {r}" for r in changes.worse)]


def markdown(report: SweepReport, changes: SweepDiff | None) -> str:
    lines = [f"# Sweep of {report.scope}: {VERDICT[report.status]}", "",
             f"{report.started_at.strftime('%Y-%m-%d %H:%M UTC')}, {report.duration_s:.1f} s", ""]
    lines += [f"**{line}**" for line in holes_lines(report)]
    if report.problems:
        lines += ["| # | severity | problem | category | since | blast radius | next step |", "|---|---|---|---|---|---|---|"]
        for i, p in enumerate(report.problems, 1):
            step = " ".join(x for x in (f"runbook `{p.next_step.runbook}`" if p.next_step.runbook else "",
                                        f"propose `{p.next_step.action}`" if p.next_step.action else "") if x) or p.next_step.note
            lines.append(f"| {i} | {p.severity} | `{p.resource}` | {p.category or '?'} | {_when(p.since)} | "
                         f"{', '.join(f'`{r}`' for r in p.blast_radius[:5]) or '-'} | {step} |")
        lines.append("")
        for i, p in enumerate(report.problems, 1):
            lines += [f"## {i}. `{p.resource}`", "", p.summary, ""]
            lines += [f"- {s.source} `{s.signal}` on `{s.resource}`: {s.message}" for s in p.symptoms]
            lines.append("")
    lines += [f"- alarm `{a.name}`: INSUFFICIENT_DATA (not counted as a fault)" for a in report.alarms
              if a.state == "INSUFFICIENT_DATA"]
    lines += [f"- alarm `{a.name}`: ALARM on a demand metric (traffic is high; not counted as a fault)" for a in report.alarms
              if a.state == "ALARM" and a.demand]
    lines += [f"- note (not a problem): {note}" for note in report.notes]
    if changes is not None:
        lines += ["", *diff_lines(changes)]
    lines += ["", "Coverage: " + "; ".join(c.sentence() for c in report.coverage)]
    return "\n".join(lines) + "\n"
