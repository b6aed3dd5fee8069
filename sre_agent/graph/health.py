"""What "healthy" means after an action, read from tool results: the resource's own readiness, and
the alarm that opened the incident (its state, and how long CloudWatch needs to see it clear)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..contracts import parse_resource_id, resource_id
from .ports import AlertReader, Tools
from .state import Investigation


def _items(outcome) -> list[dict]:
    return (outcome.data or {}).get("items") or [] if isinstance(outcome.data, dict) else []


async def resource_healthy(tools: Tools, resource: str) -> tuple[bool, str]:
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
    if kind == "CronJob":  # its runs are what work or not: the newest one must have completed, or run without trouble
        out = await tools.call("verify", "kubernetes", "get_resources", {"kind": "Job", "namespace": namespace})
        runs = sorted((j for j in _items(out) if j.get("cronjob") == name), key=lambda j: str(j.get("created") or ""))
        if not runs:
            return False, f"CronJob {name} has no run yet"
        newest, status = runs[-1].get("name"), runs[-1].get("status")
        if status == "Running":  # a long run: its pods running with nothing wrong is the fix taken (they could not start)
            pods = _items(await tools.call("verify", "kubernetes", "get_resources",
                                           {"kind": "Pod", "namespace": namespace, "label_selector": f"job-name={newest}"}))
            running = [p for p in pods if p.get("status") == "Running" and not p.get("problems")]
            if running and len(running) == len(pods):
                return True, f"CronJob {name}'s newest run {newest} is Running (its pod {running[0].get('name')} runs)"
        return status == "Complete", f"CronJob {name}'s newest run {newest} is {status}"
    out = await tools.call("verify", "kubernetes", "analyze", {"namespace": namespace})
    findings = (out.data or {}).get("findings") or [] if isinstance(out.data, dict) else []
    bad = [f for f in findings if f.get("severity") == "critical"]
    return not bad, f"{len(bad)} critical findings left in {namespace}"


@dataclass(frozen=True)
class AlarmReading:
    ok: bool
    state: str | None  # OK, ALARM, INSUFFICIENT_DATA; None when it could not be read
    detail: str
    # How long the alarm needs to see a fix before it can return to OK: period x (evaluation
    # periods + 1) -- the extra period is the one the fix landed in, still half bad. None: unknown.
    clear_window_s: float | None = None


def _as_number(value: Any) -> float | None:
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def clear_window_s(period: Any, evaluation_periods: Any) -> float | None:
    period_s, periods = _as_number(period), _as_number(evaluation_periods)
    if not period_s or period_s <= 0:
        return None
    return period_s * ((periods or 1) + 1)


def from_alertmanager(state: Investigation) -> bool:
    """The alarm is an Alertmanager alert: it lives in Alertmanager and Prometheus, not in CloudWatch."""
    return (state.incident.alarm or {}).get("Source") == "alertmanager"


async def alert_reading(readers: list[AlertReader], state: Investigation) -> AlarmReading:
    """An Alertmanager alert's state from the first reader that can tell (the service's record of a
    `resolved` webhook for it, Alertmanager's API); never a CloudWatch alarm of the same name."""
    name = (state.incident.alarm or {}).get("AlarmName", "")
    tried = []
    for reader in readers:
        reading = await reader.read(state.incident)
        if reading is not None and reading.state is not None:
            return reading
        tried.append(reading.detail if reading is not None else reader.name)
    why = "; ".join(tried) if tried else "no Alertmanager to ask (set alertmanager.url) and no resolved notification"
    return AlarmReading(ok=False, state=None, detail=f"alert {name} (from Alertmanager) could not be read: {why}")


async def alarm_reading(tools: Tools, state: Investigation, alerts: list[AlertReader] | None = None) -> AlarmReading:
    alarm = state.incident.alarm or {}
    name = alarm.get("AlarmName")
    if not name:
        return AlarmReading(ok=True, state=None, detail="no alarm to check")
    if from_alertmanager(state):
        return await alert_reading(alerts or [], state)
    out = await tools.call("verify", "cloudwatch", "describe_alarms", {"name_prefix": name})
    data = out.data if isinstance(out.data, dict) else {}
    alarms = data.get("alarms") or data.get("items") or []
    match = next((a for a in alarms if a.get("name") == name or a.get("AlarmName") == name), None) or {}
    state_value = match.get("state") or match.get("StateValue")
    # The alarm as CloudWatch describes it now, else as the notification described it.
    trigger = alarm.get("Trigger") or {}
    window = (clear_window_s((match.get("metric") or {}).get("period"), match.get("evaluation_periods"))
              or clear_window_s(trigger.get("Period"), trigger.get("EvaluationPeriods")))
    return AlarmReading(ok=state_value == "OK", state=state_value, detail=f"alarm {name} is {state_value}",
                        clear_window_s=window)


def checked_resource(state: Investigation) -> str:
    """What must be healthy: the root-cause resource, or -- when the fix acted on a workload because
    the root cause itself is not one (a quota, a claim) -- that workload."""
    resource = state.diagnosis.resource if state.diagnosis else ""
    plan = state.plan
    if plan and plan.tool in ("raise_quota", "stop_cronjob_pileup"):  # the quota has room: the workload it refused must recover
        return next((f.resource for f in state.findings if f.signal == "FailedCreate"
                     and f.resource.split("/")[0] == plan.args.get("namespace")
                     and f.resource.split("/")[1] in ("Deployment", "StatefulSet", "DaemonSet")), resource)
    if plan and plan.tool in ("set_service_selector", "set_service_target_port"):  # the Service itself was fixed
        return resource_id("Service", str(plan.args.get("name")), plan.args.get("namespace"))
    if plan and plan.tool == "raise_hpa_max":  # the autoscaler's workload must catch up with the load
        return resource
    if plan and plan.tool == "expand_claim":  # the workload writing to the claim must serve again
        return next((str(f.details["workload"]) for f in state.findings if f.signal == "VolumeFull"
                     and f.resource == resource and f.details.get("workload")), resource)
    if plan and plan.tool == "set_config_value" and plan.args.get("restart"):  # its readers, restarted with the value
        return resource_id(str(plan.args.get("restart_kind") or "Deployment"), str(plan.args["restart"][0]),
                           plan.args.get("namespace"))
    if plan and plan.server == "kubernetes" and plan.args.get("namespace") and plan.args.get("name"):
        _, kind, _ = parse_resource_id(resource)
        if kind not in ("Deployment", "StatefulSet", "DaemonSet", "Node", "CronJob"):
            return resource_id(plan.args.get("kind", "Deployment"), plan.args["name"], plan.args["namespace"])
    return resource
