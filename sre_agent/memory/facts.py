"""A fact the team gives, kept with the rule it states (memory/restrictions.py) and the scope it names."""

from __future__ import annotations

from ..contracts import TeamFact
from .restrictions import read_restriction
from .store import _SqlMemory


def add_team_fact(store: _SqlMemory, text: str, *, cluster: str = "", namespace: str = "", resource: str = "",
                  person: str = "", ttl_s: float | None = None) -> TeamFact:
    """Remember `text`; a preference that forbids writes ("never restart ledger-db 09:00-18:00") carries its rule,
    scoped to what it names when no scope was given."""
    rule = read_restriction(text)
    if rule is not None:
        resource = resource or rule.target or ""
        namespace = namespace or rule.namespace or ""
    return store.add_fact(text, cluster=cluster, namespace=namespace, resource=resource, person=person, ttl_s=ttl_s,
                          forbid=rule.forbid if rule else None, window=rule.window if rule else None)


def rule_sentence(fact: TeamFact) -> str:
    """What a fact enforces, in words ("" for a plain fact)."""
    if not fact.forbid:
        return ""
    tools = "every write" if "*" in fact.forbid else ", ".join(fact.forbid)
    scope = fact.resource or (f"namespace {fact.namespace}" if fact.namespace else "everything")
    return f"forbids {tools} on {scope} ({fact.window.sentence() if fact.window else 'always'})"
