"""The remediate node: plan from the runbook, gate through the policy (a LangGraph interrupt waits
for a human where the policy says so), then act exactly once."""

from __future__ import annotations

from langgraph.runtime import Runtime
from langgraph.types import interrupt

from ..contracts import Action
from .context import RunContext, emit, tools_of
from .ledger import action_key
from .state import ApprovalDecision, Investigation


async def remediate(state: Investigation, runtime: Runtime[RunContext]) -> dict:
    context, tools = runtime.context, tools_of(runtime)
    plan = await context.brain.plan_remediation(state)
    if plan is None:
        return {"escalation_reason": "no runbook remediation applies to what was found; a human must decide the fix"}
    gate, why = context.policy.gate(plan, state)
    emit(runtime, "plan", tool=plan.tool, args=plan.args, risk=plan.risk, gate=gate, why=why)
    if gate == "forbidden":
        return {"plan": plan, "escalation_reason": f"proposed {plan.tool} not allowed: {why}"}
    if gate == "approval":
        answer = interrupt({"incident_id": state.incident.id, "run_id": state.run_id, "plan": plan.model_dump(), "why": why,
                            "diagnosis": state.diagnosis.model_dump(mode="json") if state.diagnosis else None})
        approval = ApprovalDecision.model_validate(answer)
        if approval.decision != "approved":
            return {"plan": plan, "approval": approval,
                    "escalation_reason": f"{plan.tool} was {approval.decision}"
                                         + (f" by {approval.by}" if approval.by else "") + (f": {approval.note}" if approval.note else "")}
    else:
        approval = ApprovalDecision(decision="auto", by="policy", note=why)
    allowed = tools.parameters.get((plan.server, plan.tool), set())
    args = {k: v for k, v in plan.args.items() if not allowed or k in allowed}
    if "reason" in allowed:
        args["reason"] = f"incident {state.incident.id}: {state.diagnosis.summary if state.diagnosis else ''}"[:480]
    key = action_key(plan.tool, args | {"reason": None})
    earlier = context.ledger.claim(state.incident.id, key) if context.ledger else None
    if earlier is not None:
        action = Action(tool=plan.tool, args=args, risk=plan.risk, approved_by=approval.by,
                        result=f"not repeated: already attempted for this incident ({earlier})")
        return {"plan": plan, "approval": approval, "actions": [action]}
    outcome = await tools.call("remediation", plan.server, plan.tool, args)
    result = outcome.error or (outcome.data.get("result") if isinstance(outcome.data, dict) else str(outcome.data))
    if context.ledger:
        context.ledger.finish(state.incident.id, key, str(result))
    emit(runtime, "action", tool=plan.tool, ok=outcome.error is None, result=result)
    action = Action(tool=plan.tool, args=args, risk=plan.risk, approved_by=approval.by, dry_run=False, result=str(result))
    update = {"plan": plan, "approval": approval, "actions": [action], "tool_calls": [outcome.record]}
    if outcome.error:
        update["escalation_reason"] = f"{plan.tool} failed: {outcome.error}"
    return update


def after_remediate(state: Investigation) -> str:
    return "escalate" if state.escalation_reason else "verify"
