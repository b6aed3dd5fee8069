"""The remediation policy gate: a table of plans and findings in, a gate out."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sre_agent.contracts import Diagnosis, Finding, Incident, RootCauseCategory, ToolCallRecord
from sre_agent.graph.policy import RemediationPolicy
from sre_agent.graph.state import Investigation, RemediationPlan
from sre_agent.graph.topology import Link

API = "shop/Deployment/api"
NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)
# The alarm is on the Service in front of api; the tools showed the Service selecting api's pod template.
SEEN = [Link(source="shop/Service/api", relation="selector", labels={"app": "api"}, evidence="ev-1"),
        Link(source=API, relation="labels", labels={"app": "api"}, evidence="ev-2")]
CALLS = [ToolCallRecord(id="ev-1", agent="kubernetes", server="kubernetes", tool="ownership",
                        args={"kind": "Service", "namespace": "shop", "name": "api"}),
         ToolCallRecord(id="ev-2", agent="kubernetes", server="kubernetes", tool="describe",
                        args={"kind": "Deployment", "namespace": "shop", "name": "api"})]


def state(*signals: str, affected: tuple[str, ...] = ("shop/Service/api",), links: list[Link] = SEEN, **details) -> Investigation:
    findings = [Finding(agent="kubernetes", resource=API, signal=s, summary=s, details=details, evidence=["ev-2"])
                for s in signals]
    return Investigation(incident=Incident(id="i", title="t", started_at=NOW, window_start=NOW, window_end=NOW,
                                           affected=list(affected)),
                         findings=findings, tool_calls=CALLS, links=links,
                         diagnosis=Diagnosis(category=RootCauseCategory.BAD_IMAGE, resource=API))


def plan(tool: str, risk: str = "low", server: str = "kubernetes", **args) -> RemediationPlan:
    args = {"namespace": "shop", "name": "api", **args}
    return RemediationPlan(server=server, tool=tool, args={k: v for k, v in args.items() if v is not None}, risk=risk)


CASES = [
    # (case, policy, plan, findings' signals, details, gate, reason says)
    ("off never acts", dict(mode="off", namespaces=["*"]), plan("rollout_undo"), ["RecentRollout"], {},
     "forbidden", "remediation is off"),
    ("namespace outside the allowed list", dict(mode="auto", namespaces=["web"]), plan("rollout_undo"),
     ["RecentRollout"], {}, "forbidden", "not in the policy's allowed namespaces"),
    ("node action without allow_node_actions", dict(mode="auto", namespaces=["*"]),
     plan("cordon", namespace=None, name=None, node="n1"), [], {}, "forbidden", "node actions are not allowed"),
    ("node action allowed still asks", dict(mode="auto", namespaces=["*"], allow_node_actions=True),
     plan("cordon", namespace=None, name=None, node="n1"), [], {}, "approval", "needs a human"),
    ("undo of a rollout in the window runs unattended", dict(mode="auto", namespaces=["shop"]),
     plan("rollout_undo"), ["RecentRollout"], {}, "auto", "allowed unattended"),
    ("undo of a rollout older than the window (tied by its onset) asks", dict(mode="auto", namespaces=["shop"]),
     plan("rollout_undo"), ["RecentRollout"], {"in_window": False}, "approval", "needs a human"),
    ("undo without a recent rollout asks", dict(mode="auto", namespaces=["shop"]), plan("rollout_undo"),
     ["ImagePullBackOff"], {}, "approval", "needs a human"),
    ("approve mode always asks", dict(mode="approve", namespaces=["shop"]), plan("rollout_undo"),
     ["RecentRollout"], {}, "approval", "needs a human"),
    ("restart of a crash loop runs unattended", dict(mode="auto", namespaces=["*"]), plan("rollout_restart"),
     ["CrashLoopBackOff"], {}, "auto", "allowed unattended"),
    ("medium risk asks", dict(mode="auto", namespaces=["*"]), plan("rollout_restart", risk="medium"),
     ["CrashLoopBackOff"], {}, "approval", "medium-risk"),
    ("a tool outside the unattended list asks", dict(mode="auto", namespaces=["*"]), plan("set_image"),
     ["RecentRollout"], {}, "approval", "needs a human"),
    ("scale back to the previous count runs unattended", dict(mode="auto", namespaces=["*"]),
     plan("scale", replicas=3), ["RecentScaleUp"], {"previous_replicas": 3}, "auto", "allowed unattended"),
    ("scale to another count asks", dict(mode="auto", namespaces=["*"]), plan("scale", replicas=1),
     ["RecentScaleUp"], {"previous_replicas": 3}, "approval", "needs a human"),
]


@pytest.mark.parametrize("case, policy, plan_, signals, details, gate, why", CASES, ids=[c[0] for c in CASES])
def test_gate(case, policy, plan_, signals, details, gate, why):
    got, reason = RemediationPolicy(**policy).gate(plan_, state(*signals, **details))
    assert got == gate and why in reason, reason


CAUSAL = [
    # (case, state, gate, reason says)
    ("on the evidence path from the alarm", state("RecentRollout"), "auto", "on the evidence path shop/Service/api -> "),
    ("no link seen from the alarmed Service", state("RecentRollout", links=[]), "approval",
     "shop/Deployment/api is not on the evidence path from shop/Service/api"),
    ("the alarm is on another workload", state("RecentRollout", affected=("shop/Deployment/web",)), "approval",
     "no causal link"),
    ("the alarm names no resource", state("RecentRollout", affected=()), "approval", "names no resource"),
]


@pytest.mark.parametrize("case, state_, gate, why", CAUSAL, ids=[c[0] for c in CAUSAL])
def test_unattended_needs_a_causal_link(case, state_, gate, why):
    got, reason = RemediationPolicy(mode="auto", namespaces=["*"]).gate(plan("rollout_undo"), state_)
    assert got == gate and why in reason, reason


@pytest.mark.parametrize(("rule", "gate"), [
    (dict(resource="api", forbid=["rollout_undo"]), "forbidden"),  # always, on that object, in every mode
    (dict(namespace="shop", forbid=["*"]), "forbidden"),
    (dict(resource="api", forbid=["rollout_restart", "delete_pod"]), "auto"),  # another write
    (dict(resource="web", forbid=["rollout_undo"]), "auto"),  # another object
    (dict(resource="api", forbid=[]), "auto"),  # a plain fact binds nothing
])
def test_a_rule_the_team_gave_binds_like_the_allow_list(rule, gate):
    from sre_agent.contracts import TeamFact

    fact = TeamFact(id="fact-1", text="never roll back api", person="dana", created_at=NOW, **rule)
    with_rule = state("RecentRollout").model_copy(update={"team_facts": [fact]})
    got, why = RemediationPolicy(mode="auto", namespaces=["*"]).gate(plan("rollout_undo"), with_rule)
    assert got == gate
    if gate == "forbidden":
        assert "the team's rule fact-1" in why and "never roll back api" in why and "dana" in why
