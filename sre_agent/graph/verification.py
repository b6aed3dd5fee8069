"""The verify node: re-check the evidence after acting. `remediated` only when the root-cause
resource is healthy and the alarm (if any) is back to OK on consecutive checks; otherwise undo the
action where it has an undo, and escalate."""

from __future__ import annotations

import asyncio
import time

from langgraph.runtime import Runtime

from ..contracts import Action, parse_resource_id, resource_id
from .context import RunContext, emit, tools_of
from .ports import Tools
from .state import Investigation


def _items(outcome) -> list[dict]:
    return (outcome.data or {}).get("items") or [] if isinstance(outcome.data, dict) else []


async def _resource_healthy(tools: Tools, resource: str) -> tuple[bool, str]:
    namespace, kind, name = parse_resource_id(resource)
    if kind in ("Deployment", "StatefulSet", "DaemonSet"):
        out = await tools.call("verify", "kubernetes", "get_resources",
                               {"kind": kind, "namespace": namespace, "field_selector": f"metadata.name={name}"})
        items = _items(out)
        if not items:
            return False, f"{resource} not found"
        ready, _, desired = items[0]["ready"].partition("/")
        up_to_date = items[0].get("up_to_date", desired)
        ok = ready == desired and desired not in ("0", "?") and str(up_to_date) == desired
        return ok, f"{resource} ready {items[0]['ready']} (up to date {up_to_date})"
    if kind == "Node":
        out = await tools.call("verify", "kubernetes", "get_resources", {"kind": "Node", "field_selector": f"metadata.name={name}"})
        items = _items(out)
        return bool(items) and items[0].get("ready") == "True", f"node {name} ready={items[0].get('ready') if items else '?'}"
    if kind == "PersistentVolumeClaim":
        out = await tools.call("verify", "kubernetes", "get_resources",
                               {"kind": kind, "namespace": namespace, "field_selector": f"metadata.name={name}"})
        items = _items(out)
        return bool(items) and items[0].get("phase") == "Bound", f"PVC {name} {items[0].get('phase') if items else '?'}"
    if kind == "Service":
        out = await tools.call("verify", "kubernetes", "ownership", {"kind": "Service", "name": name, "namespace": namespace})
        ready = (out.data or {}).get("ready_endpoints", 0) if isinstance(out.data, dict) else 0
        return ready > 0, f"Service {name} has {ready} ready endpoints"
    out = await tools.call("verify", "kubernetes", "analyze", {"namespace": namespace})
    findings = (out.data or {}).get("findings") or [] if isinstance(out.data, dict) else []
    bad = [f for f in findings if f.get("severity") == "critical"]
    return not bad, f"{len(bad)} critical findings left in {namespace}"


async def _alarm_ok(tools: Tools, state: Investigation) -> tuple[bool, str]:
    alarm = state.incident.alarm or {}
    name = alarm.get("AlarmName")
    if not name:
        return True, "no alarm to check"
    out = await tools.call("verify", "cloudwatch", "describe_alarms", {"name_prefix": name})
    data = out.data if isinstance(out.data, dict) else {}
    alarms = data.get("alarms") or data.get("items") or []
    match = next((a for a in alarms if a.get("name") == name or a.get("AlarmName") == name), None)
    state_value = (match or {}).get("state") or (match or {}).get("StateValue")
    return state_value == "OK", f"alarm {name} is {state_value}"


def _checked_resource(state: Investigation) -> str:
    """What must be healthy: the root-cause resource, or -- when the fix acted on a workload because
    the root cause itself is not one (a quota, a claim) -- that workload."""
    resource = state.diagnosis.resource if state.diagnosis else ""
    plan = state.plan
    if plan and plan.server == "kubernetes" and plan.args.get("namespace") and plan.args.get("name"):
        _, kind, _ = parse_resource_id(resource)
        if kind not in ("Deployment", "StatefulSet", "DaemonSet", "Node"):
            return resource_id(plan.args.get("kind", "Deployment"), plan.args["name"], plan.args["namespace"])
    return resource


async def verify(state: Investigation, runtime: Runtime[RunContext]) -> dict:
    context, tools = runtime.context, tools_of(runtime)
    resource = _checked_resource(state)
    deadline = time.monotonic() + context.verify_timeout_s
    streak, detail = 0, ""
    while time.monotonic() < deadline:
        healthy, resource_detail = await _resource_healthy(tools, resource)
        alarm_ok, alarm_detail = await _alarm_ok(tools, state) if healthy else (False, "")
        detail = f"{resource_detail}; {alarm_detail}".strip("; ")
        emit(runtime, "verify", ok=healthy and alarm_ok, detail=detail)
        streak = streak + 1 if healthy and alarm_ok else 0
        if streak >= context.healthy_checks_needed:
            return {"verified": True, "verification": detail, "status": "remediated"}
        await asyncio.sleep(context.verify_poll_s)
    update: dict = {"verified": False, "verification": detail,
                    "escalation_reason": f"the fix did not verify within {context.verify_timeout_s:.0f}s ({detail})"}
    plan = state.plan
    if plan and plan.undo:
        undo = plan.undo
        outcome = await tools.call("remediation", plan.server, undo["tool"],
                                   {**undo["args"], "reason": f"undo: {plan.tool} did not verify"})
        update["actions"] = [Action(tool=undo["tool"], args=undo["args"], risk=plan.risk, approved_by="policy (undo)",
                                    result=outcome.error or "undone")]
        update["tool_calls"] = [outcome.record]
    return update


def verdict(state: Investigation) -> str:
    return "finish" if state.verified else "escalate"
