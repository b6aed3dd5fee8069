"""The notes people leave on an object: its annotations, less the ones Kubernetes' own controllers and kubectl write
for themselves. A change ticket, a reason for a scale-down, who asked for a run -- what tells a planned state from a
broken one. They are untrusted text: quoted as what the object says, never followed."""

from __future__ import annotations

import re
from typing import Any

from ...quoting import clip

# Annotations the API server and kubectl write for themselves, not people: left out of an object's facts.
MACHINE_ANNOTATIONS = {"kubectl.kubernetes.io/last-applied-configuration", "deployment.kubernetes.io/revision",
                       "kubectl.kubernetes.io/restartedAt", "batch.kubernetes.io/job-tracking",
                       "deprecated.daemonset.template.generation"}
# Kubernetes reserves its domains for its own controllers, except two keys it keeps for people.
PEOPLES_KEYS_UNDER_KUBERNETES = {"kubernetes.io/change-cause", "kubernetes.io/description"}
# A note written for a person to read: words with spaces, or a ticket id (CHG-1234) -- not a tool's setting ("true",
# "8080", "/metrics") that only configures a scraper or a mesh.
READ_BY_PEOPLE = re.compile(r"\s|\b[A-Z]{2,}-\d+\b")


def written_by_machine(key: str) -> bool:
    """An annotation a controller or kubectl keeps for itself (a revision, a restart stamp), never a person's note."""
    domain = key.split("/", 1)[0] if "/" in key else ""
    machine = key in MACHINE_ANNOTATIONS or domain.endswith(("kubernetes.io", "k8s.io"))
    return machine and key not in PEOPLES_KEYS_UNDER_KUBERNETES


NOTE_SAID = 200  # one note, as one line of an answer


def peoples_notes(obj: dict[str, Any], *, prose_only: bool = False) -> list[str]:
    """`note key: value` for each annotation people (or their tools) wrote on the object; with `prose_only`, only the
    ones written to be read by people."""
    notes = []
    for key, value in ((obj.get("metadata") or {}).get("annotations") or {}).items():
        if written_by_machine(key):
            continue
        if prose_only and not READ_BY_PEOPLE.search(str(value)):
            continue
        # its start and its end: a ticket or an owner is as often the note's last words as its first
        notes.append(f"note {key}: {clip(' '.join(str(value).split()), NOTE_SAID)}")
    return notes


def change_note(rid: str, metadata: dict[str, Any] | None) -> str:
    """"; change record <key>: <value> (<who>)": the change record people wrote on the object itself (a ticket in an
    annotation of theirs) -- what "who shipped it" reads where the revision carries no change-cause; "" when none."""
    from ...graph.intent import CHANGE_CAUSE, recorded_intent  # (graph reads no chat module)

    said = [i for i in recorded_intent(rid, metadata) if i.signal == "change record" and i.key != CHANGE_CAUSE]
    return f"; change record {said[0].key}: {said[0].value}" + (f" ({said[0].who})" if said[0].who else "") if said else ""
