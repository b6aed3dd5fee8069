"""What an object's own status says, read as an on-call reads kubectl describe: a Deployment's rollout conditions
(gave up, cannot create pods) and a Pod's phase, conditions and waiting containers -- the trouble first, then the facts."""

from __future__ import annotations

from .pods import said_by


def rollout_state(spec: dict, state: dict) -> list[str]:
    """A Deployment's rollout as its conditions say: [the trouble ("" if none), then the facts]. Progressing
    False (ProgressDeadlineExceeded) means the controller gave up on the new ReplicaSet; it does not undo it."""
    conditions = {c.get("type"): c for c in state.get("conditions") or []}
    progressing = conditions.get("Progressing") or {}
    facts = [f"rollout: {state.get('updatedReplicas', 0)} updated, {state.get('readyReplicas', 0)} ready, "
             f"{state.get('unavailableReplicas', 0)} unavailable of {spec.get('replicas', '?')} replicas"]
    facts += [f"condition {t}={c.get('status')}{said_by(c)}" for t, c in conditions.items()]
    trouble = ""
    if progressing.get("status") == "False":
        trouble = f"the rollout gave up: Progressing=False, {progressing.get('reason')} -- {progressing.get('message')}"
    failure = conditions.get("ReplicaFailure") or {}
    if failure.get("status") == "True":  # its ReplicaSet cannot create pods (a quota, an admission refusal): the why
        refused = f"its pods cannot be created: {failure.get('reason')} -- {failure.get('message')}"
        trouble = f"{refused}; {trouble}" if trouble else refused
    return [trouble, *facts]


def pod_facts(spec: dict, state: dict, trouble: list[str], read: bool) -> list[str]:
    """One Pod: its phase, node, the scheduler's reason when it is unplaced, and each container's waiting reason."""
    phase = state.get("phase", "?")
    facts = [f"phase {phase}, node {spec.get('nodeName') or 'none'}, images "
             f"{', '.join(str(c.get('image')) for c in spec.get('containers') or [])}"]
    reasons = [f"{c.get('type')}={c.get('status')}: {c.get('reason')} -- {c.get('message')}"
               for c in state.get("conditions") or [] if c.get("status") != "True" and c.get("reason")]
    waiting = [f"container {c.get('name')} waiting: {((c.get('state') or {}).get('waiting') or {}).get('reason')}"
               for c in state.get("containerStatuses") or [] if (c.get("state") or {}).get("waiting")]
    facts += reasons + waiting
    if read and phase not in ("Running", "Succeeded"):
        trouble.append(f"the pod is {phase}" + (f": {reasons[0]}" if reasons else (f": {waiting[0]}" if waiting else "")))
    elif read and waiting:
        trouble.append(waiting[0])
    elif read and phase == "Running" and any(c.get("type") == "Ready" and c.get("status") != "True"
                                             for c in state.get("conditions") or []):
        # Running is not serving: a pod its node lost or whose readiness probe fails gets no traffic
        ready = next((r for r in reasons if r.startswith("Ready=")), "Ready=False")
        trouble.append(f"the pod is Running but not Ready ({ready})")
    return facts


CONSEQUENCES = ("BackOff",)  # a back-off repeats every few seconds: the warning that caused it says why


def warning_lines(events: list[dict], most: int = 4) -> list[str]:
    """An object's warnings, each kind once (its newest); the back-off only when nothing says why: "Unhealthy: Liveness
    probe failed ..." is what "BackOff: Back-off restarting failed container" comes from (the container's state says
    CrashLoopBackOff already)."""
    newest_of: dict[object, dict] = {}
    for event in events:  # newest first
        if event.get("type") == "Warning":
            newest_of.setdefault(event.get("reason"), event)
    causes = [e for e in newest_of.values() if e.get("reason") not in CONSEQUENCES]
    return [f"event {e.get('reason')}: {e.get('message')}" for e in (causes or list(newest_of.values()))[:most]]
