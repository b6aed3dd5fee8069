"""Whether a change asked for in chat acts on the fault the conversation found. A pinned change that does not -- a
memory limit raised on a workload whose liveness probe kills it, a pod deleted that the scheduler cannot place, another
workload scaled while the fault is elsewhere -- is still pinned (a human approves every pinned action, and may know
better), but it says so first: the root cause, and that this change leaves it. A conversation that found no root
cause yet has what is broken now investigated first, as a refusal's check does (act/rollback.py).

Which kinds of change act on which kind of fault is data: `acted_on_by` in sre_agent/categories.yaml."""

from __future__ import annotations

import re

from ...categories import category
from ...contracts import parse_resource_id
from ..answer.investigate import wider_subject
from ..ask import Ask
from ..understand.kinds_said import configs_read_by
from .guards import elsewhere
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
    if plan.tool == "set_resources":
        kinds = {"memory" if "memory" in key else "cpu" if "cpu" in key else "other"
                 for part in ("limits", "requests") for key in (plan.args.get(part) or {})}
        return kinds.pop() if len(kinds) == 1 else None
    return TOOL_CHANGE.get(plan.tool) or VERB_CHANGE.get(verb)


OUTSIDE = "(outside the cluster)"
LOGS_SAID = re.compile(r"\(its logs: (.+)\)\s*$")


def _outside_note(summary: str, rid: str, kind: str | None) -> str | None:
    """No root cause in the cluster, and `rid`'s own calls fail at a host outside it (a vendor limiting, timing out):
    a change here does not change what that host answers -- said with the line that shows it."""
    if OUTSIDE not in summary or not summary.removeprefix("No root cause in the cluster: ").startswith(rid):
        return None
    said = LOGS_SAID.search(summary)
    return (f"note: {summary.split(' -- ')[0]}{f' ({said.group(1)[:200]})' if said else ''} -- "
            f"a{'n' if (kind or 'x')[0] in 'aeiou' else ''} {kind or 'change'} here does not change what that host answers")


# The kinds of change a value read from a ConfigMap/Secret can make (an env var, a heap flag, a pool size, a restart's
# new value): a fault that none of them acts on (an image built wrong, a taint, a selector) is no config edit's to fix.
CONFIG_REACHES = frozenset({"config", "env", "memory", "cpu", "restart"})


def _config_reaches(found: str) -> bool:
    try:
        return bool(CONFIG_REACHES & set(category(found).acted_on_by))
    except KeyError:
        return True


def _paging_elsewhere(summary: str, rid: str) -> str | None:
    """No root cause found in the cluster, and what the investigation looked at is another object than `rid`: said, so a
    change to `rid` ("X went out before, roll it back") is not read as the answer to what pages."""
    subject = re.sub(r"('s|[:',])+$", "", summary.removeprefix("No root cause in the cluster: ").split(" ", 1)[0])
    if not summary.startswith("No root cause in the cluster: ") or subject.count("/") != 2 or _same_object(subject, rid):
        return None
    return f"note: {summary.split(' -- ')[0][:220]} -- what fails is {subject}, not {rid}"


def _same_object(root: str, rid: str) -> bool:
    """rid is the root, or one of its pods (a pod's name starts with its workload's)."""
    if root == rid:
        return True
    root_ns, _, root_name = parse_resource_id(root)
    ns, kind, name = parse_resource_id(rid)
    return kind == "Pod" and ns == root_ns and name.startswith(root_name + "-")


async def cause_note(ask: Ask, plan: Plan, rid: str, verb: str = "") -> str | None:
    """One line for the approval request when the change leaves the conversation's root cause as it is, else None."""
    diagnosis = ask.last_diagnosis or {}
    if diagnosis.get("category", "none") == "none" and ask.investigate is not None:
        worst = await wider_subject(ask, near=rid)
        if isinstance(worst, str) and worst:
            diagnosis = (await ask.investigate(ask.question, worst)).get("diagnosis") or {}
            ask.last_diagnosis = diagnosis or None
    root, found = str(diagnosis.get("resource") or ""), str(diagnosis.get("category") or "none")
    if found == "none":
        return _outside_note(str(diagnosis.get("summary") or ""), rid, change_kind(plan, verb)) or \
            _paging_elsewhere(str(diagnosis.get("summary") or ""), rid)
    if not root:
        return None
    why = re.sub(rf"^{re.escape(found)} on {re.escape(root)}:? ", "", str(diagnosis.get("summary") or "")).strip()[:220]
    if change_kind(plan, verb) == "undo" and parse_resource_id(root)[1] in ("ConfigMap", "Secret") and \
            parse_resource_id(root)[2] not in plan.change:
        # an undo rolls back the pod template, never the data of a ConfigMap/Secret it reads -- unless the revision
        # it goes back to reads another one (then the plan's change names it)
        return f"note: the root cause found is {root} ({found}: {why}) -- an undo of {rid} leaves what {root} holds as it is"
    if not _same_object(root, rid):
        if elsewhere(ask, rid) is None:  # its pod, its Service, a ConfigMap it reads: the change may be the fix's part
            return None
        rid_kind = parse_resource_id(rid)[1]
        if rid_kind in ("ConfigMap", "Secret") and parse_resource_id(rid)[2] in await configs_read_by(ask, root, rid_kind) \
                and _config_reaches(found):
            return None  # what the root workload reads (its heap flag, its pool size): the change may be the fix
        return f"note: the root cause found is {root} ({found}: {why}) -- this change to {rid} does not touch it"
    kind = change_kind(plan, verb)
    try:
        acts = category(found).acted_on_by
    except KeyError:
        return None
    if kind is None or kind in acts:
        return None
    return (f"note: {root}'s fault is {found} ({why}) -- a {kind} change does not act on it "
            f"(what does: {', '.join(acts) or 'nothing chat pins'})")
