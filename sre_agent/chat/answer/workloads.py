"""A namespace's workloads, kind by kind, as one line each: shared by "whats running in X" (objects) and
a healthy namespace's answer (health), which name what they found rather than only count it."""

from __future__ import annotations

from typing import Any

from ..ask import Ask

RUNNABLE = ("Deployment", "StatefulSet", "DaemonSet", "CronJob", "Job")


POD_COLUMNS = ("status", "phase", "ready", "restarts", "node", "age", "problems")


def listed_line(kind: str, item: dict[str, Any], *, labels: bool = False) -> str:
    """"shop/Deployment/checkout: ready 2/3, images ...": an item of get_resources with its non-empty facts (a pod's
    labels only when asked: kubectl's --show-labels)."""
    columns = (*POD_COLUMNS, "labels") if labels else POD_COLUMNS
    shown = {k: v for k, v in item.items() if k in columns} if kind == "Pod" else item  # kubectl get pods -o wide's columns
    if kind == "Pod" and shown.get("phase") == shown.get("status"):
        shown = {k: v for k, v in shown.items() if k != "phase"}  # "status Running, phase Running": once
    facts = ", ".join(f"{k} {v}" for k, v in shown.items() if k not in ("name", "namespace") and v not in (None, "", [], {}))
    if kind == "Node":  # kubectl's STATUS column first: "Ready,SchedulingDisabled" is how a cordon is read
        state = ("Ready" if str(item.get("ready")) == "True" else "NotReady") + (",SchedulingDisabled" if item.get("unschedulable") else "")
        facts = f"status {state}" + (f", {facts}" if facts else "")
    where = f"{item['namespace']}/" if item.get("namespace") else ""
    return f"{where}{kind}/{item.get('name')}" + (f": {facts}" if facts else "")


async def workloads_in(ask: Ask, namespace: str) -> tuple[list[str], list[str], str | None]:
    """(one line per workload and bare pod, their resource ids, the first listing error): a CronJob's runs are left to it."""
    lines: list[str] = []
    resources: list[str] = []
    for kind in RUNNABLE:
        outcome = await ask.call("kubernetes", "get_resources", {"kind": kind, "namespace": namespace, "limit": 200})
        if outcome.error is not None:
            return lines, resources, f"Could not list {kind}s in {namespace}: {outcome.error[:200]}"
        items = (outcome.data or {}).get("items") or []
        if kind == "Job":
            items = [i for i in items if not i.get("cronjob")]
        lines += [listed_line(kind, i) for i in items]
        resources += [f"{namespace}/{kind}/{i['name']}" for i in items]
    pods = await ask.call("kubernetes", "get_resources", {"kind": "Pod", "namespace": namespace, "limit": 2000})
    bare = [p for p in (pods.data or {}).get("items") or [] if not p.get("owner")]  # run by hand: no controller owns them
    lines += [listed_line("Pod", p) + " (a bare pod: no controller)" for p in bare]
    resources += [f"{namespace}/Pod/{p['name']}" for p in bare]
    return lines, resources, None
