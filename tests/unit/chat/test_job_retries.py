"""'will the job retry by itself once the secret is fixed': a Job past its backoffLimit is Failed for good (fixing the
cause does not rerun it -- delete and re-create it, or run its CronJob again); one with failures left retries; a
completed one has nothing to retry; a suspended CronJob starts nothing."""

from __future__ import annotations

import asyncio

import pytest

from sre_agent.chat.answer.job_retries import job_retries
from sre_agent.chat.ask import Ask
from sre_agent.chat.understand.forms import recognise
from sre_agent.contracts import ToolCallRecord
from sre_agent.graph.ports import ToolOutcome

FAILED = {"spec": {"backoffLimit": 3}, "status": {"failed": 4, "conditions": [
    {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit"}]}}
RETRYING = {"spec": {}, "status": {"failed": 2, "active": 1}}
DONE = {"spec": {}, "status": {"succeeded": 1, "conditions": [{"type": "Complete", "status": "True"}]}}
SUSPENDED = {"spec": {"schedule": "0 2 * * *", "suspend": True}, "status": {}}


class Cluster:
    parameters: dict = {}

    def __init__(self, obj: dict, cronjob: str | None = None):
        self.obj, self.cronjob = obj, cronjob

    async def call(self, agent, server, tool, args, brain="offline"):
        record = ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True)
        if tool == "get_resources":  # the Job's row: which CronJob (if any) it is a run of
            return ToolOutcome(record=record, data={"items": [{"name": "export", "cronjob": self.cronjob}]})
        return ToolOutcome(record=record, data={"object": self.obj})


def ask(obj: dict, focus: list[str], cronjob: str | None = None) -> Ask:
    question = "will the job retry by itself once the secret is fixed?"
    return Ask(question=question, recognised=recognise(question), tools=Cluster(obj, cronjob), focus=focus)


@pytest.mark.parametrize("obj, focus, cronjob, starts, step", [
    (FAILED, ["reporting/Secret/sftp", "reporting/Job/export"], None, "No: Job export in reporting is Failed "
     "(BackoffLimitExceeded: 4 failed pod(s), backoffLimit 3)", "kubectl delete job export -n reporting, then re-apply"),
    (FAILED, ["reporting/Job/export"], "nightly", "No: Job export", "kubectl create job --from=cronjob/nightly"),
    (RETRYING, ["reporting/Job/export"], None, "Yes: Job export has failed 2 time(s) of its backoffLimit 6", "-w"),
    (DONE, ["reporting/Job/export"], None, "Nothing to retry: Job export completed", None),
    (SUSPENDED, ["reporting/CronJob/export"], None, "Not while it is suspended", "kubectl create job --from=cronjob/export"),
])
def test_what_the_job_controller_does_next(obj, focus, cronjob, starts, step):
    answer = asyncio.run(job_retries(ask(obj, focus, cronjob)))
    assert answer.headline.startswith(starts)
    if step:
        assert step in answer.next_steps[0]


def test_not_a_job_asks_which():
    answer = asyncio.run(job_retries(ask(FAILED, ["reporting/Deployment/api"])))
    assert answer.status == "needs_subject"
