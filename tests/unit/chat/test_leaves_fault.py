"""A restart, pod delete or undo that leaves the fault found -- or that has nothing to clear ("restart it to be safe")
-- is said, not pinned; "anyway" pins it; a change that is not disruptive keeps its note (chat/act/leaves_fault.py)."""

from __future__ import annotations

import asyncio

from sre_agent.chat.act.leaves_fault import CauseNote, churn_refusal, nothing_to_clear
from sre_agent.chat.act.plans import BY_HAND, Plan
from sre_agent.chat.ask import Ask
from sre_agent.chat.understand.forms import recognise
from sre_agent.contracts import ToolCallRecord
from sre_agent.graph.ports import ToolOutcome

RID = "shop/Deployment/checkout"
NOTE = CauseNote("note: shop/Deployment/checkout's fault is bad_image (tag 4.2.1 was never pushed) -- a restart change does "
                 "not act on it", "kind")
ELSEWHERE = CauseNote("note: the root cause found is shop/Deployment/checkout (bad_image: ...) -- this change to "
                      "shop/StatefulSet/orders-db does not touch it", "elsewhere")


class Cluster:
    """checkout: two pods created at 10:00, reading ConfigMap checkout-config (written at `written`)."""

    def __init__(self, written: str, fired: str = "") -> None:
        self.written, self.fired = written, fired

    async def call(self, agent, server, tool, args, brain="offline"):
        data: dict = {}
        if tool == "get_resources" and args["kind"] == "Pod":
            data = {"items": [{"name": f"checkout-7d9-{i}", "namespace": "shop", "owner": "ReplicaSet/checkout-7d9",
                               "created": "2026-11-28T10:00:00Z"} for i in range(2)]}
        elif tool == "get_resources" and args["kind"] == "ConfigMap":
            data = {"items": [{"name": "checkout-config", "written": self.written}]}
        elif tool == "get_resources":
            data = {"items": []}
        elif tool == "describe_alarms" and self.fired:
            data = {"alarms": [{"name": "checkout-5xx", "state": "ALARM", "updated": self.fired,
                                "dimensions": {"Service": "checkout"}}]}
        elif tool == "describe":
            data = {"object": {"spec": {"template": {"spec": {"containers": [
                {"name": "checkout", "envFrom": [{"configMapRef": {"name": "checkout-config"}}]}]}}}}}
        return ToolOutcome(record=ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True), data=data)


def _ask(question: str, written: str = "2026-11-27T09:00:00Z", category: str = "none", fired: str = "") -> Ask:
    async def investigate(q: str, rid: str) -> dict:
        return {"diagnosis": {"category": category, "resource": rid if category != "none" else "",
                              "summary": "No root cause among the observations: checkout serves within its baseline"}}
    return Ask(question=question, recognised=recognise(question), tools=Cluster(written, fired), investigate=investigate)


def _restart() -> Plan:
    return Plan("rollout_restart", {"namespace": "shop", "name": "checkout"}, "restart every pod", "kubectl rollout restart")


def test_a_restart_that_leaves_the_fault_is_said_not_pinned():
    refusal = asyncio.run(churn_refusal(_ask("just restart checkout"), _restart(), RID, NOTE))
    assert refusal is not None and refusal.status == "answered" and refusal.headline.startswith("Not pinned:")
    assert refusal.headline.startswith("Not pinned: a restart of shop/Deployment/checkout -- ")
    assert "bad_image" in refusal.headline and "anyway" in refusal.next_steps[-1]


def test_anyway_pins_it_and_a_change_of_a_kind_the_fault_is_not_acted_on_by_is_said_whatever_it_is():
    assert asyncio.run(churn_refusal(_ask("restart checkout anyway"), _restart(), RID, NOTE)) is None
    memory = Plan("set_resources", {"limits": {"memory": "1Gi"}}, "set memory", "kubectl set resources")
    # more memory for an image that was never pushed: not disruptive, and no help -- said, with the fix that is
    assert asyncio.run(churn_refusal(_ask("give checkout 1Gi"), memory, RID, NOTE)) is not None
    assert asyncio.run(churn_refusal(_ask("give checkout 1Gi anyway"), memory, RID, NOTE)) is None
    assert asyncio.run(churn_refusal(_ask("just restart checkout"), _restart(), RID, None)) is None


def test_several_pods_deleted_by_hand_are_disruptive_too():
    pods = Plan(BY_HAND, {"kind": "Pod", "names": ["a", "b"]}, "delete 2 pods", "kubectl delete pod a b")
    assert asyncio.run(churn_refusal(_ask("delete those pods"), pods, RID, NOTE)) is not None


def test_nothing_wrong_on_or_near_it_is_nothing_to_clear():
    note = asyncio.run(nothing_to_clear(_ask("restart checkout to be safe"), _restart(), RID))
    assert note is not None and "nothing is wrong on or near shop/Deployment/checkout" in note


def test_a_config_written_since_its_pods_started_gives_a_restart_something_to_do():
    assert asyncio.run(nothing_to_clear(_ask("restart checkout", written="2026-11-28T11:00:00Z"), _restart(), RID)) is None


def test_a_fault_its_own_investigation_finds_is_left_to_the_cause_note():
    ask = _ask("restart checkout", category="memory_leak")
    assert asyncio.run(nothing_to_clear(ask, _restart(), RID)) is None
    assert (ask.last_diagnosis or {}).get("category") == "memory_leak"


def test_the_refusal_says_the_fix_found_for_the_root():
    ask = _ask("just restart checkout")
    ask.last_diagnosis = {"category": "bad_image", "resource": RID}

    async def investigate(q: str, rid: str) -> dict:
        return {"diagnosis": {"category": "bad_image", "resource": rid}, "proposed_fixes": [
            {"resource": RID, "summary": "set the image back to 4.2.0",
             "commands": ["kubectl -n shop set image deployment/checkout checkout=shop/checkout:4.2.0"]}]}
    ask.investigate = investigate
    refusal = asyncio.run(churn_refusal(ask, _restart(), RID, NOTE))
    assert refusal is not None and refusal.next_steps[0].startswith(f"Fix {RID}: set the image back to 4.2.0")


def test_any_change_to_an_object_that_is_not_the_root_is_said_and_a_key_not_named_keeps_its_note():
    cpu = Plan("set_resources", {"limits": {"cpu": "2"}}, "container postgres: cpu limit 1 -> 2", "kubectl set resources")
    refusal = asyncio.run(churn_refusal(_ask("bump orders-db to 2 cpus first"), cpu, "shop/StatefulSet/orders-db", ELSEWHERE))
    assert refusal is not None and refusal.status == "answered" and "does not touch it" in refusal.headline
    key = CauseNote("note: the root cause found is shop/Deployment/checkout -- its evidence does not name POOL", "key")
    assert asyncio.run(churn_refusal(_ask("set POOL to 5"), cpu, "shop/ConfigMap/checkout", key)) is None


def test_a_rerun_that_fails_the_same_way_is_said():
    rerun = Plan(BY_HAND, {"kind": "CronJob", "name": "sender"}, "a new run of CronJob sender", "kubectl create job")
    assert asyncio.run(churn_refusal(_ask("kick off a run now"), rerun, "shop/CronJob/sender", NOTE, "rerun")) is not None
    after = CauseNote("note: the fix found restarts only after another step", "after")  # a rerun before the fix's edit
    assert asyncio.run(churn_refusal(_ask("kick off a run now"), rerun, "shop/CronJob/sender", after, "rerun")) is not None
    assert asyncio.run(churn_refusal(_ask("kick off a run now"), rerun, "shop/CronJob/sender", after)) is None


def test_a_pods_state_said_of_a_workload_means_its_pods():
    from sre_agent.chat.act.pod_deletes import state_said
    assert state_said("delete that pending ds-notebook in sandbox") and state_said("kill the crashlooping worker")
    assert not state_said("delete the ds-notebook deployment") and not state_said("delete the old pull secret")


def test_a_symptom_and_a_why_are_read_in_an_on_calls_words():
    # what alarm_why reads to send "article pages slow since this morning, whats going on" (nothing firing) to the
    # subjectless investigation instead of "no alarms, all OK" (the whole path: the lab-backed chat evals)
    from sre_agent.chat.answer.alarms import _ASKS_WHY
    from sre_agent.metric_kinds import said_symptom_metrics
    assert said_symptom_metrics("article pages slow since this morning, whats going on") == ["LatencyP99"]
    assert _ASKS_WHY.search("images broken on the site, resizer alarm. whats up")


def test_the_kubelet_restarted_on_a_nodes_instance_is_a_change_of_the_node():
    from sre_agent.chat.act.cause_note import change_kind
    kubelet = Plan(BY_HAND, {"node": "ip-10-0-1-5", "instance_ids": ["i-0abc"], "document_name": "AWS-RunShellScript"},
                   "restart the kubelet on node ip-10-0-1-5", "aws ssm send-command")
    assert change_kind(kubelet, "restart") == "node"  # node_failure is acted on by it; a pod restart is not


def test_nothing_found_by_an_investigation_of_another_object_never_refuses_a_change_that_is_not_disruptive():
    grow = Plan("expand_claim", {"name": "data-upload-store-2"}, "claim data-upload-store-2: storage 50Gi -> 100Gi", "")
    found_nothing = CauseNote("note: the investigation of lms/Ingress/lms-web found no fault", "found_nothing")
    assert asyncio.run(churn_refusal(_ask("grow data-upload-store-2 to 100Gi"), grow, "lms/PersistentVolumeClaim/x",
                                     found_nothing)) is None


def test_a_config_written_since_gives_no_restart_to_a_workload_whose_new_pods_fail():
    # checkout-config was written after the pods started -- but new pods cannot pull their image: a restart would put
    # failing pods in the old ones' places and bring in nothing
    ask = _ask("restart checkout then", written="2026-11-28T11:00:00Z")
    ask.last_diagnosis = {"category": "bad_image", "resource": RID}
    assert asyncio.run(churn_refusal(ask, _restart(), RID, NOTE)) is not None
    ask.last_diagnosis = {"category": "memory_leak", "resource": RID}  # old pods fail as new ones would: it brings it in
    assert asyncio.run(churn_refusal(ask, _restart(), RID, NOTE)) is None


def test_a_config_written_since_gives_no_restart_to_a_fault_only_the_template_acts_on():
    # gorsedale: a feature flag edited since the pods started ("applied at next restart") beside a CPU limit cut in the
    # template: what the restart brings in is read at start, the throttling is not acted on by anything read at start
    ask = _ask("restart checkout", written="2026-11-28T11:00:00Z", fired="2026-11-28T10:30:00Z")
    ask.last_diagnosis = {"category": "cpu_throttling", "resource": RID}
    assert asyncio.run(churn_refusal(ask, _restart(), RID, NOTE)) is not None
    ask.last_diagnosis = {"category": "stale_credential", "resource": RID}  # a rotated password read at start: brought in
    assert asyncio.run(churn_refusal(ask, _restart(), RID, NOTE)) is None


def test_a_kind_noun_in_a_reason_clause_names_no_subject():
    from sre_agent.chat.understand.forms import kind_nouns
    assert kind_nouns("scale payment-api to 6 so that one pod is not alone") == []
    assert kind_nouns("restart the pod since it is stuck") == ["Pod"]


def test_a_config_written_before_the_fault_began_is_no_fix_waiting_for_a_restart():
    # checkout-config was written at 11:00, after the pods started (10:00); the alarm on checkout fired at 12:00: the
    # edit predates the fault, so a restart that brings it in does not act on the fault found (nobody fixes what has
    # not begun) -- said, not pinned; an edit made after the alarm fired may be that fix: pinned
    ask = _ask("restart checkout then", written="2026-11-28T11:00:00Z", fired="2026-11-28T12:00:00Z")
    ask.last_diagnosis = {"category": "memory_leak", "resource": RID}
    assert asyncio.run(churn_refusal(ask, _restart(), RID, NOTE)) is not None
    ask = _ask("restart checkout then", written="2026-11-28T11:00:00Z", fired="2026-11-28T10:30:00Z")
    ask.last_diagnosis = {"category": "memory_leak", "resource": RID}
    assert asyncio.run(churn_refusal(ask, _restart(), RID, NOTE)) is None


def test_a_change_to_what_pages_when_its_investigation_found_nothing_has_nothing_to_clear():
    # "cordon ip-10-1-1-7 so it cools down" while its CPU alarm fires and its investigation finds a peak it absorbs:
    # the cordon is said, not pinned ("anyway" pins it); another object's clean bill says nothing of this one
    from sre_agent.chat.act.cause_note import NO_ROOT, _nothing_on_it
    from sre_agent.chat.act.leaves_fault import refuses
    summary = f"{NO_ROOT}Node/ip-10-1-1-7 runs at 74% CPU within its pods' requests"
    note = _nothing_on_it(summary, "Node/ip-10-1-1-7", "Node/ip-10-1-1-7")
    assert note is not None and note.startswith("note: nothing is wrong on Node/ip-10-1-1-7 to clear")
    cordon = Plan("cordon", {"node": "ip-10-1-1-7"}, "mark node ip-10-1-1-7 unschedulable", "kubectl cordon ip-10-1-1-7")
    assert refuses(cordon, CauseNote(note, "nothing"))
    assert _nothing_on_it(summary, "Node/ip-10-1-1-7", "shop/Deployment/checkout") is None
    assert _nothing_on_it("the root cause is X", "Node/ip-10-1-1-7", "Node/ip-10-1-1-7") is None


class WithHistory(Cluster):
    """checkout's revisions: 1 ran shop/checkout:4.2.0, 2 (current) runs shop/checkout:4.3.0."""

    async def call(self, agent, server, tool, args, brain="offline"):
        if tool == "rollout_history":
            return ToolOutcome(record=ToolCallRecord(id="ev-2", agent=agent, server=server, tool=tool, ok=True), data={
                "revisions": [{"revision": 1, "images": ["shop/checkout:4.2.0"]},
                              {"revision": 2, "images": ["shop/checkout:4.3.0"], "current": True}]})
        return await super().call(agent, server, tool, args, brain)


def _set_image(image: str) -> Plan:
    return Plan("set_image", {"namespace": "shop", "name": "checkout", "kind": "Deployment", "image": image},
                f"container checkout: image shop/checkout:4.3.0 -> {image}", "kubectl set image")


def test_an_image_an_earlier_revision_ran_is_an_undo_said_by_its_tag():
    # kingsmere: "set housekeeping-app image back to 2.8.4" for a leak 2.9.0 brought had been refused as "an image change
    # does not act on it" -- a memory leak is acted on by an undo, and that image is what the undo goes back to
    from sre_agent.chat.act.cause_note import cause_note
    ask = Ask(question="set checkout image back to 4.2.0", recognised=recognise("set checkout image back to 4.2.0"),
              tools=WithHistory("2026-11-27T09:00:00Z"))
    ask.last_diagnosis = {"category": "memory_leak", "resource": RID}
    assert asyncio.run(cause_note(ask, _set_image("shop/checkout:4.2.0"), RID)) is None
    note = asyncio.run(cause_note(ask, _set_image("shop/checkout:4.4.0"), RID))  # never ran: no undo
    assert note is not None and note.leaves == "kind"


def test_a_fault_the_changed_object_shows_is_weighed_when_what_pages_found_none(monkeypatch):
    # kingsmere: the alarm on a caller found no root; "undo the room-inventory rollout" (whose probe kills its pods) had
    # been refused as "nothing it found asks for this change"
    from sre_agent.chat.act import cause_note as notes

    async def paging(ask, near=None, own_node=True):
        return "shop/Deployment/storefront"  # what pages: the caller

    async def investigate(q: str, rid: str) -> dict:
        if rid == RID:
            return {"diagnosis": {"category": "probe_misconfig", "resource": rid, "summary": "liveness path 404"}}
        return {"diagnosis": {"category": "none", "resource": "", "summary": f"{notes.NO_ROOT}{rid} 5xxCount anomalous"}}
    monkeypatch.setattr(notes, "wider_subject", paging)
    ask = Ask(question="undo the checkout rollout", recognised=recognise("undo the checkout rollout"),
              tools=WithHistory("2026-11-27T09:00:00Z"), investigate=investigate)
    undo = Plan("rollout_undo", {"namespace": "shop", "name": "checkout", "kind": "Deployment"}, "revision 2 -> 1",
                "kubectl rollout undo")
    note = asyncio.run(notes.cause_note(ask, undo, RID))
    assert note is None or note.leaves not in ("found_nothing", "nothing"), note


class Placement(Cluster):
    """keys/StatefulSet/lock-gateway's pods ask nodeSelector site-vpn=enabled; the pci nodes are tainted and carry
    site-vpn=true (or, `fits`, enabled)."""

    def __init__(self, fits: bool) -> None:
        super().__init__("2026-11-27T09:00:00Z")
        self.fits = fits

    async def call(self, agent, server, tool, args, brain="offline"):
        data: dict = {}
        if tool == "describe":
            data = {"object": {"spec": {"template": {"spec": {"nodeSelector": {"site-vpn": "enabled"}}}}}}
        elif tool == "get_resources" and args["kind"] == "Node":
            data = {"items": [{"name": "ip-10-0-9-1", "taints": ["kingsmere.io/pci=true:NoSchedule"],
                               "labels": {"site-vpn": "enabled" if self.fits else "true"}},
                              {"name": "ip-10-0-1-1", "taints": [], "labels": {"site-vpn": "true"}}]}
        else:
            return await super().call(agent, server, tool, args, brain)
        return ToolOutcome(record=ToolCallRecord(id="ev-3", agent=agent, server=server, tool=tool, ok=True), data=data)


def test_a_toleration_for_nodes_the_pods_selector_does_not_match_places_no_pod():
    from sre_agent.chat.act.cause_note import cause_note
    rid = "keys/StatefulSet/lock-gateway"
    plan = Plan(BY_HAND, {"kind": "StatefulSet", "name": "lock-gateway", "namespace": "keys",
                          "toleration": {"key": "kingsmere.io/pci", "value": "true", "effect": "NoSchedule"}},
                "tolerate taint kingsmere.io/pci=true:NoSchedule", "kubectl patch statefulset lock-gateway")
    for fits, refused in ((False, True), (True, False)):
        question = "add a toleration for kingsmere.io/pci to lock-gateway"
        ask = Ask(question=question, recognised=recognise(question), tools=Placement(fits))
        ask.last_diagnosis = {"category": "unschedulable", "resource": rid}
        note = asyncio.run(cause_note(ask, plan, rid, "tolerate"))
        assert (note is not None and note.leaves == "kind" and "places no pod" in note) == refused
