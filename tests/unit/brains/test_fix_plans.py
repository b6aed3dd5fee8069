"""The offline brain's plan for faults whose fix is not a workload change -- an edited Service, an autoscaler
pinned at its cap, a taint or a cordon left on a Ready node -- taken from the built-in runbooks' steps with
the values read from the findings (graph/fix_values.py), and pinned to what is seen before anyone approves.
Where the evidence leaves a choice (which labels to select, which of several ports), no write is planned:
the proposed fix says what a human supplies. Table tests over findings."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mcp_servers.ssm.runbooks import load_runbooks
from sre_agent.brains.offline.runbooks import plan_from_findings
from sre_agent.contracts import Diagnosis, Finding, Incident, ToolCallRecord
from sre_agent.contracts import RootCauseCategory as C
from sre_agent.graph.pinning import pin_plan
from sre_agent.graph.ports import ToolOutcome
from sre_agent.graph.state import Investigation, RemediationPlan

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
RUNBOOKS = {r.id: r.model_dump(mode="json") for r in load_runbooks(Path(__file__).parents[3] / "infra" / "runbooks")}
SERVICE, WORKLOAD, NODE = "pay/Service/ledger", "pay/Deployment/ledger", "Node/ip-10-0-3-7"


def finding(resource: str, signal: str, summary: str = "", severity: str = "critical", **details) -> Finding:
    return Finding(agent="kubernetes", resource=resource, signal=signal, summary=summary or signal, severity=severity,
                   details=details, evidence=["ev-1"])


def matched(resource: str, runbook: str) -> Finding:
    book = RUNBOOKS[runbook]
    return finding(resource, "RunbookMatched", severity="info", runbook=runbook, remediation=book["remediation"])


def plan(category: C, resource: str, runbook: str, *findings: Finding) -> RemediationPlan | None:
    incident = Incident(id="inc-1", title="t", started_at=NOW, window_start=NOW, window_end=NOW)
    state = Investigation(incident=incident, diagnosis=Diagnosis(category=category, resource=resource),
                          findings=[*findings, matched(resource, runbook)])
    return plan_from_findings(state)


def typo(**extra) -> Finding:
    return finding(SERVICE, "ServiceSelectorMismatch", selector={"app": "ledgr"}, workload=WORKLOAD,
                   labels={"app": "ledger", "tier": "api"}, **extra)


ROLLOUT_RELABELLED = finding(WORKLOAD, "RecentRollout", severity="info", revision=4, previous_revision=3,
                             changed=["labels"], previous_labels={"app": "ledgr"})


@pytest.mark.parametrize("findings, tool, args", [
    # a typo'd value: the pods' value for the selector's own key
    ([typo()], "set_service_selector", {"namespace": "pay", "name": "ledger", "selector": {"app": "ledger"}}),
    # the pods carry none of the selector's keys, and the workload's own selector is unknown: a human's choice
    ([finding(SERVICE, "ServiceSelectorMismatch", selector={"team": "x"}, workload=WORKLOAD, labels={"app": "ledger"})],
     None, None),
    # ... known: the workload's own pod selector (the labels every one of its pods carries)
    ([finding(SERVICE, "ServiceSelectorMismatch", selector={"app.kubernetes.io/name": "ledger"}, workload=WORKLOAD,
              labels={"app": "ledger", "version": "4.1"}, workload_selector={"app": "ledger"})],
     "set_service_selector", {"namespace": "pay", "name": "ledger", "selector": {"app": "ledger"}}),
    # two workloads the Service might have been meant for: no one selector to write
    ([typo(), finding(SERVICE, "ServiceSelectorMismatch", selector={"app": "ledgr"}, workload="pay/Deployment/ledger-v2",
                      labels={"app": "ledger-v2"})], None, None),
    # the workload's rollout relabelled the pods away from the selector: the rollout is undone instead
    ([finding(SERVICE, "ServiceSelectorMismatch", selector={"app": "ledgr"}, workload=WORKLOAD, labels={"app": "ledger"}),
      ROLLOUT_RELABELLED], "rollout_undo", {"namespace": "pay", "kind": "Deployment", "name": "ledger"}),
])
def test_an_edited_selector_is_pointed_at_its_workloads_pods_only_when_they_leave_no_choice(findings, tool, args):
    planned = plan(C.SERVICE_SELECTOR_MISMATCH, SERVICE, "service_selector_mismatch", *findings)
    assert (planned.tool if planned else None) == tool
    if args:
        assert {k: planned.args[k] for k in args} == args and planned.risk in ("low", "medium")


@pytest.mark.parametrize("declared, target, expected", [
    (["http:8080/TCP"], 8443, {"port": 80, "target_port": 8080}),
    (["8080/TCP"], "web", {"port": 80, "target_port": 8080}),
    (["http:8080/TCP", "metrics:9090/TCP"], 8443, None),  # two ports: a human picks
    ([], 8443, None),                                     # no declared port: nothing to point at
])
def test_an_edited_target_port_goes_to_the_one_port_the_pods_declare(declared, target, expected):
    planned = plan(C.SERVICE_PORT_MISMATCH, SERVICE, "service_port_mismatch",
                   finding(SERVICE, "ServicePortMismatch", port=80, target_port=target, declared=declared, workload=WORKLOAD))
    if expected is None:
        assert planned is None
    else:
        assert planned.tool == "set_service_target_port" and planned.risk == "medium"
        assert {k: planned.args[k] for k in ("namespace", "name", "port", "target_port")} == {"namespace": "pay",
                                                                                            "name": "ledger", **expected}


@pytest.mark.parametrize("ports, target", [
    (["tls 8443->tls", "status 15021->15021"], None),  # two ports: which one 443 meant is a human's call
    (["tls 8443->tls"], "tls"),                         # one port: the callers' port goes to its target
])
def test_a_port_the_service_stopped_exposing_is_proposed_back_never_planned_as_a_target_port_change(ports, target):
    from sre_agent.graph.fixes import proposed_fixes

    moved = finding(SERVICE, "ServicePortMoved", port=443, ports=ports, caller="pay/Deployment/payments")
    # no write: set_service_target_port would move the port the callers do not dial
    assert plan(C.SERVICE_PORT_MISMATCH, SERVICE, "service_port_mismatch", moved) is None
    incident = Incident(id="inc-1", title="t", started_at=NOW, window_start=NOW, window_end=NOW)
    state = Investigation(incident=incident, diagnosis=Diagnosis(category=C.SERVICE_PORT_MISMATCH, resource=SERVICE),
                          findings=[moved])
    [fix, *_] = proposed_fixes(state)
    assert fix.resource == SERVICE and '"op": "add", "path": "/spec/ports/-"' in fix.commands[0] and '"port": 443' in fix.commands[0]
    assert (f'"targetPort": "{target}"' in fix.commands[0] and not fix.needs) if target else ("<targetPort" in fix.commands[0]
                                                                                             and "8443" in fix.needs)


def test_an_autoscaler_pinned_at_its_cap_gets_twice_the_cap_not_a_hand_set_count():
    at_max = finding(WORKLOAD, "HPAScalingLimited", "HPA ledger at maxReplicas 4 (desired 4), CPU 97%",
                     object="pay/HorizontalPodAutoscaler/ledger")
    planned = plan(C.CPU_THROTTLING, WORKLOAD, "cpu_throttling", at_max,
                   finding(WORKLOAD, "WorkloadSpec", severity="info", replicas=4, pods=4))
    assert planned.tool == "raise_hpa_max" and planned.args == {"namespace": "pay", "name": "ledger", "max_replicas": 8}


@pytest.mark.parametrize("findings, tool, args", [
    ([finding("pay/Deployment/api", "UntoleratedTaint", severity="warning", taint="maint=kernel:NoSchedule",
              nodes=["ip-10-0-3-7"], odd_nodes=["ip-10-0-3-7"])],
     "remove_node_taint", {"node": "ip-10-0-3-7", "key": "maint", "effect": "NoSchedule"}),
    ([finding("pay/Deployment/api", "CordonedNodes", severity="warning", nodes=["ip-10-0-3-7"])],
     "uncordon", {"node": "ip-10-0-3-7"}),
    # a Ready node with neither: restarting, cordoning or rebooting it fixes nothing
    ([], None, None),
    # a NotReady node is never uncordoned or untainted: its kubelet is the fault
    ([finding(NODE, "NodeNotReady", instance="i-0abc"),
      finding("pay/Deployment/api", "CordonedNodes", severity="warning", nodes=["ip-10-0-3-7"])], "send_command", None),
])
def test_a_ready_node_loses_only_the_taint_or_cordon_left_on_it(findings, tool, args):
    planned = plan(C.NODE_FAILURE, NODE, "node_failure", *findings)
    assert (planned.tool if planned else None) == tool
    if args:
        assert {k: planned.args[k] for k in args} == args


class Objects:
    """The Tools port answering `describe` from a dict of objects."""

    def __init__(self, objects: dict[tuple[str, str], dict]) -> None:
        self.objects = objects

    async def call(self, agent, server, tool, args, brain="offline") -> ToolOutcome:
        obj = self.objects.get((args["kind"], args["name"]))
        record = ToolCallRecord(id="ev-9", agent=agent, server=server, tool=tool, args=args, ok=obj is not None)
        rid = "/".join(p for p in (args.get("namespace"), args["kind"], args["name"]) if p)  # as describe names it
        return ToolOutcome(record=record, data={"resource": rid, "object": obj} if obj else None,
                           error=None if obj else "not found (404)")


def pin(tool: str, args: dict, objects: dict):
    incident = Incident(id="inc-1", title="t", started_at=NOW, window_start=NOW, window_end=NOW)
    planned = RemediationPlan(server="kubernetes", tool=tool, risk="medium", args=args)
    return asyncio.run(pin_plan(planned, Investigation(incident=incident), Objects(objects)))


SVC = {"spec": {"selector": {"app": "ledgr"}, "ports": [{"port": 80, "targetPort": 8443}]}}


@pytest.mark.parametrize("tool, args, objects, resource, precondition, refused", [
    ("set_service_selector", {"namespace": "pay", "name": "ledger", "selector": {"app": "ledger"}},
     {("Service", "ledger"): SVC}, SERVICE, {"expect_selector": {"app": "ledgr"}}, ""),
    ("set_service_selector", {"namespace": "pay", "name": "ledger", "selector": {"app": "ledgr"}},
     {("Service", "ledger"): SVC}, SERVICE, None, "changes nothing"),
    ("set_service_target_port", {"namespace": "pay", "name": "ledger", "port": 80, "target_port": 8080},
     {("Service", "ledger"): SVC}, SERVICE, {"expect_target_port": 8443}, ""),
    ("set_service_target_port", {"namespace": "pay", "name": "ledger", "port": 81, "target_port": 8080},
     {("Service", "ledger"): SVC}, SERVICE, None, "has no port 81"),
    ("raise_hpa_max", {"namespace": "pay", "name": "ledger", "max_replicas": 8},
     {("HorizontalPodAutoscaler", "ledger"): {"spec": {"maxReplicas": 4}}}, "pay/HorizontalPodAutoscaler/ledger",
     {"expect_max_replicas": 4}, ""),
    ("raise_hpa_max", {"namespace": "pay", "name": "ledger", "max_replicas": 8},
     {("HorizontalPodAutoscaler", "ledger"): {"spec": {"maxReplicas": 10}}}, "pay/HorizontalPodAutoscaler/ledger",
     None, "would not raise"),
    ("remove_node_taint", {"node": "ip-10-0-3-7", "key": "maint", "effect": "NoSchedule"},
     {("Node", "ip-10-0-3-7"): {"spec": {"taints": [{"key": "maint", "value": "kernel", "effect": "NoSchedule"}]}}},
     NODE, {}, ""),
    ("remove_node_taint", {"node": "ip-10-0-3-7", "key": "maint", "effect": "NoSchedule"},
     {("Node", "ip-10-0-3-7"): {"spec": {}}}, NODE, None, "carries no taint"),
    ("set_service_selector", {"namespace": "pay", "name": "ledger", "selector": {"app": "ledger"}}, {}, SERVICE, None,
     "could not read pay/Service/ledger"),
])
def test_each_fix_write_is_pinned_to_what_was_seen_or_refused(tool, args, objects, resource, precondition, refused):
    pinned = pin(tool, args, objects)
    if refused:
        assert pinned.plan is None and refused in pinned.refused
    else:
        assert pinned.plan.resource == resource and pinned.plan.precondition == precondition and pinned.plan.pin


@pytest.mark.parametrize("changed, tool", [
    (["env"], None),  # the rollout touched nothing a probe's answer depends on: going back leaves it failing
    (["probes"], "rollout_undo"),  # the rollout changed the probe: going back is the fix
    (["image"], "rollout_undo"),  # a new image may answer slower or not at all
])
def test_a_failing_probe_is_rolled_back_only_when_the_rollout_changed_what_the_probe_answers_from(changed, tool):
    planned = plan(C.PROBE_MISCONFIG, WORKLOAD, "probe_misconfig",
                   finding(WORKLOAD, "LivenessProbeFailing", message="Liveness probe failed: context deadline exceeded"),
                   finding(WORKLOAD, "RecentRollout", severity="info", revision=2, previous_revision=1, changed=changed))
    assert (planned.tool if planned else None) == tool
