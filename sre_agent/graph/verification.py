"""The verify node: re-check the evidence after acting. `remediated` only when the resource is
healthy and the alarm (if any) is back to OK on consecutive checks.

A verification timeout escalates; it never undoes. Undoing "relative to now" can roll a fixed
workload back into the very fault it was fixed from, and would act outside the policy gate and the
action ledger. So a fix that did not verify is kept and a human is told what was seen. When the
resource is healthy and only the alarm lags (a slow alarm: 5-minute periods), the watch is extended
to the time the alarm needs to see the fix before escalating; a check that turns good just as the watch ends gets the
consecutive checks that confirm it."""

from __future__ import annotations

import asyncio
import time

from langgraph.runtime import Runtime

from .context import RunContext, emit, tools_of
from .health import AlarmReading, alarm_reading, checked_resource, resource_healthy
from .state import Investigation

# The longest a run watches an alarm catch up with a fix (world time): an alarm that evaluates hourly or daily is left to
# its next evaluation, said in the escalation, rather than a run held open for a day.
MAX_ALARM_WAIT_S = 1800.0


async def verify(state: Investigation, runtime: Runtime[RunContext]) -> dict:
    context, tools = runtime.context, tools_of(runtime)
    resource = checked_resource(state)
    started, watch_s, streak, confirming = time.monotonic(), context.verify_timeout_s, 0, False
    while True:
        healthy, resource_detail = await resource_healthy(tools, resource)
        alarm = await alarm_reading(tools, state, context.alerts) if healthy else None
        ok = healthy and alarm is not None and alarm.ok
        detail = "; ".join(d for d in (resource_detail, alarm.detail if alarm else "") if d)
        emit(runtime, "verify", ok=ok, detail=detail)
        streak = streak + 1 if ok else 0
        if streak >= context.healthy_checks_needed:
            return {"verified": True, "verification": detail, "status": "remediated"}
        waited = time.monotonic() - started
        if waited >= watch_s and ok and not confirming:
            # good only as the watch ends: it gets the checks that confirm it, never an escalation that says "still OK"
            watch_s, confirming = waited + context.verify_poll_s * context.healthy_checks_needed, True
        elif waited >= watch_s:
            # The resource is healthy -- no worse than the fault we acted on -- and only the alarm
            # has not caught up: give it its own evaluation window once, then escalate.
            # the alarm's window is world time: in a lab whose clock runs faster it passes sooner
            # An alarm that evaluates hourly or daily cannot be waited out in a run: the watch stops at MAX_ALARM_WAIT_S
            # (world time) and the escalation says when it can clear
            window = min(alarm.clear_window_s, MAX_ALARM_WAIT_S) / max(context.world_speed, 1e-9) \
                if alarm and alarm.clear_window_s else None
            if not (healthy and window and window > watch_s):
                return _kept_not_verified(state, resource, healthy, detail, alarm, waited)
            watch_s = window
            emit(runtime, "verify", ok=False, detail=f"{detail}; the resource is healthy, so watching the alarm "
                                                     f"for up to {window:.0f}s (the alarm's period x its evaluation periods, plus one)")
        await asyncio.sleep(context.verify_poll_s)


def _kept_not_verified(state: Investigation, resource: str, healthy: bool, detail: str,
                       alarm: AlarmReading | None, waited: float) -> dict:
    """Escalate with what was seen; the fix stays in place and nothing is written."""
    if healthy and alarm is not None:
        name = (state.incident.alarm or {}).get("AlarmName", "")
        seen = (f"{resource} healthy but alarm {name} still {alarm.state} after {waited:.0f}s" if alarm.state else
                f"{resource} healthy but {alarm.detail} (after {waited:.0f}s)")
        advice = "look for a second cause, or for an alarm that needs longer to clear"
        if alarm.clear_window_s and alarm.clear_window_s > MAX_ALARM_WAIT_S:
            advice = (f"alarm {name} can clear only after its next evaluations (up to {alarm.clear_window_s / 3600:.0f} h "
                      "of its period): check it then, or look for a second cause")
    else:
        seen = f"{resource} still not healthy after {waited:.0f}s ({detail})"
        advice = "a human decides whether to fix forward or roll back"
    return {"verified": False, "verification": detail,
            "escalation_reason": f"fix applied; {seen}; not undone -- the fix is kept, {advice}"}


def verdict(state: Investigation) -> str:
    return "finish" if state.verified else "escalate"
