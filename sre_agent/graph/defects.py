"""The defect behind a diagnosis, as something a pod template can carry: a config reference the
cluster cannot satisfy (a missing ConfigMap, Secret or key) or an image that cannot be pulled.

Read from the findings' own words -- the kubelet's and the API server's messages, which name the
object and key -- so pinning can refuse a rollback whose target revision carries the same defect
(rolling back to it cannot clear the fault) and the fix a human must make names the exact object."""

from __future__ import annotations

import re
from collections.abc import Iterable

from pydantic import BaseModel

from ..contracts import Finding

# kubelet: `couldn't find key K in ConfigMap ns/name`, `configmap "name" not found`, `secret "name" not found`;
# FailedMount: `configmap "name" not found` / `secret "name" not found` too.
KEY_MISSING = re.compile(r"couldn't find key (?P<key>[\w.-]+) in (?P<kind>ConfigMap|Secret) (?:[\w.-]+/)?(?P<name>[\w.-]+)")
OBJECT_MISSING = re.compile(r"(?P<kind>configmap|secret)s? \"(?P<name>[\w.-]+)\" not found", re.I)
# The analyzer's wording: `ConfigMap app-config has no key K`, `Secret app-keys does not exist`.
ANALYZER_KEY = re.compile(r"(?P<kind>ConfigMap|Secret) (?P<name>[\w.-]+) has no key (?P<key>[\w.-]+)")
ANALYZER_OBJECT = re.compile(r"(?P<kind>ConfigMap|Secret) (?P<name>[\w.-]+) does not exist")
CONFIG_SIGNALS = {"CreateContainerConfigError", "ConfigRefMissing", "FailedMount"}
IMAGE_SIGNALS = {"ImagePullBackOff", "ErrImagePull", "InvalidImageName"}


class MissingRef(BaseModel):
    """`kind/name:key` when one key is missing from an existing object, `kind/name` when the object is."""

    kind: str  # ConfigMap | Secret
    name: str
    key: str | None = None

    @property
    def ref(self) -> str:
        return f"{self.kind}/{self.name}" + (f":{self.key}" if self.key else "")

    def carried_by(self, template_refs: Iterable[str]) -> bool:
        """Does a template with these references (rollout_history's config_refs) need what is missing?"""
        refs = list(template_refs)
        if self.key:
            # Only a keyed reference (configMapKeyRef / secretKeyRef, a volume item) needs the key: envFrom or a
            # whole-object volume takes whatever keys exist, so the kubelet starts such a pod without it.
            return self.ref in refs
        return any(r == self.ref or r.startswith(self.ref + ":") for r in refs)


def missing_refs(findings: Iterable[Finding], resource: str) -> list[MissingRef]:
    """The config references the findings about `resource` say cannot be satisfied."""
    found: dict[str, MissingRef] = {}
    for finding in findings:
        if finding.resource != resource or finding.signal not in CONFIG_SIGNALS:
            continue
        text = f"{finding.summary} {finding.details.get('message', '')}"
        for pattern in (KEY_MISSING, ANALYZER_KEY):
            for m in pattern.finditer(text):
                ref = MissingRef(kind=m.group("kind"), name=m.group("name").rstrip("."), key=m.group("key").rstrip("."))
                found.setdefault(ref.ref, ref)
        for pattern in (OBJECT_MISSING, ANALYZER_OBJECT):
            for m in pattern.finditer(text):
                kind = "ConfigMap" if m.group("kind").lower() == "configmap" else "Secret"
                ref = MissingRef(kind=kind, name=m.group("name").rstrip("."))
                found.setdefault(ref.ref, ref)
    # A missing object makes its missing keys redundant.
    objects = {r.ref for r in found.values() if r.key is None}
    return [r for r in found.values() if r.key is None or f"{r.kind}/{r.name}" not in objects]


def unpullable_images(findings: Iterable[Finding], resource: str) -> set[str]:
    return {str(f.details["image"]) for f in findings
            if f.resource == resource and f.signal in IMAGE_SIGNALS and f.details.get("image")}


def same_defect(revision: dict, findings: list[Finding], resource: str, current: dict | None = None) -> str | None:
    """Why rolling `resource` back to `revision` (a rollout_history row) cannot clear the fault, or None.
    `current` is the live revision's row: pods that cannot be placed stay unplaceable on a revision
    with the same placement rules."""
    # Placement-caused only: pods refused for lack of CPU or memory (on the nodes their placement allows, whatever
    # the other nodes were refused for) may fit a revision that asks for less.
    unplaceable = any(f.resource == resource and f.signal == "FailedScheduling"
                      and re.search(r"affinity|selector|taint", f.summary) and "Insufficient" not in f.summary
                      for f in findings)
    if unplaceable and current is not None and "placement" in revision and \
            revision.get("placement") == current.get("placement") and revision.get("revision") != current.get("revision"):
        return (f"revision {revision.get('revision')} has the same placement rules "
                f"({revision.get('placement') or 'none'}): its pods could not be placed either")
    carried = [r.ref for r in missing_refs(findings, resource) if r.carried_by(revision.get("config_refs") or [])]
    if carried:
        return (f"revision {revision.get('revision')} references the same missing {', '.join(carried)}: "
                "rolling back to it cannot clear the fault")
    bad = unpullable_images(findings, resource) & {str(i) for i in revision.get("images") or []}
    if bad:
        return f"revision {revision.get('revision')} runs the same unpullable image {', '.join(sorted(bad))}"
    return None
