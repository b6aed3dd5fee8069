"""What fills an exhausted quota: CronJobs whose runs pile up. A CronJob that lets runs overlap (concurrencyPolicy
Allow, the default) and whose runs do not finish starts another one every schedule tick; each holds its pods'
requests against the namespace's ResourceQuota until the quota is full and everything else in the namespace is
refused. Raising the quota only feeds the pile-up: the fix names the CronJob, its schedule and policy, and the runs
that have not finished (graph/quota_fixes.py writes the commands). Read once per namespace whose quota refuses."""

from __future__ import annotations

from ...contracts import Finding
from ...contracts import RootCauseCategory as C
from ...graph.state import Hypothesis
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


STARVING_RUNS = 3  # unfinished runs of one CronJob that, beside pods Pending for room, are what took the room


async def pileups_taking_room(pending: str, calls: Calls) -> None:
    """Pods of `pending` cannot be placed for want of CPU or memory: CronJobs anywhere whose runs pile up (STARVING_RUNS
    or more unfinished at once, overlapping allowed) hold that room -- each gets a CronJobPileUp that `starves` it."""
    listed, _ = await calls("get_resources", kind="Job", limit=5000)
    crowded: dict[str, int] = {}
    for job in (listed or {}).get("items") or []:
        if job.get("cronjob") and not job.get("condition") and job.get("namespace"):
            crowded[str(job["namespace"])] = crowded.get(str(job["namespace"]), 0) + 1
    for namespace in [n for n, count in crowded.items() if count >= STARVING_RUNS]:
        await cronjob_pileups(namespace, ["Node/*"], calls, starves=pending,
                              at_least=STARVING_RUNS)


async def cronjob_pileups(namespace: str, quotas: list[str], calls: Calls, *, starves: str | None = None,
                          at_least: int = MIN_UNFINISHED) -> None:
    """A `CronJobPileUp` finding on each CronJob of `namespace` with runs piling up against what they hold: its
    quota(s), or (`Node/<name>`) the node whose CPU or memory they take; `starves`: the workload whose pods are Pending
    for the room they hold."""
    calls.find(namespace, "CronJobRunsRead", f"the CronJob runs of {namespace} were read: what holds its quota",
               [], severity="info")
    listed, ev = await calls("get_resources", kind="Job", namespace=namespace)
    for name, runs in unfinished_runs((listed or {}).get("items") or []).items():
        if len(runs) < at_least:
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
                   f"they hold {f'the room the pods of {starves} are Pending for' if starves else ', '.join(quotas)}",
                   [ev, ev_cj], severity="warning",
                   cronjob=name, schedule=spec.get("schedule"), concurrency_policy=policy or "Allow", deadline=deadline,
                   unfinished=names, oldest_created=runs[0].get("created"), quotas=quotas,
                   **({"starves": starves} if starves else {}))


def room_taken_by_runs(merged: dict[tuple[C, str], Hypothesis], findings: list[Finding]) -> None:
    """Pods Pending for room that a CronJob's piled-up runs hold: the pile-up explains them -- their unschedulable
    hypothesis drops below it (raising their room or their node group only feeds the pile-up)."""
    for f in findings:
        pending = str(f.details.get("starves") or "")
        pile = merged.get((C.BAD_DEPLOY_REGRESSION, f.resource))
        starved = merged.get((C.UNSCHEDULABLE, pending))
        if f.signal == "CronJobPileUp" and pile is not None and starved is not None:
            starved.confidence = min(starved.confidence, pile.confidence - 0.15)
            reason = f"the room its pods wait for is held by {f.resource}'s runs piling up"
            if reason not in starved.reasons:
                starved.reasons.append(reason)
