""""would restarting the pods fix it", "if i delete the pods will they come back fine": whether recreating the
pods helps, from an investigation of what the conversation is about. New pods run the same spec on the
same cluster: they clear nothing a spec, a dependency, a node or a quota causes -- a leak's memory comes back, a bad
image is pulled again -- so the answer says so and names the fix the investigation found."""

from __future__ import annotations

import re
from collections.abc import Callable

from ...brains.offline.credentials import HOLD_OLD_VALUE
from ...categories import category as category_of
from ...contracts import RootCauseCategory as C
from ...contracts import parse_resource_id
from ..ask import HANDLERS, Ask, handles
from ..models import Answer
from ..understand.references import kind_of, name_of, named_exactly, resolve, workload_of_service
from .diagnosis_text import cause_text
from .health import status
from .investigate import why_failing
from .runs import last_good_run, run_line
from .templates import revision_template, template_diff

# Categories a restart relieves for a while without removing the cause.
RELIEVED_FOR_A_WHILE = {C.MEMORY_LEAK.value: "new pods start with fresh memory, and the same code fills it again"}
# Causes new pods clear: the running pods hold a value older than what they would read now (a rotation they started
# before, in the diagnosis's own words -- not a credential rotated where it is checked, which new pods meet too).
CLEARED_BY_NEW_PODS = {C.STALE_CREDENTIAL.value: "the running pods hold the value they started with, and new pods read "
                                                 "the current one"}


def cleared_by_new_pods(category: str, summary: str) -> bool:
    return category in CLEARED_BY_NEW_PODS and HOLD_OLD_VALUE in summary


async def _has_owner(ask: Ask, pod: str) -> bool:
    namespace, _, name = parse_resource_id(pod)
    described = await ask.call("kubernetes", "describe", {"kind": "Pod", "name": name, "namespace": namespace, "events_limit": 0})
    if described.error is not None:
        return True  # could not tell: the investigation below says what it can
    return bool((((described.data or {}).get("object") or {}).get("metadata") or {}).get("ownerReferences"))


@handles("restart_would_help", needs=("kubernetes", "cloudwatch"))
async def restart_would_help(ask: Ask) -> Answer:
    # Investigated afresh even after a diagnosis: the answer needs the fix, which only the investigation carries
    await subject_named(ask)
    if kind_of(ask.resource or "") == "Pod" and not await _has_owner(ask, ask.resource or ""):
        known = ask.last_diagnosis or {}  # and the same spec crashes the same way: say why, when it was found
        why = f"; and its spec is the cause -- {known.get('summary', '')[:240]}" \
            if known.get("resource") == ask.resource and known.get("category") not in (None, "none") else ""
        return ask.answer(f"No: {ask.resource} is a bare pod -- no controller owns it, so a deleted or killed pod is "
                          f"never recreated; only its own restart policy restarts its containers in place{why}",
                          status="problems", resources=[ask.resource or ""],
                          next_steps=["Recreate it from its manifest with the fix (a bare pod's spec cannot be edited "
                                      "in place), or run it under a Deployment."])
    return await by_investigation(ask, restart_verdict)


async def subject_named(ask: Ask) -> None:
    """The object the question names ("would restarting chart-api fix it"), else the conversation's: the form needs no
    subject, so a named one is resolved here -- never the focus over a name said."""
    if not ask.resource and ask.recognised.subject and isinstance(named := await resolve(ask), str) and named:
        ask.resource = named
    if not ask.recognised.subject:  # "what happens if we restart results-api ...": a whole name typed, no pattern placed
        for word in [w for w in ask.recognised.candidates if "-" in w][:3]:
            if (exact := await named_exactly(ask, word)) is not None:
                ask.resource = exact
                break
    if not ask.resource and ask.focus:
        ask.resource = ask.focus[0]


def restart_verdict(category: str, culprit: str, subject: str, summary: str) -> str:
    if category == "none":
        return f"Nothing was found wrong with {subject}: recreating its pods fixes nothing, and costs a moment of capacity"
    if category in RELIEVED_FOR_A_WHILE:
        return f"Only for a while: {RELIEVED_FOR_A_WHILE[category]} -- the root cause is {category} on {culprit}; {summary}"
    if cleared_by_new_pods(category, summary):
        return f"Yes: {CLEARED_BY_NEW_PODS[category]} -- {category} on {culprit}: {summary}"
    return f"No: recreated pods run the same spec and meet the same cluster, so the cause stays -- {category} on {culprit}: {summary}"


async def by_investigation(ask: Ask, verdict: Callable[[str, str, str, str], str]) -> Answer:
    """Investigated afresh (the answer needs the fix, which only the investigation carries); `verdict` reads
    (category, culprit, the subject asked about, the diagnosis summary)."""
    found_before = dict(ask.last_diagnosis or {})  # the conversation's root cause, before this object's own look
    base = await why_failing(ask)
    if base.status == "unknown":
        return base
    diagnosis = base.diagnosis or {}
    category, culprit = diagnosis.get("category") or "none", diagnosis.get("resource") or ""
    if category == "none" and found_before.get("category") not in (None, "none") and found_before.get("resource") != ask.resource:
        # "would uncordoning ip-10-40-2-66 help" with the fault on the quota: nothing wrong here, and what is wrong is said
        root = str(found_before.get("resource"))
        return ask.answer(f"No: {verdict('none', '', ask.resource or '', '')} -- the root cause found is "
                          f"{found_before.get('category')} on {root}: {cause_text(found_before, 200)}", status="answered",
                          resources=[root, ask.resource or ""], diagnosis=found_before,
                          next_steps=[f"Ask 'how do I fix {name_of(root)}?' for the fix."])
    if _elsewhere(ask.resource, culprit) and (await status(ask)).status == "healthy":
        # the object asked about is healthy and the investigation went on to a fault in another namespace: that fault is not
        # what a restart (or more pods) of this object would meet -- said beside "nothing wrong with it", never as its cause
        text = verdict("none", "", ask.resource or "", "")
        return ask.answer(text, status="answered", details=[f"what is failing now, elsewhere: {category} on {culprit}: "
                                                            f"{cause_text(diagnosis, 200)}"],
                          resources=[ask.resource or ""], next_steps=[f"Ask 'why is {name_of(culprit)} failing?' for that."])
    text = verdict(category, culprit, ask.resource or culprit, cause_text(diagnosis, 200))
    steps = base.next_steps or [f"Ask 'why is {culprit.rsplit('/', 1)[-1]} failing?' for the fix."]
    # a would-question is answered (yes / no / for a while), whatever the fault: the verdict is the answer, the
    # diagnosis rides along for the next turn
    fact = spec_fact(category, base.details)  # what the recreated pods would carry again: the fault's own line
    return ask.answer(text, status="answered", details=[*([fact] if fact else []), *(d for d in base.details[:8] if d != fact)],
                      resources=[r for r in (culprit, ask.resource) if r], diagnosis=diagnosis, next_steps=steps)


def spec_fact(category: str, details: list[str]) -> str | None:
    """The investigation's fact line that names what kind of fault it is (the category's own words: a probe, a limit,
    an image; a regression's rollout) -- what the same spec would carry again -- never an evidence quote."""
    try:
        words = category_of(category).words or ["rollout"]
    except KeyError:
        return None
    return next((d for d in details if not d.startswith(("evidence ", "(")) and any(
        re.search(rf"\b{re.escape(w)}", d, re.IGNORECASE) for w in words)), None)


def _elsewhere(asked: str | None, culprit: str) -> bool:
    """A root cause in another namespace than the namespaced object asked about."""
    if not asked or not culprit or asked == culprit or asked.count("/") != 2 or culprit.count("/") != 2:
        return False
    return parse_resource_id(asked)[0] != parse_resource_id(culprit)[0]


# A workload's own saturation that more pods of it share out (each pod held at its CPU limit carries less).
SHARED_BY_MORE_PODS = {C.CPU_THROTTLING.value}


# "bring cdn-purger back to 2 replicas", "scale it back up to 3": a scale asked for, not asked about
SCALE_ASKED = re.compile(r"^\W*((ok|okay|so|then|just|pls|please)\W+)*(bring|scale|put|set|restore)\b.*\b(to\s+)?\d+\b",
                         re.IGNORECASE)


@handles("scale_would_help", needs=("kubernetes", "cloudwatch"))
async def scale_would_help(ask: Ask) -> Answer:
    """"would scaling scale-gateway out help": more pods of the same spec help only when the workload's own pods are
    what is saturated; a cause elsewhere (the database they call, a quota, a bad release) stays, and may get more load.
    A scale asked for outright is a change request (pinned, or refused with why)."""
    await subject_named(ask)
    if SCALE_ASKED.search(ask.question) and ask.resource:
        asked = await HANDLERS["write_request"].handler(ask)
        asked.form = "write_request"
        return asked
    return await by_investigation(ask, _scale_verdict)


def _scale_verdict(category: str, culprit: str, subject: str, summary: str) -> str:
    if category == "none":
        return f"Nothing was found wrong with {subject}: more pods add capacity it does not seem to need"
    if culprit == subject and re.search(r"\bscaled to (0|zero)\b", summary):  # its own absence is the fault
        return f"Yes: {subject} is scaled to 0 and that is the fault -- scaling it back is the fix: {summary}"
    if culprit == subject and category in SHARED_BY_MORE_PODS:
        return ("Maybe, for a while: its own pods are held at their CPU limit, and more of them share the load only if its "
                "callers spread requests across them (a database's primary does not) -- the fix is the limit "
                f"({category} on {culprit}): {summary}")
    return (f"No: more {name_of(subject)} pods leave the cause where it is -- {category} on {culprit}, which they would "
            f"only send more work to: {summary}")


TO_REVISION = re.compile(r"--to-revision=(\d+)")
# Faults a pod template carries by definition: the revision that brought it is the one to leave.
REVISION_DEFECTS = {C.BAD_DEPLOY_REGRESSION.value, C.BAD_IMAGE.value, C.CRASH_MISSING_CONFIG.value, C.PROBE_MISCONFIG.value}


def _revision_line(revision: dict) -> str:
    images = ", ".join(str(i).rsplit("/", 1)[-1] for i in revision.get("images") or [])
    return f"revision {revision.get('revision')} ({images})"


@handles("rollback_would_help", needs=("kubernetes", "cloudwatch"))
async def rollback_would_help(ask: Ask) -> Answer:
    """"would a rollback of grading-engine fix it": yes only when the investigation blames what the current revision of
    that workload changed (it then plans the rollback itself); no when the cause is elsewhere or the previous revision
    has the same defect -- with both revisions named, so the answer shows what a rollback would change."""
    subject = ask.resource or (ask.focus[0] if ask.focus else "")
    if kind_of(subject) == "Service" and (runner := await workload_of_service(ask, subject)):
        subject = runner  # "would a rollout undo fix it" about an alarmed Service: the workload behind it rolls out
    namespace, kind, name = parse_resource_id(subject)
    if kind not in ("Deployment", "StatefulSet", "DaemonSet", "CronJob"):
        return ask.answer(f"{subject} is a {kind}: it has no rollout to undo", status="answered", resources=[subject],
                          next_steps=[f"Ask 'why is {name} failing?' for the fix that applies."])
    if kind == "CronJob":  # no rollout to undo: going back is its job template's image, to the one that last worked
        good, runs = await last_good_run(ask, subject)
        if good is None:
            return ask.answer(f"No: {subject} is a CronJob (no rollout to undo) and none of its {len(runs)} kept run(s) "
                              "completed, so no earlier image is known to work", status="answered", resources=[subject])
        return ask.answer(f"A CronJob has no rollout to undo, but its last run that completed, {good.get('name')} "
                          f"({good.get('created')}), ran {', '.join(str(i) for i in good.get('images') or [])}: setting the "
                          "job template's image back to that is the rollback", status="answered", resources=[subject],
                          details=[run_line(j) for j in runs[-6:]],
                          next_steps=[f"Ask 'set the cronjob image back to {str((good.get('images') or ['?'])[0]).rsplit(':', 1)[-1]}' "
                                      "for the change to approve."])
    history = await ask.call("kubernetes", "rollout_history", {"namespace": namespace, "name": name,
                                                              **({"kind": kind} if kind != "Deployment" else {})})
    revisions = (history.data or {}).get("revisions") or []
    current = next((r for r in revisions if r.get("current")), None)
    previous = max((r for r in revisions if current and r["revision"] < current["revision"]),
                   key=lambda r: r["revision"], default=None)
    if history.error is not None or current is None:
        return ask.answer(f"{subject} has no rollout history to roll back through"
                          + (f": {history.error[:160]}" if history.error else ""), status="answered", resources=[subject],
                          next_steps=[f"Ask 'why is {name} failing?' for the fix that applies."])
    if previous is None:
        return ask.answer(f"No: {subject} has only {_revision_line(current)} -- there is no earlier revision to go back to",
                          status="answered", resources=[subject], next_steps=[f"Ask 'why is {name} failing?' for the fix."])
    ask.resource = subject
    summary = await ask.investigate(ask.question, subject) if ask.investigate else {}
    diagnosis = summary.get("diagnosis") or {}
    category, culprit = diagnosis.get("category") or "none", diagnosis.get("resource") or ""
    planned = [a for a in summary.get("actions") or [] if a.get("tool") == "rollout_undo"
               and (a.get("args") or {}).get("name") == name and (a.get("args") or {}).get("namespace") == namespace]
    # chat's investigations write nothing: the rollback they would make is the fix they propose for this workload,
    # to the revision before the one live when the symptom began, never one with the same defect (graph/fixes.py)
    target = next((int(m.group(1)) for fix in summary.get("proposed_fixes") or [] if fix.get("resource") == subject
                   for command in fix.get("commands") or [] if (m := TO_REVISION.search(command))), None)
    if planned and target is None:
        target = (planned[0].get("args") or {}).get("to_revision")
    goes_to = next((r for r in revisions if r.get("revision") == target), previous)
    back = f"{_revision_line(current)} -> {_revision_line(goes_to)}"
    changed = []
    if current.get("replicaset") and goes_to.get("replicaset"):  # what a rollback would change, field by field
        now = await revision_template(ask, namespace or "", kind, str(current["replicaset"]))
        then = await revision_template(ask, namespace or "", kind, str(goes_to["replicaset"]))
        changed = [f"a rollback would change: {line}" for line in template_diff(then, now)]
    changed = changed or [f"{_revision_line(current)} changed: {c}" for c in current.get("changed") or []]
    if target is not None:
        headline = (f"Yes: the investigation blames {subject}'s {category} on its rollout, and a rollback goes {back}"
                    + ("" if goes_to is previous else " (the last revision before the symptom began)"))
        steps = [f"Ask 'roll {name} back' for the pinned rollback to approve."]
    elif culprit == subject and (reverted := _reverts_the_cause(diagnosis, changed)):
        # "would a rollout undo fix it" when the rollout raised the memory request no node can give: the rollback
        # reverts the very field the fault is about
        headline = (f"Yes: {subject}'s {category} is about what its latest rollout changed, and a rollback ({back}) "
                    f"reverts it -- {reverted.removeprefix('a rollback would change: ')}")
        steps = [f"Ask 'roll {name} back' for the pinned rollback to approve, or fix the field by hand."]
    elif category == "none":
        headline = f"Nothing was found wrong with {subject}: a rollback ({back}) would only undo a change that is not at fault"
        steps = ["Ask 'what changed in the last hour?' for other changes."]
    elif culprit == subject and category in REVISION_DEFECTS:
        headline = (f"Not shown: {subject} has a {category}, but no earlier revision was found without it in the window "
                    f"looked at ({back} may carry the same defect) -- {diagnosis.get('summary', '')[:200]}")
        steps = [f"Ask 'rollout history of {name}' for every revision, or 'why is {name} failing?' for the fix."]
    else:
        where = f"on {culprit}" if culprit != subject else f"in {subject}, and the previous revision does not remove it"
        headline = (f"No: the cause is {category} {where} -- a rollback of {subject} ({back}) does not touch it: "
                    f"{diagnosis.get('summary', '')[:200]}")
        # what would, instead: the investigation's own fix for the cause (a taint to remove, a quota to raise, ...)
        instead = [f"what would fix it instead: {fix.get('summary', '')[:200]}"
                   + (f" -- `{fix['commands'][0]}`" if fix.get("commands") else "")
                   for fix in (summary.get("proposed_fixes") or [])[:2] if fix.get("resource") != subject or target is None]
        changed = [*instead, *changed]
        steps = [f"Ask 'why is {name_of(culprit or subject)} failing?' for the fix."]
    return ask.answer(headline, status="answered", details=changed,
                      resources=[r for r in (subject, culprit) if r], diagnosis=diagnosis, next_steps=steps)


# What a fault is about, by the words its diagnosis says, and the pod-template fields that decide it.
CAUSE_FIELDS = ((re.compile(r"Insufficient memory|OOMKilled|memory limit", re.I), re.compile(r"resources\.\w+\.memory")),
                (re.compile(r"Insufficient cpu|throttl", re.I), re.compile(r"resources\.\w+\.cpu")),
                (re.compile(r"untolerated taint", re.I), re.compile(r"\btolerations\b")),
                (re.compile(r"node affinity|selector", re.I), re.compile(r"\b(nodeSelector|affinity)\b")))


def _reverts_the_cause(diagnosis: dict, changed: list[str]) -> str | None:
    """The line of what a rollback changes that is the field the diagnosis's fault is about, if one is."""
    said = str(diagnosis.get("summary") or "")
    return next((line for cause, field in CAUSE_FIELDS if cause.search(said) for line in changed
                 if line.startswith("a rollback would change") and field.search(line)), None)
