"""Which alarms are firing: ALARM is firing; INSUFFICIENT_DATA is not "fine" -- the alarm cannot tell."""

from __future__ import annotations

from .ask import Ask, handles
from .health import alarm_mentions
from .models import Answer


@handles("alarms", needs=("cloudwatch",))
async def alarms(ask: Ask) -> Answer:
    outcome = await ask.call("cloudwatch", "describe_alarms", {"max_results": 1000})
    rows = (outcome.data or {}).get("alarms") or []
    subject = ask.recognised.subject
    if subject:  # "any alarms for checkout?": only those naming it
        rows = [a for a in rows if alarm_mentions(a, subject)]
    firing = [a for a in rows if a.get("state") == "ALARM"]
    no_data = [a for a in rows if a.get("state") == "INSUFFICIENT_DATA"]
    ok = [a for a in rows if a.get("state") == "OK"]
    details = [f"ALARM {a.get('name')} since {a.get('updated', '?')}: {(a.get('reason') or '')[:200]}"
               + (f" (dimensions {a['dimensions']})" if a.get("dimensions") else "") for a in firing]
    details += [f"INSUFFICIENT_DATA {a.get('name')}: no data to evaluate -- it cannot tell whether things are fine"
                for a in no_data]
    about = f" about {subject}" if subject else ""
    if firing:
        names = ", ".join(a.get("name", "?") for a in firing)
        return ask.answer(f"{len(firing)} alarm(s){about} firing: {names} ({len(ok)} OK, {len(no_data)} without data)",
                          status="problems", details=details, resources=_alarmed_resources(firing),
                          next_steps=[f"Ask 'why is {_service_of(firing[0]) or '<service>'} failing?' to investigate "
                                      f"{firing[0].get('name')}, or 'what changed in the last hour?'."])
    if no_data:
        return ask.answer(f"No alarm{about} is in ALARM, but {len(no_data)} have INSUFFICIENT_DATA and cannot tell "
                          f"({len(ok)} OK)", status="answered", details=details,
                          next_steps=["Check why those alarms get no data (metric renamed? agent down?)."])
    return ask.answer(f"No alarms firing{about}: {len(ok)} alarm(s), all OK", status="healthy", details=details,
                      next_steps=["Nothing to do for alarms."])


def _service_of(alarm: dict) -> str | None:
    dims = alarm.get("dimensions") or {}
    for key in ("Service", "ServiceName", "Deployment", "DeploymentName", "PodName", "FunctionName"):
        if dims.get(key):
            return str(dims[key])
    return None


def _alarmed_resources(alarms: list[dict]) -> list[str]:
    """The resources the alarms' dimensions name, as ids where the dimensions say enough."""
    found = []
    for alarm in alarms:
        dims = alarm.get("dimensions") or {}
        service = _service_of(alarm)
        if service and dims.get("Namespace"):
            found.append(f"{dims['Namespace']}/Service/{service}")
    return list(dict.fromkeys(found))
