"""A disruptive change that cannot clear what was found is said, not pinned, on a passing request. A restart, a pod
delete or an undo takes serving pods away; when the conversation's root cause is one such a change does not act on
(acted_on_by in categories.yaml: new pods of the same template pull the same missing image, read the same wrong key,
meet the same scheduler), when the fix found restarts only after another step, when the fault is on another object, or
when nothing is wrong on or near the object at all ("restart it to be safe"), the change is churn: the reason is said
with the change that does act, and "... anyway" pins it as asked -- a human approves every pinned action either way.
A change of a kind the fault is not acted on by, or with nothing found to clear, is said the same way whether it is
disruptive or not (more replicas against a wrong database URL, an HPA raised "to be safe"); a change that may act but
misses what the evidence names (another key of the ConfigMap) keeps its note and is pinned (cause_note.py)."""

from __future__ import annotations

import re
from datetime import datetime

from ...brains.offline.outage_width import NEW_PODS_DOWN
from ...categories import acted_on_by
from ...contracts import parse_resource_id, parse_time
from ...quoting import clip
from ..answer.onset import first_sign
from ..answer.pods import workload_pods
from ..ask import Ask
from ..models import Answer
from ..understand.kinds_said import configs_read_by
from ..understand.references import owner_of
from .found_fix import fix_steps_of, found_fix
from .guards import OVERRIDE
from .plans import BY_HAND, Plan


class CauseNote(str):
    """A note line for the approval request, and how the change leaves the fault (`leaves`): "elsewhere" (the change is
    to another object than the root, or to another than what fails), "kind" (a kind of change the fault's category is not
    acted on by), "after" (a restart before the step the fix needs first), "nothing" (no fault on or near it to clear),
    "found_nothing" (what pages was investigated and showed none), "outside" (what fails is a host outside the cluster),
    "undo_data" (an undo leaves a ConfigMap's/Secret's data), "key" (a key the fault's evidence does not name).
    leaves_fault.py decides from `leaves` which of them are refused rather than pinned."""

    leaves: str

    def __new__(cls, text: str, leaves: str) -> CauseNote:
        note = super().__new__(cls, text)
        note.leaves = leaves
        return note


def as_note(text: str | None, leaves: str) -> CauseNote | None:
    return CauseNote(text, leaves) if text is not None else None


DISRUPTIVE_TOOLS = ("rollout_restart", "delete_pod", "rollout_undo")
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet")


def disruptive(plan: Plan) -> bool:
    """A restart, an undo, a pod delete -- by tool, or by hand (several pods' delete is one kubectl)."""
    return plan.tool in DISRUPTIVE_TOOLS or (plan.tool == BY_HAND and plan.args.get("kind") == "Pod")


CHANGE_SAID = {"rollout_undo": "an undo of {rid}", "rollout_restart": "a restart of {rid}"}
# how a change leaves the fault (cause_note.CauseNote.leaves) that refuses it, whatever the change: to another object
# than the root ("elsewhere": the lure's restart, its CPU, its scale), of a kind the fault is not acted on by ("kind":
# more replicas of a workload whose database URL is wrong), or with nothing found to clear ("nothing", "outside": a raise
# "to be safe", more replicas against a vendor's outage)
NOT_ACTING_LEAVES = ("elsewhere", "kind", "nothing", "outside")
# ... and those that refuse a disruptive change (or a rerun, which fails the same way) only -- "found_nothing" among
# them: what was investigated may not be what the change is to (a full claim grown after a question about a front end)
DISRUPTIVE_LEAVES = ("after", "undo_data", "found_nothing")


def refuses(plan: Plan, note: CauseNote, verb: str = "") -> bool:
    """Whether the change the note is about is said rather than pinned: a change that does not act on the fault found
    (or finds none to act on) -- said with the change that does, and pinned once the request says "anyway"; a disruptive
    change that comes before the step its fix needs first."""
    return note.leaves in NOT_ACTING_LEAVES or (disruptive(plan) or verb == "rerun") and note.leaves in DISRUPTIVE_LEAVES


async def churn_refusal(ask: Ask, plan: Plan, rid: str, note: CauseNote | None, verb: str = "") -> Answer | None:
    """The refusal for a change that its cause note (cause_note.py) says leaves the fault, where `refuses` holds, with the
    fix the investigation found for the root -- what to do instead, not only what not to. A restart that brings in a
    ConfigMap/Secret edited since its pods started has something to do: pinned with its note."""
    if note is None or not refuses(plan, note, verb) or OVERRIDE.search(ask.question):
        return None
    category = str((ask.last_diagnosis or {}).get("category") or "none")
    root = str((ask.last_diagnosis or {}).get("resource") or "")
    if plan.tool == "rollout_restart" and note.leaves != "nothing" and not (note.leaves == "kind" and category in NEW_PODS_DOWN) \
            and _read_values_reach(category) and await configs_written_since(ask, rid) \
            and await configs_written_since(ask, rid, after=await first_sign(ask, root) if root.count("/") == 2 else None):
        # ("nothing": nothing_to_clear found none written since before it said so; a fault its new pods meet -- an image
        # not pulled, a key missing -- takes the old serving pods' places with failing ones: no config is brought in;
        # an edit made before the fault's first sign is no fix waiting to be read -- nobody fixes what has not begun; the
        # first sign is looked for only when something was written since the pods started; a fault no value read at
        # start acts on -- a CPU limit cut in the template -- is not cleared by what the edit brings in)
        return None
    if note.leaves in ("after", "kind") and root.count("/") == 2 and _asks_the_fix_too(ask.question) and \
            (pinned := await found_fix(ask, root, about=rid if rid != root else "")) is not None and \
            "<" not in str((pinned.approval.args if pinned.approval else {}).get("command") or ""):
        # "fix the configmap and restart portal", "put the right key in and restart": the fix found, pinned whole (its
        # restart after its edit) -- never one with a value still to supply ("<image:tag that exists>")
        return pinned
    change = CHANGE_SAID.get(plan.tool, "{change} on {rid}").format(rid=rid, change=plan.change)
    fix = await fix_found(ask, root) if root.count("/") == 2 else None
    instead = [fix] if fix else [f"Ask 'how do I fix {parse_resource_id(root)[2]}?' for the change that acts on it"
                                 if root.count("/") == 2 else "Say what is wrong that the investigation did not see"]
    return ask.answer(f"Not pinned: {change} -- {note.removeprefix('note: ')}", status="answered",
                      resources=[r for r in (rid, root) if r],
                      next_steps=[*instead, "To do it anyway, say so ('... anyway') and a human approves the pinned action."])


# the kinds of change (categories.yaml acted_on_by) a value read when a container starts can be: a fault acted on by one
# of them may be cleared by an edit a restart brings in (a key put back, a rotated password); one acted on only by the
# template (cpu, probe, image) is not
READ_AT_START = frozenset({"config", "env", "restart"})


def _read_values_reach(category: str) -> bool:
    acts = acted_on_by(category)
    return category == "none" or acts is None or bool(READ_AT_START & set(acts))


ROOT_FIX_VERB = re.compile(r"\b(fix|correct|repair|revert|put|restore|set|change|update|edit|replace|rotate|patch|point|switch)\b",
                           re.IGNORECASE)


def _asks_the_fix_too(question: str) -> bool:
    """Whether the request asks for a change of its own beside the restart or the run ("put the right key in and
    restart", "fix the configmap and restart portal"): a verb that changes something, not one that only restarts."""
    return ROOT_FIX_VERB.search(question) is not None


async def fix_found(ask: Ask, root: str) -> str | None:
    """The investigation's fix for `root` as one step: the previous answer's when it gave one, else found now."""
    said = next((step for step in (ask.last_answer or {}).get("next_steps") or []
                 if isinstance(step, str) and step.startswith(f"Fix {root}:")), None)
    return said or next(iter(await fix_steps_of(ask, root)), None)


async def configs_written_since(ask: Ask, rid: str, after: datetime | None = None) -> list[str]:
    """The ConfigMaps and Secrets `rid` reads that were written after its oldest pod was created (and after `after`,
    when given): a restart brings them in (env is read when a container starts), so a restart has something to do
    though nothing is broken."""
    namespace, kind, _ = parse_resource_id(rid)
    if kind not in WORKLOAD_KINDS or not namespace:
        return []
    created = [t for p in await workload_pods(ask, rid) if (t := parse_time(p.get("created")))]
    if not created:
        return []
    oldest, newer = max(min(created), after) if after else min(created), []
    for config_kind in ("ConfigMap", "Secret"):
        names = await configs_read_by(ask, rid, config_kind)
        if not names:
            continue
        listed = await ask.call("kubernetes", "get_resources", {"kind": config_kind, "namespace": namespace})
        newer += [f"{config_kind} {row.get('name')} (written {row.get('written')})"
                  for row in (listed.data or {}).get("items") or []
                  if row.get("name") in names and (written := parse_time(row.get("written"))) and written > oldest]
    return newer


async def nothing_to_clear(ask: Ask, plan: Plan, rid: str) -> CauseNote | None:
    """Nothing pages on or near `rid`: its own investigation says whether the change has a fault to clear (a fault it
    finds -- its own or one it walks to, a cache it calls throttled -- becomes the conversation's, for the cause note to
    weigh the change against). The note when it found none, else None; a restart that would bring in a ConfigMap/Secret
    edited since its pods started has something to do, so its workload is not looked into."""
    if ask.investigate is None:
        return None
    workload = rid
    if parse_resource_id(rid)[1] == "Pod":
        workload = await owner_of(ask, rid) or rid
    if parse_resource_id(workload)[1] not in WORKLOAD_KINDS or \
            disruptive(plan) and await configs_written_since(ask, workload):
        return None
    diagnosis = (await ask.investigate(ask.question, workload)).get("diagnosis") or {}
    if not diagnosis or diagnosis.get("category", "none") != "none":
        ask.last_diagnosis = diagnosis or ask.last_diagnosis
        return None
    ask.last_diagnosis = diagnosis
    summary = clip(str(diagnosis.get("summary") or "").split(" -- ")[0], 220)
    cost = "it takes serving pods away for nothing" if disruptive(plan) else "nothing found asks for this change"
    return CauseNote(f"note: nothing is wrong on or near {workload} to clear ({summary}); {cost}", "nothing")
