"""A disruptive change that cannot clear what was found is said, not pinned, on a passing request. A restart, a pod
delete or an undo takes serving pods away; when the conversation's root cause is one such a change does not act on
(acted_on_by in categories.yaml: new pods of the same template pull the same missing image, read the same wrong key,
meet the same scheduler), when the fix found restarts only after another step, when the fault is on another object, or
when nothing is wrong on or near the object at all ("restart it to be safe"), the change is churn: the reason is said
with the change that does act, and "... anyway" pins it as asked -- a human approves every pinned action either way.
A change that is not disruptive (a limit, an env var, a key) keeps its note and is pinned (cause_note.py)."""

from __future__ import annotations

from ...contracts import parse_resource_id, parse_time
from ...quoting import clip
from ..answer.diagnosis_text import fix_step
from ..answer.pods import workload_pods
from ..ask import Ask
from ..models import Answer
from ..understand.kinds_said import configs_read_by
from ..understand.references import owner_of
from .guards import OVERRIDE
from .plans import BY_HAND, Plan

DISRUPTIVE_TOOLS = ("rollout_restart", "delete_pod", "rollout_undo")
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet")


def disruptive(plan: Plan) -> bool:
    """A restart, an undo, a pod delete -- by tool, or by hand (several pods' delete is one kubectl)."""
    return plan.tool in DISRUPTIVE_TOOLS or (plan.tool == BY_HAND and plan.args.get("kind") == "Pod")


CHANGE_SAID = {"rollout_undo": "an undo of {rid}", "rollout_restart": "a restart of {rid}"}


async def churn_refusal(ask: Ask, plan: Plan, rid: str, note: str | None) -> Answer | None:
    """The refusal for a disruptive `plan` whose cause note (cause_note.py: the change leaves the fault) is `note`, with
    the fix the investigation found for the root -- what to do instead, not only what not to."""
    if note is None or not disruptive(plan) or OVERRIDE.search(ask.question):
        return None
    root = str((ask.last_diagnosis or {}).get("resource") or "")
    change = CHANGE_SAID.get(plan.tool, "{change}").format(rid=rid, change=plan.change)
    fix = await fix_found(ask, root) if root.count("/") == 2 else None
    instead = [fix] if fix else [f"Ask 'how do I fix {parse_resource_id(root)[2]}?' for the change that acts on it"
                                 if root.count("/") == 2 else "Say what is wrong that the investigation did not see"]
    return ask.answer(f"Not pinned: {change} -- {note.removeprefix('note: ')}", status="answered",
                      resources=[r for r in (rid, root) if r],
                      next_steps=[*instead, "To do it anyway, say so ('... anyway') and a human approves the pinned action."])


async def fix_found(ask: Ask, root: str) -> str | None:
    """The investigation's fix for `root` as one step: the previous answer's when it gave one, else found now."""
    said = next((step for step in (ask.last_answer or {}).get("next_steps") or []
                 if isinstance(step, str) and step.startswith(f"Fix {root}:")), None)
    if said or ask.investigate is None:
        return said
    summary = await ask.investigate(f"why is {parse_resource_id(root)[2]} failing", root)
    category = str((summary.get("diagnosis") or {}).get("category") or "")
    return next((fix_step(fix, category) for fix in summary.get("proposed_fixes") or [] if fix.get("resource") == root),
                None)


async def configs_written_since(ask: Ask, rid: str) -> list[str]:
    """The ConfigMaps and Secrets `rid` reads that were written after its oldest pod was created: a restart brings
    them in (env is read when a container starts), so a restart has something to do though nothing is broken."""
    namespace, kind, _ = parse_resource_id(rid)
    if kind not in WORKLOAD_KINDS or not namespace:
        return []
    created = [t for p in await workload_pods(ask, rid) if (t := parse_time(p.get("created")))]
    if not created:
        return []
    oldest, newer = min(created), []
    for config_kind in ("ConfigMap", "Secret"):
        names = await configs_read_by(ask, rid, config_kind)
        if not names:
            continue
        listed = await ask.call("kubernetes", "get_resources", {"kind": config_kind, "namespace": namespace})
        newer += [f"{config_kind} {row.get('name')} (written {row.get('written')})"
                  for row in (listed.data or {}).get("items") or []
                  if row.get("name") in names and (written := parse_time(row.get("written"))) and written > oldest]
    return newer


async def nothing_to_clear(ask: Ask, plan: Plan, rid: str) -> str | None:
    """Nothing pages on or near `rid`: its own investigation says whether a disruptive change has a fault to clear. The
    note when it found none (and no config it reads was written since its pods started), else None."""
    if not disruptive(plan) or ask.investigate is None:
        return None
    workload = rid
    if parse_resource_id(rid)[1] == "Pod":
        workload = await owner_of(ask, rid) or rid
    if parse_resource_id(workload)[1] not in WORKLOAD_KINDS or await configs_written_since(ask, workload):
        return None
    diagnosis = (await ask.investigate(ask.question, workload)).get("diagnosis") or {}
    if not diagnosis or diagnosis.get("category", "none") != "none":
        ask.last_diagnosis = diagnosis or ask.last_diagnosis
        return None
    ask.last_diagnosis = diagnosis
    summary = clip(str(diagnosis.get("summary") or "").split(" -- ")[0], 220)
    return f"note: nothing is wrong on or near {workload} to clear ({summary}); it takes serving pods away for nothing"
