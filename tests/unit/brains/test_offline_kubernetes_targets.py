"""The offline Kubernetes specialist never assumes what kind of thing a name is: an alarm whose
dimension names a StatefulSet's (or a Job's) pods is resolved to that workload; a bare pod is read
itself; a name that names nothing sweeps the namespace and says so -- a failed lookup is never a
healthy answer. Table tests over scripted tool results (what the MCP server would answer)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from sre_agent.brains.offline.calls import Calls
from sre_agent.brains.offline.kubernetes import investigate
from sre_agent.contracts import Incident, ToolCallRecord
from sre_agent.graph.ports import ToolOutcome
from sre_agent.graph.state import Investigation, Task

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
STATE = Investigation(incident=Incident(id="inc-1", title="t", started_at=NOW, window_start=NOW, window_end=NOW))
NOT_FOUND = "kubernetes API: 404 Not Found"


class Scripted:
    """Answers (tool, kind) or tool from a table; anything unscripted is a 404, as for a missing object."""

    def __init__(self, answers: dict[Any, Any]) -> None:
        self.answers, self.calls, self.args = answers, [], []

    async def call(self, agent, server, tool, args, brain="offline") -> ToolOutcome:
        self.calls.append((tool, args.get("kind"), args.get("name")))
        self.args.append(args)
        answer = self.answers.get((tool, args.get("kind"), args.get("name")), self.answers.get((tool, args.get("kind")),
                                                                                                 self.answers.get(tool)))
        record = ToolCallRecord(id=f"ev-{len(self.calls)}", agent=agent, server=server, tool=tool, args=args,
                                ok=answer is not None)
        return ToolOutcome(record=record, data=answer, error=None if answer is not None else NOT_FOUND)


def run(target: str, answers: dict) -> tuple[Calls, Scripted]:
    tools = Scripted(answers)
    calls = Calls(tools, "kubernetes", "kubernetes")
    asyncio.run(investigate(Task(agent="kubernetes", target=target, question="triage"), STATE, calls))
    return calls, tools


def signals(calls: Calls) -> dict[str, str]:
    return {f.signal: f.resource for f in calls.findings}


CRASHING_POD = {"object": {"metadata": {"name": "ledger-db-0"}, "spec": {"containers": [{"name": "db"}]},
                           "status": {"containerStatuses": [{"name": "db", "image": "postgres:99", "restartCount": 0,
                                                             "state": {"waiting": {"reason": "ImagePullBackOff",
                                                                                   "message": "not found"}}}]}},
                "events": []}


def test_an_alarm_naming_a_statefulsets_pods_is_resolved_to_the_statefulset():
    calls, tools = run("payments/Deployment/ledger-db", {
        "find_resource": {"matches": [{"resource": "payments/StatefulSet/ledger-db", "exact": True},
                                      {"resource": "payments/Pod/ledger-db-0", "exact": False}]},
        ("ownership", "StatefulSet"): {"pods": [{"pod": "ledger-db-0", "node": "n1", "ready": False}], "calls": []},
        ("describe", "StatefulSet"): {"object": {"spec": {"replicas": 1, "template": {"spec": {"containers": [{"name": "db"}]}}}}},
        ("describe", "Pod"): CRASHING_POD,
        "analyze": {"findings": []},
    })
    found = signals(calls)
    assert found["TargetResolved"] == "payments/StatefulSet/ledger-db"
    assert found["ImagePullBackOff"] == "payments/StatefulSet/ledger-db"
    assert ("ownership", "StatefulSet", "ledger-db") in tools.calls and ("describe", "Pod", "ledger-db-0") in tools.calls


def test_a_name_that_only_prefixes_pods_resolves_to_those_pods_and_their_owner():
    calls, _ = run("payments/Deployment/settle", {
        "find_resource": {"matches": [{"resource": "payments/Pod/settle-28391-abcde", "exact": False}]},
        ("ownership", "Pod"): {"owners": ["payments/Job/settle-28391"], "node": "n1"},
        ("ownership", "Job"): {"pods": [{"pod": "settle-28391-abcde", "node": "n1", "ready": False}], "calls": []},
        ("describe", "Job"): {"object": {"spec": {"template": {"spec": {"containers": [{"name": "settle"}]}}}}},
        ("describe", "Pod"): CRASHING_POD,
        "analyze": {"findings": []},
    })
    found = signals(calls)
    assert found["TargetResolved"] == "payments/Pod/settle-28391-abcde"
    assert found["ImagePullBackOff"] == "payments/Job/settle-28391"


def test_a_bare_pod_is_read_itself():
    calls, tools = run("payments/Pod/debug-shell", {
        ("ownership", "Pod"): {"owners": [], "node": "n1"},
        ("describe", "Pod"): CRASHING_POD,
    })
    found = signals(calls)
    assert found["BarePod"] == "payments/Pod/debug-shell" and found["ImagePullBackOff"] == "payments/Pod/debug-shell"


def test_a_name_that_names_nothing_sweeps_the_namespace_and_says_so():
    calls, tools = run("payments/Deployment/ghost", {
        "find_resource": {"matches": [{"resource": "other/Deployment/ghost", "exact": True}]},  # another namespace
        "analyze": {"findings": [{"resource": "payments/Pod/fx-1", "owner": "payments/Deployment/fx", "kind": "Pod",
                                  "reason": "CrashLoopBackOff", "message": "fx-1 restarting", "severity": "critical"}]},
    })
    found = signals(calls)
    assert found["TargetNotFound"] == "payments/Deployment/ghost"
    assert found["CrashLoopBackOff"] == "payments/Deployment/fx"  # the sweep found what is actually broken
    not_found = next(f for f in calls.findings if f.signal == "TargetNotFound")
    assert not_found.severity == "warning" and "ghost" in not_found.summary


def test_a_cronjob_is_investigated_through_its_latest_jobs():
    calls, tools = run("payments/CronJob/nightly", {
        ("get_resources", "Job"): {"items": [
            {"name": "nightly-1", "cronjob": "nightly", "created": "2026-03-01T00:00:00Z", "failed": 0},
            {"name": "nightly-2", "cronjob": "nightly", "created": "2026-03-02T00:00:00Z", "failed": 4},
            {"name": "other-1", "created": "2026-03-02T00:00:00Z"}]},
        ("ownership", "Job"): {"pods": [], "calls": []},
        ("describe", "Job"): {"object": {"spec": {"template": {"spec": {"containers": [{"name": "c"}]}}}}},
        "analyze": {"findings": []},
    })
    walked = [name for tool, kind, name in tools.calls if tool == "ownership"]
    assert walked == ["nightly-2", "nightly-1"]


def test_a_cronjob_carries_what_its_failed_runs_showed():
    calls, _ = run("payments/CronJob/nightly", {
        ("get_resources", "Job"): {"items": [{"name": "nightly-2", "cronjob": "nightly", "created": "2026-03-02T00:00:00Z"}]},
        ("ownership", "Job"): {"pods": [], "calls": []},
        ("describe", "Job"): {"object": {"spec": {"template": {"spec": {"containers": [{"name": "c"}]}}}}},
        "analyze": {"findings": [{"resource": "payments/Job/nightly-2", "kind": "Job", "severity": "critical",
                                  "reason": "JobFailed", "message": "Job nightly-2 has failed: BackoffLimitExceeded"}]},
    })
    lifted = [f for f in calls.findings if f.resource == "payments/CronJob/nightly" and f.signal == "JobFailed"]
    assert lifted and lifted[0].details["run"] == "payments/Job/nightly-2" and "BackoffLimitExceeded" in lifted[0].summary


def test_a_cronjob_carries_what_the_controllers_view_says_of_it_runs_skipped_behind_a_hung_one():
    calls, _ = run("grooming/CronJob/groom", {
        ("get_resources", "Job"): {"items": [{"name": "groom-1", "cronjob": "groom", "created": "2026-03-02T00:00:00Z"}]},
        ("ownership", "Job"): {"pods": [], "calls": []},
        ("describe", "Job"): {"object": {"spec": {"template": {"spec": {"containers": [{"name": "c"}]}}}}},
        "analyze": {"findings": [
            {"resource": "grooming/CronJob/groom", "kind": "CronJob", "severity": "warning", "reason": "RunsSkipped",
             "message": "CronJob groom skipped 8 scheduled runs: concurrencyPolicy Forbid and its run groom-1 is still active"},
            {"resource": "grooming/Deployment/other", "kind": "Deployment", "severity": "critical", "reason": "CrashLoopBackOff",
             "message": "another workload's trouble"}]},
    })
    assert signals(calls).get("RunsSkipped") == "grooming/CronJob/groom" and "CrashLoopBackOff" not in signals(calls)


def test_a_question_locates_a_job_or_a_cronjob_by_name_not_only_deployments_and_services():
    tools = Scripted({"find_resource": {"matches": [{"resource": "clearing/Pod/settle-1-abcde", "exact": False},
                                                    {"resource": "clearing/Job/settle-1", "exact": True}]}})
    calls = Calls(tools, "kubernetes", "kubernetes")
    asyncio.run(investigate(Task(agent="kubernetes", target="cluster", question="locate settle-1"), STATE, calls))
    assert signals(calls)["Located"] == "clearing/Job/settle-1"
    finds = [args for args in tools.args if "kinds" in args]
    assert {"Service", "Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod"} <= set(finds[0]["kinds"])


def test_a_question_that_names_a_namespace_is_looked_at_there_when_no_word_names_an_object():
    tools = Scripted({("get_resources", "Namespace"): {"items": [{"name": "clearing"}, {"name": "treasury"}]},
                      "find_resource": {"matches": []}})
    calls = Calls(tools, "kubernetes", "kubernetes")
    asyncio.run(investigate(Task(agent="kubernetes", target="cluster", question="locate manual settlement clearing"),
                            STATE, calls))
    assert signals(calls)["NamespaceMentioned"] == "clearing" and "Located" not in signals(calls)
    # a namespace is not an object name; two words side by side are tried as one dashed name first ("the meter import")
    assert [a["name"] for a in tools.args if "kinds" in a] == ["manual-settlement", "manual", "settlement"]


def test_a_word_that_begins_exactly_one_objects_name_locates_it_when_no_word_names_one_exactly():
    # "did last night's royalty-statements run go ok" for Job royalty-statements-nightly (its pod aside)
    tools = Scripted({"find_resource": {"matches": [{"resource": "billing/Job/royalty-statements-nightly", "exact": False},
                                                    {"resource": "billing/Pod/royalty-statements-nightly-x1", "exact": False}]}})
    calls = Calls(tools, "kubernetes", "kubernetes")
    asyncio.run(investigate(Task(agent="kubernetes", target="cluster", question="locate royalty-statements"), STATE, calls))
    assert signals(calls)["Located"] == "billing/Job/royalty-statements-nightly"
    # two objects begin with it: nothing is picked
    tools = Scripted({"find_resource": {"matches": [{"resource": "b/Job/royalty-statements-nightly", "exact": False},
                                                    {"resource": "b/CronJob/royalty-statements-weekly", "exact": False}]}})
    calls = Calls(tools, "kubernetes", "kubernetes")
    asyncio.run(investigate(Task(agent="kubernetes", target="cluster", question="locate royalty-statements"), STATE, calls))
    assert "Located" not in signals(calls)


def test_a_located_service_wins_over_a_workload_of_the_same_name():
    tools = Scripted({"find_resource": {"matches": [{"resource": "t/Deployment/fx", "exact": True},
                                                    {"resource": "t/Service/fx", "exact": True}]}})
    calls = Calls(tools, "kubernetes", "kubernetes")
    asyncio.run(investigate(Task(agent="kubernetes", target="cluster", question="locate fx"), STATE, calls))
    assert signals(calls)["Located"] == "t/Service/fx"


def test_a_container_that_ended_for_good_is_read_from_its_own_logs_not_a_previous_instance():
    failed_pod = {"object": {"metadata": {"name": "run-1-abcde"}, "spec": {"containers": [{"name": "batch"}]},
                             "status": {"phase": "Failed", "containerStatuses": [
                                 {"name": "batch", "restartCount": 0, "state": {"terminated": {"exitCode": 2}}}]}},
                  "events": []}
    calls, tools = run("clearing/Job/run-1", {
        ("ownership", "Job"): {"pods": [{"pod": "run-1-abcde", "ready": False}], "calls": []},
        ("describe", "Job"): {"object": {"spec": {"template": {"spec": {"containers": [{"name": "batch"}]}}}}},
        ("describe", "Pod"): failed_pod,
        "pod_logs": {"lines": ["starting", "fatal: SETTLEMENT_BIC is not set"]},
        "analyze": {"findings": []},
    })
    [failed] = [f for f in calls.findings if f.signal == "ContainerFailed"]
    assert failed.resource == "clearing/Job/run-1" and failed.details["config_error"] and failed.details["exit_code"] == 2
    assert [a for a in tools.args if a.get("name") == "run-1-abcde" and "tail" in a][0].get("previous") is None


def test_a_missing_key_names_the_keys_the_object_does_hold():
    pod = {"object": {"metadata": {"name": "w-1"}, "spec": {"containers": [{"name": "w"}]},
                      "status": {"containerStatuses": [{"name": "w", "restartCount": 0, "state": {"waiting": {
                          "reason": "CreateContainerConfigError",
                          "message": "couldn't find key DATABASE_URL in Secret pay/ledger-db"}}}]}}, "events": []}
    calls, tools = run("pay/Deployment/w", {
        ("ownership", "Deployment"): {"pods": [{"pod": "w-1", "ready": False}], "calls": []},
        ("describe", "Deployment"): {"object": {"spec": {"template": {"spec": {"containers": [{"name": "w"}]}}}}},
        ("describe", "Pod"): pod, ("get_resources", "Secret"): {"items": [{"name": "ledger-db", "keys": ["url"]}]},
        "analyze": {"findings": []}, "rollout_history": {"revisions": []}, "events": {"events": []},
    })
    [found] = [f for f in calls.findings if f.signal == "CreateContainerConfigError"]
    assert found.details["existing_keys"] == ["url"]
    assert {"kind": "Secret", "namespace": "pay", "field_selector": "metadata.name=ledger-db"} in tools.args


def test_a_service_named_unlike_any_workload_is_compared_with_the_closest_workload_in_its_namespace():
    template = {("describe", "Deployment", "booking-api"): {"object": {"spec": {"template": {"metadata": {
                    "labels": {"app": "booking-api", "tier": "web"}}}}}},
                ("describe", "Deployment", "pricing"): {"object": {"spec": {"template": {"metadata": {
                    "labels": {"app": "pricing", "tier": "web"}}}}}}}
    calls, tools = run("freight/Service/booking", {
        ("ownership", "Service"): {"selected_pods": [], "selector": {"app": "bookng-api", "tier": "web"}},
        "find_resource": {"matches": []},
        ("get_resources", "Deployment"): {"items": [{"name": "pricing"}, {"name": "booking-api"}]},
        ("ownership", "Deployment"): {"pods": [], "calls": []},
        "analyze": {"findings": []}, "rollout_history": {"revisions": []}, "events": {"events": []},
        **template,
    })
    [mismatch] = [f for f in calls.findings if f.signal == "ServiceSelectorMismatch"]
    assert mismatch.details["workload"] == "freight/Deployment/booking-api"
    assert mismatch.details["labels"] == {"app": "booking-api", "tier": "web"}


def test_an_init_container_crash_loop_is_read_like_an_app_containers_with_its_logs():
    init_crashing = {"object": {"metadata": {"name": "invoicing-1"},
                                "spec": {"initContainers": [{"name": "migrate"}], "containers": [{"name": "app"}]},
                                "status": {"phase": "Pending", "initContainerStatuses": [{
                                    "name": "migrate", "restartCount": 4, "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                                    "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}}}],
                                    "containerStatuses": [{"name": "app", "restartCount": 0,
                                                           "state": {"waiting": {"reason": "PodInitializing"}}}]}},
                     "events": []}
    calls, tools = run("billing/Deployment/invoicing", {
        "find_resource": {"matches": [{"resource": "billing/Deployment/invoicing", "exact": True}]},
        ("ownership", "Deployment"): {"pods": [{"pod": "invoicing-1", "node": "n1", "ready": False}], "calls": []},
        ("describe", "Deployment"): {"object": {"spec": {"replicas": 1, "template": {"spec": {"containers": [{"name": "app"}]}}}}},
        ("describe", "Pod"): init_crashing,
        "analyze": {"findings": []},
        "pod_logs": {"lines": ["connecting", "ERROR: MIGRATE_DATABASE_URL is not set"]},
    })
    crash = next(f for f in calls.findings if f.signal == "CrashLoopBackOff")
    assert crash.resource == "billing/Deployment/invoicing" and crash.details["container"] == "migrate"
    assert crash.details["config_error"] and "MIGRATE_DATABASE_URL" in crash.summary
    assert any(a.get("container") == "migrate" and a.get("previous") for a in tools.args)


def test_a_cronjob_whose_runs_are_oom_killed_is_the_cronjobs_fault_not_a_runs():
    """Every run is made from the jobTemplate: whatever its runs' pods showed (OOMKilled here) is lifted to the
    CronJob, so the CronJob -- the object a fix changes -- is the root cause, not the run."""
    from sre_agent.brains.offline.diagnosis import best, hypotheses

    killed = {"terminated": {"reason": "OOMKilled", "exitCode": 137}}
    calls, _ = run("labs/CronJob/import", {
        ("get_resources", "Job"): {"items": [{"name": "import-2", "cronjob": "import", "created": "2026-03-02T00:00:00Z"}]},
        ("ownership", "Job"): {"pods": [{"pod": "import-2-x", "ready": False}], "calls": []},
        ("describe", "Job"): {"object": {"spec": {"template": {"spec": {"containers": [{"name": "c"}]}}}}},
        ("describe", "Pod"): {"object": {"spec": {"containers": [{"name": "c", "resources": {"limits": {"memory": "768Mi"}}}]},
                                         "status": {"phase": "Failed", "containerStatuses": [
                                             {"name": "c", "restartCount": 0, "state": killed, "lastState": killed}]}},
                              "events": []},
        "analyze": {"findings": [{"resource": "labs/Job/import-2", "kind": "Job", "severity": "critical",
                                  "reason": "JobFailed", "message": "Job import-2 has failed: BackoffLimitExceeded"}]},
    })
    assert ("labs/CronJob/import", "OOMKilled") in {(f.resource, f.signal) for f in calls.findings}, \
        [(f.resource, f.signal) for f in calls.findings]
    chosen = best(hypotheses(calls.findings))
    assert (chosen.category.value, chosen.resource) == ("oom_killed", "labs/CronJob/import")


def test_a_bare_pod_behind_a_service_is_read_as_what_backs_it():
    """A Service whose one selected pod has no controller: the pod itself backs it and is read (its crash is the
    fault), instead of the walk stopping at the Service with nothing behind it."""
    crashing = {"waiting": {"reason": "CrashLoopBackOff"}}
    calls, tools = run("rx/Service/signer", {
        ("ownership", "Service"): {"selected_pods": ["signer"], "ready_endpoints": 0, "ports": []},
        ("ownership", "Pod"): {"owners": [], "pods": [], "calls": []},
        ("describe", "Pod"): {"object": {"spec": {"containers": [{"name": "signer"}]}, "status": {"containerStatuses": [
            {"name": "signer", "restartCount": 6, "state": crashing,
             "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}}}]}}, "events": []},
        "pod_logs": {"lines": ["fatal: SIGNING_KEY_ID is not set"]},
    })
    found = {(f.resource, f.signal) for f in calls.findings}
    assert ("rx/Pod/signer", "Backs") in found and ("rx/Pod/signer", "BarePod") in found
    assert ("rx/Pod/signer", "CrashLoopBackOff") in found, found
    assert ("describe", "Pod", "signer") in tools.calls


def test_a_claim_asked_about_is_read_itself_pending_with_its_class_and_the_clusters():
    calls, tools = run("observability/PersistentVolumeClaim/trace-buffer", {
        ("describe", "PersistentVolumeClaim"): {
            "object": {"spec": {"storageClassName": "gp2"}, "status": {"phase": "Pending"}},
            "events": [{"reason": "ProvisioningFailed", "message": 'storageclass.storage.k8s.io "gp2" not found'}]},
        ("get_resources", "StorageClass"): {"items": [{"name": "gp3"}]},
        "analyze": {"findings": []},
    })
    pending = next(f for f in calls.findings if f.signal == "PVCPending")
    assert pending.resource == "observability/PersistentVolumeClaim/trace-buffer"
    assert pending.details["storage_class"] == "gp2" and pending.details["storage_classes"] == ["gp3"]
    assert ("analyze", None, None) in tools.calls  # and the namespace around it


def test_a_bound_claim_asked_about_raises_nothing():
    calls, _ = run("observability/PersistentVolumeClaim/trace-buffer", {
        ("describe", "PersistentVolumeClaim"): {"object": {"spec": {"storageClassName": "gp3"}, "status": {"phase": "Bound"}},
                                                "events": []},
        "analyze": {"findings": []},
    })
    assert "PVCPending" not in signals(calls)


def test_a_dashed_name_late_in_a_long_question_is_looked_up_first():
    tools = Scripted({"get_resources": {"items": []},
                      ("find_resource", None, "node-shipper"): {"matches": [{"resource": "platform/DaemonSet/node-shipper",
                                                                              "exact": True}]}})
    calls = Calls(tools, "kubernetes", "kubernetes")
    words = "missing container logs from some workloads node-shipper our nodes".split()
    asyncio.run(investigate(Task(agent="kubernetes", target="cluster", question="locate " + " ".join(words)), STATE, calls))
    assert signals(calls).get("Located") == "platform/DaemonSet/node-shipper"


def test_a_workload_asked_about_is_read_with_the_ports_of_the_services_in_front_of_it():
    """Ready pods serve nothing through a Service whose targetPort they do not declare: the Service is the fault."""
    calls, tools = run("lifts/Deployment/lift-status-api", {
        ("ownership", "Deployment"): {"pods": [{"pod": "lift-status-api-1", "node": "n1", "ready": True}], "calls": [],
                                      "selected_by_services": ["lift-status-api"]},
        ("ownership", "Service"): {"ports": [{"port": 8080, "target_port": "http", "protocol": "TCP", "reached": False,
                                              "declared": ["api:8080/TCP"]}]},
        ("describe", "Deployment"): {"object": {"spec": {"replicas": 2, "template": {"spec": {"containers": [{"name": "api"}]}}}}},
        "analyze": {"findings": []},
    })
    mismatch = next(f for f in calls.findings if f.signal == "ServicePortMismatch")
    assert mismatch.resource == "lifts/Service/lift-status-api"
    assert mismatch.details["workload"] == "lifts/Deployment/lift-status-api" and mismatch.details["declared"] == ["api:8080/TCP"]


def _caller_dialing_a_port(service_written: str, config_written: str) -> Calls:
    dep = {"service": "netops/Service/egress", "exists": True, "env": "EGRESS_URL", "port": 443,
           "exposed_ports": [8443, 15021], "source": "ConfigMap/gw-config/EGRESS_URL", "ready_endpoints": 2}
    calls, _ = run("edge/Deployment/gateway", {
        ("ownership", "Deployment"): {"pods": [{"pod": "gateway-1", "node": "n1", "ready": True}], "calls": [dep]},
        ("describe", "Deployment"): {"object": {"spec": {"template": {"spec": {"containers": [{"name": "gw"}]}}}}},
        ("describe", "Service", "egress"): {"object": {
            "metadata": {"managedFields": [{"manager": "kubectl", "time": service_written}]},
            "spec": {"ports": [{"name": "tls", "port": 8443, "targetPort": "tls"}, {"name": "status", "port": 15021}]}}},
        ("describe", "ConfigMap", "gw-config"): {"object": {"metadata": {"managedFields": [{"time": config_written}]}}},
        "analyze": {"findings": []},
    })
    return calls


@pytest.mark.parametrize("service_written, config_written, moved", [
    # the Service's ports were written after the caller's value: they moved under it
    ("2026-03-01T11:30:00Z", "2026-03-01T09:00:00Z", True),
    # the caller's value was written last: the value is what is wrong (EndpointUnserved alone)
    ("2026-03-01T08:00:00Z", "2026-03-01T11:30:00Z", False),
])
def test_a_port_its_service_no_longer_exposes_is_the_services_fault_when_the_service_changed_last(
        service_written, config_written, moved):
    from sre_agent.brains.offline.diagnosis import diagnose
    from sre_agent.contracts import RootCauseCategory as C

    calls = _caller_dialing_a_port(service_written, config_written)
    assert "EndpointUnserved" in signals(calls)
    assert ("ServicePortMoved" in signals(calls)) is moved
    diagnosis, _ = diagnose(calls.findings, lambda _id: None)
    assert (diagnosis.category, diagnosis.resource) == ((C.SERVICE_PORT_MISMATCH, "netops/Service/egress") if moved else
                                                        (C.ENDPOINT_MISCONFIGURED, "edge/ConfigMap/gw-config"))
    if moved:
        found = next(f for f in calls.findings if f.signal == "ServicePortMoved")
        assert found.details["port"] == 443 and found.details["ports"] == ["tls 8443->tls", "status 15021->15021"]


@pytest.mark.parametrize("finished, running, past", [
    ("2026-03-01T09:30:00Z", True, True),    # killed in a rush 2.5 h before, running since: history
    ("2026-03-01T11:40:00Z", True, False),   # killed inside the incident's window: the incident's
    ("2026-03-01T09:30:00Z", False, False),  # not running now (back-off): still failing
])
def test_an_oom_kill_before_the_incidents_window_is_its_history_not_its_cause(finished, running, past):
    from sre_agent.brains.offline.pods import past_oom_kills
    from sre_agent.contracts import Finding

    pods = [Finding(agent="kubernetes", resource="web/Deployment/front", signal="OOMKilled", summary="web OOMKilled",
                    severity="critical", evidence=["ev-1"], details={"finished": finished, "running_now": running})]
    analyzer = [Finding(agent="kubernetes", resource="web/Deployment/front", signal="OOMKilled", summary="restarted after "
                        "being OOMKilled", severity="warning", evidence=["ev-2"], details={"source": "analyzer"})]
    past_oom_kills(datetime(2026, 3, 1, 11, tzinfo=UTC), pods, analyzer)  # the window opens an hour before the alarm
    assert [f.signal for f in pods + analyzer] == (["PastOOMKill"] * 2 if past else ["OOMKilled"] * 2)
    assert all(f.severity == "info" for f in pods + analyzer) is past


def test_a_pod_of_a_cronjobs_run_is_read_through_its_cronjob_never_as_a_bare_pod():
    calls, tools = run("registrar/Pod/export-29932570-xlwvp", {
        ("ownership", "Pod"): {"owners": ["registrar/Job/export-29932570", "registrar/CronJob/export"]},
        ("get_resources", "Job"): {"items": [{"name": "export-29932570", "cronjob": "export", "status": "Failed",
                                              "created": "2026-03-01T11:50:00Z", "images": ["acme/export:3.0"]}]},
        "analyze": {"findings": []},
    })
    assert "BarePod" not in signals(calls)
    assert signals(calls).get("RunHistory") == "registrar/CronJob/export"
