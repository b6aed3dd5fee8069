"""A chat model's answer checked against the facts this turn's tools returned, and weighed against the
offline chat's answer to the same question: with any model, however weak, a chat turn never answers worse
than the offline chat would.

- A resource the model names that no tool result of the turn, no argument it was called with and no
  offline finding mentions is dropped (an invented name reads as a clean bill of health for nothing).
- A detail citing an evidence id no call of this turn has is dropped (evidence is what was called).
- When the offline chat found a problem and the model did not say so (healthy, answered, unknown), the
  offline answer stands: a model's silence is not evidence against a failing tool result.
- A "problem" the model reports with nothing left to stand on (no grounded resource, no cited detail)
  gives way to the offline answer.
Each correction is said in the answer's details, as the investigation's report says which brain decided."""

from __future__ import annotations

import json
import re

from ...contracts import ToolCallRecord
from ..models import Answer

EVIDENCE_ID = re.compile(r"\bev-\d+\b")


def _seen_text(records: list[ToolCallRecord]) -> str:
    """Everything this turn's tools were asked and answered, as one lower-case text to look names up in."""
    return "\n".join(f"{json.dumps(r.args, default=str)} {r.excerpt}" for r in records).lower()


def _grounded(resource: str, seen: str, offline: Answer) -> bool:
    if resource in offline.resources:
        return True
    name = resource.rsplit("/", 1)[-1].lower()
    return bool(name) and name in seen


def weigh(model: Answer, offline: Answer, records: list[ToolCallRecord]) -> Answer:
    """The answer the turn gives: the model's, corrected, or the offline chat's (see the module docstring)."""
    seen = _seen_text(records)
    ids = {r.id for r in records}
    notes: list[str] = []
    invented = [r for r in model.resources if not _grounded(r, seen, offline)]
    if invented:
        model.resources = [r for r in model.resources if r not in invented]
        notes.append(f"dropped {', '.join(invented)}: no tool result of this turn mentions it")
    uncited = [d for d in model.details if (cited := set(EVIDENCE_ID.findall(d))) and not cited <= ids]
    if uncited:
        model.details = [d for d in model.details if d not in uncited]
        notes.append(f"dropped {len(uncited)} detail(s) citing evidence no call of this turn returned")
    why_offline = None
    if offline.status == "problems" and model.status != "problems":
        why_offline = f"the model said {model.status} ({model.headline[:120]}) where the tools' facts show a problem"
    elif model.status == "problems" and not model.resources and not any(EVIDENCE_ID.search(d) for d in model.details):
        why_offline = "the model reported a problem it could not ground in any tool result"
    if why_offline:
        offline.details.insert(0, f"(LLM brain: {why_offline}; the offline chat's answer stands)")
        offline.evidence = list({r.id: r for r in [*model.evidence, *offline.evidence]}.values())
        return offline
    if notes:
        model.details.append(f"(checked against this turn's tool results: {'; '.join(notes)})")
    return model
