"""A scripted SRE for any catalog scenario, over the wire (tests/provider_wire.py): it plays the
model's side of a whole investigation the way a careful model would -- kubernetes, then metrics,
logs and runbooks, a few read calls each, findings from what the tools returned -- so the tokens a
real investigation sends can be counted on each provider's wire format without a real model.

Not a diagnostician: the category comes from the analyzer reasons it saw, and the run is measured
for what it sends, not for whether it is right."""

from __future__ import annotations

import json
import re
from typing import Any

from provider_wire import Reply

ORDER = ("kubernetes", "metrics", "logs", "runbooks")
REASON_TO_CATEGORY = {"ImagePullBackOff": "bad_image", "ErrImagePull": "bad_image", "OOMKilled": "oom_killed",
                      "CrashLoopBackOff": "crash_missing_config", "CreateContainerConfigError": "missing_config_ref",
                      "FailedScheduling": "unschedulable", "Unschedulable": "unschedulable", "NodeNotReady": "node_failure",
                      "NoEndpoints": "service_selector_mismatch", "PVCPending": "pvc_pending"}
RESOURCE = re.compile(r"\b([a-z0-9-]+/[A-Z][A-Za-z]+/[a-z0-9.-]+)\b")


def _users(messages: list[dict]) -> str:
    return "\n".join(m["content"] for m in messages if m["role"] == "user")


def _results(messages: list[dict]) -> list[tuple[str, Any]]:
    """(evidence id, parsed output) of every tool result in the conversation."""
    out = []
    for m in messages:
        if m["role"] != "tool":
            continue
        head, _, body = m["content"].partition("\n")
        evidence = re.match(r"\[(ev-\d+)\]", head)
        try:
            data = json.loads(body.split(" ... [truncated")[0]) if body else None
        except ValueError:
            data = None
        if evidence:
            out.append((evidence.group(1), data))
    return out


def _rows(value: Any) -> list[dict]:
    """A list of objects as the brain renders it: a plain list, or a table (columns, rows)."""
    if isinstance(value, dict) and set(value) == {"columns", "rows"}:
        return [dict(zip(value["columns"], row)) for row in value["rows"]]
    return [item for item in value or [] if isinstance(item, dict)]


def _target(text: str) -> str:
    seen = re.search(r"Where the symptom was seen: (\S+)", text)
    return seen.group(1).rstrip(",") if seen else "cluster"


def _namespace(target: str) -> str | None:
    return target.split("/")[0] if target.count("/") == 2 else (None if target == "cluster" else target)


def route(text: str) -> Reply:
    """Plans ahead as the supervisor prompt asks: the three backends not asked yet, then (asked again
    once they have answered) the runbooks question, concluding after it."""
    asked = set(re.findall(r"^- (\w+) \|", text, re.M))
    following = [agent for agent in ORDER if agent not in asked]
    if not following:
        return Reply(calls=[("RouteDecision", {"done": True, "reason": "every specialist has answered"})])
    backends = [agent for agent in following if agent != "runbooks"]
    questions = [{"agent": agent, "target": _target(text), "question": f"what does {agent} show about the symptom",
                  "reason": "the next backend to corroborate"} for agent in backends] or \
                [{"agent": "runbooks", "target": _target(text), "question": "bad_image", "reason": "the runbook to plan a fix"}]
    first, *then = questions
    return Reply(calls=[("RouteDecision", {"done": False, **first, "then": then, "conclude_after": not backends})])


def specialist(messages: list[dict], tools: list[str]) -> Reply:
    text = _users(messages)
    target = re.search(r"^Target: (\S+)", text, re.M)
    namespace = _namespace(target.group(1) if target else "cluster")
    results = _results(messages)
    turn = len([m for m in messages if m["role"] == "assistant"])
    plans: dict[str, list[tuple[str, dict]]] = {
        "analyze": [("analyze", {"namespace": namespace} if namespace else {}),
                    ("events", {"namespace": namespace} if namespace else {})],
        "describe_alarms": [("describe_alarms", {"state": "ALARM"})],
        "describe_log_groups": [("describe_log_groups", {})],
        "search_runbooks": [("search_runbooks", {"symptoms": text[:600]})],
    }
    plan = next((steps for tool, steps in plans.items() if tool in tools), [])
    if "describe_log_groups" in tools and results:
        groups = [g.get("name") for _, data in results if isinstance(data, dict) for g in _rows(data.get("groups"))]
        plan = plan + ([("log_patterns", {"log_groups": groups[:1]})] if groups else [])
    if "search_runbooks" in tools and results:
        hits = [r.get("id") for _, data in results if isinstance(data, dict) for r in _rows(data.get("results"))]
        plan = plan + ([("get_runbook", {"runbook_id": hits[0]})] if hits else [])
    if turn < len(plan):
        return Reply(calls=[plan[turn]])
    return report(messages)  # ends its loop with the report, as the instructions ask


def report(messages: list[dict]) -> Reply:
    findings: list[dict] = []
    target = re.search(r"^Target: (\S+)", _users(messages), re.M)
    for evidence, data in _results(messages):
        if not isinstance(data, dict):
            continue
        for finding in _rows(data.get("findings"))[:5]:
            findings.append({"resource": finding.get("resource", ""), "signal": finding.get("reason", "Finding"),
                             "summary": str(finding.get("message", ""))[:200], "severity": "critical",
                             "evidence": [evidence]})
        if "runbook" in data and target:
            findings.append({"resource": target.group(1), "signal": "RunbookMatched", "summary": "the runbook applies",
                             "severity": "info", "evidence": [evidence]})
    return Reply(calls=[("FindingsReport", {"findings": findings})])


def diagnose(text: str) -> Reply:
    lines = re.findall(r"^- \[\w+\] (\S+) (\w+) \(\w+\): .*\[([^\]]*)\]$", text, re.M)
    for resource, signal, refs in lines:
        if signal in REASON_TO_CATEGORY:
            return Reply(calls=[("DiagnosisAnswer", {"category": REASON_TO_CATEGORY[signal], "resource": resource,
                                                     "summary": f"{signal} on {resource}", "confidence": 0.7,
                                                     "evidence": [r for r in refs.split(",") if r]})])
    return Reply(calls=[("DiagnosisAnswer", {"category": "none", "resource": "", "summary": "nothing conclusive",
                                             "confidence": 0.3, "evidence": []})])


def wire_sre(messages: list[dict], tools: list[str]) -> Reply:
    text = _users(messages)
    if tools == ["RouteDecision"]:
        return route(text)
    if tools == ["FindingsReport"]:
        return report(messages)
    if tools == ["DiagnosisAnswer"]:
        return diagnose(text)
    return specialist(messages, tools)
