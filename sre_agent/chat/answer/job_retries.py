""""will the job retry by itself once the secret is fixed": what the Job controller does next. A Job retries a
failed pod (with a growing back-off) until it has failed backoffLimit times; then, or past its deadline, it is
Failed for good and never starts another pod -- fixing the cause does not rerun it. A CronJob's next scheduled run
is a new Job."""

from __future__ import annotations

import re

from ...contracts import parse_resource_id
from ..ask import Ask, handles
from ..models import Answer
from ..understand.references import kind_of
from .investigate import why_failing
from .runs import cronjob_of

DEFAULT_BACKOFF_LIMIT = 6  # the API server's default for spec.backoffLimit
RUN_WORDS = re.compile(r"\b(jobs?|cron\s*jobs?|runs?|re-?runs?|retr(y|ies|ied)|attempts?)\b", re.IGNORECASE)


async def _lasts(ask: Ask) -> Answer:
    """A fault found on a workload does not clear by itself: its cause stays until the fix is made (a restart or a new
    pod meets the same spec and cluster). Nothing found broken is said as such."""
    base = await why_failing(ask)
    if base.status != "problems":
        return base
    base.headline = f"Not on its own -- it lasts until its cause is fixed: {base.headline}"
    return base


@handles("job_retries", needs=("kubernetes",))
async def job_retries(ask: Ask) -> Answer:
    rid = ask.resource or ""
    if not RUN_WORDS.search(ask.question) and ask.recognised.refers_back and ask.focus and \
            kind_of(ask.focus[0]) not in ("Job", "CronJob"):
        ask.resource = ask.focus[0]  # "will it happen again": the conversation's subject, not the last Job it listed
        return await _lasts(ask)
    if kind_of(rid) not in ("Job", "CronJob"):  # "once the secret is fixed": the Job the conversation is about
        rid = next((r for r in ask.focus if kind_of(r) in ("Job", "CronJob")), rid)
    if kind_of(rid) not in ("Job", "CronJob") and rid and not RUN_WORDS.search(ask.question):
        return await _lasts(ask)  # "will it happen again" about a workload: whether its fault clears on its own
    if kind_of(rid) not in ("Job", "CronJob"):
        return ask.answer(f"{rid or 'That'} is not a Job or CronJob: only those retry runs. Which Job do you mean?",
                          status="needs_subject")
    namespace, kind, name = parse_resource_id(rid)
    described = await ask.call("kubernetes", "describe", {"kind": kind, "name": name, "namespace": namespace})
    if described.error is not None:
        return ask.answer(f"Could not read {rid}: {described.error[:200]}", status="unknown", resources=[rid])
    obj = (described.data or {}).get("object") or {}
    spec, state = obj.get("spec") or {}, obj.get("status") or {}
    if kind == "CronJob":
        suspended = bool(spec.get("suspend"))
        headline = (f"Not while it is suspended: CronJob {name} starts no run until 'suspend' is false" if suspended else
                    f"Its next scheduled run is a new Job (schedule {spec.get('schedule')}) and runs with whatever is "
                    f"fixed by then; a failed run is retried only within that run's backoffLimit")
        return ask.answer(headline, status="answered", resources=[rid],
                          next_steps=[f"To run it now: kubectl create job --from=cronjob/{name} {name}-manual -n {namespace}"])
    limit = spec.get("backoffLimit", DEFAULT_BACKOFF_LIMIT)
    failed = int(state.get("failed") or 0)
    ended = next((c for c in state.get("conditions") or [] if c.get("type") in ("Failed", "Complete")
                  and c.get("status") == "True"), None)
    owner = await cronjob_of(ask, namespace or "", name)
    again = (f"or let CronJob {owner.rsplit('/', 1)[-1]} start its next run (kubectl create job --from=cronjob/"
             f"{owner.rsplit('/', 1)[-1]} {name}-rerun -n {namespace} to run it now)" if owner else
             "then re-apply its manifest (kubectl apply -f <the Job's manifest>)")
    if ended and ended.get("type") == "Complete":
        return ask.answer(f"Nothing to retry: Job {name} completed ({state.get('succeeded', 0)} pod(s) succeeded)",
                          status="answered", resources=[rid])
    if ended:
        return ask.answer(f"No: Job {name} in {namespace} is Failed ({ended.get('reason')}: {failed} failed pod(s), "
                          f"backoffLimit {limit}) -- a finished Job never starts another pod, so fixing the cause does "
                          "not rerun it", status="problems", resources=[rid],
                          details=[f"condition Failed: {ended.get('reason')} -- {ended.get('message')}"],
                          next_steps=[f"Once the cause is fixed: kubectl delete job {name} -n {namespace}, {again}"])
    return ask.answer(f"Yes: Job {name} has failed {failed} time(s) of its backoffLimit {limit}; the controller starts "
                      "another pod after a back-off (10 s, doubling, up to 6 min), which will pick up the fix",
                      status="answered", resources=[rid],
                      next_steps=[f"Watch it: kubectl get job {name} -n {namespace} -w"])
