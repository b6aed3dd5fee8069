"""A workload's rollout history ("rollout history of X", kubectl's `rollout history deploy/x --revision=3`): every
revision with its images and when it went out, the current one marked; one revision asked for, its pod template and
what it changed from the revision before it, value by value. A CronJob's history is its runs."""

from __future__ import annotations

import re

from ...contracts import parse_resource_id
from ..ask import Ask, handles
from ..models import Answer
from ..understand.exact_names import workload_of_service
from .facts import container_facts
from .health import scale_events
from .notes import change_note
from .runs import cronjob_of, run_line, runs_of
from .templates import revision_template, template_diff

WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet")

REVISION_ASKED = re.compile(r"\b(?:revision|rev)\s*[=#]?\s*(\d+)\b", re.IGNORECASE)


async def _revision_shown(ask: Ask, namespace: str, kind: str, revisions: list[dict], number: int
                          ) -> tuple[str, list[str]] | None:
    """(headline, facts) of one revision: when it was made, what it changed from the revision before it (value by
    value), and its containers as its pod template holds them."""
    by_number = {int(r.get("revision") or 0): r for r in revisions}
    row = by_number.get(number)
    if row is None or not row.get("replicaset"):
        return None
    template = await revision_template(ask, namespace, kind, str(row["replicaset"]))
    earlier = max((n for n in by_number if n < number), default=None)
    changed: list[str] = []
    if earlier is not None and by_number[earlier].get("replicaset"):
        before = await revision_template(ask, namespace, kind, str(by_number[earlier]["replicaset"]))
        changed = template_diff(template, before)  # template_diff(old, new) reads new -> old: before -> this revision
    said = (f"changed from revision {earlier}: {'; '.join(changed)}" if changed else
            f"the same pod spec as revision {earlier} (a restart or a metadata change)" if earlier is not None else
            "the first revision")
    headline = (f"{ask.resource} revision {number}{' (current)' if row.get('current') else ''}, created {row.get('created')}: "
                f"{said[:400]}")
    annotations = {k: v for k, v in ((template.get("metadata") or {}).get("annotations") or {}).items()}
    return headline, [*container_facts(template.get("spec") or {}),
                      *(f"annotation {k}: {str(v)[:120]}" for k, v in annotations.items())]


@handles("history", needs=("kubernetes",))
async def history(ask: Ask) -> Answer:
    """"rollout history of X": every revision with its images and when it was created, the current one marked."""
    namespace, kind, name = parse_resource_id(ask.resource or "")
    if kind == "Job" and namespace and (cronjob := await cronjob_of(ask, namespace, name)):
        ask.resource = cronjob  # "the job history" of a run: its CronJob's runs
        namespace, kind, name = parse_resource_id(cronjob)
    if kind == "CronJob" and namespace:  # no revisions: its runs, each with the images it ran, are its history
        runs = await runs_of(ask, namespace, name)
        return ask.answer(f"{ask.resource} has {len(runs)} run(s) kept" + (f"; the latest {run_line(runs[-1])}" if runs else ""),
                          status="answered", details=[run_line(j) for j in reversed(runs)],
                          next_steps=["Ask 'what changed on it' for where the runs' images change."])
    if kind == "Service" and (fronted := await workload_of_service(ask, ask.resource or "")):
        ask.notes.append(f"({ask.resource} has no revisions: its workload {fronted} rolls out)")
        ask.resource = fronted  # "which release is rolling out" about the alarmed Service: its workload's history
        namespace, kind, name = parse_resource_id(fronted)
    if kind not in WORKLOADS:
        return ask.answer(f"{ask.resource} is a {kind}: only Deployments, StatefulSets and DaemonSets have a rollout history",
                          status="answered")
    outcome = await ask.call("kubernetes", "rollout_history", {"namespace": namespace, "name": name, "kind": kind})
    if outcome.error is not None:
        return ask.answer(f"Could not read the rollout history of {ask.resource}: {outcome.error[:200]}", status="unknown")
    revisions = (outcome.data or {}).get("revisions") or []
    lines = [f"revision {r.get('revision')}{' (current)' if r.get('current') else ''}: {', '.join(str(i) for i in r.get('images') or [])}"
             + (f" (init {', '.join(str(i) for i in r['init_images'])})" if r.get("init_images") else "")
             + f", created {r.get('created')}" + (f", changed {r['changed']}" if r.get("changed") else "")
             # kubectl's CHANGE-CAUSE column: what the person who rolled it out wrote
             + (f", change-cause: {r['change_cause']}" if r.get("change_cause") else "") for r in revisions]
    current = next((r for r in revisions if r.get("current")), None)
    headline = f"{ask.resource} has {len(revisions)} revision(s)" + (
        f"; current is revision {current.get('revision')} ({', '.join(str(i) for i in current.get('images') or [])})" if current else "")
    earlier = [r for r in revisions if current and r.get("revision", 0) < current.get("revision", 0)]
    if earlier:  # "and before that": the revision it replaced, in the headline an on-call reads
        before = max(earlier, key=lambda r: r.get("revision", 0))
        headline += f"; before it, revision {before.get('revision')} ({', '.join(str(i) for i in before.get('images') or [])})"
    if (asked := REVISION_ASKED.search(ask.question)) and (shown := await _revision_shown(
            ask, namespace or "", kind, revisions, int(asked.group(1)))) is not None:
        # "rollout history deploy/x --revision=3": that revision's pod template, and what it changed from the one before
        return ask.answer(shown[0], status="answered", details=shown[1], full=True,  # the revision whole is what was asked
                          next_steps=["Ask 'is it safe to roll it back?' for the revision a rollback should go to."])
    # "what happened to it": besides its revisions, the scaling its controller did (a scale to zero is no revision)
    described = await ask.call("kubernetes", "describe", {"kind": kind, "name": name, "namespace": namespace})
    if current and not current.get("change_cause"):  # "who shipped it": the change record people wrote on the object
        headline += change_note(ask.resource or "", ((described.data or {}).get("object") or {}).get("metadata"))
    scaled = scale_events((described.data or {}).get("events") or [])
    if scaled:
        headline += f"; latest scaling: {scaled[0].removeprefix('event ScalingReplicaSet: ')}"
    return ask.answer(headline, status="answered", details=[*reversed(lines), *scaled],  # the revisions are the answer
                      next_steps=["Ask 'is it safe to roll it back?' for the revision a rollback should go to."])
