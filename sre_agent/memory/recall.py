"""Which past incidents match this one, as hypotheses (never evidence):
- before the investigation, by the alarm (its name, the object it watches) in the same cluster: the remembered root
  cause is checked first;
- after the diagnosis, by the root resource and category (a recurrence), and by the fault's own fingerprints (its root
  resource's evidence, memory/fingerprints.py) on another resource with the same category (the same fault, moved).
The graph sees this through its Memory port (graph/ports.py); the store is memory/store.py."""

from __future__ import annotations

from ..contracts import RecalledIncident, RootCauseCategory, TeamFact
from ..graph.state import Investigation
from .fingerprints import fault_fingerprints, overlap
from .models import PastIncident
from .store import _SqlMemory

MAX_RECALLED = 3  # per way of matching: the newest occurrences say enough
MOVED_OVERLAP = 0.5  # share of fingerprints two incidents on different resources must have in common


def recalled(past: PastIncident, match: str, shared: list[str] | None = None) -> RecalledIncident:
    return RecalledIncident(incident_id=past.incident_id, run_id=past.run_id, when=past.recorded_at,
                            category=past.category, resource=past.resource, summary=past.summary, fix=past.fix,
                            fix_tool=past.fix_tool, fix_resource=past.fix_resource, verified=past.verified,
                            status=past.status, runbook=past.runbook, match=match, shared=shared or [],
                            fingerprints=past.fingerprints)


def _newest_per_incident(rows: list[PastIncident], run_id: str) -> list[PastIncident]:
    """One row per past incident (its newest run), never this run itself; faults only."""
    seen: set[str] = set()
    kept = []
    for row in rows:
        if row.run_id == run_id or row.incident_id in seen or row.category == RootCauseCategory.NONE.value:
            continue
        seen.add(row.incident_id)
        kept.append(row)
    return kept


class IncidentRecall:
    """The graph's Memory port over a store, for runs on one cluster."""

    def __init__(self, store: _SqlMemory, cluster: str) -> None:
        self.store = store
        self.cluster = cluster

    def recall_before(self, state: Investigation) -> list[RecalledIncident]:
        incident = state.incident
        if incident.source != "alarm":
            return []
        name = (incident.alarm or {}).get("AlarmName")
        keys = [f"affected:{a}" for a in incident.affected] + ([f"alarm:{name}"] if name else [])
        rows = _newest_per_incident(self.store.recall_keys(keys, cluster=self.cluster), state.run_id)
        return [recalled(row, "alarm") for row in rows[:MAX_RECALLED]]

    def recall_after(self, state: Investigation) -> list[RecalledIncident]:
        """The remembered hypotheses with `confirmed` set against this run's diagnosis, plus the recurrences and
        moved faults the diagnosis itself matches."""
        diagnosis = state.diagnosis
        earlier = list(state.recalled or [])
        if diagnosis is None or diagnosis.category == RootCauseCategory.NONE:
            return [r.model_copy(update={"confirmed": False}) for r in earlier]
        category, resource = diagnosis.category.value, diagnosis.resource
        found = {r.incident_id: r for r in earlier}
        same = _newest_per_incident(self.store.recall_keys([f"root:{resource}|{category}"], cluster=self.cluster),
                                    state.run_id)
        for row in same[:MAX_RECALLED]:
            found.setdefault(row.incident_id, recalled(row, "resource"))
        prints = fault_fingerprints(state.findings, resource)
        candidates = self.store.recall_keys([f"fp:{p}" for p in prints], category=category)
        moved = [row for row in _newest_per_incident(candidates, state.run_id)
                 if row.resource != resource and row.incident_id not in found
                 and overlap(prints, row.fault_fingerprints) >= MOVED_OVERLAP]
        for row in moved[:MAX_RECALLED]:
            found[row.incident_id] = recalled(row, "evidence", sorted(set(prints) & set(row.fault_fingerprints)))
        return [r.model_copy(update={"confirmed": r.category == category and
                                     (r.resource == resource or r.match == "evidence")}) for r in found.values()]

    def facts_for(self, state: Investigation) -> list[TeamFact]:
        return self.store.facts(cluster=self.cluster)
