"""Fixes that fix (issue 35, class B): a rollback clears an OOM kill only by giving the killed container more memory
(graph/oom_rollback.py), so an undo that crosses revisions where that container's limit stayed the same is neither
planned, pinned nor proposed -- the fix is `set resources -c <the container killed>`; and an action this run tried
that did not clear the fault is never proposed again (graph/fix_guards.py). Table tests over findings, the brain's
reading of the limits per revision over scripted tool answers, and its plan from the built-in runbook."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mcp_servers.ssm.runbooks import load_runbooks
from sre_agent.brains.offline.calls import Calls
from sre_agent.brains.offline.revisions import killed_limit_history
from sre_agent.brains.offline.runbooks import plan_from_findings
from sre_agent.contracts import Action, Diagnosis, Finding, Incident
from sre_agent.contracts import RootCauseCategory as C
from sre_agent.graph.fixes import proposed_fixes
from sre_agent.graph.oom_rollback import rollback_keeps_limits
from sre_agent.graph.pinning import pin_plan
from sre_agent.graph.state import Investigation, RemediationPlan

from .fakes import FakeTools

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
W = "shop/Deployment/reviews"
RUNBOOK = next(r.model_dump(mode="json") for r in load_runbooks(Path(__file__).parents[3] / "infra" / "runbooks")
               if r.id == "oom_killed")


def f(signal: str, severity: str = "critical", **details) -> Finding:
    return Finding(agent="kubernetes", resource=W, signal=signal, summary=signal, severity=severity, details=details,
                   evidence=["ev-1"])


def killed(container: str = "proxy", limit: str = "128Mi") -> Finding:
    return f("OOMKilled", container=container, memory_limit=limit, ran_seconds=20)


def history(limits: dict, container: str = "proxy") -> Finding:
    return f("KilledLimitHistory", "info", container=container, limits=limits)


ROLLOUT = f("RecentRollout", "info", revision=2, previous_revision=1, changed=["image"], created="2026-03-01T11:20:00Z",
            in_window=True, history=[{"revision": 1, "created": "2026-03-01T09:00:00Z", "changed": None},
                                     {"revision": 2, "created": "2026-03-01T11:20:00Z", "changed": ["image"]}])
SPEC = f("WorkloadSpec", "info", container="reviews", memory_limit="512Mi", replicas=2)  # the template's first: the app


@pytest.mark.parametrize("findings, to_revision, refused", [
    ([killed(), history({"2": "128Mi", "1": "128Mi"})], 1, True),    # the sidecar had the same limit before
    ([killed(), history({"2": "128Mi", "1": "96Mi"})], 1, True),     # less, even
    ([killed(), history({"2": "128Mi", "1": "512Mi"})], 1, False),   # the rollout lowered it: the undo clears it
    ([killed(), history({"2": "128Mi", "1": None})], 1, False),      # no limit there (or no such container then)
    ([killed(), history({"2": "128Mi"})], 1, False),                 # not read: unknown never refuses
    ([killed()], 1, False),
    ([history({"2": "128Mi", "1": "128Mi"})], 1, False),              # nothing killed at a limit
    ([killed(), killed("reviews", "512Mi"), history({"2": "128Mi", "1": "128Mi"}),
      history({"2": "512Mi", "1": "1Gi"}, "reviews")], 1, False),     # one of the killed containers gets more
])
def test_a_rollback_clears_an_oom_only_when_it_gives_the_killed_container_more_memory(findings, to_revision, refused):
    assert (rollback_keeps_limits(findings, W, to_revision) is not None) is refused


def _state(*findings: Finding, category: C = C.OOM_KILLED, actions: list[Action] | None = None) -> Investigation:
    incident = Incident(id="inc-1", title="t", started_at=NOW, window_start=NOW, window_end=NOW)
    return Investigation(incident=incident, diagnosis=Diagnosis(category=category, resource=W), findings=list(findings),
                         actions=actions or [])


SAME = [SPEC, killed(), ROLLOUT, history({"2": "128Mi", "1": "128Mi"})]


def test_the_fix_for_a_sidecar_killed_under_load_is_its_limit_not_the_rollback_of_the_app():
    fixes = proposed_fixes(_state(*SAME))
    commands = [c for fix in fixes for c in fix.commands]
    assert commands[0] == "kubectl -n shop set resources deployment/reviews -c proxy --limits=memory=192Mi"
    assert not any("rollout undo" in c for c in commands)
    # the rollout lowered the limit: the rollback stays the fix
    lowered = proposed_fixes(_state(SPEC, killed(), ROLLOUT, history({"2": "128Mi", "1": "512Mi"})))
    assert lowered[0].commands == ["kubectl -n shop rollout undo deployment/reviews --to-revision=1"]


def test_the_brain_plans_the_killed_containers_limit_when_the_rollback_keeps_it():
    matched = f("RunbookMatched", "info", runbook="oom_killed", remediation=RUNBOOK["remediation"])
    plan = plan_from_findings(_state(*SAME, matched))
    assert plan is not None and plan.tool == "set_resources"
    assert plan.args["container"] == "proxy" and plan.args["limits"] == {"memory": "256Mi"}
    lowered = plan_from_findings(_state(SPEC, killed(), ROLLOUT, history({"2": "128Mi", "1": "512Mi"}), matched))
    assert lowered is not None and lowered.tool == "rollout_undo"


def test_the_pin_refuses_a_rollback_that_keeps_the_killed_containers_limit():
    revisions = {"current_revision": 2, "revisions": [
        {"revision": 1, "created": "2026-03-01T09:00:00Z", "images": ["reviews:3.1", "envoy:1.30"]},
        {"revision": 2, "created": "2026-03-01T11:20:00Z", "images": ["reviews:3.2", "envoy:1.30"], "current": True,
         "changed": ["image"]}]}
    plan = RemediationPlan(server="kubernetes", tool="rollout_undo", risk="low", args={"namespace": "shop", "name": "reviews"})
    pinned = asyncio.run(pin_plan(plan, _state(*SAME), FakeTools({("kubernetes", "rollout_history"): revisions})))
    assert pinned.plan is None and "no more memory" in pinned.refused and "proxy" in pinned.refused
    leak = asyncio.run(pin_plan(plan, _state(*SAME, category=C.MEMORY_LEAK),  # a leak: the release before it clears it
                                FakeTools({("kubernetes", "rollout_history"): revisions})))
    assert leak.plan is not None


class Answers:
    def __init__(self, answers: dict) -> None:
        self.answers, self.calls = answers, []

    async def call(self, agent, server, tool, args, brain="offline"):
        from sre_agent.contracts import ToolCallRecord
        from sre_agent.graph.ports import ToolOutcome
        self.calls.append((tool, args.get("kind"), args.get("name")))
        data = self.answers.get((tool, args.get("name")))
        record = ToolCallRecord(id=f"ev-{len(self.calls)}", agent=agent, server=server, tool=tool, args=args, ok=data is not None)
        return ToolOutcome(record=record, data=data, error=None if data is not None else "not found")


def _template(limit: str) -> dict:
    return {"object": {"spec": {"template": {"spec": {"containers": [
        {"name": "reviews", "resources": {"limits": {"memory": "512Mi"}}},
        {"name": "proxy", "resources": {"limits": {"memory": limit}}}]}}}}}


@pytest.mark.parametrize("revisions, answers, limits, reads", [
    # the last rollout changed only images: the revision before has the same limits, nothing is read
    ([{"revision": 1, "replicaset": "rs-1"}, {"revision": 2, "replicaset": "rs-2", "current": True, "changed": ["image"]}],
     {}, {"2": "128Mi", "1": "128Mi"}, []),
    # it changed resources: the older template is read from its ReplicaSet
    ([{"revision": 1, "replicaset": "rs-1"}, {"revision": 2, "replicaset": "rs-2", "current": True, "changed": ["resources"]}],
     {("describe", "rs-1"): _template("512Mi")}, {"2": "128Mi", "1": "512Mi"}, [("describe", "ReplicaSet", "rs-1")]),
    # three back, one change of resources in between: one read, the rest carried along
    ([{"revision": 1, "replicaset": "rs-1"}, {"revision": 2, "replicaset": "rs-2", "changed": ["env"]},
      {"revision": 3, "replicaset": "rs-3", "changed": ["resources"]},
      {"revision": 4, "replicaset": "rs-4", "current": True, "changed": ["image"]}],
     {("describe", "rs-2"): _template("256Mi")}, {"4": "128Mi", "3": "128Mi", "2": "256Mi", "1": "256Mi"},
     [("describe", "ReplicaSet", "rs-2")]),
])
def test_the_brain_reads_the_killed_containers_limit_per_revision_only_across_a_change_of_resources(
        revisions, answers, limits, reads):
    tools = Answers(answers)
    calls = Calls(tools, "kubernetes", "kubernetes")
    calls.findings.append(killed())
    asyncio.run(killed_limit_history("shop", "Deployment", W, revisions, "ev-0", calls))
    [found] = [x for x in calls.findings if x.signal == "KilledLimitHistory"]
    assert found.details["container"] == "proxy" and found.details["limits"] == limits and tools.calls == reads


def _action(tool: str, **args) -> Action:
    return Action(tool=tool, args={"namespace": "shop", "kind": "Deployment", "name": "reviews", **args},
                  risk="low", result="rolled back to revision 1")


def test_an_action_that_was_tried_and_did_not_clear_the_fault_is_never_proposed_again():
    lowered = [SPEC, killed(), ROLLOUT, history({"2": "128Mi", "1": "512Mi"})]
    tried = _state(*lowered, actions=[_action("rollout_undo", to_revision=1)])
    fixes = proposed_fixes(tried)
    commands = [c for fix in fixes for c in fix.commands]
    assert commands and not any("rollout undo" in c for c in commands)
    assert any("set resources deployment/reviews -c proxy" in c for c in commands)  # the next step: the killed one's limit
    assert any("rollout_undo was tried and did not clear it" in fix.summary for fix in fixes)
    # another namespace's workload of the same name is not what was tried
    other = _state(*lowered, actions=[Action(tool="rollout_undo", args={"namespace": "pay", "name": "reviews"}, risk="low")])
    assert proposed_fixes(other)[0].commands == ["kubectl -n shop rollout undo deployment/reviews --to-revision=1"]
