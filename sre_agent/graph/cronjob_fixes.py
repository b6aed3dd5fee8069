"""Fixes for a CronJob whose runs stopped: suspended (resume it), or held behind a run that cannot end (a container
in its job template that never exits keeps every run active, and under Forbid the next ones are skipped: the stuck run
goes, and the template gets an end -- the container that never exits taken out, a deadline on every run).

Read from the analyzer's findings the investigation carried (cron_runs.py, job.py): `Suspended`, `RunsSkipped`
(`... its run <job> is still active ...`) and `HeldOpen` (`... but <container> is still running ...`)."""

from __future__ import annotations

import json
import re

from ..contracts import Finding, ProposedFix, parse_resource_id
from .fix_guards import evidence_of, findings_about
from .kubectl_words import namespace_flag as _ns
from .quota_fixes import pileup_fixes

ACTIVE_RUN = re.compile(r"its run (?P<job>[\w.-]+) is still active")
STILL_RUNNING = re.compile(r"but (?P<containers>[\w.-]+(?:, [\w.-]+)*) is still running")
RUN_DEADLINE_S = 3600  # an upper bound for a run, for a human to tune: a run that hangs is ended, never left open


def resume_fixes(findings: list[Finding], cronjob: str) -> list[ProposedFix]:
    """A suspended CronJob starts no run: `suspend: false` resumes it (a run it missed within its starting deadline
    starts at once)."""
    suspended = [f for f in findings_about(findings, cronjob, "Suspended") if f.severity != "info"]
    namespace, kind, name = parse_resource_id(cronjob)
    if not suspended or kind != "CronJob":
        return []
    return [ProposedFix(resource=cronjob, summary=f"{cronjob} is suspended, so it starts no run: resume it",
                        commands=[f"kubectl {_ns(namespace)}patch cronjob {name} --type merge -p "
                                  f"'{json.dumps({'spec': {'suspend': False}})}'",
                                  f"kubectl {_ns(namespace)}get jobs --watch"],
                        evidence=evidence_of(suspended))]


def stuck_run_fixes(findings: list[Finding], cronjob: str) -> list[ProposedFix]:
    """Runs held open by a container that never exits: delete the stuck run, and give the template an end. Runs that
    overlap and take a node: Forbid the overlap and delete the unfinished ones (quota_fixes.pileup_fixes says it)."""
    for pileup in findings_about(findings, cronjob, "CronJobPileUp"):
        return [fix for taken in pileup.details.get("quotas") or [] for fix in pileup_fixes(findings, str(taken))
                if fix.resource == cronjob][:1]
    held = findings_about(findings, cronjob, "HeldOpen", "RunsSkipped")
    namespace, kind, name = parse_resource_id(cronjob)
    if not held or kind != "CronJob":
        return []
    runs = sorted({m.group("job") for f in held if (m := ACTIVE_RUN.search(f.summary))}
                  | {str(job).rsplit("/", 1)[-1] for f in held if f.signal == "HeldOpen"
                     and "/Job/" in str(job := f.details.get("run") or f.details.get("object") or "")})
    open_containers = sorted({c for f in held if (m := STILL_RUNNING.search(f.summary)) for c in m.group("containers").split(", ")})
    deadline = {"spec": {"jobTemplate": {"spec": {"activeDeadlineSeconds": RUN_DEADLINE_S}}}}
    commands = [f"kubectl {_ns(namespace)}delete job {run}" for run in runs]
    commands.append(f"kubectl {_ns(namespace)}patch cronjob {name} --type merge -p '{json.dumps(deadline)}'")
    what = (f"container {', '.join(open_containers)} never exits, so no run completes" if open_containers
            else "a run that does not end holds the next ones back")
    return [ProposedFix(
        resource=cronjob,
        summary=f"{cronjob}: {what} -- delete the stuck run{'' if len(runs) == 1 else 's'} "
                f"({', '.join(runs) or 'the active Job'}), then end every run: "
                + (f"take {', '.join(open_containers)} out of the job template (or make it a native sidecar: an init "
                   "container with restartPolicy Always, which stops when the run's work ends) and " if open_containers else "")
                + f"set activeDeadlineSeconds ({RUN_DEADLINE_S} s here; the longest a good run takes, with room)",
        commands=commands,
        needs="; ".join(need for need in (
            "" if runs else "the stuck run's name (kubectl get jobs: the one still active), to delete it",
            f"the job template without {', '.join(open_containers)} (kubectl edit cronjob/{name})" if open_containers else "")
            if need),
        evidence=evidence_of(held))]
