"""Whether a change asked for in chat acts on the fault the conversation found. A pinned change that does not -- a
memory limit raised on a workload whose liveness probe kills it, a pod deleted that the scheduler cannot place, another
workload scaled while the fault is elsewhere -- is still pinned (a human approves every pinned action, and may know
better), but it says so first: the root cause, and that this change leaves it. A conversation that found no root
cause yet has what is broken now investigated first, as a refusal's check does (act/rollback.py).

Which kinds of change act on which kind of fault is data: `acted_on_by` in sre_agent/categories.yaml."""

from __future__ import annotations

import re

from ...categories import acted_on_by
from ...contracts import OUTSIDE_THE_CLUSTER, parse_resource_id
from ...quoting import clip
from ..answer.diagnosis_text import cause_text
from ..answer.objects import pod_spec_of
from ..answer.wider_subject import wider_subject
from ..ask import Ask
from ..models import Answer
from ..understand.context_names import same_object
from ..understand.kinds_said import configs_read_by
from .guards import elsewhere
from .leaves_fault import CauseNote, as_note, churn_refusal, nothing_to_clear
from .plans import Plan

# A pinned tool -> the kind of change it is (set_resources is memory or cpu by what it sets; other tools are judged
# only by whether their object is the root's).
TOOL_CHANGE = {"rollout_undo": "undo", "rollout_restart": "restart", "delete_pod": "restart", "scale": "scale",
               "set_image": "image"}


# The request's verb (act/writes.py) -> the kind of change, for a plan whose tool does not say it (a hand edit).
VERB_CHANGE = {"rerun": "rerun", "probe": "probe", "image": "image", "env": "env", "suspend": "suspend",
               "tolerate": "toleration", "taint": "taint", "cordon": "cordon", "selector": "selector", "port": "port",
               "hpa": "hpa", "expand": "claim", "pull_secret": "pull_secret", "restart": "restart", "scale": "scale"}


def change_kind(plan: Plan, verb: str = "") -> str | None:
    if plan.args.get("node") and plan.args.get("instance_ids"):
        return "node"  # the kubelet restarted on the node's instance (SSM): a change of the node, not a pod restart
    if plan.args.get("kind") == "PersistentVolumeClaim":
        return "claim"  # a claim grown or re-created (by hand): whatever verb asked it ("recreate" also reads as a rerun)
    if plan.tool == "set_resources":
        kinds = {"memory" if "memory" in key else "cpu" if "cpu" in key else "other"
                 for part in ("limits", "requests") for key in (plan.args.get(part) or {})}
        return kinds.pop() if len(kinds) == 1 else None
    return TOOL_CHANGE.get(plan.tool) or VERB_CHANGE.get(verb)


OUTSIDE = "(outside the cluster)"
NO_ROOT = "No root cause among the observations: "  # the offline brain's summary when nothing found is a fault
LOGS_SAID = re.compile(r"\(its logs: (.+)\)\s*$")


def _outside_note(summary: str, rid: str, kind: str | None) -> str | None:
    """No root cause in the cluster, and `rid`'s own calls fail at a host outside it (a vendor limiting, timing out):
    a change here does not change what that host answers -- said with the line that shows it."""
    if OUTSIDE not in summary or not summary.removeprefix(f"{OUTSIDE_THE_CLUSTER}: ").startswith(rid):
        return None
    said = LOGS_SAID.search(summary)
    return (f"note: {summary.split(' -- ')[0]}{f' ({clip(said.group(1), 200)})' if said else ''} -- "
            f"{_a(kind or 'change')} here does not change what that host answers")


# The kinds of change a value read from a ConfigMap/Secret can make (an env var, a heap flag, a pool size, a restart's
# new value): a fault that none of them acts on (an image built wrong, a taint, a selector) is no config edit's to fix.
CONFIG_REACHES = frozenset({"config", "env", "memory", "cpu", "restart", "pull_secret"})  # a pull secret the
# template names reaches the image pull as a ConfigMap it reads reaches the app


def _config_reaches(found: str) -> bool:
    acts = acted_on_by(found)
    return acts is None or bool(CONFIG_REACHES & set(acts))


def _paging_elsewhere(summary: str, rid: str) -> str | None:
    """No root cause found in the cluster, and what the investigation looked at is another object than `rid`: said, so a
    change to `rid` ("X went out before, roll it back") is not read as the answer to what pages."""
    subject = re.sub(r"('s|[:',])+$", "", summary.removeprefix(f"{OUTSIDE_THE_CLUSTER}: ").split(" ", 1)[0])
    if not summary.startswith(f"{OUTSIDE_THE_CLUSTER}: ") or subject.count("/") != 2 or same_object(subject, rid):
        return None
    return f"note: {clip(summary.split(' -- ')[0], 220)} -- what fails is {subject}, not {rid}"


def _found_nothing(summary: str, subject: str, rid: str) -> str | None:
    """The investigation of what pages found no root cause (only changes made on purpose, a load it absorbed): a change
    asked for then is not a fix of anything found -- said with what was looked at, so "revert X, that's when it started"
    meets the evidence rather than a bare approval. (What pages being the object changed itself: _nothing_on_it.)"""
    if not summary.startswith(NO_ROOT) or not subject or same_object(subject, rid):
        return None
    return f"note: the investigation of {subject} found no fault ({clip(summary.removeprefix(NO_ROOT), 220)}) -- " \
           f"nothing it found asks for this change"


def _nothing_on_it(summary: str, subject: str, rid: str) -> str | None:
    """What pages is the object the change is to ("cordon ip-10-1-1-7 so it cools down" while its CPU alarm fires), and
    its investigation found no fault (a peak it absorbs, a change made on purpose): the change has nothing to clear."""
    if not summary.startswith(NO_ROOT) or not subject or not same_object(subject, rid):
        return None
    return f"note: nothing is wrong on {rid} to clear ({clip(summary.removeprefix(NO_ROOT), 220)})"


def _key_not_named(plan: Plan, rid: str, diagnosis: dict, why: str) -> str | None:
    """A key set in a ConfigMap/Secret the root workload reads is its fix only when the fault's evidence names that key
    (the missing setting, the pool size it exhausts): another key of the same ConfigMap ("set EMAIL_BATCH_SIZE back" while
    the crash is a missing SMS_SID) leaves the fault as it is -- said, with what the evidence does name."""
    key = str(plan.args.get("key") or "")
    if not key or parse_resource_id(rid)[1] not in ("ConfigMap", "Secret"):
        return None
    said = " ".join([str(diagnosis.get("summary") or ""),
                     *(str(e.get("excerpt") or "") for e in diagnosis.get("evidence") or [] if isinstance(e, dict))])
    if re.search(rf"(?<![A-Za-z0-9_]){re.escape(key)}(?![A-Za-z0-9_])", said, re.IGNORECASE):
        return None
    return f"note: the root cause found is {diagnosis.get('resource')} ({diagnosis.get('category')}: {why}) -- " \
           f"its evidence does not name {key}"


async def cause_note(ask: Ask, plan: Plan, rid: str, verb: str = "") -> CauseNote | None:
    """One line for the approval request when the change leaves the conversation's root cause as it is, else None."""
    diagnosis, subject = ask.last_diagnosis or {}, ""
    if diagnosis.get("category", "none") == "none" and ask.investigate is not None:
        worst = await wider_subject(ask, near=rid)
        if worst == rid and parse_resource_id(rid)[1] == "Node":  # nothing troubled on the node: what pages elsewhere
            worst = await wider_subject(ask, near=rid, own_node=False)
        if isinstance(worst, str) and worst:
            diagnosis, subject = (await ask.investigate(ask.question, worst)).get("diagnosis") or {}, worst
            ask.last_diagnosis = diagnosis or None
        elif worst == "":  # nothing pages on or near it: a restart/undo/pod delete asks its own investigation
            if (idle := await nothing_to_clear(ask, plan, rid)) is not None:
                return idle  # it found nothing either: churn ("restart it to be safe")
            diagnosis = ask.last_diagnosis or {}  # what it found, when it found a fault
    root, found = str(diagnosis.get("resource") or ""), str(diagnosis.get("category") or "none")
    summary = str(diagnosis.get("summary") or "")
    if found == "none" and _found_nothing(summary, subject, rid) is not None:
        if (idle := await nothing_to_clear(ask, plan, rid)) is not None:
            return idle  # what pages shows no fault, nor does the object changed ("bump its cpu just in case"): churn
        if str((own := ask.last_diagnosis or {}).get("category") or "none") != "none":
            # what pages found no root, the object changed shows a fault of its own (a probe that kills it): the change
            # is weighed against that fault, never refused for what the other investigation did not find
            diagnosis, root, found = own, str(own.get("resource") or ""), str(own.get("category"))
    if found == "none":
        return as_note(_outside_note(summary, rid, change_kind(plan, verb)), "outside") or \
            as_note(_paging_elsewhere(summary, rid), "elsewhere") or as_note(_found_nothing(summary, subject, rid), "found_nothing") \
            or as_note(_nothing_on_it(summary, subject, rid), "nothing")
    if not root:
        return None
    why = cause_text(diagnosis, 220)
    if change_kind(plan, verb) == "undo" and parse_resource_id(root)[1] in ("ConfigMap", "Secret") and \
            parse_resource_id(root)[2] not in plan.change:
        # an undo rolls back the pod template, never the data of a ConfigMap/Secret it reads -- unless the revision
        # it goes back to reads another one (then the plan's change names it)
        return CauseNote(f"note: the root cause found is {root} ({found}: {why}) -- an undo of {rid} leaves what {root} "
                         "holds as it is", "undo_data")
    if not same_object(root, rid):
        rid_kind = parse_resource_id(rid)[1]
        configs = rid_kind in ("ConfigMap", "Secret") and parse_resource_id(root)[1] in ("ConfigMap", "Secret")
        if elsewhere(ask, rid) is None and not configs:  # its pod, its Service, a ConfigMap it reads: may be the fix's part
            kind = change_kind(plan, verb)
            if kind == "restart" and parse_resource_id(root)[1] in ("ConfigMap", "Secret"):
                # the reader of a wrong value restarted reads it again: the fix's edit comes first (a restart once it is
                # made -- the ConfigMap written since the pods started -- is pinned: leaves_fault.churn_refusal)
                return as_note(await _restart_comes_after(ask, root, about=rid), "after")
            acts = acted_on_by(found)
            if kind not in (None, "undo") and acts and kind not in acts:  # (an undo that reaches here swaps what it reads)
                # more replicas of what reads a wrong endpoint: each reads the same value
                return CauseNote(f"note: the root cause found is {root} ({found}: {why}) -- {_a(kind)} change of {rid} "
                                 f"does not act on it (what does: {', '.join(acts)})", "kind")
            return None
        if rid_kind in ("ConfigMap", "Secret") and parse_resource_id(rid)[2] in await configs_read_by(ask, root, rid_kind) \
                and _config_reaches(found):
            # what the root workload reads (its heap flag, its pool size): the change may be the fix -- when it sets what
            # the fault's evidence names
            return as_note(_key_not_named(plan, rid, diagnosis, why), "key")
        return CauseNote(f"note: the root cause found is {root} ({found}: {why}) -- this change to {rid} does not touch it",
                         "elsewhere")
    kind = change_kind(plan, verb)
    if (acts := acted_on_by(found)) is None:
        return None
    if kind == "image" and "undo" in acts and await _ran_before(ask, root, str(plan.args.get("image") or "")):
        return None  # "set it back to 2.8.4": an image an earlier revision ran is an undo said by its tag
    if kind == "toleration" and (unfit := await _tainted_nodes_unfit(ask, root, plan.args.get("toleration") or {})):
        return CauseNote(f"note: {root}'s fault is {found} ({why}) -- {unfit}", "kind")
    if kind == "restart" and kind in acts:
        return as_note(await _restart_comes_after(ask, root), "after")
    if kind is None or kind in acts:
        return None
    return CauseNote(f"note: {root}'s fault is {found} ({why}) -- {_a(kind)} change does not "
                     f"act on it (what does: {', '.join(acts) or 'nothing chat pins'})", "kind")


async def _ran_before(ask: Ask, rid: str, image: str) -> bool:
    """Whether an earlier revision of the workload ran `image` (rollout_history lists each revision's images)."""
    namespace, kind, name = parse_resource_id(rid)
    if not image or not namespace or kind not in ("Deployment", "StatefulSet", "DaemonSet"):
        return False
    history = await ask.call("kubernetes", "rollout_history", {"namespace": namespace, "name": name, "kind": kind})
    return any(image in (row.get("images") or []) for row in (history.data or {}).get("revisions") or []
               if not row.get("current"))


async def _tainted_nodes_unfit(ask: Ask, rid: str, toleration: dict) -> str | None:
    """Why a toleration places no pod, when it does not: no node carrying the taint has the labels the pods' nodeSelector
    asks -- the scheduler counts a tainted node as refused for its taint alone, so the selector it also fails goes
    unsaid (kingsmere: "tolerate kingsmere.io/pci so it can use the pci nodes" for pods whose selector no node matched)."""
    namespace, kind, name = parse_resource_id(rid)
    key = str(toleration.get("key") or "")
    if not key or not namespace:
        return None
    described = await ask.call("kubernetes", "describe", {"kind": kind, "name": name, "namespace": namespace, "events_limit": 0})
    selector = pod_spec_of(kind, (described.data or {}).get("object") or {}).get("nodeSelector") or {}
    if not selector:
        return None
    listed = await ask.call("kubernetes", "get_resources", {"kind": "Node", "limit": 2000})
    tainted = [n for n in (listed.data or {}).get("items") or [] if any(str(t).split("=")[0].split(":")[0] == key
                                                                          for t in n.get("taints") or [])]
    if not tainted or any(all(str((n.get("labels") or {}).get(k)) == str(v) for k, v in selector.items()) for n in tainted):
        return None
    return (f"no node tainted {key} ({', '.join(str(n.get('name')) for n in tainted[:3])}) carries its nodeSelector "
            f"{selector}: a toleration for the taint places no pod")


def _a(word: str) -> str:
    """A word with its article: "a scale", "an undo"."""
    return f"a{'n' if word[:1] in 'aeiou' or word == 'hpa' else ''} {word}"  # (an HPA: said letter by letter)


async def noted_or_refused(ask: Ask, plan: Plan, rid: str, verb: str = "") -> Answer | None:
    """The cause note put first among the plan's notes, or -- where the change leaves the fault in a way that refuses
    it (leaves_fault.refuses) -- the refusal to answer instead of pinning."""
    note = await cause_note(ask, plan, rid, verb)
    if (refusal := await churn_refusal(ask, plan, rid, note, verb)) is not None:
        return refusal
    if note is not None:
        plan.notes.insert(0, note)
    return None


RESTART_COMMAND = re.compile(r"\brollout\s+restart\b")


async def _restart_comes_after(ask: Ask, root: str, about: str = "") -> str | None:
    """A restart asked alone where the fix found restarts only after another step ("put the current value in the Secret,
    then restart"): the new pods would read what is still wrong -- said, with the step that comes first."""
    if ask.investigate is None:
        return None
    # (a ConfigMap's fix is found by the investigation of what reads it: `about`)
    summary = await ask.investigate(f"why is {parse_resource_id(about or root)[2]} failing", about or root)
    for fix in summary.get("proposed_fixes") or []:
        commands = [c for c in fix.get("commands") or [] if not c.startswith("#")]
        if fix.get("resource") == root and commands and not RESTART_COMMAND.search(commands[0]) and \
                any(RESTART_COMMAND.search(c) for c in commands[1:]):
            return (f"note: a restart alone leaves the fault -- the fix found restarts only after another step: "
                    f"{clip(str(fix.get('summary') or '').split(' -- ')[-1], 220)} (first: `{commands[0]}`)")
    return None
