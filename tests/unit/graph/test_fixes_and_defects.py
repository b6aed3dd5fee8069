"""The fix a human makes, named exactly (graph/fixes.py), and the defect a rollback target must not carry
(graph/defects.py): table tests over findings shaped as the tools' words and the brain's details."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import pytest

from sre_agent.contracts import Diagnosis, Finding, Incident
from sre_agent.contracts import RootCauseCategory as C
from sre_agent.graph.defects import missing_refs, same_defect
from sre_agent.graph.fixes import proposed_fixes
from sre_agent.graph.pinning import pin_plan
from sre_agent.graph.resource_fixes import oom_limit_fixes, raised_memory
from sre_agent.graph.state import Investigation, RemediationPlan

from .fakes import FakeTools

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
W = "pay/Deployment/api"


def state(category: C, resource: str, *findings: Finding) -> Investigation:
    incident = Incident(id="inc-1", title="t", started_at=NOW, window_start=NOW, window_end=NOW)
    return Investigation(incident=incident, diagnosis=Diagnosis(category=category, resource=resource),
                         findings=list(findings))


def f(signal: str, summary: str, resource: str = W, **details) -> Finding:
    return Finding(agent="kubernetes", resource=resource, signal=signal, summary=summary, details=details, evidence=["ev-1"])


@pytest.mark.parametrize("summary, expected", [
    ("api-1: couldn't find key DB_URL in ConfigMap pay/api-config", ["ConfigMap/api-config:DB_URL"]),
    ('api-1: secret "api-keys" not found', ["Secret/api-keys"]),
    ('MountVolume.SetUp failed for volume "cfg" : configmap "api-files" not found', ["ConfigMap/api-files"]),
    ("pod template references a missing object: ConfigMap api-config has no key TZ; ...", ["ConfigMap/api-config:TZ"]),
    ("pod template references a missing object: Secret api-keys does not exist", ["Secret/api-keys"]),
    ("api-1: Back-off pulling image", []),
])
def test_missing_refs_read_the_api_servers_and_the_analyzers_words(summary, expected):
    signal = "FailedMount" if "MountVolume" in summary else "CreateContainerConfigError"
    assert [r.ref for r in missing_refs([f(signal, summary)], W)] == expected


@pytest.mark.parametrize("revision, findings, refused", [
    ({"revision": 1, "config_refs": ["ConfigMap/api-config:DB_URL"], "images": ["api:1"]},
     [f("CreateContainerConfigError", "couldn't find key DB_URL in ConfigMap pay/api-config")], "same missing"),
    ({"revision": 1, "config_refs": ["ConfigMap/api-config"], "images": ["api:1"]},  # envFrom: starts without the key
     [f("CreateContainerConfigError", "couldn't find key DB_URL in ConfigMap pay/api-config")], None),
    ({"revision": 1, "config_refs": ["ConfigMap/api-config"], "images": ["api:1"]},  # but not without the object
     [f("CreateContainerConfigError", 'configmap "api-config" not found')], "same missing"),
    ({"revision": 1, "config_refs": ["ConfigMap/other:DB_URL"], "images": ["api:1"]},
     [f("CreateContainerConfigError", "couldn't find key DB_URL in ConfigMap pay/api-config")], None),
    ({"revision": 2, "config_refs": [], "images": ["api:9-typo"]},
     [f("ImagePullBackOff", "cannot pull", image="api:9-typo")], "same unpullable image"),
    ({"revision": 2, "config_refs": [], "images": ["api:8"]}, [f("ImagePullBackOff", "cannot pull", image="api:9-typo")], None),
])
def test_a_rollback_target_with_the_same_defect_is_named(revision, findings, refused):
    why = same_defect(revision, findings, W)
    assert (why is None) if refused is None else (refused in why)


def test_pinning_refuses_a_rollback_to_a_revision_that_carries_the_same_missing_key():
    history = {"current_revision": 2, "revisions": [
        {"revision": 1, "created": "2026-03-01T09:00:00Z", "images": ["api:1"], "config_refs": ["ConfigMap/api-config:DB_URL"]},
        {"revision": 2, "created": "2026-03-01T11:30:00Z", "images": ["api:1"], "config_refs": ["ConfigMap/api-config:DB_URL"]}]}
    st = state(C.MISSING_CONFIG_REF, W, f("CreateContainerConfigError", "couldn't find key DB_URL in ConfigMap pay/api-config"))
    plan = RemediationPlan(server="kubernetes", tool="rollout_undo", risk="low", args={"namespace": "pay", "name": "api"})
    pinned = asyncio.run(pin_plan(plan, st, FakeTools({("kubernetes", "rollout_history"): history})))
    assert pinned.plan is None and "references the same missing ConfigMap/api-config:DB_URL" in pinned.refused


def test_a_missing_key_is_fixed_on_the_configmap_with_the_value_left_to_a_human():
    fixes = proposed_fixes(state(C.MISSING_CONFIG_REF, W,
                                 f("CreateContainerConfigError", "api-1: couldn't find key DB_URL in ConfigMap pay/api-config")))
    assert fixes[0].resource == "pay/ConfigMap/api-config"
    assert fixes[0].commands[0] == """kubectl -n pay patch configmap api-config --type merge -p '{"data": {"DB_URL": "<value>"}}'"""
    assert "value" in fixes[0].needs and fixes[0].evidence == ["ev-1"]


def test_a_missing_secret_is_recreated():
    fixes = proposed_fixes(state(C.MISSING_CONFIG_REF, W, f("CreateContainerConfigError", 'api-1: secret "api-keys" not found')))
    assert fixes[0].resource == "pay/Secret/api-keys"
    assert fixes[0].commands[0].startswith("kubectl -n pay create secret generic api-keys --from-literal=")


@pytest.mark.parametrize("resource, first_command", [
    (W, "kubectl -n pay set env deployment/api -c api PAYOUT_BIC=<value>"),
    # a bare pod or a Job is re-created with the variable, in one pasteable line (graph/recreate.py)
    ("pay/Pod/bridge", "kubectl -n pay get pod bridge -o json | kubectl patch --local -f - -p "),
    ("pay/Job/run-1", "kubectl -n pay get job run-1 -o json | kubectl patch --local -f - -p "),
    ("pay/CronJob/nightly", "kubectl -n pay set env cronjob/nightly -c api PAYOUT_BIC=<value>"),  # the next run has it
])
def test_a_missing_env_var_is_named_from_the_crash_log(resource, first_command):
    crash = f("CrashLoopBackOff", "exits 1", resource, config_error=True, container="api",
              last_log="FATAL: PAYOUT_BIC is not set")
    fixes = proposed_fixes(state(C.CRASH_MISSING_CONFIG, resource, crash))
    assert fixes[0].resource == resource and fixes[0].commands[0].startswith(first_command)
    assert "PAYOUT_BIC" in fixes[0].needs and "PAYOUT_BIC" in fixes[0].commands[0]


def test_a_pending_claim_is_recreated_on_a_storage_class_that_exists():
    claim = "pay/PersistentVolumeClaim/data"
    fixes = proposed_fixes(state(C.PVC_PENDING, claim, f("PVCPending", "Pending", claim, storage_class="gp9",
                                                          storage_classes=["gp3", "standard"])))
    assert fixes[0].resource == claim and not fixes[0].needs
    assert fixes[0].commands == ["kubectl -n pay get pvc data -o json | kubectl patch --local -f - -p "
                                 "'{\"metadata\": {\"uid\": null, \"resourceVersion\": null, \"creationTimestamp\": null, "
                                 "\"generation\": null, \"managedFields\": null, \"selfLink\": null}, \"status\": null, "
                                 "\"spec\": {\"volumeName\": null, \"storageClassName\": \"gp3\"}}' -o json "
                                 "| kubectl replace --force -f -"]


def test_a_selector_typo_is_patched_to_the_workloads_labels():
    svc = "pay/Service/api"
    fixes = proposed_fixes(state(C.SERVICE_SELECTOR_MISMATCH, svc, f(
        "ServiceSelectorMismatch", "mismatch", svc, selector={"app": "api_"}, workload=W, labels={"app": "api", "tier": "web"})))
    assert fixes[0].resource == svc
    assert fixes[0].commands == ["""kubectl -n pay patch service api --type merge -p '{"spec": {"selector": {"app": "api"}}}'"""]


def test_a_label_change_in_the_last_rollout_is_undone_on_the_workload():
    svc = "pay/Service/api"
    fixes = proposed_fixes(state(C.SERVICE_SELECTOR_MISMATCH, svc,
                                 f("ServiceSelectorMismatch", "m", svc, selector={"app": "api"}, workload=W, labels={"name": "api"}),
                                 f("RecentRollout", "rolled", W, previous_revision=3, changed=["labels"])))
    assert fixes[0].resource == W and fixes[0].commands[0] == "kubectl -n pay rollout undo deployment/api --to-revision=3"


@pytest.mark.parametrize("target, declared, patched_to, needs", [
    ("8081", ["http:8080/TCP"], 8080, ""),                   # a typo'd number: the one port the pods declare
    ("http", ["web:8080/TCP"], 8080, ""),                    # a name the pods no longer declare
    ("8081", ["http:8080/TCP", "admin:9090/TCP"], "<container port>", "which container port to target"),
])
def test_a_target_port_is_patched_to_the_port_the_pods_declare(target, declared, patched_to, needs):
    svc = "pay/Service/api"
    fixes = proposed_fixes(state(C.SERVICE_PORT_MISMATCH, svc, f(
        "ServicePortMismatch", "m", svc, port=80, target_port=target, declared=declared, workload=W)))
    assert fixes[0].resource == svc and fixes[0].needs == needs
    patch = json.dumps({"spec": {"ports": [{"port": 80, "targetPort": patched_to}]}})
    assert fixes[0].commands == [f"kubectl -n pay patch service api -p '{patch}'"]


def test_a_port_moved_by_the_last_rollout_is_undone_on_the_workload():
    svc = "pay/Service/api"
    fixes = proposed_fixes(state(C.SERVICE_PORT_MISMATCH, svc,
                                 f("ServicePortMismatch", "m", svc, port=80, target_port="http", declared=["web:8080/TCP"],
                                   workload=W),
                                 f("RecentRollout", "rolled", W, previous_revision=4, changed=["ports", "probes"])))
    assert fixes[0].resource == W and fixes[0].commands[0] == "kubectl -n pay rollout undo deployment/api --to-revision=4"


def test_an_untolerated_taint_is_removed_from_the_nodes_that_carry_it():
    fixes = proposed_fixes(state(C.UNSCHEDULABLE, W, f("FailedScheduling", "untolerated taint {maint: }"),
                                 f("UntoleratedTaint", "t", taint="maint=:NoExecute", nodes=["n1", "n2"])))
    assert [(x.resource, x.commands) for x in fixes] == [("Node/n1", ["kubectl taint nodes n1 maint:NoExecute-"]),
                                                         ("Node/n2", ["kubectl taint nodes n2 maint:NoExecute-"])]


def test_the_kubelets_pressure_taint_is_never_offered_for_removal():
    pressure = "untolerated taint {node.kubernetes.io/memory-pressure: }"
    fixes = proposed_fixes(state(C.UNSCHEDULABLE, W, f("FailedScheduling", f"0/2 nodes are available: 2 node(s) had {pressure}"),
                                 f("UntoleratedTaint", "t", taint="node.kubernetes.io/memory-pressure=:NoSchedule",
                                   nodes=["n1", "n2"], pressure="memory")))
    assert not any("taint nodes" in c for x in fixes for c in x.commands)


GPU_SHORT = ("0/7 nodes are available: 4 Insufficient nvidia.com/gpu, 2 node(s) had untolerated taint {dedicated: stateful}, "
             "1 node(s) had untolerated taint {workload: batch}. preemption: 0/7 nodes are available: 4 No preemption victims")
TAINTED = ("0/3 nodes are available: 2 node(s) had untolerated taint {maintenance: true}, 1 Insufficient cpu. "
           "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.")


def test_the_scheduler_verdict_is_read_most_nodes_first():
    from sre_agent.graph.fix_values import blockers
    assert blockers(GPU_SHORT) == [(4, "Insufficient nvidia.com/gpu"), (2, "had untolerated taint {dedicated: stateful}"),
                                   (1, "had untolerated taint {workload: batch}")]
    assert blockers("no verdict here") == []


def test_pods_asking_for_a_resource_no_node_offers_are_fixed_on_the_workload_not_by_untainting_dedicated_nodes():
    fixes = proposed_fixes(state(C.UNSCHEDULABLE, W, f("FailedScheduling", f"api-1: {GPU_SHORT}"),
                                 f("UntoleratedTaint", "t", taint="dedicated=stateful:NoSchedule", nodes=["db-1", "db-2"])))
    assert [x.resource for x in fixes] == [W]
    assert "nvidia.com/gpu" in fixes[0].summary and "node group" in fixes[0].needs


def test_more_replicas_than_nodes_under_a_required_anti_affinity_scale_to_what_fits():
    verdict = ("0/7 nodes are available: 4 node(s) didn't match pod anti-affinity rules, 3 node(s) had untolerated taint "
               "{dedicated: data}. preemption: 0/7 nodes are available: 7 Preemption is not helpful for scheduling.")
    [fix] = proposed_fixes(state(C.UNSCHEDULABLE, W, f("FailedScheduling", f"api-5: {verdict}"),
                                 f("UntoleratedTaint", "t", taint="dedicated=data:NoSchedule", nodes=["d1", "d2", "d3"])))
    assert fix.resource == W and fix.commands == ["kubectl -n pay scale deployment/api --replicas=4"]
    assert "4 replicas fit" in fix.summary and "preferred" in fix.summary and fix.needs  # the owner decides


def test_taints_that_keep_the_pods_off_most_nodes_are_removed():
    fixes = proposed_fixes(state(C.UNSCHEDULABLE, W, f("FailedScheduling", f"api-1: {TAINTED}"),
                                 f("UntoleratedTaint", "t", taint="maintenance=true:NoSchedule", nodes=["n1", "n2"])))
    assert [x.resource for x in fixes] == ["Node/n1", "Node/n2"]


def test_a_taint_left_on_the_nodes_the_pods_are_made_for_is_removed_not_the_other_groups_taints():
    verdict = ("0/9 nodes are available: 5 node(s) didn't match Pod's node affinity/selector, 2 node(s) had untolerated taint "
               "{dedicated: data}, 2 node(s) had untolerated taint {maint: os}. preemption: 0/9 nodes are available")
    fixes = proposed_fixes(state(C.UNSCHEDULABLE, W, f("FailedScheduling", f"api-1: {verdict}"),
                                 f("UntoleratedTaint", "t", taint="dedicated=data:NoSchedule", nodes=["d1", "d2"]),
                                 f("UntoleratedTaint", "t", taint="maint=os:NoSchedule", nodes=["o1", "o2"], odd_nodes=["o1", "o2"])))
    assert [(x.resource, x.commands) for x in fixes] == [("Node/o1", ["kubectl taint nodes o1 maint=os:NoSchedule-"]),
                                                         ("Node/o2", ["kubectl taint nodes o2 maint=os:NoSchedule-"])]


def test_every_diagnosed_fault_gets_a_next_step_and_no_fault_gets_none():
    assert proposed_fixes(state(C.NONE, "")) == []
    fixes = proposed_fixes(state(C.CPU_THROTTLING, W))  # nothing but the category: still a change, never a describe
    assert fixes and fixes[0].resource == W and fixes[0].commands == ["kubectl -n pay set resources deployment/api "
                                                                      "--limits=cpu=<cpu limit>"]


def _pin(plan: RemediationPlan, answers: dict) -> tuple:
    tools = FakeTools(answers)
    return asyncio.run(pin_plan(plan, state(C.QUOTA_EXCEEDED, "pay/ResourceQuota/q"), tools)), tools.calls


def test_a_quota_raise_is_pinned_to_the_limits_seen():
    plan = RemediationPlan(server="kubernetes", tool="raise_quota", risk="high",
                           args={"namespace": "pay", "name": "q", "hard": {"requests.cpu": "3500m"}})
    pinned, _ = _pin(plan, {("kubernetes", "describe"): {"object": {"spec": {"hard": {"requests.cpu": "3", "pods": "30"}}}}})
    assert pinned.plan.resource == "pay/ResourceQuota/q" and pinned.plan.precondition == {"expect_hard": {"requests.cpu": "3"}}
    refused, _ = _pin(plan, {("kubernetes", "describe"): {"object": {"spec": {"hard": {"pods": "30"}}}}})
    assert refused.plan is None and "does not cap" in refused.refused


@pytest.mark.parametrize("replicas, ready, hpa, refused", [
    (3, 5, None, "would cut the 5 replicas serving now"),   # scaling back below what serves
    (5, 5, None, ""),                                          # down to what serves: allowed
    (8, 5, {"name": "api", "target": "Deployment/api", "min": 2, "max": 6}, "owns pay/Deployment/api's replica count"),
])
def test_a_scale_never_cuts_serving_replicas_nor_fights_an_autoscaler(replicas, ready, hpa, refused):
    plan = RemediationPlan(server="kubernetes", tool="scale", risk="low",
                           args={"namespace": "pay", "name": "api", "kind": "Deployment", "replicas": replicas})
    answers = {("kubernetes", "describe"): {"object": {"spec": {"replicas": 6}, "status": {"readyReplicas": ready}}},
               ("kubernetes", "get_resources"): {"items": [hpa] if hpa else []}}
    pinned, _ = _pin(plan, answers)
    assert (pinned.plan is None and refused in pinned.refused) if refused else pinned.plan.precondition == {"expect_replicas": 6}


def test_a_plan_that_was_not_run_is_offered_as_its_command():
    st = state(C.QUOTA_EXCEEDED, "pay/ResourceQuota/q")
    st = st.model_copy(update={"plan": RemediationPlan(server="kubernetes", tool="raise_quota", risk="high", pin="seen",
                                                       resource="pay/ResourceQuota/q", runbook="quota_exceeded",
                                                       args={"namespace": "pay", "name": "q", "hard": {"requests.cpu": "4"}})})
    [fix] = proposed_fixes(st)
    assert fix.resource == "pay/ResourceQuota/q"
    assert fix.commands == ["""kubectl -n pay patch resourcequota q --type merge -p '{"spec": {"hard": {"requests.cpu": "4"}}}'"""]


@pytest.mark.parametrize("target_placement, refused", [
    ({"nodeSelector": {"pool": "gpu"}}, True),   # the same rules: its pods cannot be placed either
    ({}, False),                                  # the revision before the selector was added
])
def test_a_rollback_keeping_the_placement_that_fails_scheduling_is_named(target_placement, refused):
    current = {"revision": 3, "placement": {"nodeSelector": {"pool": "gpu"}}, "current": True}
    target = {"revision": 2, "placement": target_placement, "config_refs": [], "images": []}
    why = same_defect(target, [f("FailedScheduling", "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector")],
                      W, current)
    assert (why is not None and "same placement" in why) if refused else why is None


def test_pods_refused_for_lack_of_cpu_may_fit_a_revision_with_the_same_placement():
    current = {"revision": 3, "placement": {}, "current": True}
    assert same_defect({"revision": 2, "placement": {}}, [f("FailedScheduling", "0/3 nodes are available: 3 Insufficient cpu")],
                       W, current) is None


def test_changes_are_ranked_by_how_close_they_came_before_the_onset():
    from sre_agent.graph.changes import ranked_changes
    st = state(C.BAD_DEPLOY_REGRESSION, W,
               f("ErrorAnomaly", "5xx", W, onset="2026-03-01T11:40:00Z", period=60),
               f("RecentRollout", "r", W, created="2026-03-01T11:38:00Z", revision=4, changed=["image", "env"]),
               f("RecentScaleUp", "scaled", "pay/Deployment/web", at="2026-03-01T10:00:00Z"),
               f("RecentScaleDown", "scaled down", "pay/Deployment/batch", at="2026-03-01T11:50:00Z"))
    changes, because = ranked_changes(st)
    assert [c.resource for c in changes] == [W, "pay/Deployment/web", "pay/Deployment/batch"]
    assert changes[0].what == "rollout to revision 4 changed image, env" and changes[0].before_onset_s == 180
    assert changes[-1].before_onset_s < 0 and "ErrorAnomaly" in because


def test_a_dependency_scaled_to_zero_is_scaled_back_to_its_recorded_count_else_a_human_says_how_many():
    zero = f("ScaledToZero", "pay/Deployment/api is scaled to 0 replicas")
    recorded = f("ScaleChange", "scaled 3 -> 0", previous_replicas=3)
    fixes = proposed_fixes(state(C.DEPENDENCY_FAILURE, W, zero, recorded))
    assert fixes[0].commands == ["kubectl -n pay scale deployment/api --replicas=3"] and fixes[0].needs == ""
    unknown = proposed_fixes(state(C.DEPENDENCY_FAILURE, W, zero))
    assert unknown[0].commands == ["kubectl -n pay scale deployment/api --replicas=<replicas>"] and "how many" in unknown[0].needs


def test_a_node_selector_no_node_matches_is_pointed_at_a_value_nodes_carry_or_dropped():
    failing = f("FailedScheduling", "api-1: 0/4 nodes are available: 4 node(s) didn't match Pod's node affinity/selector.")
    unmatched = f("NodeSelectorUnmatched", "nodeSelector pool=gpu matches no node", key="example.io/pool", wanted="gpu",
                  values=["general", "batch"])
    fixes = proposed_fixes(state(C.UNSCHEDULABLE, W, failing, unmatched))
    assert "example.io/pool: general, batch" in fixes[0].summary and "which example.io/pool" in fixes[0].needs
    assert fixes[0].commands[1].endswith('"path": "/spec/template/spec/nodeSelector/example.io~1pool"}]\'')


def test_a_gone_secret_with_a_rotated_successor_beside_it_is_fixed_by_pointing_the_reference_at_it():
    gone = f("CreateContainerConfigError", 'api-1: secret "api-creds-2025q3" not found', successors=["api-creds-2025q4"])
    fixes = proposed_fixes(state(C.MISSING_CONFIG_REF, W, gone))
    assert fixes[0].resource == W and "api-creds-2025q4" in fixes[0].commands[0] and "api-creds-2025q3" in fixes[0].commands[0]
    assert fixes[1].resource == "pay/Secret/api-creds-2025q3"  # re-creating it still works


@pytest.mark.parametrize("missing, names, expected", [
    ("pnr-db-credentials-2025q3", ["pnr-db-credentials-2025q4", "pnr-db-x", "other"], ["pnr-db-credentials-2025q4"]),
    ("api-config-v1", ["api-config-v2", "api-config"], ["api-config-v2"]),
    ("app-config", ["app-settings", "app-config-v2"], []),  # "app" is too short a stem to call a rename
    ("ledger-keys", ["ledger-tls"], []),
])
def test_a_successor_shares_a_long_stem(missing, names, expected):
    from sre_agent.brains.offline.pods import successors

    assert successors(missing, names) == expected


def test_the_proposed_rollback_goes_before_the_revision_the_symptom_began_with_not_simply_back_one():
    history = [{"revision": 1, "created": "2026-03-01T08:00:00Z"}, {"revision": 2, "created": "2026-03-01T09:30:00Z"},
               {"revision": 3, "created": "2026-03-01T11:00:00Z"}]  # 2: the regression; 3: a config change on top
    rollout = f("RecentRollout", "rolled out revision 3", revision=3, previous_revision=2, history=history,
                changed=["env"], images=["api:2"], previous_images=["api:2"])
    errors = f("ErrorAnomaly", "5xx anomalous", onset="2026-03-01T09:34:00Z")
    fixes = proposed_fixes(state(C.BAD_DEPLOY_REGRESSION, W, rollout, errors))
    assert "rollout undo deployment/api --to-revision=1" in fixes[0].commands[0]


def test_a_throttled_workload_whose_autoscaler_is_pinned_at_max_gets_the_cap_raised():
    pinned = f("HPAScalingLimited", "HorizontalPodAutoscaler is limited: the desired replica count is more than the maximum "
               "replica count (maxReplicas 6)", severity="warning", object="pay/HorizontalPodAutoscaler/api")
    fixes = proposed_fixes(state(C.CPU_THROTTLING, W, pinned))
    assert fixes[0].resource == "pay/HorizontalPodAutoscaler/api" and not fixes[0].needs
    assert fixes[0].commands == ["""kubectl -n pay patch hpa api --type merge -p '{"spec": {"maxReplicas": 12}}'"""]
    quiet = f("HPAScalingLimited", "HorizontalPodAutoscaler is limited: the desired replica count is less than the minimum "
              "replica count", object="pay/HorizontalPodAutoscaler/api")
    assert all(fix.resource == W for fix in proposed_fixes(state(C.CPU_THROTTLING, W, quiet)))  # at its min: not the cap


def test_a_taint_left_on_one_node_of_its_group_is_removed_from_that_node():
    left = f("UntoleratedTaint", "left", taint="maint=kernel:NoSchedule", nodes=["n1"], odd_nodes=["n1"])
    fixes = proposed_fixes(state(C.NODE_FAILURE, "Node/n1", left))
    assert fixes[0].resource == "Node/n1" and fixes[0].commands == ["kubectl taint nodes n1 maint=kernel:NoSchedule-"]


def test_pods_short_of_memory_where_their_placement_allows_may_fit_a_revision_asking_for_less():
    """The scheduler names every node's reason: the other groups' selector mismatch does not make a request too big
    for the workload's own nodes a placement problem -- the revision before the bigger request can fit."""
    current = {"revision": 3, "placement": {"nodeSelector": {"pool": "labs"}}, "current": True}
    target = {"revision": 2, "placement": {"nodeSelector": {"pool": "labs"}}, "config_refs": [], "images": []}
    message = "0/10 nodes are available: 2 Insufficient memory, 8 node(s) didn't match Pod's node affinity/selector"
    assert same_defect(target, [f("FailedScheduling", message)], W, current) is None


@pytest.mark.parametrize("workload, command", [
    ("engage/CronJob/streak-reminders", "kubectl -n engage set resources cronjob/streak-reminders -c reminders --limits=memory=288Mi"),
    ("learning/StatefulSet/catalog-db", "kubectl -n learning set resources statefulset/catalog-db -c reminders --limits=memory=288Mi"),
    ("fleet/Job/odometer-backfill", "kubectl -n fleet get job odometer-backfill -o json | kubectl patch --local -f - -p "),
    ("classroom/Pod/proctor-relay", "kubectl -n classroom get pod proctor-relay -o json | kubectl patch --local -f - -p "),
])
def test_a_container_killed_at_its_memory_limit_gets_a_raised_limit_for_its_kind(workload, command):
    killed = Finding(agent="kubernetes", resource=workload, signal="OOMKilled", summary="OOMKilled",
                     details={"container": "reminders", "memory_limit": "192Mi"}, evidence=["ev-1"])
    [fix] = oom_limit_fixes([killed], workload)
    assert any(c.startswith(command) for c in fix.commands)
    assert "192Mi" in fix.summary and "288Mi" in fix.summary + " ".join(fix.commands)
    rollout = Finding(agent="kubernetes", resource=workload, signal="RecentRollout", summary="rolled out", severity="info")
    assert oom_limit_fixes([killed, rollout], workload) == []  # the rollback proposed for the rollout comes first
    assert oom_limit_fixes([killed, rollout], workload, rollback_clears=True) == []
    assert oom_limit_fixes([killed, rollout], workload, rollback_clears=False)  # a rollback leaving the limit: raise it


@pytest.mark.parametrize("limit, raised", [("192Mi", "288Mi"), ("1Gi", "1536Mi"), ("268435456", "384Mi"), ("512M", "733Mi"),
                                           ("lots", None)])
def test_a_memory_limit_is_raised_half_again_in_whole_mebibytes(limit, raised):
    assert raised_memory(limit) == raised
