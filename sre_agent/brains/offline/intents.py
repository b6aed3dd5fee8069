"""What a person recorded doing on purpose to the objects the Kubernetes specialist reads -- a workload's or a node's
annotations, a rollout's change-cause -- as `RecordedIntent` findings (graph/intent.py reads the words). Evidence,
never a fault: the diagnosis does not blame a change made on purpose for its own sake, and no write that would
reverse it runs without a human (graph/pinning.py reads the object again before any write)."""

from __future__ import annotations

from typing import Any

from ...graph.intent import Intent, change_cause_intent, recorded_intent
from .calls import Calls


def _note(intents: list[Intent], evidence: str, calls: Calls) -> None:
    for intent in intents:
        if any(f.signal == "RecordedIntent" and f.resource == intent.resource and f.details.get("intent", {}).get("key") ==
               intent.key for f in calls.findings):
            continue
        calls.find(intent.resource, "RecordedIntent", f"changed on purpose: {intent.sentence()}", evidence, severity="info",
                   intent=intent.model_dump())


def note_intent(resource: str, obj: dict[str, Any] | None, evidence: str, calls: Calls) -> None:
    """The intents an object (as `describe` returns it) records on itself and on its pod template."""
    if not isinstance(obj, dict):
        return
    template = ((obj.get("spec") or {}).get("template") or {}).get("metadata")
    _note(recorded_intent(resource, obj.get("metadata"))
          + [i.model_copy(update={"about": "rollout"}) for i in recorded_intent(resource, template)], evidence, calls)


def note_change_cause(workload: str, current: dict[str, Any] | None, evidence: str, calls: Calls) -> None:
    """The live revision's change-cause, when it records why (a ticket, a plan) rather than only the command."""
    if current:
        _note(change_cause_intent(workload, current.get("revision"), current.get("change_cause")), evidence, calls)
