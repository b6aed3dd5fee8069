""""how often does it get killed", "when will the next kill be": how long a workload's containers run between restarts,
read from each restarted container's last run (kubectl describe pod's Last State: started, finished, reason) and how
long it has been running since -- the next restart is due when it has run as long again (a leak or a load that kills at
the same point), said as "about", never as a promise. A container that dies seconds after starting is paced by the
kubelet's back-off, not by its own run: said so."""

from __future__ import annotations

import statistics
from datetime import UTC, datetime, timedelta

from ...contracts import parse_resource_id, parse_time
from ..ask import HANDLERS, Ask, handles
from ..models import Answer
from ..understand.context_names import kind_of, same_object
from ..understand.exact_names import workload_of_service
from ..understand.kinds_said import ROLLABLE
from .pods import workload_pods
from .runs import human_duration

MAX_PODS = 6  # pods read one by one (describe): a workload's restarted ones, the most restarted first
BACK_OFF_PACED = 60  # a run shorter than this (s) is a crash at start: the kubelet's back-off (up to 5 min) sets the pace


def _runs(pod: dict) -> list[tuple[str, float, float | None, str, int]]:
    """(container, seconds its last run lasted, seconds running since, how it ended, restarts) per restarted container."""
    now, found = datetime.now(UTC), []
    for status in (pod.get("status") or {}).get("containerStatuses") or []:
        last = (status.get("lastState") or {}).get("terminated") or {}
        started, finished = parse_time(last.get("startedAt")), parse_time(last.get("finishedAt"))
        if not status.get("restartCount") or started is None or finished is None:
            continue
        running = parse_time(((status.get("state") or {}).get("running") or {}).get("startedAt"))
        ended = f"{last.get('reason') or 'exited'} (exit {last.get('exitCode')})"
        found.append((str(status.get("name")), (finished - started).total_seconds(),
                      (now - running).total_seconds() if running else None, ended, int(status["restartCount"])))
    return found


@handles("restart_cadence", needs=("kubernetes",))
async def restart_cadence(ask: Ask) -> Answer:
    rid = ask.resource or ""
    if parse_resource_id(rid)[1] == "Service" and (behind := await workload_of_service(ask, rid)):
        rid = behind
    namespace, kind, name = parse_resource_id(rid)
    if kind == "Pod" and (owner := next((r for r in ask.focus if kind_of(r) in ROLLABLE and same_object(r, rid)), None)):
        rid, (namespace, kind, name) = owner, parse_resource_id(owner)  # "each pod": the workload the pod is one of
    if kind == "CronJob":  # "how often is it supposed to run": a CronJob's own cadence is its schedule
        answered = await HANDLERS["property"].handler(ask)
        answered.form = "property"
        return answered
    rows = await workload_pods(ask, rid) if kind != "Pod" else [{"name": name, "namespace": namespace, "restarts": 1}]
    restarted = sorted((r for r in rows if int(r.get("restarts") or 0) > 0), key=lambda r: -int(r.get("restarts") or 0))
    if not restarted:
        return ask.answer(f"No restarts: {rid}'s {len(rows)} pod(s) have not restarted", status="answered", resources=[rid],
                          next_steps=[f"Ask 'why is {name} failing?' if something else is wrong."])
    lines, runs, due = [], [], []
    for row in restarted[:MAX_PODS]:
        described = await ask.call("kubernetes", "describe", {"kind": "Pod", "name": row.get("name"),
                                                              "namespace": row.get("namespace"), "events_limit": 0})
        for container, ran, since, ended, restarts in _runs((described.data or {}).get("object") or {}):
            runs.append(ran)
            left = ran - since if since is not None else None
            if left is not None and ran >= BACK_OFF_PACED:
                due.append((left, str(row.get("name"))))
            lines.append(f"pod {row.get('name')}/{container}: {restarts} restart(s); its last run lasted {human_duration(int(ran))} "
                         f"and ended {ended}" + (f"; running again for {human_duration(int(since))}" if since is not None else ""))
    if not runs:
        return ask.answer(f"{rid}'s pods restarted ({sum(int(r.get('restarts') or 0) for r in restarted)} times) but "
                          "keep no record of how long they ran", status="answered", resources=[rid], details=lines)
    typical = statistics.median(runs)
    if typical < BACK_OFF_PACED:
        headline = (f"{rid}'s containers die {human_duration(int(typical))} after they start: they restart as fast as the "
                    "kubelet's back-off lets them (10 s, doubling to 5 min) until the cause is fixed")
    else:
        left, pod = min(due) if due else (None, "")
        at = (datetime.now(UTC) + timedelta(seconds=max(left, 0))).strftime("%H:%M UTC") if left is not None else ""
        headline = (f"About every {human_duration(int(typical))} per pod: {rid}'s containers run that long before each "
                    f"restart" + (f"; the next is due about {at} ({pod}), if it runs as long again" if at else ""))
    return ask.answer(headline, status="problems", resources=[rid], details=lines,
                      next_steps=[f"Ask 'why is {name} failing?' for what ends each run and its fix."])
