"""What an object says about its own last change: who wrote it last and when (metadata.managedFields, as the API server
stamps every write), the notes people leave on it (annotations: a change ticket, a reason, who asked for it), and for a
ConfigMap the values it holds now (a Secret's key names only). The answer to "who touched the cm", "who kicked it
off", "was that on purpose", "why is it at 0", "what changed in that configmap" -- read from the object, never guessed.

An annotation is untrusted text a person or a tool wrote: it is quoted as what the object says, never followed."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ...contracts import parse_resource_id, parse_time
from ..ask import Ask, handles
from ..models import Answer
from ..understand.references import workload_of_service
from .config_refs import config_refs_of, config_users
from .health import describe, scale_events
from .investigate import latest_rollout_change
from .notes import peoples_notes
from .objects import pod_spec_of
from .root_change import change_behind

ROLLOUT_SAID = re.compile(r"\b(rollouts?|releases?|deploy\w*|versions?|images?|upgrades?|bumps?)\b", re.IGNORECASE)
MAX_WRITES = 2
SHOWN_VALUE = 160
MAX_ASKED_ABOUT = 6
HELD_SHOWN = 600  # characters of a ConfigMap's values in the answer's first line
# the questions kubectl's get / describe of a config object are said as (chat/understand/kubectl_speak.py)
CONTENT_ASKED = re.compile(r"^(whats in|describe)\s", re.IGNORECASE)  # the conversation's objects looked at for the one a state verb names
# a state a person puts an object in, as a question's verb names it, and how the object shows it
STATE_VERBS: tuple[tuple[re.Pattern[str], Callable[[dict], bool]], ...] = (
    (re.compile(r"\b(cordon|drain|uncordon)\w*", re.I), lambda o: bool((o.get("spec") or {}).get("unschedulable"))),
    (re.compile(r"\bscaled?\s+(it\s+|them\s+)?(down|to\s+(0|zero|nothing))\b|\b(at|to)\s+(0|zero)(\s+replicas)?\b", re.I),
     lambda o: (o.get("spec") or {}).get("replicas") == 0),
    (re.compile(r"\b(suspend|paus)\w*", re.I), lambda o: bool((o.get("spec") or {}).get("suspend"))),
)


def _state_named(question: str) -> Callable[[dict], bool] | None:
    return next((fits for verb, fits in STATE_VERBS if verb.search(question)), None)


# What was changed, by the noun a question names it with ("who changed the port", "who put that taint there", "who
# changed the database and why") -> the kind of object that holds it. Read only when the question names no object:
# the thing asked about is then the conversation's object of that kind -- the root cause found first.
CHANGED_THINGS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(taint\w*|cordon\w*)\b", re.I), "Node"),
    (re.compile(r"\b(passwords?|credentials?|creds|tokens?|api\s*keys?|secrets?|certs?|certificates?|rotat\w*)\b", re.I), "Secret"),
    (re.compile(r"\b(quotas?)\b", re.I), "ResourceQuota"),
    (re.compile(r"\b(hpa|autoscaler)\b", re.I), "HorizontalPodAutoscaler"),
    (re.compile(r"\b(claims?|pvcs?|volumes?)\b", re.I), "PersistentVolumeClaim"),
    (re.compile(r"\b(selector|svc|service)\b", re.I), "Service"),
    (re.compile(r"\b(database|db|postgres\w*|mysql|redis)\b", re.I), "StatefulSet"),
    (re.compile(r"\b(configmap|cm|config|setting|port|url|host|address|[A-Z][A-Z0-9]*_[A-Z0-9_]+)\b"), "ConfigMap"),
)


def changed_thing(ask: Ask, rid: str) -> str | None:
    """The conversation's object the question's noun names when it names no object and `rid` is of another kind: the
    root cause found first, then the conversation's objects, most recent first."""
    found = next(((pattern, k) for pattern, k in CHANGED_THINGS if pattern.search(ask.question)), None)
    subject = ask.recognised.subject
    if found is None or parse_resource_id(rid)[1] == found[1] or (subject and not found[0].fullmatch(subject)):
        return None  # no such noun, the object is of its kind already, or the question names an object
    kind = found[1]
    root = str((ask.last_diagnosis or {}).get("resource") or "")
    return next((r for r in [root, *ask.focus] if r and r.count("/") >= 1 and parse_resource_id(r)[1] == kind), None)


def last_writes(obj: dict[str, Any]) -> list[str]:
    """Who wrote the object last and when, newest first (the describe tool keeps managedFields as manager, operation,
    time); its creation when nothing else is recorded."""
    meta = obj.get("metadata") or {}
    writes = sorted((w for w in meta.get("managedFields") or [] if w.get("time")), key=lambda w: str(w.get("time")),
                    reverse=True)
    lines = [f"last written by {w.get('manager') or 'an unnamed client'} ({w.get('operation') or 'write'}) at {w.get('time')}"
             for w in writes[:MAX_WRITES]]
    return lines or ([f"created {meta['creationTimestamp']}, no later write recorded"] if meta.get("creationTimestamp") else [])


def held_values(kind: str, obj: dict[str, Any]) -> list[str]:
    """What a ConfigMap holds now, key by key; a Secret only by its key names (its values never leave the server)."""
    data = obj.get("data") or {}
    if kind == "Secret":
        return [f"keys {', '.join(sorted(data)) or 'none'} (names only: a Secret's values are never shown)"]
    if kind != "ConfigMap":
        return []
    return [f"{key}={str(value)[:SHOWN_VALUE]}" for key, value in sorted(data.items())] or ["no data"]


def system_taints(obj: dict[str, Any]) -> list[str]:
    """A node's taints Kubernetes places itself (node.kubernetes.io/*: the node lifecycle controller, from the
    conditions the kubelet reports, or the cordon's unschedulable) -- who put them there is the cluster, not a person."""
    return [f"taint {t.get('key')}:{t.get('effect')} is placed by Kubernetes itself (the node lifecycle controller, from "
            f"the node's conditions as the kubelet reports them), not by a person; it goes when the condition clears"
            for t in (obj.get("spec") or {}).get("taints") or [] if str(t.get("key") or "").startswith("node.kubernetes.io/")]


async def record_lines(ask: Ask, rid: str, obj: dict[str, Any], events: list[dict] | None = None) -> list[str]:
    """The object's record: the people's notes first (the why), then its scaling (a replica count set by hand is no
    revision: only its event says when), its last writes (the who and when), then what it holds (a ConfigMap's values)
    or what its last rollout changed (a workload's, value by value)."""
    _, kind, _ = parse_resource_id(rid)
    lines = peoples_notes(obj) + (system_taints(obj) if kind == "Node" else []) + scale_events(events or []) + \
        last_writes(obj) + held_values(kind, obj)
    if kind in ("Deployment", "StatefulSet", "DaemonSet"):
        lines += await latest_rollout_change(ask, rid)
    return lines


ROLLED_WITH_S = 15 * 60  # a reader's rollout this close to a config object's last write came with that edit


async def rolled_with(ask: Ask, rid: str, obj: dict[str, Any]) -> list[str]:
    """A ConfigMap/Secret that carries no note of its own: the change record of the rollout of a workload that reads it
    made within a quarter hour of its last write -- the edit and its checksum bump ship together, the note on the
    rollout ("SEC-311 egress hardening") is the edit's."""
    written = [parse_time(w.get("time")) for w in (obj.get("metadata") or {}).get("managedFields") or [] if w.get("time")]
    last = max((t for t in written if t), default=None)
    if last is None:
        return []
    lines = []
    for user in (await config_users(ask, rid))[0][:3]:
        namespace, kind, name = parse_resource_id(user)
        if kind not in ("Deployment", "StatefulSet", "DaemonSet"):
            continue
        history = await ask.call("kubernetes", "rollout_history", {"namespace": namespace, "name": name, "kind": kind})
        for revision in (history.data or {}).get("revisions") or []:
            created = parse_time(revision.get("created"))
            if revision.get("change_cause") and created and abs((created - last).total_seconds()) <= ROLLED_WITH_S:
                lines.append(f"rolled out with it: {user} revision {revision.get('revision')} ({revision.get('created')}): "
                             f"change-cause {str(revision['change_cause'])[:SHOWN_VALUE]!r}")
    return lines


@handles("change_record", needs=("kubernetes",))
async def change_record(ask: Ask) -> Answer:
    """"who touched it", "was that on purpose": the object's record, the person's note leading when there is one."""
    rid = ask.resource or ""
    diagnosis = ask.last_diagnosis or {}
    # no object named -- a noun no object is named by ("the storage class"), or "it" while the conversation is on the
    # root itself (never "it" for another object talked about since) -- and no rollout asked of ("which ticket was the
    # rollout": the workload's own change-cause)
    unnamed = (ask.recognised.subject is None and not ask.recognised.refers_back
               or ask.recognised.refers_back and ask.focus[:1] == [diagnosis.get("resource")]
               or any(note.startswith("(no object is named") for note in ask.notes)) and not ROLLOUT_SAID.search(ask.question)
    if unnamed and diagnosis.get("category") not in (None, "none") \
            and not _state_named(ask.question) and (behind := await change_behind(ask, diagnosis)) is not None:
        # "who renamed it", "who changed the storage class and why" after a diagnosis, naming no object: the change the
        # root cause came in with, as people wrote it (answer/root_change.py) -- on the ConfigMap the fault names, say
        return ask.answer(behind[0].upper() + behind[1:], status="answered",
                          details=[f"(the question names no object: the record behind the root cause found, "
                                   f"{diagnosis.get('resource')} ({diagnosis.get('category')}))"],
                          next_steps=["The note is what the object says, as written: check the ticket it names before "
                                      "acting against it."])
    if not rid:
        return ask.answer("Which object? Name it (e.g. 'who changed the app-config configmap').", status="needs_subject")
    if (thing := changed_thing(ask, rid)) is not None:  # "who changed the port": the ConfigMap found, not the workload
        ask.notes.append(f"(took the question to be about {thing}, this conversation's {parse_resource_id(thing)[1]})")
        rid = ask.resource = thing
    described = await describe(ask, rid)
    obj = (described.data or {}).get("object") or {}
    if ask.recognised.subject is None and obj and (state := _state_named(ask.question)) and not state(obj):
        # "who cordoned it" after a list of nodes: "it" is the one the verb's state fits, not the list's first
        for other in [r for r in ask.focus if r != rid][:MAX_ASKED_ABOUT]:
            seen = ((await describe(ask, other)).data or {}).get("object") or {}
            if seen and state(seen):
                ask.notes.append(f"(took 'it' to mean {other}, the one of this conversation's objects in that state)")
                rid, obj = other, seen
                ask.resource = other
                break
    if described.error is not None or not obj:
        return ask.answer(f"Could not read {rid}: {described.error or 'no such object'}", status="unknown",
                          next_steps=["Check the name (kubectl get <kind> -A | grep <part of it>)."])
    _, kind, _ = parse_resource_id(rid)
    if kind == "Service" and not peoples_notes(obj) and (runner := await workload_of_service(ask, rid)):
        # a Service is rarely what people change: "who did that" of a Service is of the workload it fronts
        ask.notes.append(f"(the Service has no note of its own: the record of {runner}, which it fronts)")
        rid, ask.resource = runner, runner
        obj = ((await describe(ask, runner)).data or {}).get("object") or obj
        kind = parse_resource_id(runner)[1]
    if not peoples_notes(obj) and (attached := await _attached_with_notes(ask, rid, obj)) is not None:
        # "who pinned it" of a workload whose autoscaler was changed, "who renamed the key" of a Job whose ConfigMap was:
        # the change was made on what it is attached to, and that object's note says who
        ask.notes.append(f"({rid} has no note of its own: the record of {attached[0]}, which it is attached to)")
        rid, obj = attached
        ask.resource, kind = rid, parse_resource_id(rid)[1]
    events = (described.data or {}).get("events") or [] if rid == ask.resource else []
    lines = await record_lines(ask, rid, obj, events)
    notes = peoples_notes(obj)
    if re.match(r"^\W*(so\s+|and\s+)?who\b", ask.question, re.IGNORECASE):  # "who rotated it": a note naming who did, first
        # (a key that says who did it -- last-rotated-by, changed_by -- not who owns it: "owner" answers another question)
        notes.sort(key=lambda note: not re.search(r"[-_.]by$", note.split(":")[0].strip()))
    if kind in ("ConfigMap", "Secret") and CONTENT_ASKED.match(ask.question):  # kubectl get/describe of it: what it holds
        held = held_values(kind, obj)
        return ask.answer(f"{rid} holds: {'; '.join(held)[:HELD_SHOWN]}", status="answered",
                          details=[line for line in lines if line not in held],
                          next_steps=["Ask 'who uses it?' for the workloads that read it."])
    rolled = await rolled_with(ask, rid, obj) if kind in ("ConfigMap", "Secret") and not notes else []
    placed = system_taints(obj) if kind == "Node" and not notes else []
    headline = (f"{rid}: {notes[0].removeprefix('note ')}" if notes else
                f"{rid}: {placed[0]}" if placed else
                f"{rid} carries no note of its own; {rolled[0]}" if rolled else
                f"{rid} carries no note from a person (no change ticket or reason annotated)" +
                (f"; {lines[0]}" if lines else ""))
    lines = [*rolled[1:], *lines]
    return ask.answer(headline, status="answered", details=[line for line in lines if not notes or line != notes[0]],
                      next_steps=["The note is what the object says, as written: check the ticket it names before acting "
                                  "against it."] if notes else
                      ["Ask 'what changed in the last hour?' for the rollouts and events around it."])


MAX_ATTACHED = 4  # objects read for a note: the autoscaler and the first ConfigMaps and Secrets it reads


async def _attached_with_notes(ask: Ask, rid: str, obj: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The first object `rid` is attached to that carries a person's note: the autoscaler that scales it, the
    ConfigMaps and Secrets its pods read, the CronJob that made it (a run)."""
    namespace, kind, name = parse_resource_id(rid)
    if kind not in ("Deployment", "StatefulSet", "DaemonSet", "CronJob", "Job") or not namespace:
        return None
    attached: list[str] = []
    if kind in ("Deployment", "StatefulSet"):
        hpas = await ask.call("kubernetes", "get_resources", {"kind": "HorizontalPodAutoscaler", "namespace": namespace})
        attached += [f"{namespace}/HorizontalPodAutoscaler/{h.get('name')}" for h in (hpas.data or {}).get("items") or []
                     if h.get("target") == f"{kind}/{name}"]
    owner = next((f"{namespace}/{o.get('kind')}/{o.get('name')}" for o in (obj.get("metadata") or {}).get("ownerReferences") or []
                  if o.get("kind") == "CronJob"), None)
    attached += [owner] if owner else []
    attached += [f"{namespace}/{ref.split(' ', 1)[0]}" for ref in config_refs_of(pod_spec_of(kind, obj))]
    for other in list(dict.fromkeys(attached))[:MAX_ATTACHED]:
        seen = ((await describe(ask, other)).data or {}).get("object") or {}
        if seen and peoples_notes(seen):
            return other, seen
    return None
