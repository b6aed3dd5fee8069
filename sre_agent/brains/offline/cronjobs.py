"""What fills an exhausted quota: CronJobs whose runs pile up. A CronJob that lets runs overlap (concurrencyPolicy
Allow, the default) and whose runs do not finish starts another one every schedule tick; each holds its pods'
requests against the namespace's ResourceQuota until the quota is full and everything else in the namespace is
refused. Raising the quota only feeds the pile-up: the fix names the CronJob, its schedule and policy, and the runs
that have not finished (graph/quota_fixes.py writes the commands). Read once per namespace whose quota refuses."""

from __future__ import annotations

from .calls import Calls

MIN_UNFINISHED = 2  # two runs of one CronJob unfinished at once: a run outlived the schedule and the next one started
OVERLAP_POLICIES = (None, "", "Allow")  # Forbid skips a tick while a run is active; Replace ends the old run


def unfinished_runs(jobs: list[dict]) -> dict[str, list[dict]]:
    """CronJob name -> its Jobs with neither a Complete nor a Failed condition, oldest first."""
    runs: dict[str, list[dict]] = {}
    for job in jobs:
        if job.get("cronjob") and not job.get("condition"):
            runs.setdefault(str(job["cronjob"]), []).append(job)
    return {name: sorted(found, key=lambda j: str(j.get("created") or "")) for name, found in runs.items()}


async def cronjob_pileups(namespace: str, quotas: list[str], calls: Calls) -> None:
    """A `CronJobPileUp` finding on each CronJob of `namespace` with runs piling up against what they hold: its
    quota(s), or (`Node/<name>`) the node whose CPU or memory they take."""
    calls.find(namespace, "CronJobRunsRead", f"the CronJob runs of {namespace} were read: what holds its quota",
               [], severity="info")
    listed, ev = await calls("get_resources", kind="Job", namespace=namespace)
    for name, runs in unfinished_runs((listed or {}).get("items") or []).items():
        if len(runs) < MIN_UNFINISHED:
            continue
        described, ev_cj = await calls("describe", kind="CronJob", name=name, namespace=namespace, events_limit=0)
        spec = ((described or {}).get("object") or {}).get("spec") or {}
        policy = spec.get("concurrencyPolicy")
        if described is None or policy not in OVERLAP_POLICIES:
            continue
        deadline = (((spec.get("jobTemplate") or {}).get("spec") or {}).get("activeDeadlineSeconds"))
        cronjob = f"{namespace}/CronJob/{name}"
        names = [str(j.get("name")) for j in runs]
        calls.find(cronjob, "CronJobPileUp",
                   f"{cronjob} (schedule {spec.get('schedule')!r}, concurrencyPolicy {policy or 'Allow'}, "
                   f"{'no activeDeadlineSeconds' if deadline is None else f'activeDeadlineSeconds {deadline}'}) has "
                   f"{len(runs)} runs that have not finished, the oldest {names[0]} since {runs[0].get('created')}: "
                   f"they hold {', '.join(quotas)}", [ev, ev_cj], severity="warning",
                   cronjob=name, schedule=spec.get("schedule"), concurrency_policy=policy or "Allow", deadline=deadline,
                   unfinished=names, oldest_created=runs[0].get("created"), quotas=quotas)
