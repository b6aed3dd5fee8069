"""Job analyzer, ported from k8sgpt pkg/analyzer/job.go: suspended Jobs and Jobs with failed
pods. Also: the Failed condition's reason (BackoffLimitExceeded, DeadlineExceeded) makes it
critical; a Job that completed after a failed attempt is not reported (k8sgpt reports it); a run whose
main container finished while another keeps running (a sidecar that never exits) never completes."""

from __future__ import annotations

from .base import Finding, make_finding
from .describe import describe_condition
from .view import ClusterView, name_of, namespace_of, spec_of, status_of
from .workload_template import TEMPLATE_READS, pod_template_findings, template_pod_spec

DEFAULT_BACKOFF_LIMIT = 6


def _condition(job: dict, condition_type: str) -> dict | None:
    return next(
        (c for c in status_of(job).get("conditions") or [] if c.get("type") == condition_type and c.get("status") == "True"),
        None,
    )


class JobAnalyzer:
    kind = "Job"
    reads: frozenset[str] = frozenset({"CronJob", "Pod"}) | TEMPLATE_READS

    def analyze(self, view: ClusterView) -> list[Finding]:
        findings: list[Finding] = []
        for job in view.of_kind("Job"):
            name = name_of(job)
            spec, status = spec_of(job), status_of(job)
            owner = view.controller_of(job)
            if spec.get("suspend"):
                findings.append(make_finding("Job", job, "info", "Suspended", f"Job {name} is suspended",
                                             ["spec.suspend=true"], owner))
            failed = status.get("failed") or 0
            if failed > 0 and _condition(job, "Complete") is None:
                failure = _condition(job, "Failed")
                evidence = [f"status.failed={failed}", f"status.succeeded={status.get('succeeded') or 0}"]
                if failure is not None:
                    evidence.append(describe_condition(failure))
                    detail = ": ".join(part for part in (failure.get("reason"), failure.get("message")) if part)
                    findings.append(make_finding("Job", job, "critical", "JobFailed",
                                                 f"Job {name} has failed: {detail or 'Failed'}", evidence, owner))
                else:
                    limit = spec.get("backoffLimit", DEFAULT_BACKOFF_LIMIT)
                    findings.append(make_finding(
                        "Job", job, "warning", "JobFailed",
                        f"Job {name} has failed {failed} time(s) so far (backoffLimit {limit})", evidence, owner,
                    ))
            if _condition(job, "Complete") is None and _condition(job, "Failed") is None:
                findings += _held_open(view, job, owner)
            findings += pod_template_findings(view, "Job", job, template_pod_spec(job), owner=owner)
        return findings


def _held_open(view: ClusterView, job: dict, owner: str | None) -> list[Finding]:
    """A pod of a running Job whose container finished its work (exit 0) while another still runs: a pod succeeds
    only when every container has exited, so the Job stays active -- a sidecar without an end (a native sidecar is an
    init container with restartPolicy Always, which the kubelet stops at the end)."""
    for pod in view.owned_by("Pod", "Job", name_of(job), namespace_of(job)):
        statuses = status_of(pod).get("containerStatuses") or []
        done = [c["name"] for c in statuses if ((c.get("state") or {}).get("terminated") or {}).get("exitCode") == 0]
        running = [c["name"] for c in statuses if (c.get("state") or {}).get("running") is not None]
        if done and running:
            return [make_finding("Job", job, "warning", "HeldOpen",
                                 f"Job {name_of(job)} cannot complete: in pod {name_of(pod)} container {', '.join(done)} "
                                 f"finished (exit 0) but {', '.join(running)} is still running -- a pod completes only "
                                 "when every container exits", [f"pod {name_of(pod)}: terminated {done}, running {running}"],
                                 owner)]
    return []
