"""Remediation in three nodes: `remediate` plans from the runbook, pins the plan (graph/pinning.py)
and gates it through the policy; `approve` waits on a LangGraph interrupt for a human who must name
the pinned plan's action id; `act` acts once per fault (the ledger) with the plan's precondition.

The pinned plan is checkpointed before the interrupt, so what a human approves is exactly what is
sent -- and when the object changed while the approval waited, the server refuses the stale
precondition, nothing is written, and the run re-pins once from fresh reads (asking a human again)
or escalates. It never acts on the stale plan."""

from __future__ import annotations

from langgraph.runtime import Runtime
from langgraph.types import interrupt

from ..contracts import Action
from . import stuck_rollout
from .context import RunContext, emit, tools_of
from .intent import held_because
from .ledger import LedgerKey, LedgerOwner
from .pinning import pin_plan
from .recall import failed_before, failed_before_sentence, relevant_facts
from .state import ApprovalDecision, Investigation, RemediationPlan

MAX_REPLANS = 1
MAX_UNPINNED = 3  # runbook steps tried in one pass when the world refutes the one before
# A change record (a release's change-cause, a ticket on an edit) says who changed it and why, not that its result is
# wanted whatever it does: every release carries one, so a rollback of a regressed release is asked of a human with
# the record named -- never run unattended, never held. Decommissions, maintenance and stated reasons say the state
# itself is wanted: held.
ASKED_NOT_HELD = {"change record"}
CLUSTER_ARG = "expect_cluster"  # the Kubernetes server refuses a write whose value is not the cluster it is bound to
STALE = "precondition failed"  # how the MCP servers say a pinned plan no longer holds


async def remediate(state: Investigation, runtime: Runtime[RunContext]) -> dict:
    context, tools = runtime.context, tools_of(runtime)
    reset = {"stale_plan": None, "approval": None}
    plan = await context.brain.plan_remediation(state)
    if plan is None:
        return {**reset, "escalation_reason": "no runbook remediation applies to what was found; a human must decide the fix"}
    records: list = []
    refusals: list[str] = []
    while True:
        gate, why = context.policy.gate(plan, state)
        if gate == "forbidden":
            emit(runtime, "plan", tool=plan.tool, args=plan.args, risk=plan.risk, gate=gate, why=why)
            return {**reset, "tool_calls": records, "plan": plan,
                    "escalation_reason": "; ".join([*refusals, f"proposed {plan.tool} not allowed: {why}"])}
        pinned = await pin_plan(plan, state, tools)
        records += pinned.records
        if pinned.plan is not None:
            break
        emit(runtime, "plan", tool=plan.tool, args=plan.args, risk=plan.risk, gate="forbidden", why=pinned.refused)
        refusals.append(f"{plan.tool} not pinned: {pinned.refused}")
        # A step the world refutes (a rollback to a revision with the same defect) gives way to the runbook's next one.
        state = state.model_copy(update={"unpinned": [*state.unpinned, plan.tool]})
        following = await context.brain.plan_remediation(state)
        if following is None or following.tool == plan.tool or len(refusals) > MAX_UNPINNED:
            # Not pinned is not a proposal: the plan stays out of the state, so nothing offers it to a human.
            return {**reset, "tool_calls": records, "plan": None, "escalation_reason": "; ".join(refusals)}
        plan = following
    update: dict = {**reset, "tool_calls": records}
    plan = pin_to_cluster(pinned.plan, context.cluster)
    holding = [i for i in pinned.intent if i.signal not in ASKED_NOT_HELD]
    if holding:
        # A state its target records as wanted (a decommission, a maintenance, a stated reason) is not reversed by the
        # responder, whatever the policy or an approver would allow: it stops and asks, naming what it found (tool
        # output can only add this caution).
        held = held_because(holding)
        emit(runtime, "plan", tool=plan.tool, args=plan.args, risk=plan.risk, gate="held", why=held,
             action_id=plan.action_id, precondition=plan.precondition, pin=plan.pin)
        return {**update, "plan": plan.model_copy(update={"held": held, "gate_why": held}),
                "escalation_reason": f"{plan.tool} on {plan.resource} not run: {held}"}
    if stuck_rollout.applies(plan):  # what is approved includes the members the write cannot reach
        plan = plan.model_copy(update={"pin": f"{plan.pin}; {stuck_rollout.THEN}"})
    if gate == "auto" and state.replans:
        gate, why = "approval", f"the first plan went stale before it ran ({state.replans} re-plan): a human confirms the re-pinned one"
    if pinned.intent:  # a change record only: reversing it is a human's call, asked with the record named
        gate, why = "approval", held_because(pinned.intent)
    if (past := failed_before(plan, state)) is not None:  # memory can only add caution: never run unattended again
        gate, why = "approval", f"{failed_before_sentence(past)}: a human decides whether to try it again"
    emit(runtime, "plan", tool=plan.tool, args=plan.args, risk=plan.risk, gate=gate, why=why, action_id=plan.action_id,
         precondition=plan.precondition, pin=plan.pin)
    if gate == "auto":
        update["approval"] = ApprovalDecision(decision="auto", by="policy", note=why, action_id=plan.action_id)
    return {**update, "plan": plan.model_copy(update={"gate_why": why}), "notes": [f"pinned {plan.action_id}: {plan.pin}"]}


def pin_to_cluster(plan: RemediationPlan, cluster: str | None) -> RemediationPlan:
    """A Kubernetes write of a run in a configured cluster names that cluster (`expect_cluster`): it is part of the
    action id a human approves, the server bound to another cluster refuses it, and `act` refuses it in a run that
    is not in that cluster. Several clusters repeat names (shop/Deployment/checkout); a plan is for one of them."""
    if cluster is None or plan.server != "kubernetes":
        return plan
    return plan.model_copy(update={"args": {**plan.args, CLUSTER_ARG: cluster}})


def cluster_mismatch(plan: RemediationPlan, cluster: str | None) -> str | None:
    """Why `plan` may not run in a run in `cluster`, or None: its pinned cluster is another (or the run has none)."""
    pinned = plan.args.get(CLUSTER_ARG)
    if pinned is None or pinned == cluster:
        return None
    return (f"{plan.tool} on {plan.resource} was pinned to cluster {pinned}, and this run is in "
            f"{'cluster ' + cluster if cluster else 'no configured cluster'}; nothing was written")


def after_remediate(state: Investigation) -> str:
    if state.escalation_reason:
        return "escalate"
    return "act" if state.approval is not None else "approve"


async def approve(state: Investigation) -> dict:
    """Nothing but the interrupt: the node re-runs from the top on resume, so it reads no tool."""
    plan = state.plan
    assert plan is not None, "approve follows remediate, which sets the plan"
    pinned = {"tool": plan.tool, "resource": plan.resource, "args": plan.args, "precondition": plan.precondition, "why": plan.pin}
    answer = interrupt({"incident_id": state.incident.id, "run_id": state.run_id, "action_id": plan.action_id,
                        "pinned": pinned, "plan": plan.model_dump(), "why": plan.gate_why,
                        "diagnosis": state.diagnosis.model_dump(mode="json") if state.diagnosis else None,
                        # who owns it, who to call, what not to do: the approver reads what the team said beside the action
                        "team": [f"{fact.text} ({fact.person or 'unnamed'})" for fact in relevant_facts(state)]})
    approval = ApprovalDecision.model_validate(answer)
    if approval.decision == "approved" and approval.action_id != plan.action_id:
        named = approval.action_id or "no action id"
        return {"approval": approval.model_copy(update={"decision": "rejected"}),
                "escalation_reason": f"approval refused: it names {named}, but the pending action is {plan.action_id} "
                                     f"({plan.tool} {plan.args}); nothing was done"}
    if approval.decision != "approved":
        return {"approval": approval,
                "escalation_reason": f"{plan.tool} was {approval.decision}" + (f" by {approval.by}" if approval.by else "")
                                     + (f": {approval.note}" if approval.note else "")}
    return {"approval": approval}


def after_approve(state: Investigation) -> str:
    return "escalate" if state.escalation_reason else "act"


async def act(state: Investigation, runtime: Runtime[RunContext]) -> dict:
    context, tools = runtime.context, tools_of(runtime)
    plan, approval = state.plan, state.approval
    assert plan is not None and approval is not None, "act follows an approved or auto-gated plan"
    allowed = tools.parameters.get((plan.server, plan.tool), set())
    args = {k: v for k, v in (plan.args | plan.precondition).items() if not allowed or k in allowed}
    if "reason" in allowed:
        # The MCP server's audit log keeps this reason: a person's approval (a verified token) names them there too.
        who = f" (approved by {approval.person.label()})" if approval.person else ""
        args["reason"] = f"incident {state.incident.id}{who}: {state.diagnosis.summary if state.diagnosis else ''}"[:480]
    if (mismatch := cluster_mismatch(plan, context.cluster)) is not None:
        emit(runtime, "action", tool=plan.tool, ok=False, result=mismatch, action_id=plan.action_id)
        return {"escalation_reason": mismatch}
    key = LedgerKey.of(plan)
    owner = LedgerOwner(incident=state.incident.id, run_id=state.run_id, action_id=plan.action_id)
    earlier = context.ledger.claim(key, owner) if context.ledger else None
    if earlier is not None:
        said = (f"not repeated: already attempted by this run ({earlier.sentence()})" if earlier.run_id == state.run_id
                else f"attached to {earlier.sentence()}")
        emit(runtime, "action", tool=plan.tool, ok=True, result=said, action_id=plan.action_id)
        return {"actions": [Action(tool=plan.tool, args=args, risk=plan.risk, approved_by=approval.by, result=said)]}
    outcome = await tools.call("remediation", plan.server, plan.tool, args)
    result = outcome.error or (outcome.data.get("result") if isinstance(outcome.data, dict) else str(outcome.data))
    stale = outcome.error is not None and STALE in outcome.error
    if context.ledger:
        context.ledger.finish(key, str(result), "refused" if stale else "done")
    emit(runtime, "action", tool=plan.tool, ok=outcome.error is None, result=result, action_id=plan.action_id)
    if stale:
        if state.replans < MAX_REPLANS:
            return {"tool_calls": [outcome.record], "stale_plan": str(result), "replans": state.replans + 1,
                    "notes": [f"{plan.action_id} refused by the server, nothing written: {result}; re-planning from fresh reads"]}
        return {"tool_calls": [outcome.record],
                "escalation_reason": f"{plan.tool} refused again after re-planning, nothing written: {result}"}
    action = Action(tool=plan.tool, args=args, risk=plan.risk, approved_by=approval.by, dry_run=False, result=str(result))
    update: dict = {"actions": [action], "tool_calls": [outcome.record]}
    if outcome.error:
        update["escalation_reason"] = f"{plan.tool} failed: {outcome.error}"
    elif stuck_rollout.applies(plan):
        more, records, notes = await stuck_rollout.finish(plan, state, context, tools,
                                                          wait_s=min(30.0, context.verify_timeout_s), poll_s=context.verify_poll_s)
        for extra in more:
            emit(runtime, "action", tool=extra.tool, ok=True, result=extra.result, action_id=plan.action_id)
        update.update(actions=[action, *more], tool_calls=[outcome.record, *records], notes=notes)
    return update


def after_act(state: Investigation) -> str:
    if state.stale_plan:
        return "remediate"
    return "escalate" if state.escalation_reason else "verify"
