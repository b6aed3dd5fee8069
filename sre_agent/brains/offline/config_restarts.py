"""A restart that brought in a config edit: a workload's latest rollout changed nothing in its pod template but the
restart stamp (`kubectl rollout restart`, a reloader), and a ConfigMap its pods read into env was written between the
revision before and that restart -- env is read when a container starts, so the restart is when the edit took effect.
When the trouble begins after that restart (releases.restart_brought_trouble), the edited ConfigMap is where the
wrong value sits (ConfigBroughtIn on the ConfigMap; diagnosis_rules.py weighs it)."""

from __future__ import annotations

from typing import Any

from ...contracts import parse_time
from .calls import Calls
from .credentials import last_written


def env_configmaps(template_spec: dict[str, Any]) -> list[str]:
    """The ConfigMaps a pod template reads into env (envFrom, configMapKeyRef): what a restart reads again."""
    names: list[str] = []
    for container in [*(template_spec.get("initContainers") or []), *(template_spec.get("containers") or [])]:
        names += [str(ref["name"]) for e in container.get("envFrom") or [] if (ref := e.get("configMapRef")) and ref.get("name")]
        names += [str(ref["name"]) for e in container.get("env") or []
                  if (ref := (e.get("valueFrom") or {}).get("configMapKeyRef")) and ref.get("name")]
    return list(dict.fromkeys(names))


async def config_brought_in(namespace: str, workload: str, template_spec: dict[str, Any], calls: Calls) -> None:
    rollout = next((f for f in calls.findings if f.resource == workload and f.signal == "RecentRollout"), None)
    if rollout is None or rollout.details.get("changed") != [] or not rollout.details.get("previous_revision"):
        return
    history = {r.get("revision"): r for r in rollout.details.get("history") or []}
    before = parse_time((history.get(rollout.details["previous_revision"]) or {}).get("created"))
    restarted = parse_time(rollout.details.get("created"))
    if before is None or restarted is None:
        return
    for name in env_configmaps(template_spec):
        data, ev = await calls("describe", kind="ConfigMap", name=name, namespace=namespace, events_limit=0)
        obj = (data or {}).get("object") or {}
        written = parse_time(last_written(obj))
        if written is not None and before < written <= restarted:
            keys = sorted(obj.get("data") or {})
            calls.find(f"{namespace}/ConfigMap/{name}", "ConfigBroughtIn",
                       f"{namespace}/ConfigMap/{name} was written at {written:%H:%M:%S} UTC and {workload}'s restart at "
                       f"{restarted:%H:%M:%S} UTC brought the edit into its pods (keys {', '.join(keys)})",
                       [ev, *rollout.evidence], severity="warning", workload=workload, written=written.isoformat(),
                       restarted=restarted.isoformat(), keys=keys)
