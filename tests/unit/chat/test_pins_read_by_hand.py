"""Approvals read by hand at first contact (scenarios 47/48) that pinned the wrong value or nothing at all: a word of
the sentence taken for a port ("targetPort 8443 -> to"), the second part of a request said value-first dropped, a
change to the value already there, a CronJob's own verb applied to a Deployment, a note's way back not read."""

from __future__ import annotations

import asyncio

import pytest

from sre_agent.chat.act.change_plans import plan_for
from sre_agent.chat.act.guards import against_intent
from sre_agent.chat.act.hand_edits import service_port_plan
from sre_agent.chat.act.plans import BY_HAND, Plan, suspend_plan
from sre_agent.chat.act.verb_targets import verb_target
from sre_agent.chat.ask import Ask
from sre_agent.chat.understand.forms import recognise

SERVICE = {"spec": {"ports": [{"port": 8443, "targetPort": 8443}]}}


@pytest.mark.parametrize("question, port", [("fix the svc targetport to 10000", 10000), ("set the targetPort back to 7000", 7000),
                                            ("point the svc back at http", "http"), ("point it at port 8080", 8080),
                                            ("patch svc x so targetPort is 6379 again", 6379)])
def test_a_port_is_the_number_or_name_said_never_a_word_of_the_sentence(question, port):
    planned = service_port_plan(question, "ns/Service/x", SERVICE)
    assert not isinstance(planned, str) and planned[1]["target_port"] == port


def test_a_part_said_value_first_is_pinned_beside_the_other():
    obj = {"spec": {"template": {"spec": {"containers": [{"name": "m", "resources": {
        "requests": {"memory": "768Mi"}, "limits": {"memory": "1Gi"}}}]}}}}
    plan = plan_for("set matchmaker memory to 2Gi request and 3Gi limit", "ns/Deployment/m", obj)
    assert not isinstance(plan, str) and (plan.args["requests"], plan.args["limits"]) == ({"memory": "2Gi"}, {"memory": "3Gi"})
    cache = {"spec": {"template": {"spec": {"containers": [{"name": "redis", "resources": {
        "requests": {"cpu": "20m"}, "limits": {"cpu": "20m"}}}]}}}}
    plan = plan_for("give page-cache 250m request 1 cpu limit back", "ns/Deployment/page-cache", cache)
    assert not isinstance(plan, str) and (plan.args["requests"], plan.args["limits"]) == ({"cpu": "250m"}, {"cpu": "1"})


def test_a_change_to_the_value_already_there_is_said_never_pinned():
    assert suspend_plan("resume it", "ns/Deployment/web", {"spec": {}}) == \
        "ns/Deployment/web's rollout is already not paused; nothing to resume"
    assert suspend_plan("suspend it", "ns/CronJob/roll", {"spec": {"suspend": True}}) == \
        "ns/CronJob/roll is already suspended; nothing to change"
    assert plan_for("set suspend to false", "ns/CronJob/roll", {"spec": {"suspend": False}}) == \
        "ns/CronJob/roll: /spec/suspend is already False; nothing to change"


def test_unsuspend_it_is_the_cronjob_the_conversation_talked_about_never_a_deployment():
    question = "unsuspend it"
    ask = Ask(question=question, recognised=recognise(question), tools=None,
              focus=["ranking/Deployment/leaderboard", "ranking/CronJob/rollup"])
    assert asyncio.run(verb_target(ask, "ranking/Deployment/leaderboard", "suspend", "")) == "ranking/CronJob/rollup"
    resumed = Ask(question="resume the rollout", recognised=recognise("resume the rollout"), tools=None,
                  focus=["ranking/Deployment/leaderboard", "ranking/CronJob/rollup"])
    assert asyncio.run(verb_target(resumed, "ranking/Deployment/leaderboard", "suspend", "")) == "ranking/Deployment/leaderboard"


def test_a_quota_takes_the_amount_said_of_it_never_the_workload_talked_about_before():
    question = "bump it to 4 cpu"  # the quota talked about, unnamed
    ask = Ask(question=question, recognised=recognise(question), tools=None, focus=["portal/Deployment/customer-portal"])
    assert asyncio.run(verb_target(ask, "portal/ResourceQuota/portal-compute", "resources", "")) == \
        "portal/ResourceQuota/portal-compute"


def test_a_note_saying_how_the_state_ends_lets_the_request_that_follows_it_be_pinned():
    obj = {"metadata": {"annotations": {"acme.io/suspended-by": "r.m for MIG-77 (schema v6 -> v7)",
                                        "acme.io/resume-when": "set spec.suspend=false once the migration completed"}}}
    ask = Ask(question="unsuspend it", recognised=recognise("unsuspend it"), tools=None)
    assert against_intent(ask, "rollout_resume", "ns/CronJob/rollup", obj) is None
    held = {"metadata": {"annotations": {"acme.io/suspended-by": "r.m for MIG-77 (schema v6 -> v7)"}}}
    assert against_intent(ask, "rollout_resume", "ns/CronJob/rollup", held) is not None  # no way back said: asked


@pytest.mark.parametrize(("note", "held"), [
    ("Recreate on purpose: two index formats must never serve side by side (CUR-9)", False),  # how it rolls out
    ("one replica, maxSurge 0: it holds the dedupe lease; two instances double-send (LX-19)", True),  # how many run
    ("decommissioned: replaced by billing-v2 (FIN-4)", True),  # off on purpose
    ("FLEET-1190 one KCL worker is enough for the 2 winter shards", True),  # how many workers run
])
def test_a_scale_is_held_only_by_a_note_about_how_many_run_and_the_refusal_says_the_fault_found(note, held):
    obj = {"metadata": {"annotations": {"acme.io/rollout-note": note}}}
    ask = Ask(question="scale it to 4", recognised=recognise("scale it to 4"), tools=None,
              last_diagnosis={"resource": "ns/Deployment/api", "category": "bad_image",
                              "summary": "bad_image on ns/Deployment/api: tag api:2.15.0 not found in the registry"})
    refusal = against_intent(ask, "scale", "ns/Deployment/api", obj)
    assert (refusal is not None) is held
    if refusal is not None:
        assert "2.15.0" in " ".join(refusal.details)


def test_roll_it_back_after_a_regression_found_is_the_regressed_workload_never_the_lure_talked_about():
    from sre_agent.chat.act.verb_targets import rollback_target

    regression = {"category": "bad_deploy_regression", "resource": "telemetry/Deployment/ingest", "summary": "5.0.0 slower"}
    ask = Ask(question="roll it back", recognised=recognise("roll it back"), tools=None, resource="telemetry/StatefulSet/kafka",
              last_diagnosis=regression)
    assert rollback_target(ask) == "telemetry/Deployment/ingest"
    named = Ask(question="roll kafka back", recognised=recognise("roll kafka back"), tools=None,
                resource="telemetry/StatefulSet/kafka", last_diagnosis=regression)
    assert rollback_target(named) is None  # named: never moved
    oom = Ask(question="roll it back", recognised=recognise("roll it back"), tools=None, resource="telemetry/StatefulSet/kafka",
              last_diagnosis={**regression, "category": "oom_killed"})
    assert rollback_target(oom) is None  # a fault no rollback undoes


@pytest.mark.parametrize(("diagnosis", "pinned"), [
    # the release under a ticket is the fault found: rolled back on request, the ticket said beside the approval
    ({"resource": "sched/Deployment/scheduler", "category": "bad_deploy_regression"}, True),
    # the fault is elsewhere (or none): the recorded change stands
    ({"resource": "video/Deployment/video-api", "category": "cpu_throttling"}, False),
    ({"resource": "", "category": "none"}, False),
])
def test_a_change_recorded_on_purpose_is_reversed_on_request_only_where_it_is_the_fault(diagnosis, pinned):
    from sre_agent.chat.act.guards import against_intent_unless_the_fault
    obj = {"metadata": {"annotations": {"acme.io/change": "TT-514 scheduler 3.12.0: hedged retries (o.lindqvist)"}}}
    ask = Ask(question="roll the scheduler back", recognised=recognise("roll the scheduler back"), tools=None,
              last_diagnosis=diagnosis)
    refusal = asyncio.run(against_intent_unless_the_fault(ask, "rollout_undo", "sched/Deployment/scheduler", obj))
    assert (refusal is None) is pinned
    assert any("TT-514" in note for note in ask.notes) is pinned


@pytest.mark.parametrize(("diagnosis", "pinned"), [
    # the suspension is what stopped the data: resumed on request, the person's note said beside the approval
    ({"resource": "ops/CronJob/feed", "category": "dependency_failure"}, True),
    # the stale data has another root: the pause recorded on purpose stands
    ({"resource": "ops/Deployment/feed-api", "category": "bad_image"}, False),
])
def test_a_cronjob_suspended_on_purpose_is_resumed_on_request_only_where_the_pause_is_the_fault(diagnosis, pinned):
    from sre_agent.chat.act.guards import against_intent_unless_the_fault
    obj = {"metadata": {"annotations": {"ops.example/paused": "paused during INC-88 (sensor faulty; manual values)"}}}
    ask = Ask(question="unsuspend it", recognised=recognise("unsuspend it"), tools=None, last_diagnosis=diagnosis)
    refusal = asyncio.run(against_intent_unless_the_fault(ask, "resume_cronjob", "ops/CronJob/feed", obj))
    assert (refusal is None) is pinned
    assert any("INC-88" in note for note in ask.notes) is pinned


@pytest.mark.parametrize(("line", "touches"), [
    ("container label-printer: image reg/label-printer:1.6.4 -> reg/label-printer:1.6.3", False),  # a name, no label
    ("pod labels {'app': 'a'} -> {'app': 'b'}", True),
    ("container api: ports http:8090 -> http:8080", True),
])
def test_an_undo_touches_what_a_service_matches_only_by_a_field_never_a_word_of_a_name(line, touches):
    from sre_agent.chat.act.rollback import SERVICE_MATCHED
    assert bool(SERVICE_MATCHED.search(line)) is touches


class _Nodes:
    """find_resource over one node, ip-10-40-2-214.ec2.internal (a name typed without its domain is not exact)."""

    async def call(self, agent, server, tool, args, brain="offline"):
        from sre_agent.contracts import ToolCallRecord
        from sre_agent.graph.ports import ToolOutcome
        name = "ip-10-40-2-214.ec2.internal"
        matches = [{"resource": f"Node/{name}", "exact": args["name"] == name}] if name.startswith(args["name"]) else []
        return ToolOutcome(record=ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True),
                           data={"matches": matches})


def test_a_kubelet_restarted_is_the_node_said_never_the_workload_talked_about():
    # "it" follows the node the sentence names: a kubelet runs on a Node, never a Deployment's restart
    question = "bring ip-10-40-2-214 back: systemctl restart kubelet on it"
    ask = Ask(question=question, recognised=recognise(question), tools=_Nodes(), focus=["shop/Deployment/search"])
    assert asyncio.run(verb_target(ask, "shop/Deployment/search", "restart", "")) == "Node/ip-10-40-2-214.ec2.internal"
    # no node said: the node the diagnosis blames
    unsaid = Ask(question="restart the kubelet", recognised=recognise("restart the kubelet"), tools=_Nodes(),
                 focus=["shop/Deployment/search"])
    assert asyncio.run(verb_target(unsaid, "shop/Deployment/search", "restart", "Node/n-1")) == "Node/n-1"


def test_a_field_and_its_value_after_so_is_the_change_never_a_purpose():
    from sre_agent.chat.act.change_plans import change_verb
    from sre_agent.chat.understand.clauses import request_part
    assert change_verb("patch svc session-cache so targetPort is 6379 again") == "port"
    assert request_part("restart it so the queue is drained") == "restart it"  # a purpose: no value said
    assert request_part("scale api to 6 so that one pod is not alone") == "scale api to 6"


@pytest.mark.parametrize("question, said", [
    ("patch the cronjob: jobTemplate activeDeadlineSeconds 2700", ("activeDeadlineSeconds", "2700")),  # as YAML users type
    ("timeoutSeconds: 5", ("timeoutSeconds", "5")),
    ("set initialDelaySeconds back to 60", ("initialDelaySeconds", "60")),
    ("suspend 3 jobs", None),  # a verb and a count: no field set
])
def test_a_field_is_set_by_its_own_name_with_the_value_after_it(question, said):
    from sre_agent.chat.act.field_plans import field_said
    assert field_said(question) == said


@pytest.mark.parametrize("question, sc", [("recreate data-broker-2 on gp3", "gp3"),
                                          ("delete data-broker-2 and create it again with storageClassName gp3, 30Gi", "gp3"),
                                          ("recreate the claim, storageClassName: gp3-retain", "gp3-retain")])
def test_a_claims_new_class_is_read_however_it_is_said(question, sc):
    from sre_agent.chat.act.plans import CLASS_SAID
    assert (m := CLASS_SAID.search(question)) is not None and m.group("sc") == sc


def test_a_claim_recreated_is_a_change_of_the_claim_whatever_verb_asks_it():
    from sre_agent.chat.act.cause_note import change_kind
    recreate = Plan(BY_HAND, {"kind": "PersistentVolumeClaim", "name": "data-0"}, "claim data-0 re-created", "kubectl ...")
    assert change_kind(recreate, "rerun") == "claim"  # "recreate" also reads as a rerun; pvc_pending is acted on by a claim


def test_a_maintenance_window_still_open_is_never_reversed_on_a_passing_request_even_when_it_is_the_root():
    # the stale data traces to a producer stopped for a window in progress: the diagnosis puts the root on it, and
    # still "scale it back to 2" is said, not pinned -- its owner ends the window ("anyway" pins it)
    from sre_agent.chat.act.guards import against_intent_unless_the_fault
    obj = {"metadata": {"annotations": {"acme.io/maintenance": "CHG-61 PLC upgrade - IN PROGRESS, do not scale up"}},
           "spec": {"replicas": 0}}
    ask = Ask(question="scale relay back to 2", recognised=recognise("scale relay back to 2"), tools=None)
    ask.last_diagnosis = {"resource": "s/Deployment/relay", "category": "dependency_failure"}
    assert asyncio.run(against_intent_unless_the_fault(ask, "scale", "s/Deployment/relay", obj)) is not None


def test_a_kubelet_restarted_on_the_node_talked_about_stays_on_that_node():
    # the Node is the subject already (the root found): a kubelet's restart is never the workload talked about before's
    question = "systemctl restart kubelet on it"
    ask = Ask(question=question, recognised=recognise(question), tools=_Nodes(), focus=["shop/Deployment/search"])
    assert asyncio.run(verb_target(ask, "Node/n-1", "restart", "Node/n-1")) == "Node/n-1"
