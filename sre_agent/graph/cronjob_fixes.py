"""Fixes for a CronJob whose runs stopped: suspended (resume it), or held behind a run that cannot end (a container
in its job template that never exits keeps every run active, and under Forbid the next ones are skipped: the stuck run
goes, and the template gets an end -- the container that never exits taken out, a deadline on every run).

Read from the analyzer's findings the investigation carried (cron_runs.py, job.py): `Suspended`, `RunsSkipped`
(`... its run <job> is still active ...`) and `HeldOpen` (`... but <container> is still running ...`)."""

from __future__ import annotations

import json
import math
import re

from ..contracts import Finding, ProposedFix, parse_resource_id
from .fix_guards import evidence_of, findings_about
from .kubectl_words import namespace_flag as _ns
from .quota_fixes import pileup_fixes

ACTIVE_RUN = re.compile(r"its run (?P<job>[\w.-]+) is still active")
STILL_RUNNING = re.compile(r"but (?P<containers>[\w.-]+(?:, [\w.-]+)*) is still running")
PULL_SIGNALS = ("ImagePullBackOff", "ErrImagePull", "InvalidImageName")
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
    namespace, kind, name = parse_resource_id(cronjob)
    for moved in findings_about(findings, cronjob, "RunsFailSinceImage"):  # back to the image its last good run ran
        before = str(moved.details.get("image_before"))
        worked = last_worked_image(findings, cronjob, str(moved.details.get("image_now")))  # the container that ran it
        container = worked[0] if worked and worked[0] and worked[1] == before else "<container>"
        return [ProposedFix(resource=cronjob, summary=f"{cronjob}: its runs fail since its image moved to "
                            f"{moved.details.get('image_now')}; set it back to {before}, which its last completed run "
                            f"({moved.details.get('last_completed')}) ran",
                            commands=[f"kubectl {_ns(namespace)}set image cronjob/{name} {container}={before}"],
                            needs="" if container != "<container>" else "the container that runs the image",
                            evidence=list(moved.evidence))]
    for killed in findings_about(findings, cronjob, "RunsKilledAtDeadline"):  # a deadline under the work: room again
        usual = float(killed.details.get("usual_s") or 0)
        back = killed.details.get("deadline_before") or int(math.ceil(usual * 1.5 / 60) * 60)
        room = {"spec": {"jobTemplate": {"spec": {"activeDeadlineSeconds": back}}}}
        said = "back to what its completed runs had" if killed.details.get("deadline_before") else "half again the time its runs take"
        return [ProposedFix(resource=cronjob, summary=f"{cronjob}: its runs are killed at activeDeadlineSeconds "
                            f"{killed.details.get('deadline_s')}s while a run takes about {usual / 60:.0f} min; set it to "
                            f"{back}s ({said})",
                            commands=[f"kubectl {_ns(namespace)}patch cronjob {name} --type merge -p '{json.dumps(room)}'"],
                            evidence=list(killed.evidence))]
    held = findings_about(findings, cronjob, "HeldOpen", "RunsSkipped")
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


def image_repository(image: str) -> str:
    """An image reference without its tag or digest (`registry:5000/team/app:1.2` -> `registry:5000/team/app`)."""
    name = image.split("@", 1)[0]
    head, _, tail = name.rpartition(":")
    return head if head and "/" not in tail else name


def image_tag(image: str) -> str:
    """An image reference's tag (`registry:5000/team/app:1.2` -> `1.2`), "" when it names none."""
    return image.rsplit(":", 1)[-1] if ":" in image.rsplit("/", 1)[-1] else ""


def last_worked_image(findings: list[Finding], cronjob: str, failing: str) -> tuple[str | None, str] | None:
    """(container, image): the image of the same repository that the CronJob's last completed run ran (RunHistory), when
    it is not the one that cannot be pulled -- a tag known to exist and to work, so the fix needs no value from a human --
    and the container that ran it (None when the run's listing named no containers)."""
    for found in findings_about(findings, cronjob, "RunHistory"):
        images, containers = found.details.get("images") or [], found.details.get("containers") or []
        same = [k for k, i in enumerate(images) if image_repository(i) == image_repository(failing) and i != failing]
        if len(same) == 1:
            k = same[0]
            return (str(containers[k]) if len(containers) == len(images) else None), str(images[k])
    return None


def runs_stuck_on_pull(findings: list[Finding], cronjob: str) -> list[str]:
    """The CronJob's runs that have not finished and cannot pull their image: what a fixed template replaces (under
    Forbid such a run holds off every scheduled one until its deadline)."""
    return runs_stuck(findings, cronjob, PULL_SIGNALS)


def runs_stuck(findings: list[Finding], cronjob: str, signals: tuple[str, ...]) -> list[str]:
    """The CronJob's runs that have not finished and whose pods show one of `signals` (cannot pull, cannot be
    configured): the runs a fixed template replaces."""
    stuck = {str(f.details["run"]).rsplit("/", 1)[-1] for f in findings_about(findings, cronjob, *signals)
             if f.details.get("run")}
    open_runs = {str(r) for f in findings_about(findings, cronjob, "RunHistory") for r in f.details.get("unfinished") or []}
    return sorted(stuck & open_runs)
