"""The offline metrics specialist on an alert that came from Alertmanager, in Prometheus terms: the rule behind
the alert's name (its PromQL, `for`, labels), whether Prometheus still holds the alert, and the rule's expression
read over the recent window -- so the report quotes the PromQL that fired and what it read, where a CloudWatch
lookup of the alert's name found nothing.

No onset is claimed from Prometheus here: an alert's `activeAt` is when its rule went pending, after the fault
began, and a pinned rollback chooses its revision by the onset -- a late onset would pick a revision that already
carried the fault."""

from __future__ import annotations

import re

from ...graph.state import Investigation, Task
from .calls import Calls

RECENT = "-30m"
STEP = 30
# `<expression> > 0.05`, `... == 1`: the quantity a rule compares is what is worth reading over time.
COMPARISON = re.compile(r"^(?P<base>.*?)\s*(?:>|<|>=|<=|==|!=)\s*(?:bool\s+)?-?[0-9.]+(?:e[+-]?[0-9]+)?\s*$", re.S | re.I)


def compared_quantity(expr: str) -> str:
    """The rule's expression without its final comparison to a number (itself when there is none)."""
    found = COMPARISON.match(expr.strip())
    return found["base"].strip() if found and found["base"].strip() else expr.strip()


def _own(alert: dict, labels: dict[str, str]) -> bool:
    """An alert Prometheus holds is this incident's when every label Alertmanager sent (bar its own) matches."""
    theirs = alert.get("labels") or {}
    return all(theirs.get(key) == value for key, value in labels.items() if key != "alertname")


async def investigate(task: Task, state: Investigation, calls: Calls) -> None:
    alarm = state.incident.alarm or {}
    name = str(alarm.get("AlarmName") or "")
    labels = {str(k): str(v) for k, v in (alarm.get("Labels") or {}).items()}
    rules, ev = await calls("prometheus_rules", kind="alert")
    rule = next((r for r in (rules or {}).get("rules") or [] if r.get("name") == name), None)
    held, ev2 = await calls("prometheus_alerts")
    mine = [a for a in (held or {}).get("alerts") or [] if a.get("name") == name and _own(a, labels)]
    if rules is None or held is None:
        return  # Prometheus could not be read: the tool errors are the evidence, the run's coverage says so
    if rule is None:
        calls.find(task.target, "RuleNotFound", f"Prometheus has no alerting rule named {name}: the alert came from "
                   "another Prometheus, or its rule was renamed", [ev, ev2], severity="info", alarm=name)
        return
    expr = str(rule.get("expr") or "")
    quantity = compared_quantity(expr)
    series, ev3 = await calls("promql_range", query=quantity, start=RECENT, step=STEP)
    read = [s for s in (series or {}).get("series") or []]
    last = ", ".join(f"{s['summary']['last']}" for s in read[:3] if s.get("summary")) or "no series"
    if any(a.get("state") == "firing" for a in mine):
        since = min(str(a.get("active_at") or "") for a in mine if a.get("state") == "firing")
        calls.find(task.target, "AlarmFiring", f"alert {name} is firing in Prometheus (active since {since}): its rule "
                   f"`{expr}` reads {last} now", [ev, ev2, ev3], alarm=name, expr=expr, active_at=since)
    else:
        calls.find(task.target, "AlarmRecovered", f"alert {name} is no longer held by Prometheus: its rule `{expr}` reads "
                   f"{last} now", [ev, ev2, ev3], severity="info", alarm=name, expr=expr)
