"""A change made on purpose is evidence, not a fault (graph/intent.py): which annotations record an intent (a data
list of signals, never one phrasing), which writes would reverse it, and that such a write is held for a human --
never run, whatever the policy or an approver says -- with the intent named in the proposed fix. Table tests over
object metadata, and the graph run with a stub brain and fake tools."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import pytest
from langgraph.checkpoint.memory import InMemorySaver

from sre_agent.contracts import Diagnosis, Finding, Incident
from sre_agent.contracts import RootCauseCategory as C
from sre_agent.graph.builder import build_graph
from sre_agent.graph.context import RunContext
from sre_agent.graph.fixes import proposed_fixes
from sre_agent.graph.intent import change_cause_intent, recorded_intent, reversed_by
from sre_agent.graph.pinning import pin_plan
from sre_agent.graph.policy import RemediationPolicy
from sre_agent.graph.state import Investigation, RemediationPlan

from .fakes import FakeTools, OneFindingBrain

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
W = "pay/Deployment/ledger"


@pytest.mark.parametrize("metadata, signal, who", [
    # what real teams write: a ticket, a decommission or retirement note, a maintenance window, a reason, a plan
    ({"annotations": {"ops.acme.io/decommissioned": "2026-11-20, replaced by ledger-v2", "ops.acme.io/owner": "pay-team"}},
     "decommission", "pay-team"),
    ({"annotations": {"example.org/change-ticket": "CHG-2291"}}, "change record", ""),
    ({"annotations": {"kubernetes.io/change-cause": "OPS-77 planned upgrade to 7.3.0"}}, "change record", ""),
    ({"annotations": {"maintenance-window": "sat 02:00-04:00 UTC"}}, "maintenance", ""),
    ({"annotations": {"corp.io/reason": "late settlement file"}}, "stated reason", ""),
    # a key named for a plan: what is planned, held -- whatever ticket its value cites
    ({"annotations": {"ops.acme.io/plan": "OPS-4410 off-peak: fleet 12 -> 8 servers"}}, "stated reason", ""),
    ({"annotations": {"notes": "scaled to 0 on purpose while the vendor migrates", "requested-by": "j.ortiz"}},
     "decommission", "j.ortiz"),
    ({"annotations": {"description": "draining for a kernel patch (INC-4410)"}}, "change record", ""),
    ({"labels": {"lifecycle": "retired"}}, "lifecycle label", ""),
    # a cost sweep's note: off because it looked unused -- whatever its value says of scaling to 0
    ({"annotations": {"finops.acme.io/idle-sweep": "scaled to 0 (avg cpu < 5% over 14d)"}}, "idle", ""),
    ({"annotations": {"notes": "idle for 30 days, parked to save cost"}}, "idle", ""),
])
def test_an_annotation_or_a_lifecycle_label_records_an_intent(metadata, signal, who):
    [intent] = recorded_intent(W, metadata)
    assert intent.signal == signal and intent.who == who and intent.resource == W


@pytest.mark.parametrize("metadata", [
    {"annotations": {"deployment.kubernetes.io/revision": "4", "kubectl.kubernetes.io/restartedAt": "2026-03-01T10:00:00Z",
                     "deprecated.daemonset.template.generation": "2", "meta.helm.sh/release-name": "ledger"}},
    {"annotations": {"oxbow.coop/owner": "merchandising-platform"}},  # who, not why: no intent by itself
    {"annotations": {"kubernetes.io/change-cause": "kubectl set image deployment/ledger ledger=ledger:2 --record=true"}},
    {"annotations": {"example.org/chart": "ledger-6.1.0", "cronjob.kubernetes.io/instantiate": "manual"}},
    {"labels": {"app": "maintenance-api", "tier": "backend"}},  # a name, not a state
    {},
])
def test_machine_annotations_attribution_and_names_are_no_intent(metadata):
    assert recorded_intent(W, metadata) == []


@pytest.mark.parametrize("annotations, still_held", [
    # a window its own record says closed ends the hold it cites -- and the closing record holds nothing either
    ({"x.io/maintenance": "MW-0912 ledger migration window (30 min); suspended by d.c",
      "x.io/maintenance-closed": "MW-0912 closed, migration verified (d.c)"}, []),
    ({"x.io/maintenance": "kernel patch window", "x.io/maintenance-done": "2026-03-01T09:00Z"}, []),  # cites no ticket
    # another ticket's closing ends another window, not this one
    ({"x.io/maintenance": "MW-0912 migration window", "x.io/maintenance-closed": "MW-0800 closed"}, ["maintenance"]),
    # when a window ends is not that it has ended
    ({"x.io/maintenance": "MW-0912 migration window", "x.io/maintenance-end": "2026-03-01T14:00Z"},
     ["maintenance", "maintenance"]),
    # a decommission "done" is the decommission confirmed: held
    ({"x.io/decommissioned": "replaced by ledger-v2", "x.io/maintenance-completed": "cut-over done"}, ["decommission"]),
])
def test_a_maintenance_hold_its_own_closing_record_ends_is_no_longer_held(annotations, still_held):
    assert [i.signal for i in recorded_intent(W, {"annotations": annotations})] == still_held


def test_a_rollouts_record_is_reversed_by_an_undo_not_by_a_scale_or_a_new_limit():
    rollout = change_cause_intent(W, 4, "CHG-1 release 2.4.0")
    note = recorded_intent(W, {"annotations": {"ops/decommission": "retired"}})
    assert reversed_by("rollout_undo", rollout + note) == rollout + note
    assert reversed_by("set_image", rollout) == rollout
    assert reversed_by("scale", rollout + note) == note and reversed_by("set_resources", rollout) == []


def _state(*findings: Finding, category: C = C.DEPENDENCY_FAILURE) -> Investigation:
    incident = Incident(id="inc-1", title="t", started_at=NOW, window_start=NOW, window_end=NOW)
    return Investigation(incident=incident, diagnosis=Diagnosis(category=category, resource=W), findings=list(findings))


DECOMMISSIONED = {"resource": W, "object": {"metadata": {"name": "ledger", "generation": 3, "annotations": {
    "ops.acme.io/decommission": "retired, traffic moved to ledger-v2 (PLAT-881)", "ops.acme.io/owner": "j.ortiz"}},
    "spec": {"replicas": 0}, "status": {}}}


def test_the_pin_reads_the_intent_from_the_object_it_writes():
    plan = RemediationPlan(server="kubernetes", tool="scale", risk="low", args={"namespace": "pay", "name": "ledger", "replicas": 2})
    pinned = asyncio.run(pin_plan(plan, _state(), FakeTools({("kubernetes", "describe"): DECOMMISSIONED,
                                                             ("kubernetes", "get_resources"): {"items": []}})))
    assert pinned.plan is not None and [i.key for i in pinned.intent] == ["ops.acme.io/decommission"]
    assert pinned.intent[0].who == "j.ortiz"


def test_a_rollback_reads_the_workloads_own_record_too():
    history = {"current_revision": 2, "revisions": [
        {"revision": 1, "created": "2026-03-01T09:00:00Z", "images": ["l:1"]},
        {"revision": 2, "created": "2026-03-01T11:30:00Z", "images": ["l:2"], "current": True,
         "change_cause": "CHG-4471 planned release of 2.0"}]}
    plan = RemediationPlan(server="kubernetes", tool="rollout_undo", risk="low", args={"namespace": "pay", "name": "ledger"})
    pinned = asyncio.run(pin_plan(plan, _state(category=C.BAD_DEPLOY_REGRESSION),
                                  FakeTools({("kubernetes", "rollout_history"): history})))
    assert pinned.plan is not None and pinned.plan.args["to_revision"] == 1
    assert [(i.key, i.when) for i in pinned.intent] == [("kubernetes.io/change-cause", "revision 2")]


def scale_back_brain() -> OneFindingBrain:
    """Finds the dependency scaled to zero and plans the scale back -- the decision the hold must stop."""
    return OneFindingBrain(W, "ScaledToZero", "ledger is scaled to 0", C.DEPENDENCY_FAILURE,
                           RemediationPlan(server="kubernetes", tool="scale", risk="low",
                                           args={"namespace": "pay", "name": "ledger", "replicas": 2}),
                           severity="critical")


@pytest.mark.parametrize("mode", ["auto", "approve"])
def test_a_write_that_would_reverse_a_recorded_intent_is_held_not_run_nor_offered_for_approval(mode):
    incident = Incident(id="inc-1", title="checkout fails", started_at=NOW, window_start=NOW, window_end=NOW, affected=[W])
    tools = FakeTools({("kubernetes", "describe"): DECOMMISSIONED, ("kubernetes", "get_resources"): {"items": []},
                       ("kubernetes", "scale"): {"result": "scaled"}})
    context = RunContext(brain=scale_back_brain(), tools=tools, policy=RemediationPolicy(mode=mode, namespaces=["pay"]),
                         verify_timeout_s=1, verify_poll_s=0)
    graph = build_graph(InMemorySaver())
    config = {"configurable": {"thread_id": incident.id}}

    async def go():
        events = [e async for e in graph.astream(Investigation(incident=incident, started_epoch=time.time()), config,
                                                 context=context, stream_mode="custom")]
        return events, Investigation.model_validate((await graph.aget_state(config)).values)

    events, state = asyncio.run(go())
    assert state.status == "escalated" and not state.actions and "scale" not in [t for t, _ in tools.calls]
    assert "made on purpose" in state.escalation_reason and "PLAT-881" in state.escalation_reason
    assert next(e for e in events if e["kind"] == "plan")["gate"] == "held"
    fixes = [f for f in proposed_fixes(state) if "scale deployment/ledger" in " ".join(f.commands)]
    assert ["kubectl -n pay scale deployment/ledger --replicas=2"] in [f.commands for f in fixes]
    assert fixes and all("j.ortiz" in f.needs and "PLAT-881" in f.needs for f in fixes)  # every scale-back asks first


@pytest.mark.parametrize("callers_fail, expected", [
    (False, C.NONE),  # decommissioned and nothing calls it: no fault, the alarm still watching it is stale
    (True, C.DEPENDENCY_FAILURE),  # a caller still fails for want of it: a fault, whose reversal the run asks about
])
def test_a_workload_scaled_to_zero_on_purpose_is_a_fault_only_when_a_caller_fails_for_want_of_it(callers_fail, expected):
    from sre_agent.brains.offline.diagnosis import diagnose

    intent = {"resource": W, "key": "ops/decommission", "value": "retired, CHG-1", "signal": "decommission"}
    findings = [Finding(agent="kubernetes", resource=W, signal="ScaledToZero", summary="ledger is scaled to 0",
                        severity="critical", details={"services": ["pay/Service/ledger"]}, evidence=["ev-1"]),
                Finding(agent="kubernetes", resource=W, signal="RecordedIntent", summary="decommissioned",
                        severity="info", details={"intent": intent}, evidence=["ev-1"])]
    if callers_fail:
        findings.append(Finding(agent="kubernetes", resource="pay/Deployment/payments", signal="DependencyDown",
                                summary="payments calls ledger, which has no ready endpoints", severity="critical",
                                details={"dependency": "pay/Service/ledger"}, evidence=["ev-2"]))
    diagnosis, _ = diagnose(findings, lambda _id: None)
    assert diagnosis.category == expected


def test_a_caller_still_naming_a_dependency_retired_on_purpose_is_its_own_stale_value():
    """The decommission stands: the object holding the caller's endpoint is the root, its fix asks what replaced the
    retired workload (the note says; the value is never guessed from it), and the retired workload is never scaled back."""
    from sre_agent.brains.offline.diagnosis import diagnose
    from sre_agent.graph.endpoint_fixes import endpoint_fixes

    intent = {"resource": W, "key": "ops/decommission", "value": "retired, CHG-1", "signal": "decommission"}
    caller = "pay/Deployment/payments"
    findings = [Finding(agent="kubernetes", resource=W, signal="ScaledToZero", summary="ledger is scaled to 0",
                        severity="critical", details={"services": ["pay/Service/ledger"]}, evidence=["ev-1"]),
                Finding(agent="kubernetes", resource=W, signal="RecordedIntent", summary="decommissioned",
                        severity="info", details={"intent": intent}, evidence=["ev-1"]),
                Finding(agent="kubernetes", resource=caller, signal="DependencyDown",
                        summary="payments calls ledger, which has no ready endpoints", severity="critical",
                        details={"dependency": "pay/Service/ledger", "env": "LEDGER_URL", "container": "app",
                                 "source": "ConfigMap/payments-config/LEDGER_URL"}, evidence=["ev-2"])]
    diagnosis, _ = diagnose(findings, lambda _id: None)
    assert (diagnosis.category, diagnosis.resource) == (C.ENDPOINT_MISCONFIGURED, "pay/ConfigMap/payments-config")
    assert "retired on purpose" in diagnosis.summary and "CHG-1" in diagnosis.summary
    [fix] = endpoint_fixes(findings, "pay/ConfigMap/payments-config")
    assert fix.commands[0].startswith("kubectl -n pay patch configmap payments-config") and "<" in fix.commands[0]
    assert fix.commands[1] == "kubectl -n pay rollout restart deployment/payments"
    assert "what replaced it" in fix.needs and "CHG-1" in fix.needs
    # read from the pod template's own env, the caller itself holds the value
    findings[2] = findings[2].model_copy(update={"details": {**findings[2].details, "source": "env"}})
    assert diagnose(findings, lambda _id: None)[0].resource == caller
    # a dependency down without a recorded intent is still the dependency's fault
    assert diagnose([findings[0], findings[2]], lambda _id: None)[0].category == C.DEPENDENCY_FAILURE


@pytest.mark.parametrize("signals, category, resource", [
    # a decommission stands: the caller's reference is what is out of date
    (["decommission"], C.ENDPOINT_MISCONFIGURED, "pay/ConfigMap/payments-config"),
    (["change record", "decommission", "maintenance"], C.ENDPOINT_MISCONFIGURED, "pay/ConfigMap/payments-config"),
    # a maintenance window (a vendor's outage drain) and no decommission: off for a while -- the dependency fails them
    (["maintenance"], C.DEPENDENCY_FAILURE, W),
    (["change record", "maintenance"], C.DEPENDENCY_FAILURE, W),
    # an idle sweep: off because it looked unused, which its failing callers refute -- the dependency fails them
    (["idle"], C.DEPENDENCY_FAILURE, W),
    (["idle", "decommission"], C.ENDPOINT_MISCONFIGURED, "pay/ConfigMap/payments-config"),
])
def test_a_dependency_drained_for_a_maintenance_window_is_the_fault_one_decommissioned_is_the_callers_stale_value(
        signals, category, resource):
    from sre_agent.brains.offline.diagnosis import diagnose

    findings = [Finding(agent="kubernetes", resource=W, signal="ScaledToZero", summary="ledger is scaled to 0",
                        severity="critical", details={"services": ["pay/Service/ledger"]}, evidence=["ev-1"]),
                Finding(agent="kubernetes", resource="pay/Deployment/payments", signal="DependencyDown",
                        summary="payments calls ledger, which has no ready endpoints", severity="critical",
                        details={"dependency": "pay/Service/ledger", "env": "LEDGER_URL", "container": "app",
                                 "source": "ConfigMap/payments-config/LEDGER_URL"}, evidence=["ev-2"])]
    findings += [Finding(agent="kubernetes", resource=W, signal="RecordedIntent", summary=signal, severity="info",
                         details={"intent": {"resource": W, "key": f"ops/{i}", "value": "INC-1 until it recovers",
                                             "signal": signal}}, evidence=["ev-1"]) for i, signal in enumerate(signals)]
    diagnosis, _ = diagnose(findings, lambda _id: None)
    assert (diagnosis.category, diagnosis.resource) == (category, resource)


def test_an_outage_its_owner_declares_is_off_for_a_while_never_a_retirement():
    from sre_agent.graph.intent import for_a_while, recorded_intent
    declared = recorded_intent("drm/Deployment/licence-api", {"annotations": {
        "fulcrumdrm.com/incident": "INC-88213 licence service outage (us-east-1); edge drained by Fulcrum operations"}})
    assert for_a_while(declared)
    named = recorded_intent("grid/Deployment/outage-map", {"annotations": {
        "kubernetes.io/change-cause": "outage-map 2.1.0 (GRID-12: feeder colours)"}})
    assert not for_a_while(named)  # a name with "outage" in it says nothing of a window


@pytest.mark.parametrize("note, held", [
    ("PLAT-2240: EBS volume check, keep new pods off until done", True),  # when it will end: still in force
    ("OPS-41 drain until the window is over", True),
    ("OPS-42 kernel patch, not finished yet", True),
    ("MNT-2291 done: instance moved to new host, uncordoned (p.osei)", False),  # said over, with its ticket
    ("FIN-MW-0912 closed, verified", False),
])
def test_a_maintenance_note_that_says_when_it_will_end_still_holds_one_that_says_it_ended_does_not(note, held):
    intents = recorded_intent("Node/wm-general-1", {"annotations": {"acme.io/maintenance": note}})
    assert bool(intents) is held
