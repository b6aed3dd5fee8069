"""A model can only add: its conclusion is weighed against the offline brain's on the same evidence, and when it is
the weaker of the two the offline verdict stands, with the reason said. Weaker, by rules that read only this run's
structured findings -- never the model's prose:
  * the model found no fault where the analyzers found one ("healthy" against a found fault);
  * the model names a root resource on which this run found nothing wrong (no warning or critical finding on it),
    while the analyzers name one on which it did (an ungrounded or contradicted resource);
and for the investigation's end:
  * the model concluded before the questions the incident needs were asked (its alarmed object triaged, the
    alarm's metric read): they are asked first, and answered by the offline procedures (no model call).
Otherwise the model's conclusion stands -- it may see what no rule anticipated."""

from __future__ import annotations

from ...contracts import Diagnosis, RootCauseCategory
from ...graph.state import Investigation, Task
from ..offline.supervisor import initial_tasks


def _faulted(state: Investigation, resource: str) -> bool:
    return any(f.resource == resource and f.severity != "info" for f in state.findings)


def weaker(model: Diagnosis, offline: Diagnosis, state: Investigation) -> str | None:
    """Why the model's conclusion is weaker than the offline one (None: it is not)."""
    none = RootCauseCategory.NONE
    if offline.category == none:
        return None
    if model.category == none:
        return (f"the model found no fault where the analysis found {offline.category.value} on {offline.resource}")
    if model.resource != offline.resource and not _faulted(state, model.resource) and _faulted(state, offline.resource):
        return (f"the model names {model.resource}, on which this run found nothing wrong; the analysis found "
                f"{offline.category.value} on {offline.resource}")
    return None


def arbitrate(model: Diagnosis, offline: Diagnosis, state: Investigation, label: str) -> tuple[Diagnosis, str]:
    """The diagnosis that stands, marked with whose it is, and a note saying so."""
    why = weaker(model, offline, state)
    if why is None:
        return model.model_copy(update={"decided_by": f"llm ({label})"}), f"diagnosis decided by the llm ({label})"
    return (offline.model_copy(update={"decided_by": f"offline (over the model: {why})"}),
            f"diagnosis decided by the offline brain: {why}")


REQUIRED = "required before any verdict:"  # the reason of a question the arbiter asks: the offline procedure answers it


def required_first(state: Investigation) -> list[Task]:
    """The questions no brain may conclude without, for an alarm: its object triaged and its metric read (whatever
    the model's words for them; a question or a sweep has no object fixed in advance: the model chooses)."""
    incident = state.incident
    if not incident.affected:
        return []
    needed = initial_tasks(state)
    if incident.alarm:
        needed.append(Task(agent="metrics", target=incident.affected[0], question="alarm",
                           reason="when did the alarmed metric change, and how"))
    return [task.model_copy(update={"reason": f"{REQUIRED} {task.reason}"}) for task in needed
            if not any(t.agent == task.agent and t.target == task.target for t in state.tasks)]
