"""CronJob analyzer, ported from k8sgpt pkg/analyzer/cronjob.go: suspended CronJobs (a warning, as k8sgpt reports
them: a suspended CronJob starts no run, whatever its schedule says); otherwise
an invalid schedule (robfig/cron rules) and a negative startingDeadlineSeconds. Plus the
job template's references to missing ConfigMaps/Secrets, which would fail every run, and runs the
schedule called for that never started (cron_runs.py): suspended too long, skipped behind a stuck run."""

from __future__ import annotations

from .base import Finding, make_finding
from .cron_runs import cluster_now, missed_runs
from .cron_schedule import cron_schedule_error
from .view import ClusterView, name_of, spec_of, status_of
from .workload_template import TEMPLATE_READS, pod_template_findings


class CronJobAnalyzer:
    kind = "CronJob"
    reads: frozenset[str] = TEMPLATE_READS | {"Job"}  # its runs: when the cluster last started one

    def analyze(self, view: ClusterView) -> list[Finding]:
        findings: list[Finding] = []
        now = cluster_now(view)
        for cronjob in view.of_kind("CronJob"):
            name = name_of(cronjob)
            spec = spec_of(cronjob)
            if (missed := missed_runs(view, cronjob, now)) is not None:  # what stopped the runs, from their schedule
                findings.append(make_finding("CronJob", cronjob, "warning", *missed))
            elif spec.get("suspend"):  # no run missed yet that the cluster's records show -- but none will start
                last = status_of(cronjob).get("lastScheduleTime")
                findings.append(make_finding("CronJob", cronjob, "warning", "Suspended",
                                             f"CronJob {name} is suspended: it starts no run until `suspend: false` "
                                             f"({f'last run scheduled {last}' if last else 'no run recorded'})",
                                             ["spec.suspend=true", f"spec.schedule={spec.get('schedule')!r}"]))
            else:
                error = cron_schedule_error(spec.get("schedule"))
                if error:
                    findings.append(make_finding("CronJob", cronjob, "warning", "InvalidSchedule",
                                                 f"CronJob {name} has an invalid schedule: {error}",
                                                 [f"spec.schedule={spec.get('schedule') or ''!r}"]))
                deadline = spec.get("startingDeadlineSeconds")
                if deadline is not None and deadline < 0:
                    findings.append(make_finding("CronJob", cronjob, "warning", "InvalidStartingDeadline",
                                                 f"CronJob {name} has a negative starting deadline",
                                                 [f"spec.startingDeadlineSeconds={deadline}"]))
            job_spec = ((spec.get("jobTemplate") or {}).get("spec") or {})
            pod_spec = (job_spec.get("template") or {}).get("spec") or {}
            findings += pod_template_findings(view, "CronJob", cronjob, pod_spec,
                                              template_path="spec.jobTemplate.spec.template.spec")
        return findings
