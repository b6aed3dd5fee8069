"""A key a workload reads is gone from its ConfigMap or Secret, and the object holds a key of the same name in
other words -- `DATABASE_URL` gone, `url` there; `db-password` gone, `DB_PASSWORD` there: a tool or a person
renamed it. The fix that needs nothing only a human knows is to point the reference at the renamed key (adding
the old key back needs its value). Offered when exactly one held key shares the missing key's words; the human
confirms it holds what the old one held (`needs`)."""

from __future__ import annotations

import re

from ..contracts import ProposedFix, parse_resource_id
from .kubectl_words import namespace_flag

WORKLOAD_WORDS = {"Deployment": "deployment", "StatefulSet": "statefulset", "DaemonSet": "daemonset", "CronJob": "cronjob"}


def words(key: str) -> set[str]:
    """A key's words, whatever its convention: DATABASE_URL, database-url, databaseUrl -> {database, url}."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", key)
    return {w for w in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if w}


def renamed_to(missing: str, held: list[str]) -> str | None:
    """The one held key that names the missing one in other words: the same words in another convention, else the
    only key sharing the most of its words. None when none or several tie."""
    wanted = words(missing)
    same = [k for k in held if words(k) == wanted and k != missing]
    if len(same) == 1:
        return same[0]
    shared = {k: len(words(k) & wanted) for k in held if k != missing}
    best = max(shared.values(), default=0)
    top = [k for k, n in shared.items() if n == best]
    return top[0] if best and len(top) == 1 else None


def renamed_key_fix(workload: str, kind: str, name: str, missing: str, held: list[str], evidence: list[str]) -> ProposedFix | None:
    """Point `workload`'s reference to `kind`/`name` key `missing` at the key it was renamed to."""
    target = renamed_to(missing, held)
    namespace, workload_kind, workload_name = parse_resource_id(workload)
    word = WORKLOAD_WORDS.get(workload_kind)
    if target is None or word is None:
        return None
    ns = namespace_flag(namespace)
    ref = "configMapKeyRef" if kind == "ConfigMap" else "secretKeyRef"
    # kubectl prints `"key": "<name>"` inside the reference; only references to this object's key are rewritten
    sed = (f"sed '/\"{ref}\"/,/}}/ s/\"key\": \"{re.escape(missing)}\"/\"key\": \"{target}\"/'")
    return ProposedFix(
        resource=workload, summary=f"{kind} {namespace}/{name} no longer holds {missing} but holds {target} (renamed?): "
                                   f"point {workload}'s reference at {target}",
        commands=[f"kubectl {ns}get {word} {workload_name} -o json | {sed} | kubectl replace -f -"],
        needs=f"that {target} holds what {missing} held", evidence=evidence)
