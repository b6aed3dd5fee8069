"""A StatefulSet's rolling update waits for every member to be Running and Ready before it replaces one
(OrderedReady; the Kubernetes docs' "Forced rollback"): members that crash on the old template -- the fault
just fixed -- hold the fixed template back for good. So after a template write to a StatefulSet (a new limit,
an image, an undo) the members still on the old revision and not Ready are deleted, each pinned to its uid,
and come back from the new template. The approval of the write covers them: its pin says so (pinning.py).

Deleting a member that is not Ready takes nothing out of service; a Ready member is never touched here (the
controller replaces those itself, one at a time) -- unless the StatefulSet's updateStrategy is OnDelete: then the
controller replaces no member at all, and every member left on another revision (a canary, the members a partition
held) is deleted so the written template reaches it."""

from __future__ import annotations

import asyncio
import time

from ..contracts import Action, ToolCallRecord, resource_id
from .context import RunContext
from .ledger import LedgerKey, LedgerOwner
from .ports import Tools
from .state import Investigation, RemediationPlan

TEMPLATE_WRITES = {"set_resources", "set_image", "rollout_undo"}
REVISION_HASH = "controller-revision-hash"
THEN = "then its members not Ready on the old revision are deleted (a StatefulSet replaces no member while one is not Ready)"


def applies(plan: RemediationPlan) -> bool:
    return plan.tool in TEMPLATE_WRITES and plan.args.get("kind") == "StatefulSet"


async def _read(tools: Tools, records: list[ToolCallRecord], tool: str, args: dict) -> dict | None:
    outcome = await tools.call("remediation", "kubernetes", tool, args)
    records.append(outcome.record)
    return outcome.data if outcome.error is None and isinstance(outcome.data, dict) else None


async def _update_revision(tools: Tools, records: list[ToolCallRecord], namespace: str, name: str,
                           wait_s: float, poll_s: float) -> tuple[str, bool] | None:
    """The revision the StatefulSet's controller now rolls to, once it has seen the write (observedGeneration), and
    whether its updateStrategy is OnDelete (it replaces no member itself)."""
    deadline = time.monotonic() + wait_s
    while True:
        described = await _read(tools, records, "describe", {"kind": "StatefulSet", "namespace": namespace, "name": name,
                                                             "events_limit": 0})
        obj = (described or {}).get("object") or {}
        status, generation = obj.get("status") or {}, (obj.get("metadata") or {}).get("generation")
        if status.get("updateRevision") and generation is not None and status.get("observedGeneration", 0) >= generation:
            strategy = ((obj.get("spec") or {}).get("updateStrategy") or {}).get("type")
            return str(status["updateRevision"]), strategy == "OnDelete"
        if time.monotonic() >= deadline:
            return None
        await asyncio.sleep(poll_s)


async def finish(plan: RemediationPlan, state: Investigation, context: RunContext, tools: Tools,
                 wait_s: float = 30.0, poll_s: float = 1.0) -> tuple[list[Action], list[ToolCallRecord], list[str]]:
    """Delete the members a StatefulSet template write cannot reach: (actions, tool calls, notes)."""
    namespace, name = str(plan.args.get("namespace") or ""), str(plan.args.get("name") or "")
    records: list[ToolCallRecord] = []
    read = await _update_revision(tools, records, namespace, name, wait_s, poll_s)
    if read is None:
        return [], records, [f"StatefulSet {namespace}/{name}: its controller did not report the new revision within "
                             f"{wait_s:.0f}s; its members were left alone"]
    update, on_delete = read
    owned = await _read(tools, records, "ownership", {"kind": "StatefulSet", "namespace": namespace, "name": name})
    actions, notes = [], []
    for member in (owned or {}).get("pods") or []:
        pod_name = member.get("pod") if isinstance(member, dict) else None
        if not pod_name or (member.get("ready") and not on_delete):
            continue
        described = await _read(tools, records, "describe", {"kind": "Pod", "namespace": namespace, "name": pod_name,
                                                             "events_limit": 0})
        meta = ((described or {}).get("object") or {}).get("metadata") or {}
        if not meta.get("uid") or meta.get("deletionTimestamp") or (meta.get("labels") or {}).get(REVISION_HASH) == update:
            continue
        delete = RemediationPlan(server="kubernetes", tool="delete_pod", risk="low", resource=resource_id("Pod", pod_name, namespace),
                                 args={"namespace": namespace, "name": pod_name}, precondition={"expect_uid": meta["uid"]},
                                 pin=f"{pod_name} (uid {meta['uid']}) on old revision {meta['labels'].get(REVISION_HASH)}, "
                                     + ("OnDelete: the controller replaces no member" if on_delete else "not Ready")
                                     + f"; the StatefulSet rolls to {update}")
        gate, why = context.policy.gate(delete, state)
        if gate == "forbidden":
            notes.append(f"{pod_name} not deleted: {why}")
            continue
        owner = LedgerOwner(incident=state.incident.id, run_id=state.run_id, action_id=delete.action_id)
        if context.ledger and context.ledger.claim(LedgerKey.of(delete), owner) is not None:
            continue  # another run (or replica) already did it
        reason = (f"incident {state.incident.id}: finish the StatefulSet update of {name} ({plan.tool}); "
                  + ("OnDelete: members take the template only when deleted" if on_delete else "member not Ready"))
        outcome = await tools.call("remediation", "kubernetes", "delete_pod",
                                   {**delete.args, **delete.precondition, "reason": reason})
        records.append(outcome.record)
        result = outcome.error or (outcome.data.get("result") if isinstance(outcome.data, dict) else str(outcome.data))
        if context.ledger:
            context.ledger.finish(LedgerKey.of(delete), str(result), "done")
        approved_by = state.approval.by if state.approval else None
        actions.append(Action(tool="delete_pod", args={**delete.args, **delete.precondition}, risk="low",
                              approved_by=approved_by, dry_run=False, result=str(result)))
    return actions, records, notes
