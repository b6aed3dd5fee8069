"""The offline brain: a deterministic diagnostic policy that reasons only from tool results."""

from __future__ import annotations

from ...contracts import Diagnosis, Evidence, RootCauseCategory
from ...graph.coverage import HEALTH_BACKENDS, backend_checks, could_not_check_sentence, holes
from ...graph.ports import Tools
from ...graph.state import SERVER_OF_AGENT, Investigation, RemediationPlan, Task
from . import kubernetes, logs, metrics, runbooks
from .calls import Calls
from .diagnosis import diagnose
from .supervisor import next_task

PROCEDURES = {"kubernetes": kubernetes.investigate, "metrics": metrics.investigate, "logs": logs.investigate,
              "runbooks": runbooks.investigate}


class OfflineBrain:
    name = "offline"

    async def next_task(self, state: Investigation) -> Task | None:
        return next_task(state)

    async def investigate(self, task: Task, state: Investigation, tools: Tools) -> Calls:
        calls = Calls(tools, task.agent, SERVER_OF_AGENT[task.agent])
        await PROCEDURES[task.agent](task, state, calls)
        return calls

    async def diagnose(self, state: Investigation):
        records = {r.id: r for r in state.tool_calls}

        def lookup(evidence_id: str) -> Evidence | None:
            record = records.get(evidence_id)
            if record is None:
                return None
            return Evidence(id=record.id, source_tool=f"{record.server}.{record.tool}", args=record.args,
                            excerpt=record.excerpt[:300])

        aside = unrelated_jobs(state)  # a one-off Job that failed elsewhere is its own problem, not this incident's root
        diagnosis, ranked = diagnose([f for f in state.findings if f.resource not in aside], lookup)
        return _unseen_is_not_healthy(diagnosis, state).model_copy(update={"decided_by": "offline"}), ranked

    async def plan_remediation(self, state: Investigation) -> RemediationPlan | None:
        return runbooks.plan_from_findings(state)


def unrelated_jobs(state: Investigation) -> set[str]:
    """The one-off Jobs (no CronJob's runs) whose failures the sweeps read outside what the incident is about -- not a
    target, not in a namespace of one: a backfill that failed hours ago in another namespace is its own problem, never
    the root cause of an alarm or a question about something else (an alarm on no object -- a node count -- and not on
    Jobs sets every one-off Job aside). Nothing is set aside when a question names nothing (a cold "what is broken":
    every problem is a candidate)."""
    targets = [t for t in state.incident.affected if t.count("/") == 2]
    alarm = state.incident.alarm or {}
    metric = str((alarm.get("Trigger") or {}).get("MetricName") or alarm.get("MetricName") or "").lower()
    if not targets and not (alarm and "job" not in metric):  # an alarm on no object, not about Jobs: none is its root
        return set()
    namespaces = {t.split("/")[0] for t in targets}
    runs = {str(f.details.get("run")) for f in state.findings if f.details.get("run")}
    return {f.resource for f in state.findings if "/Job/" in f.resource and f.resource not in targets
            and f.resource not in runs and f.resource.split("/")[0] not in namespaces}


def _unseen_is_not_healthy(diagnosis: Diagnosis, state: Investigation) -> Diagnosis:
    """No finding is not "nothing wrong" when a backend could not be reached: a failed listing reads
    as an empty one to the procedures (they see None), so say the evidence is missing instead of
    "every check came back healthy", with no confidence in the absence of a fault."""
    if diagnosis.category != RootCauseCategory.NONE:
        return diagnosis
    # Not reached, or never asked (a model that ended the investigation early): either way nothing was seen there.
    failed = holes(backend_checks(state.tool_calls, HEALTH_BACKENDS), HEALTH_BACKENDS)
    if not failed:
        return diagnosis
    return diagnosis.model_copy(update={"confidence": 0.0, "summary": "No root cause found, and the evidence is "
                                        f"incomplete: {could_not_check_sentence(failed)}"})
