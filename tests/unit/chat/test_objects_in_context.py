"""Answers that follow an object the conversation reached sideways: the config objects an answer names become
"that configmap" next; a node's pods; a CronJob's history from its runs; a Deployment's rollout
state from its conditions; an alarm on a demand metric reported, not counted as the workload's fault."""

from __future__ import annotations

import asyncio

import pytest

from sre_agent.chat.answer.changes import _cronjob_runs
from sre_agent.chat.answer.conditions import rollout_state
from sre_agent.chat.answer.nodes import node_pods
from sre_agent.chat.ask import Ask
from sre_agent.chat.conversation.graph import _mentioned
from sre_agent.chat.models import Answer
from sre_agent.chat.understand.forms import recognise
from sre_agent.contracts import ToolCallRecord
from sre_agent.graph.ports import ToolOutcome
from sre_agent.metric_kinds import measures_demand


class Cluster:
    """Answers get_resources by kind and describe by name from fixed rows; records every call."""

    parameters: dict = {}

    def __init__(self, items: dict[str, list[dict]], objects: dict[str, dict] | None = None) -> None:
        self.items, self.objects, self.calls = items, objects or {}, []

    async def call(self, agent, server, tool, args, brain="offline"):
        self.calls.append((tool, args))
        record = ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True)
        if tool == "describe":
            return ToolOutcome(record=record, data={"object": self.objects.get(args["name"], {}), "events": []})
        return ToolOutcome(record=record, data={"items": self.items.get(args.get("kind"), [])})


def _ask(question: str, tools: Cluster, resource: str | None = None, focus: list[str] | None = None) -> Ask:
    return Ask(question=question, recognised=recognise(question), tools=tools, resource=resource, focus=focus or [])


@pytest.mark.parametrize("metric, demand", [
    ("RequestCount", True), ("Invocations", True), ("IncomingMessages", True), ("ActiveConnectionCount", True),
    ("OrderVolume", True), ("cache_hits", True), ("kubelet_volume_stats_used_bytes", False), ("DiskFreeInodes", False),
    ("http_request_duration_seconds", False),
    ("5xxCount", False), ("RequestLatencyP99", False), ("FailedRequestCount", False), ("pod_cpu_utilization", False),
    ("", False)])
def test_a_demand_metric_counts_work_arriving_not_failure(metric, demand):
    assert measures_demand({"metric": {"name": metric}}) is demand


def test_a_rollout_that_gave_up_is_the_trouble_and_its_conditions_are_facts():
    state = {"updatedReplicas": 1, "readyReplicas": 3, "unavailableReplicas": 1, "conditions": [
        {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable", "message": "ok"},
        {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded", "message": "rs seat-map-2 timed out"}]}
    trouble, *facts = rollout_state({"replicas": 3}, state)
    assert trouble == "the rollout gave up: Progressing=False, ProgressDeadlineExceeded -- rs seat-map-2 timed out"
    assert facts[0] == "rollout: 1 updated, 3 ready, 1 unavailable of 3 replicas"
    still_rolling = {"conditions": [{"type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated"}]}
    assert rollout_state({"replicas": 3}, still_rolling)[0] == ""


def _run(name, created, image, failed=0, succeeded=0):
    return {"name": name, "namespace": "ops", "cronjob": "sync", "created": created, "images": [image],
            "failed": failed, "succeeded": succeeded}


def test_a_cronjob_edit_shows_where_its_runs_images_change():
    runs = [_run("sync-3", "2026-11-23T03:00:00Z", "sync:v2.4.1", failed=1),
            _run("sync-1", "2026-11-23T01:00:00Z", "sync:2.4.0", succeeded=1),
            _run("sync-2", "2026-11-23T02:00:00Z", "sync:v2.4.1", failed=1), {"name": "other-1", "cronjob": "other", "images": ["x"]}]
    cronjob = {"spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "sync", "image": "sync:v2.4.1"}]}}}}}}
    lines, resources = asyncio.run(_cronjob_runs(_ask("what changed on the cronjob", Cluster({"Job": runs}, {"sync": cronjob})),
                                                 "ops/CronJob/sync"))
    assert lines[0] == ("cronjob: ops/CronJob/sync edited between runs sync-1 (2026-11-23T01:00:00Z, images ['sync:2.4.0']) "
                        "and sync-2 (2026-11-23T02:00:00Z, images ['sync:v2.4.1'])")
    assert lines[-1] == ("cronjob: ops/CronJob/sync template images ['sync:v2.4.1']; 3 run(s) kept; "
                         "on these images: sync-2 Failed, sync-3 Failed")
    assert resources == ["ops/Job/sync-3"]


def test_an_edit_no_run_has_picked_up_yet_is_said():
    cronjob = {"spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"image": "sync:2.5.0"}]}}}}}}
    runs = [_run("sync-1", "2026-11-23T01:00:00Z", "sync:2.4.0", succeeded=1)]
    ask = _ask("what changed on the cronjob", Cluster({"Job": runs}, {"sync": cronjob}))
    lines, _ = asyncio.run(_cronjob_runs(ask, "ops/CronJob/sync"))
    assert lines[0] == "cronjob: ops/CronJob/sync edited after its last run sync-1: template images now ['sync:2.5.0']"


PODS = [{"name": "api-7d9f-abc", "namespace": "shop", "node": "ip-1", "status": "Unknown", "ready": "0/1", "owner": "ReplicaSet/api-7d9f"},
        {"name": "fwd-x", "namespace": "platform", "node": "ip-1", "status": "Running", "ready": "1/1", "owner": "DaemonSet/fwd"},
        {"name": "db-0", "namespace": "shop", "node": "ip-2", "status": "Running", "ready": "1/1", "owner": "StatefulSet/db"}]
NOT_READY = {"status": {"conditions": [{"type": "Ready", "status": "Unknown", "reason": "NodeStatusUnknown"}]}}


def test_a_nodes_pods_are_listed_with_their_owners_and_the_node_comes_first_in_focus():
    answer = asyncio.run(node_pods(_ask("what else was running on it", Cluster({"Pod": PODS}, {"ip-1": NOT_READY}), "Node/ip-1")))
    assert answer.headline == ("2 pod(s) on node ip-1 (Ready=Unknown (NodeStatusUnknown)), 1 of them in trouble; workloads: api, fwd")
    assert answer.resources == ["Node/ip-1", "shop/Deployment/api", "platform/DaemonSet/fwd"]
    assert answer.status == "problems" and answer.next_steps[0].startswith("The node is not Ready: ask 'cordon ip-1'")


def test_it_being_a_pod_means_the_node_it_runs_on():
    answer = asyncio.run(node_pods(_ask("what else runs there", Cluster({"Pod": PODS}, {"ip-2": {}}), "shop/Pod/db-0")))
    assert answer.headline.startswith("1 pod(s) on node ip-2 ")


def test_the_config_objects_an_answer_names_join_the_focus():
    answer = Answer(question="q", form="status", headline="crew/Deployment/portal is not healthy: 1 pod waiting",
                    details=["pod portal-x: Running, ready 1/1, 0 restarts, node ip-10-42-27-140",
                             "event Failed: couldn't find key sso_issuer in ConfigMap crew/crew-portal-config"],
                    resources=["crew/Deployment/portal"])
    assert _mentioned(answer) == ["crew/ConfigMap/crew-portal-config"]  # a pod's node is a fact, not the next "it"
    asking = Answer(question="set the worker mem limit to 200Mi", form="write_request", status="needs_subject",
                    headline="Which 'worker' do you mean: a/Deployment/api-worker, b/Deployment/yard-worker?")
    assert _mentioned(asking) == []  # candidates listed in a question back are not what "it" means next


def test_a_word_of_a_dashed_name_is_no_kind_noun():
    from sre_agent.chat.understand.forms import kind_nouns
    assert kind_nouns("claims-export cronjob runs ok?") == ["CronJob"]
    assert kind_nouns("restart its pods.") == ["Pod"]


def test_equal_matches_go_to_the_name_with_no_spare_tokens():
    from sre_agent.chat.understand.references import _fuzzy
    cluster = Cluster({"CronJob": [{"name": "claims-export", "namespace": "billing"}],
                       "Job": [{"name": "claims-export-29923470", "namespace": "billing"}]})
    chosen = asyncio.run(_fuzzy(_ask("the claims export job, why is it failing", cluster), ["claims", "export"], "Job"))
    assert chosen == "billing/CronJob/claims-export"


def test_a_why_about_a_claim_leads_with_its_own_state_when_the_root_cause_is_an_unrelated_neighbour():
    from sre_agent.chat.answer.investigate import _own_trouble_if_unrelated
    claim = {"spec": {"storageClassName": "fsx-lustre"}, "status": {"phase": "Pending"}}
    cluster = Cluster({"Finding": []}, {"genomics-scratch": claim})
    ask = _ask("why is genomics-scratch pending", cluster, "research/PersistentVolumeClaim/genomics-scratch")
    neighbour = {"summary": "crash_missing_config on research/Deployment/cohort-notebook: exits with code 1", "evidence": []}
    own, details = asyncio.run(_own_trouble_if_unrelated(ask, "research/Deployment/cohort-notebook", neighbour))
    assert own.startswith("research/PersistentVolumeClaim/genomics-scratch is not healthy: the claim is Pending")
    assert any("storage class fsx-lustre" in line for line in details)
    tied = {"summary": "pvc_pending on research/PersistentVolumeClaim/genomics-scratch", "evidence": []}
    assert asyncio.run(_own_trouble_if_unrelated(ask, "StorageClass/fsx-lustre", tied)) is None


class Metrics:
    """CloudWatch with two Container Insights series for one workload: throttling and memory against its limit."""

    parameters: dict = {}

    def __init__(self, throttled: list[float], memory: list[float]) -> None:
        self.values = {"container_cpu_throttled_ratio": throttled, "pod_memory_utilization_over_pod_limit": memory}

    async def call(self, agent, server, tool, args, brain="offline"):
        record = ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True)
        dims = {"ClusterName": "c", "Namespace": "grid", "PodName": "load-forecast"}
        if tool == "list_metrics":
            return ToolOutcome(record=record, data={"metrics": [{"metric": m, "dimensions": dims} for m in self.values]})
        statistic = args["statistics"][0]
        return ToolOutcome(record=record, data={"series": {statistic: {"values": self.values[args["metric_name"]]}}})


def test_a_throttled_or_memory_bound_workload_is_not_ok_whatever_its_pods_say():
    from sre_agent.chat.answer.usage import resource_pressure
    trouble: list[str] = []
    ask = _ask("is load-forecast ok", Metrics([60, 70, 65], [40, 41]))
    lines = asyncio.run(resource_pressure(ask, "grid/Deployment/load-forecast", trouble))
    assert lines == ["CPU throttled 65% of the time in the last 10 minutes", "memory at 41% of its limit (max 41% in the last 10 minutes)"]
    assert trouble == ["CPU throttled 65% of the time in the last 10 minutes: its CPU limit holds it back"]
    calm: list[str] = []
    asyncio.run(resource_pressure(_ask("is it ok", Metrics([2, 0], [95, 60])), "grid/Deployment/load-forecast", calm))
    assert calm == ["memory reached 95% of its limit in the last 10 minutes"]


@pytest.mark.parametrize("requests, errors, failing", [
    ([4000, 4200, 4100], [3900, 4000, 3950], True),  # every pod Ready, nearly every request failing
    ([4000, 4200, 4100], [12, 9, 15], False),  # a healthy service's background of errors
    ([0, 0], [0, 0], False),  # no traffic: no share to speak of
])
def test_a_service_failing_its_requests_is_not_ok_whatever_its_pods_say(requests, errors, failing):
    from sre_agent.chat.answer.usage import service_errors

    class App(Metrics):
        def __init__(self) -> None:
            self.values = {"RequestCount": requests, "5xxCount": errors}

    trouble: list[str] = []
    lines = asyncio.run(service_errors(_ask("is it ok", App()), "grid", "load-forecast", trouble))
    assert bool(trouble) is failing
    if sum(requests):
        share = 100 * sum(errors) / sum(requests)
        assert lines == [f"Service load-forecast failed {share:.1f}% of its requests in the last 3 minutes "
                         f"({sum(errors) / 3:.0f} 5xx/min of {sum(requests) / 3:.0f} requests/min)"]
    else:
        assert lines == []


class Names:
    """find_resource that finds billing-db for "billing" (a part of its name), and a namespace named billing."""

    parameters: dict = {}

    async def call(self, agent, server, tool, args, brain="offline"):
        record = ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True)
        if tool == "find_resource":
            return ToolOutcome(record=record, data={"matches": [{"resource": "billing/StatefulSet/billing-db", "exact": False}]})
        items = [{"name": "billing"}, {"name": "grid"}] if args.get("kind") == "Namespace" else []
        return ToolOutcome(record=record, data={"items": items})


def test_a_namespaces_name_means_the_namespace_unless_a_change_is_asked():
    from sre_agent.chat.understand.references import resolve
    ask = _ask("what about billing", Names())
    assert asyncio.run(resolve(ask)) == "" and ask.namespace == "billing"
    restart = _ask("restart billing", Names())
    assert asyncio.run(resolve(restart)) == "billing/StatefulSet/billing-db"  # a write is never aimed at a namespace


def test_which_workloads_are_short_lists_only_those_below_their_count():
    from sre_agent.chat.answer.listings import list_kind
    tools = Cluster({"DaemonSet": [{"namespace": "ops", "name": "agent", "ready": "9/10"},
                                   {"namespace": "ops", "name": "shipper", "ready": "10/10"}]})
    answer = asyncio.run(list_kind(_ask("which daemonsets are short a pod", tools)))
    assert answer.headline.startswith("1 DaemonSet(s)") and answer.resources == ["ops/DaemonSet/agent"]
    tools.items["DaemonSet"] = tools.items["DaemonSet"][1:]
    assert asyncio.run(list_kind(_ask("which daemonsets are short", tools))).headline == "Every DaemonSet has all its pods ready"


def test_are_they_all_up_is_answered_by_the_count_with_the_short_ones_first():
    from sre_agent.chat.answer.listings import list_kind
    tools = Cluster({"DaemonSet": [{"namespace": "ops", "name": "shipper", "ready": "10/10"},
                                   {"namespace": "ops", "name": "agent", "ready": "9/10"}]})
    answer = asyncio.run(list_kind(_ask("are the daemonsets all up", tools)))
    assert answer.status == "problems" and answer.headline == ("No: 1 of 2 DaemonSet(s) have fewer pods ready than wanted: "
                                                               "agent (9/10 ready)")
    assert answer.details[0].startswith("ops/DaemonSet/agent") and answer.resources[0] == "ops/DaemonSet/agent"
    tools.items["DaemonSet"] = tools.items["DaemonSet"][:1]
    whole = asyncio.run(list_kind(_ask("are all the daemonsets ready", tools)))
    assert whole.status == "answered" and whole.headline == "Yes: all 1 DaemonSet(s) have every pod ready"


def test_a_quota_says_the_room_each_limit_leaves():
    from sre_agent.chat.answer.usage import quota_usage
    tools = Cluster({}, {"compute": {"status": {"hard": {"requests.cpu": "4", "requests.memory": "10Gi", "pods": "20"},
                                                "used": {"requests.cpu": "1400m", "requests.memory": "3Gi", "pods": "4"}}}})
    line = asyncio.run(quota_usage(_ask("quota usage", tools), "shop/ResourceQuota/compute"))
    assert "requests.cpu used 1400m of 4 (1400m/4) (2600m left)" in line
    assert "requests.memory used 3Gi of 10Gi (3Gi/10Gi) (7168Mi left)" in line
    assert "pods used 4 of 20 (4/20) (16 left)" in line


@pytest.mark.parametrize("question, first_clause_named", [
    ("booking-db fine? which node is it on", True),
    ("which node is it on", False),                        # no clause before the pronoun
    ("is it on the same node as booking-db?", False),      # the name comes after "it": another object
    ("booking-db, whats wrong with payments", False),      # no pronoun after the name
])
def test_a_name_in_the_first_clause_is_what_a_later_it_means(question, first_clause_named):
    from sre_agent.chat.understand.references import _named_then_pronoun
    ask = _ask(question, Cluster({}))
    ask.recognised.candidates = ["booking-db"]
    assert _named_then_pronoun(ask) is first_clause_named


def test_a_long_event_message_keeps_its_end_where_the_reason_is():
    from sre_agent.chat.answer.logs import _ends
    message = 'Failed to pull image "registry/app:5.3.0": rpc error: ' + "x" * 300 + ": not found"
    cut = _ends(message, 120)
    assert cut.startswith("Failed to pull image") and cut.endswith(": not found") and len(cut) <= 120
    assert _ends("short", 120) == "short"


def test_a_nodes_group_labels_are_the_clusters_own_and_the_cloud_group():
    from sre_agent.chat.answer.node_facts import NODE_GROUP_LABELS, own_labels
    labels = {"acme.io/pool": "batch", "kubernetes.io/hostname": "n1", "topology.kubernetes.io/zone": "a",
              "eks.amazonaws.com/nodegroup": "batch-m6i", "node.kubernetes.io/instance-type": "m6i.large"}
    assert own_labels(labels) == ["acme.io/pool=batch"]
    assert [k for k in NODE_GROUP_LABELS if k in labels] == ["eks.amazonaws.com/nodegroup", "node.kubernetes.io/instance-type"]


@pytest.mark.parametrize("category, verdict", [
    ("memory_leak", "Only for a while"), ("bad_image", "No: recreated pods run the same spec"),
    ("none", "Nothing was found wrong")])
def test_whether_restarting_helps_follows_the_diagnosis(category, verdict):
    from sre_agent.chat.answer.remedies import restart_would_help

    async def investigate(question, resource):
        return {"status": "escalated", "diagnosis": {"category": category, "resource": resource, "summary": "s"},
                "proposed_fixes": [], "report_path": "r.md"}
    ask = _ask("would restarting the pods fix it", Cluster({}), focus=["shop/Deployment/api"])
    ask.investigate = investigate
    answer = asyncio.run(restart_would_help(ask))
    assert answer.headline.startswith(verdict) and answer.resources[0] == "shop/Deployment/api"


def test_a_bare_pod_is_never_recreated_so_deleting_it_does_not_help():
    from sre_agent.chat.answer.remedies import restart_would_help
    tools = Cluster({}, {"signer": {"metadata": {"name": "signer"}}})
    answer = asyncio.run(restart_would_help(_ask("if i delete the pod will it come back fine", tools, resource="rx/Pod/signer")))
    assert answer.headline.startswith("No: rx/Pod/signer is a bare pod") and answer.status == "problems"


def test_where_a_namespaces_pods_run_is_by_node_busiest_first_with_the_nodes_groups():
    from sre_agent.chat.answer.health import status
    tools = Cluster({"Pod": [{"name": "db-0", "node": "data-1"}, {"name": "api-a", "node": "web-1"},
                             {"name": "api-b", "node": "web-1"}, {"name": "api-c"}]},
                    {"web-1": {"metadata": {"labels": {"eks.amazonaws.com/nodegroup": "web"}}}})
    ask = _ask("where do the fleet pods run", tools)
    ask.namespace = "fleet"
    answer = asyncio.run(status(ask))
    assert answer.headline == "The 4 pod(s) of namespace fleet run on 3 node(s): web-1, (not scheduled), data-1"
    assert answer.details[:3] == ["web-1: 2 pod(s): api-a, api-b", "(not scheduled): 1 pod(s): api-c", "data-1: 1 pod(s): db-0"]
    assert "node web-1: eks.amazonaws.com/nodegroup=web" in answer.details
    assert ("get_resources", {"kind": "Pod", "namespace": "fleet", "limit": 2000}) in tools.calls


def test_a_statefulsets_member_claims_are_named_as_its_controller_names_them():
    from sre_agent.chat.answer.claims import member_claims
    tools = Cluster({"PersistentVolumeClaim": [
        {"name": "data-db-0", "phase": "Bound", "storageClass": "gp3", "request": "10Gi"},
        {"name": "data-db-1", "phase": "Pending", "storageClass": "gp3-missing", "request": "10Gi"},
        {"name": "data-dbx-0", "phase": "Bound", "storageClass": "gp3", "request": "1Gi"}]})  # another set's
    trouble: list[str] = []
    lines = asyncio.run(member_claims(_ask("db storage", tools), "web", "db",
                                      {"volumeClaimTemplates": [{"metadata": {"name": "data"}}]}, trouble))
    assert lines == ["claim data-db-0: Bound, class gp3, 10Gi", "claim data-db-1: Pending, class gp3-missing, 10Gi"]
    assert trouble == ["claim data-db-1 is Pending: its member cannot start"]


def test_mid_rollout_the_replica_sets_still_running_pods_say_which_version_serves():
    from sre_agent.chat.answer.rollout_pause import serving_replica_sets
    tools = Cluster({"ReplicaSet": [{"name": "booking-aaa1", "ready": "2/2", "images": ["r/booking:2.5.0"]},
                                    {"name": "booking-bbb2", "ready": "0/1", "images": ["r/booking:2.6.0"]},
                                    {"name": "booking-old9", "ready": "0/0", "images": ["r/booking:2.4.0"]},
                                    {"name": "booking-api-ccc3", "ready": "3/3", "images": ["r/booking-api:1.0"]}]})
    lines = asyncio.run(serving_replica_sets(_ask("is booking still being served", tools), "riders", "booking"))
    assert lines == ["ReplicaSet booking-aaa1: ready 2/2, images r/booking:2.5.0",
                     "ReplicaSet booking-bbb2: ready 0/1, images r/booking:2.6.0"]


def test_a_version_asked_of_an_object_that_runs_nothing_is_the_conversations_workloads():
    """'which version are the running pods on' after a quota's usage: the workload talked about, not the quota."""
    from sre_agent.chat.answer.objects import version
    api = {"spec": {"template": {"spec": {"containers": [{"name": "api", "image": "reg/workorder-api:8.0.2"}]}}}}
    tools = Cluster({"Pod": []}, {"workorder-api": api})
    focus = ["field-ops/ResourceQuota/field-ops-compute", "field-ops/Deployment/workorder-api"]
    answer = asyncio.run(version(_ask("which version are the running pods on", tools,
                                      resource="field-ops/ResourceQuota/field-ops-compute", focus=focus)))
    assert "workorder-api:8.0.2" in answer.headline + " ".join(answer.details)
    assert ("describe", {"kind": "Deployment", "name": "workorder-api", "namespace": "field-ops"}) in tools.calls


@pytest.mark.parametrize("comparison, demand", [
    ("GreaterThanThreshold", True), ("GreaterThanOrEqualToThreshold", True), (None, True),
    ("LessThanThreshold", False), ("LessThanOrEqualToThreshold", False)])
def test_a_request_count_alarmed_for_falling_watches_work_not_done(comparison, demand):
    """Too many requests arriving is load; too few handled (a delivery rate under its floor) is a symptom."""
    assert measures_demand({"metric": {"name": "RequestCount"}, "comparison": comparison}) is demand


class _Events(Cluster):
    """Cluster rows, plus a namespace's events and find_resource by exact name."""

    def __init__(self, items, objects=None, events=None, names=None):
        super().__init__(items, objects)
        self.events, self.names = events or [], names or {}

    async def call(self, agent, server, tool, args, brain="offline"):
        record = ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True)
        if tool == "events":
            return ToolOutcome(record=record, data={"events": self.events})
        if tool == "find_resource":
            found = self.names.get(args["name"])
            return ToolOutcome(record=record, data={"matches": [{"resource": found, "exact": True}] if found else []})
        return await super().call(agent, server, tool, args, brain)


def test_events_of_an_object_that_gets_none_are_those_that_name_it():
    import asyncio

    from sre_agent.chat.answer.logs import events

    refused = {"type": "Warning", "reason": "FailedCreate", "object": "ReplicaSet/web-7d9f8c6b5",
               "message": 'pods "web-7d9f8c6b5-x4k2z" is forbidden: exceeded quota: web-quota, requested: cpu=300m'}
    other = {"type": "Warning", "reason": "FailedCreate", "object": "ReplicaSet/api-7d9f8c6b5",
             "message": "exceeded quota: web-quota-large"}  # another quota whose name starts the same
    answer = asyncio.run(events(_ask("which events show the pods being refused", _Events({}, events=[refused, other]),
                                     resource="web/ResourceQuota/web-quota")))
    assert answer.headline.startswith("1 event(s) for web/ResourceQuota/web-quota (events of other objects that name it)")
    assert "exceeded quota: web-quota" in answer.details[0]


def test_events_of_an_object_with_no_pods_are_its_own_not_its_namesake_workloads():
    import asyncio

    from sre_agent.chat.answer.logs import events

    rescale = {"type": "Normal", "reason": "SuccessfulRescale", "object": "HorizontalPodAutoscaler/detector",
               "message": "New size: 7; reason: cpu above target"}
    started = {"type": "Normal", "reason": "Started", "object": "Pod/detector-7d9f8c6b5-x4k2z", "message": "Started"}
    answer = asyncio.run(events(_ask("events for detector", _Events({}, events=[started, rescale]),
                                     resource="acoustic/HorizontalPodAutoscaler/detector")))
    assert answer.headline.startswith("1 event(s) for acoustic/HorizontalPodAutoscaler/detector (its own)")
    assert "SuccessfulRescale" in answer.details[0]


def test_a_quota_named_by_its_name_alone_is_its_usage():
    import asyncio

    from sre_agent.chat.answer.listings import list_kind

    quota = {"status": {"hard": {"requests.cpu": "2"}, "used": {"requests.cpu": "1800m"}}}
    tools = _Events({"Pod": []}, objects={"web-quota": quota}, names={"web-quota": "web/ResourceQuota/web-quota"})
    answer = asyncio.run(list_kind(_ask("how much of web-quota is used right now", tools)))
    assert answer.headline.startswith("web/ResourceQuota/web-quota: requests.cpu used 1800m of 2")


def test_a_whole_name_typed_where_no_pattern_places_a_subject_wins_over_the_conversations():
    import asyncio

    from sre_agent.chat.answer.remedies import subject_named

    question = "what happens if we restart results-api without touching any secret"
    tools = _Events({}, names={"results-api": "results/Deployment/results-api"})
    ask = _ask(question, tools, resource="lab-ops/Deployment/sample-tracker", focus=["lab-ops/Deployment/sample-tracker"])
    asyncio.run(subject_named(ask))
    assert ask.resource == "results/Deployment/results-api"


def test_a_question_about_one_named_object_of_a_kind_is_its_property_not_the_listing():
    import asyncio

    from sre_agent.chat.answer.listings import list_kind

    gp3 = {"kind": "StorageClass", "provisioner": "ebs.csi.aws.com", "allowVolumeExpansion": True,
           "metadata": {"name": "gp3", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}}}
    tools = Cluster({"StorageClass": [{"name": "gp3"}, {"name": "gp2"}]}, objects={"gp3": gp3})
    answer = asyncio.run(list_kind(_ask("can the gp3 storage class expand volumes?", tools)))
    assert answer.headline.startswith("StorageClass/gp3: provisioner ebs.csi.aws.com, allowVolumeExpansion True")
    listing = asyncio.run(list_kind(_ask("what storage classes do we have", tools)))
    assert listing.headline.startswith("2 StorageClass(s)")


@pytest.mark.parametrize(("question", "diagnosis", "meant"), [
    # a Deployment is not rotated: "it" is the Secret the diagnosis says changed
    ("who rotated it", {"resource": "ingest/Deployment/meter-ingest", "category": "stale_credential",
                        "summary": "Secret meter-db changed at 21:10, after 3 of 3 pods started"}, "ingest/Secret/meter-db"),
    ("when does its cert expire", {"resource": "ingest/Secret/meter-tls", "category": "cert_expired", "summary": ""},
     "ingest/Secret/meter-tls"),
    # what a workload has keeps "it" on the workload
    ("how many replicas does it want", {"resource": "ingest/Deployment/meter-ingest", "category": "stale_credential",
                                        "summary": "Secret meter-db changed at 21:10"}, "ingest/Deployment/meter-ingest"),
])
def test_a_word_only_a_secret_has_binds_it_to_the_secret_of_the_conversation(question, diagnosis, meant):
    from sre_agent.chat.understand.references import resolve
    ask = _ask(question, Cluster({}), focus=["ingest/Deployment/meter-ingest"])
    ask.last_diagnosis = diagnosis
    assert asyncio.run(resolve(ask)) == meant


def test_the_release_a_start_is_dated_by_says_its_change_cause():
    from sre_agent.chat.answer.onset import _rolled_out

    class History(Cluster):
        async def call(self, agent, server, tool, args, brain="offline"):
            record = ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True)
            return ToolOutcome(record=record, data={"revisions": [
                {"revision": 2, "created": "2026-11-28T20:24:00Z", "images": ["r:2.7.0"], "change_cause": "DIG-861 charts"}]})

    when, said = asyncio.run(_rolled_out(_ask("when did it start", History({})), "reports", "Deployment", "renderer"))
    assert said == "its current revision 2 (images ['r:2.7.0'], change-cause 'DIG-861 charts') rolled out"


def test_a_why_that_moves_between_objects_never_returns_to_one_it_left(monkeypatch):
    """A Deployment with no fault of its own whose Service looks faulty, and a Service with no fault whose question names
    the Deployment: each is investigated once, and the answer ends (it had looped forever)."""
    from sre_agent.chat.answer import investigate as module

    async def faulty_service(ask, rid):
        return "exam/Service/sessions"

    async def other_named(ask, rid):
        return "exam/StatefulSet/sessions"

    monkeypatch.setattr(module, "_faulty_service_of", faulty_service)
    monkeypatch.setattr(module, "troubled_other_named", other_named)
    investigated = []

    async def investigate(question, rid):
        investigated.append(rid)
        return {"diagnosis": {"category": "none", "summary": "No root cause: scaled to 0 on purpose"}, "status": "escalated"}

    ask = _ask("Why does exam sessions have no pods?", Cluster({}), resource="exam/StatefulSet/sessions")
    ask.investigate = investigate
    answer = asyncio.run(module.why_failing(ask))
    assert investigated == ["exam/StatefulSet/sessions", "exam/Service/sessions"] and answer.headline
