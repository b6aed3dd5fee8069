"""The remediation policy, in code: what may run unattended, what waits for a human, what never runs.

The policy reads the plan (tool, namespace, risk) and the incident's own findings -- never a
tool's free text -- so nothing in a log line or an event can widen what the responder may do. And
an action runs unattended only on the evidence path from the alarmed resource (graph/causal.py):
a brain that names a healthy object elsewhere -- misled by planted text, or just wrong -- gets a
human, with the missing link named."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, Field

from .causal import causal_link
from .pinning import written_resource
from .state import Investigation, RemediationPlan

Gate = Literal["auto", "approval", "forbidden"]
# The only actions that may run without a human, each under the condition in `_unattended_ok`.
UNATTENDED_TOOLS = {"rollout_undo", "delete_pod", "rollout_restart", "scale"}


class RemediationPolicy(BaseModel):
    mode: Literal["auto", "approve", "off"] = "approve"
    namespaces: list[str] = Field(default_factory=list, description="namespaces the responder may change ('*' = all)")
    allow_node_actions: bool = False
    approval_timeout_s: float = 300.0

    def gate(self, plan: RemediationPlan, state: Investigation) -> tuple[Gate, str]:
        if self.mode == "off":
            return "forbidden", "remediation is off: diagnose only"
        namespace = plan.args.get("namespace")
        if namespace is None and plan.tool in ("cordon", "uncordon", "remove_node_taint", "send_command", "start_automation"):
            if not self.allow_node_actions:
                return "forbidden", f"{plan.tool} acts on a node/instance and node actions are not allowed by policy"
        elif "*" not in self.namespaces and namespace not in self.namespaces:
            return "forbidden", f"namespace {namespace!r} is not in the policy's allowed namespaces {self.namespaces}"
        # A rule the team gave (`sre-agent memory add`, or "remember that ..." in chat) binds like the allow-list:
        # neither the policy nor an approver runs what it forbids while it holds.
        target = plan.resource or written_resource(plan)
        rule = next((f for f in state.team_facts if f.forbids(plan.tool, target, datetime.now(UTC))), None)
        if rule is not None:
            return "forbidden", (f"the team's rule {rule.id} forbids {plan.tool} on {target} now: \"{rule.text}\" "
                                 f"({rule.person or 'unnamed'}, {rule.created_at:%Y-%m-%d})")
        if self.mode == "auto" and self._unattended_ok(plan, state):
            link = causal_link(target, state.incident.affected, state.findings, state.tool_calls, state.links)
            if not link.linked:
                return "approval", f"{plan.tool} on {target} needs a human's approval: {link.why}"
            return "auto", f"low-risk {plan.tool} allowed unattended by policy ({link.why})"
        return "approval", f"{plan.risk}-risk {plan.tool} needs a human's approval"

    def _unattended_ok(self, plan: RemediationPlan, state: Investigation) -> bool:
        if plan.risk != "low" or plan.tool not in UNATTENDED_TOOLS:
            return False
        # The resource the action touches (for a quota, the workload that scaled past it).
        namespace, name = plan.args.get("namespace"), plan.args.get("name")
        resource = next((f.resource for f in state.findings if namespace and name
                         and f.resource.startswith(f"{namespace}/") and f.resource.endswith(f"/{name}")),
                        state.diagnosis.resource if state.diagnosis else "")
        signals = {f.signal for f in state.findings if f.resource == resource}
        if plan.tool == "rollout_undo":
            # a rollout made within the incident window; an older one tied by its onset waits for a human
            return any(f.signal == "RecentRollout" and f.details.get("in_window", True)
                       for f in state.findings if f.resource == resource)
        if plan.tool in ("delete_pod", "rollout_restart"):
            # restart of a crash-looping pod, or of pods holding a credential rotated since they started
            return "CrashLoopBackOff" in signals or plan.tool == "rollout_restart" and "StaleCredential" in signals
        if plan.tool == "scale":
            previous = next((f.details.get("previous_replicas") for f in state.findings
                             if f.resource == resource and f.signal in ("RecentScaleUp", "RecentScaleDown")), None)
            return previous is not None and plan.args.get("replicas") == previous  # back to the previous count
        return False
