"""Fixes that fix (issue 35, classes C and D): "see the runbook" or a describe is never the whole answer -- every
category ends with a command that changes something, with named placeholders only for what a human supplies
(graph/fix_guards.py); an image that cannot be pulled is fixed on the container the evidence names, a one-off Job
or a bare pod re-created with it; and a quota held by a CronJob's runs that pile up names the CronJob and stops the
pile-up beside any raise (graph/quota_fixes.py). Table tests over findings."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from datetime import UTC, datetime

import pytest

from sre_agent.contracts import Diagnosis, Finding, Incident
from sre_agent.contracts import RootCauseCategory as C
from sre_agent.graph.fix_guards import only_reads
from sre_agent.graph.fixes import proposed_fixes
from sre_agent.graph.state import Investigation

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def f(resource: str, signal: str, summary: str = "", **details) -> Finding:
    return Finding(agent="kubernetes", resource=resource, signal=signal, summary=summary or signal, details=details,
                   evidence=["ev-1"])


def state(category: C, resource: str, *findings: Finding) -> Investigation:
    incident = Incident(id="inc-1", title="t", started_at=NOW, window_start=NOW, window_end=NOW)
    return Investigation(incident=incident, diagnosis=Diagnosis(category=category, resource=resource), findings=list(findings))


CASES = [(category, resource) for category in C if category != C.NONE
         for resource in ("ops/Deployment/api", "ops/StatefulSet/db", "ops/Job/backfill", "ops/CronJob/nightly",
                          "ops/Pod/debug", "Node/n1", "ops/ResourceQuota/q", "ops/PersistentVolumeClaim/data",
                          "ops/Service/api", "ops/ConfigMap/cfg")]


@pytest.mark.parametrize("category, resource", CASES)
def test_every_category_on_every_kind_ends_with_a_command_that_changes_something(category, resource):
    """Nothing but the diagnosis known (no builder can read a value): still a real command, never a describe."""
    fixes = proposed_fixes(state(category, resource))
    assert fixes and not all(only_reads(fix) for fix in fixes), [fix.commands for fix in fixes]
    assert not any("runbook" in fix.summary and not fix.commands for fix in fixes)


PULL = "ErrImagePull"


@pytest.mark.parametrize("resource, command", [
    ("batch/CronJob/nightly-report", "kubectl -n batch set image cronjob/nightly-report report=<image:tag that exists>"),
    ("batch/Job/month-end", "kubectl -n batch get job month-end -o json | kubectl patch --local -f - -p "),
    ("batch/Pod/one-off", "kubectl -n batch get pod one-off -o json | kubectl patch --local -f - -p "),
])
def test_an_image_that_cannot_be_pulled_is_replaced_on_the_container_the_evidence_names(resource, command):
    [fix] = proposed_fixes(state(C.BAD_IMAGE, resource, f(resource, PULL, image="reg/report:2.1.0", container="report")))
    assert fix.commands[0].startswith(command) and "report:2.1.0" in fix.needs
    if "/CronJob/" not in resource:  # re-created with the container named and the image left to a human
        assert '"name": "report", "image": "<image:tag that exists>"' in fix.commands[0]
        assert fix.commands[0].endswith("| kubectl replace --force -f -")


@pytest.mark.parametrize("affected, reruns", [
    (["batch/Job/nightly-report-manual"], ["kubectl -n batch delete job nightly-report-manual",
                                           "kubectl -n batch create job nightly-report-manual --from=cronjob/nightly-report"]),
    ([], []),  # no alarm watches the failed run: the next scheduled run is the proof, nothing is re-run by name
])
def test_a_failed_run_the_alarm_watches_is_run_again_from_the_fixed_template(affected, reruns):
    cronjob = "batch/CronJob/nightly-report"
    investigation = state(C.BAD_IMAGE, cronjob, f(cronjob, PULL, image="reg/report:2.1.0", container="report",
                                                  run="batch/Job/nightly-report-manual"))
    investigation.incident.affected = affected
    [fix] = proposed_fixes(investigation)
    assert fix.commands == ["kubectl -n batch set image cronjob/nightly-report report=<image:tag that exists>", *reruns]


@pytest.mark.parametrize("completed, command, needs", [
    # its last completed run pulled the same repository at another tag: that tag exists and worked -- nothing to supply
    (["reg/report:2.0.4"], "report=reg/report:2.0.4", False),
    (["reg/sidecar:1.0", "reg/report:2.0.4"], "report=reg/report:2.0.4", False),  # matched by repository, not position
    (["reg/report:2.1.0"], "report=<image:tag that exists>", True),  # the same image as the failing one: no proof
    (["other/report:2.0.4"], "report=<image:tag that exists>", True),  # another repository is another image
    ([], "report=<image:tag that exists>", True),
])
def test_a_cronjob_that_cannot_pull_goes_back_to_the_image_its_last_completed_run_ran(completed, command, needs):
    cronjob = "batch/CronJob/nightly-report"
    found = [f(cronjob, PULL, image="reg/report:2.1.0", container="report")]
    if completed:
        found.append(f(cronjob, "RunHistory", last_completed="nightly-report-290", images=completed))
    [fix] = proposed_fixes(state(C.BAD_IMAGE, cronjob, *found))
    assert fix.commands[0] == f"kubectl -n batch set image cronjob/nightly-report {command}"
    assert bool(fix.needs) is needs and ("last completed run" in fix.summary) is not needs
    # an image known to work: a run starts from the fixed template now (what the failed runs left undone is done now)
    assert (fix.commands[1:] == ["kubectl -n batch create job nightly-report-fix --from=cronjob/nightly-report"]) is not needs


def test_the_last_run_to_complete_is_the_newest_complete_one_with_images():
    from sre_agent.brains.offline.run_durations import last_completed
    runs = [{"name": "r1", "status": "Complete", "created": "2026-03-01T01:00:00Z", "images": ["reg/a:1"]},
            {"name": "r2", "status": "Complete", "created": "2026-03-01T02:00:00Z", "images": ["reg/a:2"]},
            {"name": "r3", "status": "Failed", "created": "2026-03-01T03:00:00Z", "images": ["reg/a:3"]},
            {"name": "r4", "status": "Running", "created": "2026-03-01T04:00:00Z", "images": ["reg/a:3"]}]
    assert last_completed(runs)["name"] == "r2"
    assert last_completed(runs[2:]) is None


Q = "platform/ResourceQuota/platform-compute"
REFUSAL = ('pods "email-worker-x" is forbidden: exceeded quota: platform-compute, requested: requests.cpu=50m, '
           'used: requests.cpu=1500m, limited: requests.cpu=1500m')
PILEUP = f("platform/CronJob/search-reindex", "CronJobPileUp", cronjob="search-reindex", schedule="*/15 * * * *",
           concurrency_policy="Allow", deadline=None, unfinished=["search-reindex-1", "search-reindex-2"],
           oldest_created="2026-03-01T09:00:00Z", quotas=[Q])


def test_a_quota_held_by_a_cronjobs_piled_up_runs_names_the_cronjob_and_stops_the_pile_up_beside_the_raise():
    fixes = proposed_fixes(state(C.QUOTA_EXCEEDED, Q, f(Q, "QuotaExceeded", REFUSAL), PILEUP))
    assert [fix.resource for fix in fixes] == ["platform/CronJob/search-reindex", Q]
    stop = fixes[0]
    assert "*/15 * * * *" in stop.summary and "concurrencyPolicy Allow" in stop.summary and "search-reindex-1" in stop.summary
    assert stop.commands == ["kubectl -n platform patch cronjob search-reindex --type merge -p "
                             "'{\"spec\": {\"concurrencyPolicy\": \"Forbid\"}}'",
                             "kubectl -n platform delete job search-reindex-1 search-reindex-2"]
    assert fixes[1].commands == ["kubectl -n platform patch resourcequota platform-compute --type merge -p "
                                 "'{\"spec\": {\"hard\": {\"requests.cpu\": \"1550m\"}}}'"]
    assert "pile-up" in fixes[1].summary
    # a pile-up against another quota is not this one's cause
    other = PILEUP.model_copy(update={"details": {**PILEUP.details, "quotas": ["platform/ResourceQuota/other"]}})
    assert [fix.resource for fix in proposed_fixes(state(C.QUOTA_EXCEEDED, Q, f(Q, "QuotaExceeded", REFUSAL), other))] == [Q]


def test_a_cordon_in_the_way_is_uncordoned_by_name_and_a_recorded_cordon_asks_first():
    sts = "data/StatefulSet/kv"
    cordon = f(sts, "CordonedNodes", nodes=["n2"], full=["n1", "n3"])
    [fix] = proposed_fixes(state(C.UNSCHEDULABLE, sts, f(sts, "FailedScheduling"), cordon))
    assert fix.resource == "Node/n2" and fix.commands == ["kubectl uncordon n2"] and not fix.needs
    noted = f("Node/n2", "RecordedIntent", intent={"resource": "Node/n2", "key": "ops/reason", "value": "kernel upgrade CHG-9",
                                                   "signal": "stated reason", "who": "platform-oncall"})
    [fix] = proposed_fixes(state(C.UNSCHEDULABLE, sts, f(sts, "FailedScheduling"), cordon, noted))
    assert fix.commands == ["kubectl uncordon n2"] and "CHG-9" in fix.needs and "platform-oncall" in fix.needs


YAML = """apiVersion: v1
data:
  DATABASE_URL: postgres://rx:p4ss+w0rd@db.rx.svc.cluster.local:6432/rx?sslmode=require
  POOL_SIZE: "6432"
kind: ConfigMap
"""


@pytest.mark.skipif(shutil.which("sed") is None, reason="needs sed, as the human running the pipeline has")
def test_a_masked_value_is_corrected_in_place_by_a_pipeline_that_touches_only_its_key_and_that_part():
    """The command a human pastes for a value shown masked: sed on the key's line only -- the password (never shown)
    and another key holding the same digits stay as they are."""
    from sre_agent.graph.endpoint_fixes import in_place_command
    command = in_place_command("rx", "ConfigMap", "rx-config", "DATABASE_URL", {"find": "6432", "replace": "5432"})
    assert command.startswith("kubectl -n rx get configmap rx-config -o yaml | sed -E ") and \
        command.endswith(" | kubectl replace -f -") and "redacted" not in command
    script = shlex.split(command.split(" | ")[1])[2]
    edited = subprocess.run(["sed", "-E", script], input=YAML, capture_output=True, text=True, check=True).stdout
    assert edited == YAML.replace(":6432/", ":5432/")


def test_a_correction_shown_masked_is_proposed_in_place_never_with_the_mask():
    holder, caller = "rx/ConfigMap/rx-config", "rx/Deployment/rx-api"
    unserved = f(caller, "EndpointUnserved", "rx-api's DATABASE_URL names port 6432", env="DATABASE_URL",
                 source="ConfigMap/rx-config/DATABASE_URL", port=6432, exposed_ports=[5432],
                 corrected_value="postgres://***redacted***@db.rx.svc.cluster.local:5432/rx",
                 corrected_edit={"find": "6432", "replace": "5432"})
    fixes = proposed_fixes(state(C.ENDPOINT_MISCONFIGURED, holder, unserved))
    commands = [c for fix in fixes for c in fix.commands]
    assert commands and not any("redacted" in c for c in commands), commands
    assert any("sed -E" in c and "6432" in c and "5432" in c for c in commands), commands


def test_a_value_known_to_answer_is_proposed_before_putting_back_what_it_ran_with():
    holder, caller = "rx/ConfigMap/rx-config", "rx/Deployment/rx-api"
    unserved = f(caller, "EndpointUnserved", "rx-api's DB_HOST names rx-db-replica, which does not exist", env="DB_HOST",
                 source="ConfigMap/rx-config/DB_HOST", corrected_value="rx-db.rx.svc.cluster.local")
    brought = f(holder, "ConfigBroughtIn", workload=caller, written="2026-03-01T11:40:00Z")
    fixes = proposed_fixes(state(C.ENDPOINT_MISCONFIGURED, holder, unserved, brought))
    assert "rx-db.rx.svc.cluster.local" in fixes[0].commands[0] and not fixes[0].needs  # approvable as it is
    assert any("edit configmap rx-config" in c for fix in fixes[1:] for c in fix.commands)  # the author's values after
