"""The offline brain's plans for the faults a write can clear by giving the workload what it lacks -- a probe more
time, the registry credential the namespace holds, a bigger claim, the endpoint value that answers -- with the
values read from the findings, only when exactly one value fits; a step the world refutes at pinning gives way to
the runbook's next one. Table tests over findings; the pins over described objects."""

from __future__ import annotations

import pytest

from sre_agent.contracts import RootCauseCategory as C
from sre_agent.graph.plan_fixes import plan_fix
from sre_agent.graph.state import RemediationPlan
from tests.unit.brains.test_fix_plans import NOW, WORKLOAD, finding, pin, plan

CLAIM, CONFIG = "pay/PersistentVolumeClaim/data-ledger-0", "pay/ConfigMap/ledger-upstreams"
TIMED_OUT = finding(WORKLOAD, "LivenessProbeFailing", probe_container="api", timeout_seconds=1, timed_out=True)


def unserved(caller: str = WORKLOAD, value: str | None = "http://rates.pay.svc:8080", key: str = "RATES_URL",
             edit: dict | None = None) -> object:
    return finding(caller, "EndpointUnserved", env=key, source=f"ConfigMap/ledger-upstreams/{key}", corrected_value=value,
                   corrected_edit=edit)


@pytest.mark.parametrize("category, resource, runbook, findings, tool, args", [
    # a full claim on a class that grows: twice its size
    (C.VOLUME_FULL, CLAIM, "volume_full",
     [finding(CLAIM, "VolumeFull", capacity="20Gi", expandable=True, workload="pay/StatefulSet/ledger")],
     "expand_claim", {"namespace": "pay", "name": "data-ledger-0", "size": "40Gi"}),
    # ... on a class that does not: nothing a write may do (freeing space deletes data)
    (C.VOLUME_FULL, CLAIM, "volume_full", [finding(CLAIM, "VolumeFull", capacity="20Gi", expandable=False)], None, None),
    # a probe that gave up waiting: its timeoutSeconds raised on the container it probes
    (C.PROBE_MISCONFIG, WORKLOAD, "probe_misconfig", [TIMED_OUT],
     "relax_probe", {"namespace": "pay", "name": "ledger", "container": "api", "probe": "liveness", "timeout_seconds": 10}),
    # a probe that got a wrong answer (no timed-out container): not a matter of time
    (C.PROBE_MISCONFIG, WORKLOAD, "probe_misconfig", [finding(WORKLOAD, "LivenessProbeFailing", timed_out=False)],
     None, None),
    # one registry credential in the namespace for the registry that refused the pull
    (C.IMAGE_PULL_AUTH, WORKLOAD, "image_pull_auth",
     [finding(WORKLOAD, "PullCredentialsMissing", registry="harbor.example", candidates=["harbor-pull"])],
     "add_pull_secret", {"namespace": "pay", "name": "ledger", "secret_name": "harbor-pull"}),
    # ... several: a human chooses
    (C.IMAGE_PULL_AUTH, WORKLOAD, "image_pull_auth",
     [finding(WORKLOAD, "PullCredentialsMissing", registry="harbor.example", candidates=["a-pull", "b-pull"])], None, None),
    # a ConfigMap value naming a port nobody serves, with one answer: corrected, its reader restarted
    (C.ENDPOINT_MISCONFIGURED, CONFIG, "endpoint_misconfigured", [unserved()], "set_config_value",
     {"namespace": "pay", "name": "ledger-upstreams", "key": "RATES_URL", "value": "http://rates.pay.svc:8080",
      "restart": ["ledger"], "restart_kind": "Deployment"}),
    # ... two readers of it: both restarted
    (C.ENDPOINT_MISCONFIGURED, CONFIG, "endpoint_misconfigured", [unserved(), unserved("pay/Deployment/ledger-batch")],
     "set_config_value", {"restart": ["ledger", "ledger-batch"]}),
    # ... no single answer (several close Services): a human names it
    (C.ENDPOINT_MISCONFIGURED, CONFIG, "endpoint_misconfigured", [unserved(value=None)], None, None),
    # ... a value shown masked (credentials in the URL): the part that changes, in place -- never the mask written
    (C.ENDPOINT_MISCONFIGURED, CONFIG, "endpoint_misconfigured",
     [unserved(value="postgres://***redacted***@rates.pay.svc:8080/r", edit={"find": "8443", "replace": "8080"})],
     "set_config_value", {"key": "RATES_URL", "edit": {"find": "8443", "replace": "8080"}, "restart": ["ledger"]}),
    # ... masked, and no part said on its own: a human corrects it
    (C.ENDPOINT_MISCONFIGURED, CONFIG, "endpoint_misconfigured",
     [unserved(value="postgres://***redacted***@rates.pay.svc:8080/r")], None, None),
    # ... a CronJob reads it: its next run reads the new value, there is nothing to restart with this tool
    (C.ENDPOINT_MISCONFIGURED, CONFIG, "endpoint_misconfigured", [unserved("pay/CronJob/ledger-sync")], None, None),
])
def test_a_give_write_is_planned_only_when_the_findings_leave_one_value(category, resource, runbook, findings, tool, args):
    planned = plan(category, resource, runbook, *findings)
    assert (planned.tool if planned else None) == tool
    if args:
        assert {k: planned.args[k] for k in args} == args and planned.risk in ("medium", "high")


def test_a_pending_member_behind_one_cordoned_ready_node_is_uncordoned():
    cordon = finding(WORKLOAD.replace("Deployment", "StatefulSet"), "CordonedNodes", nodes=["ip-10-0-3-7"],
                     full=["ip-10-0-1-1", "ip-10-0-2-2"])
    planned = plan(C.UNSCHEDULABLE, cordon.resource, "unschedulable", cordon)
    assert planned is not None and planned.tool == "uncordon" and planned.args == {"node": "ip-10-0-3-7"}
    down = finding("Node/ip-10-0-3-7", "NodeNotReady")
    assert plan(C.UNSCHEDULABLE, cordon.resource, "unschedulable", cordon, down) is None  # a node that is down stays so


def test_a_step_refuted_at_pinning_gives_way_to_the_runbooks_next_one():
    from sre_agent.brains.offline.runbooks import plan_from_findings
    from sre_agent.contracts import Diagnosis, Incident
    from sre_agent.graph.state import Investigation
    from tests.unit.brains.test_fix_plans import matched

    findings = [finding(WORKLOAD, "PullCredentialsMissing", registry="harbor.example", candidates=["harbor-pull"]),
                finding(WORKLOAD, "RecentRollout", severity="info", revision=2, previous_revision=1, changed=["env"]),
                matched(WORKLOAD, "image_pull_auth")]
    incident = Incident(id="inc-1", title="t", started_at=NOW, window_start=NOW, window_end=NOW)
    state = Investigation(incident=incident, diagnosis=Diagnosis(category=C.IMAGE_PULL_AUTH, resource=WORKLOAD),
                          findings=findings)
    assert plan_from_findings(state).tool == "rollout_undo"
    assert plan_from_findings(state.model_copy(update={"unpinned": ["rollout_undo"]})).tool == "add_pull_secret"


PVC = {"spec": {"resources": {"requests": {"storage": "20Gi"}}}}
CM = {"data": {"RATES_URL": "http://rates.pay.svc:8081"}}


@pytest.mark.parametrize("tool, args, objects, precondition, refused", [
    ("expand_claim", {"namespace": "pay", "name": "data-ledger-0", "size": "40Gi"},
     {("PersistentVolumeClaim", "data-ledger-0"): PVC}, {"expect_size": "20Gi"}, ""),
    ("expand_claim", {"namespace": "pay", "name": "data-ledger-0", "size": "20Gi"},
     {("PersistentVolumeClaim", "data-ledger-0"): PVC}, None, "would not grow it"),
    ("set_config_value", {"namespace": "pay", "name": "ledger-upstreams", "key": "RATES_URL", "value": "http://rates.pay.svc:8080"},
     {("ConfigMap", "ledger-upstreams"): CM}, {"expect_value": "http://rates.pay.svc:8081"}, ""),
    ("set_config_value", {"namespace": "pay", "name": "ledger-upstreams", "key": "RATES_URL", "value": "http://rates.pay.svc:8081"},
     {("ConfigMap", "ledger-upstreams"): CM}, None, "already holds the value"),
    ("set_config_value", {"namespace": "pay", "name": "ledger-upstreams", "key": "OTHER_URL", "value": "x"},
     {("ConfigMap", "ledger-upstreams"): CM}, None, "has no key 'OTHER_URL'"),
])
def test_the_object_a_give_write_changes_is_pinned_to_what_was_seen(tool, args, objects, precondition, refused):
    pinned = pin(tool, args, objects)
    if refused:
        assert pinned.plan is None and refused in pinned.refused
    else:
        assert pinned.plan.precondition == precondition and pinned.plan.pin


@pytest.mark.parametrize("tool, args, commands", [
    ("relax_probe", {"namespace": "pay", "kind": "Deployment", "name": "ledger", "container": "api", "probe": "liveness",
                     "timeout_seconds": 10},
     ["kubectl -n pay patch deployment ledger -p '{\"spec\": {\"template\": {\"spec\": {\"containers\": [{\"name\": \"api\", "
      "\"livenessProbe\": {\"timeoutSeconds\": 10}}]}}}}'"]),
    ("expand_claim", {"namespace": "pay", "name": "data-ledger-0", "size": "40Gi"},
     ["kubectl -n pay patch pvc data-ledger-0 -p '{\"spec\": {\"resources\": {\"requests\": {\"storage\": \"40Gi\"}}}}'"]),
    ("set_config_value", {"namespace": "pay", "name": "ledger-upstreams", "key": "RATES_URL", "value": "http://r:8080",
                          "restart": ["ledger"], "restart_kind": "Deployment"},
     ["kubectl -n pay patch configmap ledger-upstreams --type merge -p '{\"data\": {\"RATES_URL\": \"http://r:8080\"}}'",
      "kubectl -n pay rollout restart deployment/ledger"]),
])
def test_a_give_plan_not_run_is_the_command_a_human_would_paste(tool, args, commands):
    fixes = plan_fix(RemediationPlan(server="kubernetes", tool=tool, risk="medium", args=args, runbook="r"))
    assert fixes and fixes[0].commands == commands


QUOTA = "pay/ResourceQuota/pay-quota"


@pytest.mark.parametrize("piles, tool", [
    # one CronJob's unfinished runs hold the quota: stop its pile-up, not a raise the next runs would fill
    ([("pay/CronJob/recon", ["recon-1", "recon-2", "recon-3"])], "stop_cronjob_pileup"),
    # two CronJobs pile up against it: which to stop is a human's call
    ([("pay/CronJob/recon", ["recon-1", "recon-2"]), ("pay/CronJob/export", ["export-1", "export-2"])], None),
])
def test_a_quota_held_by_a_pileup_plans_stopping_it(piles, tool):
    findings = [finding(cronjob, "CronJobPileUp", unfinished=runs, quotas=[QUOTA], schedule="*/5 * * * *")
                for cronjob, runs in piles]
    refused = finding(WORKLOAD, "FailedCreate", 'pods "ledger-x" is forbidden: exceeded quota: pay-quota, requested: '
                      "pods=1, used: pods=10, limited: pods=10")
    planned = plan(C.QUOTA_EXCEEDED, QUOTA, "quota_exceeded", *findings, refused)
    assert (planned.tool if planned else None) == tool
    if tool:
        assert planned.args == {"namespace": "pay", "name": "recon", "stuck_runs": ["recon-1", "recon-2", "recon-3"]}
        assert planned.risk == "high"


CRON = "pay/CronJob/settle"
BAD, GOOD = "reg.example/settle:5.1.0", "reg.example/settle:5.0.3"


@pytest.mark.parametrize("history, tool, args", [
    # its last completed run ran the same repository at another tag: back to it, the stuck run replaced, a run now
    ({"images": [GOOD], "containers": ["settle"], "unfinished": ["settle-3"]}, "set_cronjob_image",
     {"namespace": "pay", "name": "settle", "container": "settle", "image": GOOD, "rerun_stuck": ["settle-3"], "run_now": True}),
    # nothing stuck (the failed runs hit their deadline): still a run now -- the data is stale until one completes
    ({"images": [GOOD], "containers": ["settle"], "unfinished": []}, "set_cronjob_image",
     {"image": GOOD, "rerun_stuck": [], "run_now": True}),
    # no run ever completed: no image known to work -- a human names one
    ({"images": [], "containers": [], "unfinished": ["settle-3"]}, None, None),
])
def test_a_cronjob_that_cannot_pull_is_planned_back_to_the_image_its_last_completed_run_ran(history, tool, args):
    pulls = finding(CRON, "ImagePullBackOff", image=BAD, run="pay/Job/settle-3")
    planned = plan(C.BAD_IMAGE, CRON, "bad_image", pulls, finding(CRON, "RunHistory", severity="info", **history))
    assert (planned.tool if planned else None) == tool
    if args:
        assert {k: planned.args[k] for k in args} == args and planned.risk == "medium"
        [fix] = plan_fix(planned)
        assert fix.commands[0] == f"kubectl -n pay set image cronjob/settle settle={GOOD}"
        assert fix.commands[-1] == "kubectl -n pay create job settle-fix --from=cronjob/settle"


def test_a_cronjob_image_is_pinned_to_the_image_its_template_names_now():
    from tests.unit.brains.test_fix_plans import pin
    cron = {"spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "settle", "image": BAD}]}}}}}}
    args = {"namespace": "pay", "name": "settle", "container": "settle", "image": GOOD, "rerun_stuck": ["settle-3"]}
    pinned = pin("set_cronjob_image", args, {("CronJob", "settle"): cron})
    assert pinned.plan.resource == CRON and pinned.plan.precondition == {"expect_image": BAD}
    assert "settle-3 deleted" in pinned.plan.pin
    assert "already runs" in pin("set_cronjob_image", {**args, "image": BAD}, {("CronJob", "settle"): cron}).refused
    assert "no container 'report'" in pin("set_cronjob_image", {**args, "container": "report"},
                                          {("CronJob", "settle"): cron}).refused


@pytest.mark.parametrize("severity, tool", [
    ("warning", "resume_cronjob"),  # suspended, its runs stopped: resumed
    ("info", None),  # a suspension the analyzer reads as no trouble: nothing to resume
])
def test_a_suspended_cronjob_is_planned_resumed(severity, tool):
    suspended = finding(CRON, "Suspended", "CronJob settle is suspended: it starts no run until `suspend: false`",
                        severity=severity)
    planned = plan(C.DEPENDENCY_FAILURE, CRON, "dependency_failure", suspended)
    assert (planned.tool if planned else None) == tool
    if tool:
        assert planned.args == {"namespace": "pay", "name": "settle"} and planned.risk == "medium"
        [fix] = plan_fix(planned)
        assert fix.commands == ["kubectl -n pay patch cronjob settle --type merge -p '{\"spec\": {\"suspend\": false}}'"]


@pytest.mark.parametrize("annotations, held", [
    ({}, False),
    ({"ops.example/maintenance": "MW-12 ledger migration window; suspended by d.c"}, True),  # a reason in force
    ({"ops.example/maintenance": "MW-12 ledger migration window; suspended by d.c",
      "ops.example/maintenance-closed": "MW-12 closed, migration verified"}, False),  # its own record says it is over
])
def test_a_resume_is_pinned_while_suspended_and_held_while_a_reason_for_the_suspension_is_in_force(annotations, held):
    from tests.unit.brains.test_fix_plans import pin
    cron = {"metadata": {"annotations": annotations}, "spec": {"suspend": True}}
    pinned = pin("resume_cronjob", {"namespace": "pay", "name": "settle"}, {("CronJob", "settle"): cron})
    assert pinned.plan.resource == CRON and "suspend true -> false" in pinned.plan.pin
    assert bool(pinned.intent) == held
    resumed = {"spec": {"suspend": False}}
    assert "no longer suspended" in pin("resume_cronjob", {"namespace": "pay", "name": "settle"},
                                        {("CronJob", "settle"): resumed}).refused


KEY_GONE = "Container reduce cannot start: ConfigMap reduce-config has no key REDUCTION_OUTPUT_BUCKET (CreateContainerConfigError)"


@pytest.mark.parametrize("resource, held, rollout_changed, tool", [
    (CRON, ["ARCHIVE_URL", "OUTPUT_BUCKET"], [], "set_key_reference"),  # one held key names it: renamed
    (WORKLOAD, ["ARCHIVE_URL", "OUTPUT_BUCKET"], ["image"], "set_key_reference"),  # a rollout of the image only
    (WORKLOAD, ["ARCHIVE_URL", "OUTPUT_BUCKET"], ["config_refs"], "rollout_undo"),  # the rollout moved the reference
    (CRON, ["ARCHIVE_URL", "OUTPUT_BUCKET", "REDUCTION_BUCKET"], [], None),  # two candidates: a human chooses
    (CRON, ["ARCHIVE_URL"], [], None),  # nothing names it: its value is a human's to add
])
def test_a_reference_to_a_renamed_key_is_planned_pointed_at_the_key_that_names_it(resource, held, rollout_changed, tool):
    findings = [finding(resource, "CreateContainerConfigError", KEY_GONE, existing_keys=held),
                finding(resource, "RunHistory", severity="info", unfinished=["settle-29932320"]),
                finding(resource, "CreateContainerConfigError", KEY_GONE, run="pay/Job/settle-29932320")]
    if rollout_changed:
        findings.append(finding(resource, "RecentRollout", severity="info", revision=4, previous_revision=3,
                                changed=rollout_changed))
    planned = plan(C.MISSING_CONFIG_REF, resource, "missing_config_ref", *findings)
    assert (planned.tool if planned else None) == tool
    if tool == "set_key_reference":
        cronjob = resource == CRON
        assert planned.args == {"namespace": "pay", "kind": "CronJob" if cronjob else "Deployment",
                                "name": "settle" if cronjob else "ledger", "source_kind": "ConfigMap",
                                "source_name": "reduce-config", "key": "REDUCTION_OUTPUT_BUCKET", "renamed_to": "OUTPUT_BUCKET",
                                "rerun_stuck": ["settle-29932320"] if cronjob else [], "run_now": cronjob}
        [fix] = plan_fix(planned)
        assert "s/\"key\": \"REDUCTION_OUTPUT_BUCKET\"/\"key\": \"OUTPUT_BUCKET\"/" in fix.commands[0]
        assert fix.commands[1:] == (["kubectl -n pay delete job settle-29932320",
                                     "kubectl -n pay create job settle-fix --from=cronjob/settle"] if cronjob else [])


def test_a_key_reference_is_pinned_only_while_the_template_reads_the_old_key():
    from tests.unit.brains.test_fix_plans import pin

    def cron(key: str) -> dict:
        env = [{"name": "OUT", "valueFrom": {"configMapKeyRef": {"name": "reduce-config", "key": key}}}]
        return {"spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "reduce", "env": env}]}}}}}}
    args = {"namespace": "pay", "kind": "CronJob", "name": "settle", "source_kind": "ConfigMap", "source_name": "reduce-config",
            "key": "REDUCTION_OUTPUT_BUCKET", "renamed_to": "OUTPUT_BUCKET", "rerun_stuck": [], "run_now": True}
    pinned = pin("set_key_reference", args, {("CronJob", "settle"): cron("REDUCTION_OUTPUT_BUCKET")})
    assert pinned.plan.resource == CRON and "container reduce env OUT" in pinned.plan.pin
    assert "no longer reads key" in pin("set_key_reference", args, {("CronJob", "settle"): cron("OUTPUT_BUCKET")}).refused
