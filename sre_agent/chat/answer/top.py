"""What pods or nodes use now, heaviest first (`kubectl top pods -n ops`, "which pods use the most memory"): the
metrics API's sample, each row beside its limit where the pod has one -- a number near its limit is the one to read."""

from __future__ import annotations

import re

from ...contracts import parse_resource_id
from ..ask import Ask, handles
from ..models import Answer

SHOWN = 8  # rows in the answer; the rest with "more"
MEMORY_FIRST = re.compile(r"\b(memory|mem|ram)\b", re.IGNORECASE)
NODES = re.compile(r"\b(nodes?|no)\b", re.IGNORECASE)
# "batch node cpu alarm, whats eating it": what uses a node's CPU is pods -- the heaviest anywhere, not the nodes again
# "kubectl top pods --containers", "per container": a row per container (a sidecar's use apart from its app's)
CONTAINERS = re.compile(r"--containers\b|\b(per|each|by|every)\s+containers?\b", re.IGNORECASE)
EATING = re.compile(r"\b(eating|using|hogging|burning|chewing|consuming|maxing|taking)\b", re.IGNORECASE)


def _where(ask: Ask) -> str | None:
    """The namespace the question names, else the one the conversation is in (pods only)."""
    if ask.namespace:
        return ask.namespace
    return next((parse_resource_id(r)[0] for r in ask.focus if parse_resource_id(r)[0]), None)


@handles("top", needs=("kubernetes",))
async def top(ask: Ask) -> Answer:
    eating = EATING.search(ask.question) is not None
    kind = "nodes" if NODES.search(ask.question) and not re.search(r"\bpods?\b", ask.question, re.I) and not eating \
        else "pods"
    by = "memory" if MEMORY_FIRST.search(ask.question) and not re.search(r"\bcpu\b", ask.question, re.I) else "cpu"
    namespace = (ask.namespace if eating else _where(ask)) if kind == "pods" else None
    per_container = kind == "pods" and CONTAINERS.search(ask.question) is not None
    outcome = await ask.call("kubernetes", "top", {"kind": kind, "sort_by": by, "limit": 200,
                                                   **({"namespace": namespace} if namespace else {}),
                                                   **({"containers": True} if per_container else {})})
    if outcome.error is not None:
        return ask.answer(f"Could not read {kind} usage (kubectl top): {outcome.error.strip()[:200]}", status="unknown",
                          next_steps=["Check that metrics-server answers: kubectl top pods -A."])
    rows = (outcome.data or {}).get("items") or []
    where = f" in {namespace}" if namespace else (" in the cluster" if kind == "pods" else "")
    if not rows:
        return ask.answer(f"No {kind} usage reported{where} (the metrics API has no sample yet)", status="answered")
    lines = [f"{r.get('namespace') + '/' if kind == 'pods' and not namespace and r.get('namespace') else ''}{r.get('name')}"
             f"{' container ' + str(r['container']) if r.get('container') else ''}: "
             f"cpu {r.get('cpu_m')}m, memory {r.get('memory_mib')}Mi" for r in rows]
    first = rows[0]
    rows_are = "containers" if per_container else kind
    heaviest = f"{first.get('name')}{' container ' + str(first['container']) if first.get('container') else ''}"
    return ask.answer(f"{len(rows)} {rows_are}{where} by {by}, heaviest first: {heaviest} at cpu {first.get('cpu_m')}m, "
                      f"memory {first.get('memory_mib')}Mi", status="answered", details=lines[:SHOWN], full=True,
                      resources=[f"{namespace}/Pod/{first.get('name')}"] if kind == "pods" and namespace else
                      [f"Node/{first.get('name')}"] if kind == "nodes" else [],
                      next_steps=["Ask 'how much memory does <name> need' for a pod's use against its limits."])
