"""A key a workload reads is gone from its ConfigMap or Secret, and the object holds a key of the same name in
other words -- `DATABASE_URL` gone, `url` there; `db-password` gone, `DB_PASSWORD` there: a tool or a person
renamed it. The fix that needs nothing only a human knows is to point the reference at the renamed key (adding
the old key back needs its value). Offered when exactly one held key shares the missing key's words; the human
confirms it holds what the old one held (`needs`)."""

from __future__ import annotations

import re

from ..contracts import Finding, ProposedFix, parse_resource_id
from .defects import MissingRef, missing_refs
from .fix_guards import findings_about
from .kubectl_words import namespace_flag

WORKLOAD_WORDS = {"Deployment": "deployment", "StatefulSet": "statefulset", "DaemonSet": "daemonset", "CronJob": "cronjob"}


def words(key: str) -> set[str]:
    """A key's words, whatever its convention: DATABASE_URL, database-url, databaseUrl -> {database, url}."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", key)
    return {w for w in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if w}


def renamed_to(missing: str, held: list[str]) -> str | None:
    """The one held key that names the missing one in other words: the same words in another convention, else the one
    key with a word of its own (not its group's prefix), else the only key sharing the most of its words. None when
    none or several tie."""
    wanted = words(missing)
    same = [k for k in held if words(k) == wanted and k != missing]
    if len(same) == 1:
        return same[0]
    others = [k for k in held if k != missing]
    # Words two or more held keys share name their group (BILLING_DB_HOST, BILLING_DB_USER): when the missing key has
    # them too (BILLING_DB_PASSWORD), only its own words can name what it became (`password`)
    group = {w for k in others for w in words(k) if sum(w in words(o) for o in others) >= 2}
    if group & wanted and (own := wanted - group):
        named = [k for k in others if words(k) & own]
        if len(named) == 1:
            return named[0]
    shared = {k: len(words(k) & wanted) for k in others}
    best = max(shared.values(), default=0)
    top = [k for k, n in shared.items() if n == best]
    return top[0] if best and len(top) == 1 else None


def repoint_command(namespace: str | None, kind: str, name: str, ref_kind: str, missing: str, target: str) -> str:
    """The command that points `kind/name`'s references to `ref_kind` key `missing` at `target` (what set_key_reference
    does): kubectl prints `"key": "<name>"` inside the reference, and only references of that kind are rewritten."""
    ref = "configMapKeyRef" if ref_kind == "ConfigMap" else "secretKeyRef"
    sed = f"sed '/\"{ref}\"/,/}}/ s/\"key\": \"{re.escape(missing)}\"/\"key\": \"{target}\"/'"
    force = " --force" if kind == "Job" else ""  # a Job's template is immutable: it is re-created
    return (f"kubectl {namespace_flag(namespace)}get {WORKLOAD_WORDS.get(kind, kind.lower())} {name} -o json | {sed} "
            f"| kubectl replace{force} -f -")


def held_keys(findings: list[Finding], workload: str) -> list[str] | None:
    """The keys the object a workload's missing key was read from holds (the investigation read them), or None."""
    return next(([str(k) for k in f.details["existing_keys"]] for f in findings_about(
        findings, workload, "CreateContainerConfigError", "ConfigKeysHeld") if f.details.get("existing_keys") is not None), None)


def renamed_reference(findings: list[Finding], workload: str) -> tuple[MissingRef, str] | None:
    """The workload's one unsatisfied reference, a key gone from an object that exists, and the key it was renamed to:
    None when more than one reference is missing, an object is, or no single held key names it."""
    refs = missing_refs(findings, workload)
    if len(refs) != 1 or refs[0].key is None or (held := held_keys(findings, workload)) is None:
        return None
    target = renamed_to(refs[0].key, held)
    return (refs[0], target) if target is not None else None


def renamed_key_fix(workload: str, kind: str, name: str, missing: str, held: list[str], evidence: list[str]) -> ProposedFix | None:
    """Point `workload`'s reference to `kind`/`name` key `missing` at the key it was renamed to."""
    target = renamed_to(missing, held)
    namespace, workload_kind, workload_name = parse_resource_id(workload)
    word = WORKLOAD_WORDS.get(workload_kind)
    if target is None or word is None:
        return None
    return ProposedFix(
        resource=workload, summary=f"{kind} {namespace}/{name} no longer holds {missing} but holds {target} (renamed?): "
                                   f"point {workload}'s reference at {target}",
        commands=[repoint_command(namespace, workload_kind, workload_name, kind, missing, target)],
        needs=f"that {target} holds what {missing} held", evidence=evidence)


def key_readers(reader: dict, kind: str, source_kind: str, source: str, key: str) -> list[str]:
    """Where a workload's template reads `key` of ConfigMap/Secret `source` through a keyed reference (env, volume item)."""
    spec = reader.get("spec") or {}
    if kind == "CronJob":
        spec = (spec.get("jobTemplate") or {}).get("spec") or {}
    pod = (spec.get("template") or {}).get("spec") or {}
    env_ref = "configMapKeyRef" if source_kind == "ConfigMap" else "secretKeyRef"
    found = [f"container {c.get('name')} env {e.get('name')}" for field in ("containers", "initContainers")
             for c in pod.get(field) or [] for e in c.get("env") or []
             if ((e.get("valueFrom") or {}).get(env_ref) or {}).get("name") == source
             and ((e.get("valueFrom") or {}).get(env_ref) or {}).get("key") == key]
    volume_field, name_field = ("configMap", "name") if source_kind == "ConfigMap" else ("secret", "secretName")
    found += [f"volume {v.get('name')}" for v in pod.get("volumes") or []
              if (v.get(volume_field) or {}).get(name_field) == source
              and any(i.get("key") == key for i in (v.get(volume_field) or {}).get("items") or [])]
    return found
