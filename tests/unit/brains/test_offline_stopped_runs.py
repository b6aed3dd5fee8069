"""A CronJob whose runs stopped is the root of "it did not run": suspended, it starts none (the workload left off,
as a Deployment left at zero); held behind a run a never-exiting container keeps open, its job template is what went
wrong -- never a failed one-off Job beside it. And the fixes name the write that brings the runs back: resume it; or
delete the stuck run and give every run an end. Table tests over findings."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sre_agent.brains.offline.brain import unrelated_jobs
from sre_agent.brains.offline.diagnosis import best, hypotheses
from sre_agent.chat.answer.node_facts import USE_ASKED
from sre_agent.contracts import Finding, Incident
from sre_agent.graph.cronjob_fixes import resume_fixes, stuck_run_fixes
from sre_agent.graph.state import Investigation

CRONJOB = "labs/CronJob/results-import"
ONE_OFF = "labs/Job/backfill-0919"


def finding(resource: str, signal: str, summary: str = "", severity: str = "warning", **details) -> Finding:
    return Finding(agent="kubernetes", resource=resource, signal=signal, severity=severity, summary=summary or signal,
                   details=details)


SUSPENDED = finding(CRONJOB, "Suspended", "CronJob results-import is suspended: it starts no run until `suspend: false`")
SKIPPED = finding(CRONJOB, "RunsSkipped", "CronJob results-import skipped 7 scheduled runs since 2026-11-27T03:15:00+00:00: "
                  "concurrencyPolicy Forbid and its run results-import-2991 is still active, running for 2h10m")
HELD = finding(CRONJOB, "HeldOpen", "run results-import-2991: Job results-import-2991 cannot complete: in pod "
               "results-import-2991-x container export finished (exit 0) but feed-proxy is still running",
               run="labs/Job/results-import-2991")
FAILED_ONE_OFF = finding(ONE_OFF, "JobFailed", "Job backfill-0919 has failed", severity="critical")


@pytest.mark.parametrize("found, category", [
    ([SUSPENDED], "dependency_failure"),
    ([SKIPPED], "bad_deploy_regression"),
    ([HELD, SKIPPED], "bad_deploy_regression"),
])
def test_a_cronjob_whose_runs_stopped_is_the_root(found, category):
    chosen = best(hypotheses(found))
    assert (chosen.category.value, chosen.resource) == (category, CRONJOB)


def test_a_held_run_outranks_a_failed_one_off_job_beside_it():
    # the one-off Job's failure names no root by itself (no config error read): the runs that cannot end do
    chosen = best(hypotheses([FAILED_ONE_OFF, HELD, SKIPPED]))
    assert chosen.resource == CRONJOB


def test_a_suspended_job_is_information_not_a_root():
    run = finding("labs/Job/results-import-1", "Suspended", "Job results-import-1 is suspended", severity="info")
    assert best(hypotheses([run])) is None or best(hypotheses([run])).category.value == "none"


def test_a_suspended_cronjob_is_resumed():
    fixes = resume_fixes([SUSPENDED], CRONJOB)
    assert [f.commands[0] for f in fixes] == [
        "kubectl -n labs patch cronjob results-import --type merge -p '{\"spec\": {\"suspend\": false}}'"]
    assert resume_fixes([SKIPPED], CRONJOB) == []  # not suspended: nothing to resume


def test_a_run_held_open_is_deleted_and_every_run_given_an_end():
    (fix,) = stuck_run_fixes([HELD, SKIPPED], CRONJOB)
    assert fix.commands[0] == "kubectl -n labs delete job results-import-2991"
    assert '"activeDeadlineSeconds": 3600' in fix.commands[1]
    assert "feed-proxy" in fix.summary and "feed-proxy" in fix.needs  # the container to take out, by name


def test_skipped_runs_without_the_stuck_runs_name_ask_for_it():
    skipped = finding(CRONJOB, "RunsSkipped", "CronJob results-import skipped 3 scheduled runs")
    (fix,) = stuck_run_fixes([skipped], CRONJOB)
    assert not any("delete job" in c for c in fix.commands) and "stuck run's name" in fix.needs


@pytest.mark.parametrize("held, category", [
    (["Node/ip-10-0-3-7.ec2.internal"], "bad_deploy_regression"),  # runs piling up on the alarmed node: its own fault
    (["labs/ResourceQuota/labs-quota"], None),  # against a quota: the quota is the root (its fix stops the pile-up first)
])
def test_runs_that_pile_up_on_a_node_root_at_their_cronjob(held, category):
    pileup = finding(CRONJOB, "CronJobPileUp", "3 runs have not finished", quotas=held, unfinished=["a", "b", "c"],
                     schedule="*/5 * * * *", concurrency_policy="Allow")
    chosen = best(hypotheses([pileup]))
    assert (chosen.category.value if chosen else None) == category
    if category:
        (fix,) = stuck_run_fixes([pileup], CRONJOB)
        assert '"concurrencyPolicy": "Forbid"' in fix.commands[0] and fix.commands[1] == "kubectl -n labs delete job a b c"


@pytest.mark.parametrize("question, asked", [
    ("What is using the CPU on ip-10-31-30-66.ec2.internal?", True), ("cpu alarm on the work node, what is eating it", True),
    ("which pods hog memory on that node", True), ("is the node ok", False)])
def test_a_question_about_what_uses_a_node_is_read_as_such(question, asked):
    assert bool(USE_ASKED.search(question)) is asked


def _investigation(affected: list[str], *found: Finding) -> Investigation:
    now = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
    incident = Incident(id="inc-1", title="t", started_at=now, window_start=now, window_end=now, affected=affected)
    return Investigation(incident=incident, findings=list(found))


def test_a_one_off_job_that_failed_elsewhere_is_not_the_incidents_root():
    failed = finding("billing/Job/invoice-backfill-q3", "JobFailed", severity="critical")
    assert unrelated_jobs(_investigation(["orders/Deployment/orders-api"], failed)) == {"billing/Job/invoice-backfill-q3"}
    assert unrelated_jobs(_investigation(["billing/Deployment/invoicing"], failed)) == set()  # its namespace: related
    assert unrelated_jobs(_investigation(["billing/Job/invoice-backfill-q3"], failed)) == set()  # asked about
    assert unrelated_jobs(_investigation([], failed)) == set()  # a cold "what is broken": every problem counts
    run = finding("labs/Job/results-import-1", "JobFailed")
    carried = finding(CRONJOB, "JobFailed", run="labs/Job/results-import-1")
    assert unrelated_jobs(_investigation(["orders/Deployment/orders-api"], run, carried)) == set()  # a CronJob's run


def test_an_alarm_on_no_object_sets_aside_one_off_jobs_unless_it_is_about_jobs():
    failed = finding("billing/Job/invoice-backfill-q3", "JobFailed", severity="critical")
    nodes = _investigation([], failed)
    nodes.incident.alarm = {"AlarmName": "node-count", "Trigger": {"MetricName": "cluster_node_count"}}
    assert unrelated_jobs(nodes) == {"billing/Job/invoice-backfill-q3"}
    jobs = _investigation([], failed)
    jobs.incident.alarm = {"AlarmName": "jobs-failed", "Trigger": {"MetricName": "kube_job_status_failed"}}
    assert unrelated_jobs(jobs) == set()
