"""Rollbacks: is it safe (the previous revision, whether it ran without an alarm firing, and what a
rollback would change in the pod template), and "roll it back" -- answered with the exact pinned
action and how to approve it, never with a write: chat is read-only."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from ...contracts import OUTSIDE_THE_CLUSTER, Finding, parse_resource_id, parse_time
from ...graph.coverage import HEALTH_BACKENDS, backend_checks, could_not_check_sentence, holes
from ...graph.cronjob_fixes import image_tag
from ...graph.defects import same_defect
from ...graph.pins import began_with_revision, restarts_only_since
from ...quoting import clip
from ..answer.about import alarm_mentions, related
from ..answer.config_changes import config_record
from ..answer.templates import template_diff, template_of
from ..answer.wider_subject import wider_subject
from ..ask import AGENT, RESTORE_ACCESS, Ask, handles
from ..models import Answer, ApprovalRequest
from ..understand.kinds_said import configs_read_by
from ..understand.tickets import ticket_in
from .cause_note import cause_note
from .config_revert import config_revert, edit_not_read
from .guards import OVERRIDE, against_intent_unless_the_fault, elsewhere_for, not_the_cause
from .leaves_fault import churn_refusal, fix_found
from .plans import Plan
from .verb_targets import rollback_target

MAX_ALARMS = 6


WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet")
IMAGE_IN_MESSAGE = re.compile(r"image \"([^\"]+)\"")


async def findings_on(ask: Ask, namespace: str, rid: str) -> list[Finding]:
    """The analyzers' findings about the workload (its pods' included), as the defect rule reads them."""
    analysis = await ask.call("kubernetes", "analyze", {"namespace": namespace})
    found = []
    for row in (analysis.data or {}).get("findings") or []:
        if row.get("resource") != rid and row.get("owner") != rid and not related(row, rid):
            continue
        message = str(row.get("message") or "")
        image = IMAGE_IN_MESSAGE.search(message)
        found.append(Finding(agent=AGENT, resource=rid, signal=str(row.get("reason") or ""), summary=message,
                             details={"message": message, **({"image": image.group(1)} if image else {})}))
    return found


async def _revisions(ask: Ask) -> tuple[dict | None, dict | None, Answer | None]:
    """(current revision, the revision a rollback should go to, or the answer that says why there is none). The
    target is the newest earlier revision that does not carry the defect the workload shows now (the same
    unpullable image, missing config key or placement): rolling back onto the defect cannot clear it."""
    namespace, kind, name = parse_resource_id(ask.resource or "")
    if kind not in WORKLOADS:
        return None, None, ask.answer(f"{ask.resource} is a {kind}; rollbacks are of Deployments, StatefulSets and DaemonSets",
                                      next_steps=["Name the workload to roll back."])
    history = await ask.call("kubernetes", "rollout_history", {"namespace": namespace, "name": name, "kind": kind})
    if history.error is not None:
        return None, None, ask.answer(f"Could not read the rollout history of {ask.resource}: {history.error[:200]}",
                                      status="unknown", next_steps=["Check the cluster is reachable and ask again."])
    revisions = (history.data or {}).get("revisions") or []
    current = next((r for r in revisions if r.get("current")), None)
    earlier = sorted((r for r in revisions if current and r["revision"] < current["revision"]), key=lambda r: -r["revision"])
    if current is None or not earlier:
        return None, None, ask.answer(f"{ask.resource} has no earlier revision to roll back to "
                                      f"(revisions: {[r.get('revision') for r in revisions]})",
                                      next_steps=["A rollback cannot help; ask 'why is it failing?'."])
    findings = await findings_on(ask, namespace or "", ask.resource or "")
    began = _began_with(ask)
    refused = [(r, why) for r in earlier if (why := same_defect(r, findings, ask.resource or "", current) or _not_before(r, began)
                                             or _same_spec(r, current, revisions))]
    target = next((r for r in earlier if r not in [x for x, _ in refused]), None)
    asked = _revision_asked(ask.question)
    if asked is None and (version := VERSION_NAMED.search(ask.question)) is not None:
        # "roll back invoicing to 2.8.0": the newest revision whose images carry that tag
        asked = next((r["revision"] for r in sorted(revisions, key=lambda r: -r["revision"])
                      if any(image_tag(str(i)) in (version.group(1), f"v{version.group(1)}") for i in r.get("images") or [])), None)
        if asked is None:
            return None, None, ask.answer(
                f"Not pinned: no revision of {ask.resource} ran {version.group(1)} (revisions: "
                + "; ".join(f"{r['revision']} {', '.join(image_tag(str(i)) for i in r.get('images') or [])}" for r in revisions)
                + ")", status="answered", resources=[ask.resource or ""],
                next_steps=["Name a version (or revision) it ran; 'rollout history of it' lists them."])
    if asked is None and (ticket := ticket_in(ask.question)) is not None:
        # "undo LC-402 on X": the revision before the one whose change cause records that ticket -- never simply the last
        carrying = [r["revision"] for r in revisions if ticket.lower() in str(r.get("change_cause") or "").lower()]
        if not carrying:
            return None, None, ask.answer(
                f"Not pinned: no revision of {ask.resource} records {ticket} (change causes: "
                + "; ".join(f"{r['revision']} {r.get('change_cause') or '-'}" for r in revisions)[:300] + ")",
                status="answered", resources=[ask.resource or ""],
                next_steps=[f"Ask 'what is {ticket}' for where it is recorded."])
        asked = max((r["revision"] for r in revisions if r["revision"] < min(carrying)), default=None)
        if asked is None:
            return None, None, ask.answer(f"Not pinned: {ticket} is {ask.resource}'s first revision: nothing before it to "
                                          "roll back to", status="answered", resources=[ask.resource or ""])
    if asked is not None:  # "undo to revision 4": that one, unless it cannot help
        named = await _named_target(ask, asked, current, revisions, refused, target)
        if isinstance(named, Answer):
            return None, None, named
        target = named
    if target is None:
        return None, None, ask.answer(f"No earlier revision of {ask.resource} is a safe rollback target: "
                                      + "; ".join(why for _, why in refused), status="problems",
                                      details=[f"skipped: {why}" for _, why in refused],
                                      next_steps=["Fix forward: ask 'why is it failing?' for the fix."])
    # it was current until the next revision went out (not until the current one: others may lie between)
    after = min((r for r in revisions if r["revision"] > target["revision"]), key=lambda r: r["revision"], default=current)
    target = {**target, "skipped": [why for r, why in refused if r["revision"] > target["revision"]],
              "until": after.get("created")}
    return current, target, None


REVISION_NAMED = re.compile(r"\bto\s+(?:rev(?:ision)?\s*|r)(\d+)\b", re.IGNORECASE)
VERSION_NAMED = re.compile(r"\b(?:to|on)\s+v?(\d+(?:\.\d+)+(?:[-+][\w.]+)?)\b", re.IGNORECASE)


# what a Service selects or sends to (a field of the diff, never a word of a name: "label-printer" is no label)
SERVICE_MATCHED = re.compile(r"(?<![\w-])(ports?|containerPort|labels?)(?![\w-])", re.IGNORECASE)


def _revision_asked(question: str) -> int | None:
    found = REVISION_NAMED.search(question)
    return int(found.group(1)) if found else None


async def _named_target(ask: Ask, asked: int, current: dict, revisions: list[dict], refused: list[tuple[dict, str]],
                        best: dict | None) -> dict | Answer:
    """The revision a request names, or the answer refusing it: the live one (nothing to undo), one that does not
    exist, one that carries the fault (with why, and the newest earlier revision that does not)."""
    instead = (f"; the newest earlier revision without it is {best['revision']} "
               f"({', '.join(str(i).rsplit('/', 1)[-1] for i in best.get('images') or [])})" if best else
               "; no earlier revision is without it -- fix forward")
    if asked == current["revision"]:
        return ask.answer(f"Not pinned: revision {asked} is the live one -- an undo to it changes nothing{instead}",
                          status="answered", resources=[ask.resource or ""])
    row = next((r for r in revisions if r["revision"] == asked), None)
    if row is None:
        return ask.answer(f"Not pinned: {ask.resource} has no revision {asked} (revisions "
                          f"{[r['revision'] for r in revisions]}){instead}", status="answered", resources=[ask.resource or ""])
    why = next((reason for r, reason in refused if r["revision"] == asked), None)
    if why is not None:
        return ask.answer(f"Not pinned: {why}{instead}", status="answered", resources=[ask.resource or ""],
                          next_steps=[f"Say 'roll it back to revision {best['revision']}' for that action to approve."
                                      if best else "Ask 'why is it failing?' for the fix."])
    return row


def _began_with(ask: Ask) -> int | None:
    """The revision the conversation's diagnosis of this workload says the symptom began with."""
    diagnosis = ask.last_diagnosis or {}
    return began_with_revision(diagnosis.get("summary") or "") if diagnosis.get("resource") == ask.resource else None


def _not_before(row: dict, began: int | None) -> str | None:
    """A revision from the one the symptom began with onward carries the regression: never a rollback target."""
    if began is None or row["revision"] < began:
        return None
    images = ", ".join(str(i).rsplit("/", 1)[-1] for i in row.get("images") or [])
    if row["revision"] == began:
        return f"revision {began} ({images}) is the one the symptom began with"
    return f"revision {row['revision']} ({images}) came after revision {began}, the one the symptom began with"


def _same_spec(row: dict, current: dict, revisions: list[dict]) -> str | None:
    """A revision that runs what the current one runs -- every revision since changed nothing of the pod spec (restarts:
    only an annotation differs) -- cannot change anything a rollback is for."""
    if not restarts_only_since(revisions, row["revision"], current["revision"]) or _row_diff(row, current):
        return None
    images = ", ".join(str(i).rsplit("/", 1)[-1] for i in row.get("images") or [])
    return f"revision {row['revision']} ({images}) runs the same spec as the current one (a restart): rolling back to it changes nothing"


def _row_diff(target: dict, current: dict) -> list[str]:
    """What a rollback changes, from two rollout_history rows (a StatefulSet's or DaemonSet's revisions have no ReplicaSet)."""
    lines = []
    for key in ("images", "config_refs", "placement", "ports", "labels"):
        if target.get(key) != current.get(key):
            lines.append(f"{key} {current.get(key)} -> {target.get(key)}")
    return lines


async def _alarms_during(ask: Ask, namespace: str, name: str, start: datetime, end: datetime) -> tuple[list[str], list[str]]:
    """Alarms about this workload or its namespace that went to ALARM while [start, end) (the previous
    revision was current), and those that did after `end` (since the current one rolled out)."""
    listed = await ask.call("cloudwatch", "describe_alarms", {"max_results": 1000})
    relevant = [a for a in (listed.data or {}).get("alarms") or []
                if alarm_mentions(a, name) or (a.get("dimensions") or {}).get("Namespace") == namespace]
    during: list[str] = []
    after: list[str] = []
    hours = max(1, int((datetime.now(UTC) - start).total_seconds() // 3600) + 1)
    for alarm in relevant[:MAX_ALARMS]:
        history = await ask.call("cloudwatch", "alarm_history", {"name": alarm["name"], "start": f"-{min(hours, 336)}h"})
        for item in (history.data or {}).get("items") or []:
            when = parse_time(item.get("timestamp"))
            if item.get("new_state") != "ALARM" or when is None:
                continue
            if start <= when < end:
                during.append(f"{alarm['name']} at {item['timestamp']}")
            elif when >= end:
                after.append(f"{alarm['name']} at {item['timestamp']}")
    return during, after


async def _rollback_view(ask: Ask) -> Answer | tuple[dict, dict, str, str, list[str]]:
    """(current revision, the one a rollback goes to, namespace, name, what the rollback would change),
    or the answer that says why there is nothing to roll back to."""
    current, previous, refusal = await _revisions(ask)
    if refusal:
        return refusal
    assert current is not None and previous is not None
    namespace_or_none, kind, name = parse_resource_id(ask.resource or "")
    namespace = namespace_or_none or ""
    if kind == "Deployment" and previous.get("replicaset") and current.get("replicaset"):
        diff = template_diff(await template_of(ask, namespace, previous["replicaset"]),
                             await template_of(ask, namespace, current["replicaset"]))
    else:
        diff = _row_diff(previous, current)
    return current, previous, namespace, name, diff


async def _reads_root_config(ask: Ask, rid: str) -> bool:
    """Whether the workload `rid` reads the ConfigMap/Secret the diagnosis puts the root cause in (restarting it is then
    part of that fix); True when the root is no ConfigMap/Secret or `rid` is no workload (nothing to tell apart)."""
    root = str((ask.last_diagnosis or {}).get("resource") or "")
    try:
        _, root_kind, root_name = parse_resource_id(root)
        kind = parse_resource_id(rid)[1]
    except ValueError:
        return True
    if root_kind not in ("ConfigMap", "Secret") or kind not in WORKLOADS:
        return True
    return root_name in await configs_read_by(ask, rid, root_kind)


def _fails_outside(ask: Ask, tool: str, rid: str) -> Answer | None:
    """The conversation found no root cause in the cluster: `rid`'s failing calls go to a host outside it (a vendor's
    API timing out, limiting it). An undo or restart of it changes nothing out there: said, not pinned ('anyway' pins)."""
    diagnosis = ask.last_diagnosis or {}
    summary = str(diagnosis.get("summary") or "")
    if diagnosis.get("category", "none") != "none" or "(outside the cluster)" not in summary or \
            not summary.removeprefix(f"{OUTSIDE_THE_CLUSTER}: ").startswith(rid) or OVERRIDE.search(ask.question):
        return None
    what = {"rollout_undo": "an undo", "rollout_restart": "a restart", "delete_pod": "a pod delete"}.get(tool, "this change")
    return ask.answer(f"Not pinned: {summary.split(' -- ')[0]} -- {what} of {rid} changes nothing out there",
                      status="answered", resources=[rid], details=[summary],
                      next_steps=["Tell the owner of that host (the vendor, the other team); to do it anyway, say so "
                                  "('... anyway') and a human approves the pinned action."])


def _no_fault_found(ask: Ask, tool: str, rid: str) -> Answer | None:
    """What pages is `rid` itself, and its investigation found no fault in it (a surge of demand it is scaling out for,
    a fault it could not see): an undo, restart or pod delete has nothing to clear and takes serving pods away -- said,
    not pinned ("anyway" pins it)."""
    diagnosis = ask.last_diagnosis or {}
    if diagnosis.get("category", "none") != "none" or not diagnosis or OVERRIDE.search(ask.question):
        return None
    what = {"rollout_undo": "an undo", "rollout_restart": "a restart", "delete_pod": "a pod delete"}.get(tool, "this change")
    summary = clip(str(diagnosis.get("summary") or "").split(" -- ")[0], 240)
    return ask.answer(f"Not pinned: the investigation of {rid} found no fault to clear ({summary}); {what} takes serving "
                      "pods away and changes nothing that was found", status="answered", resources=[rid], details=[summary],
                      next_steps=["If something is wrong that the investigation did not see, say what; to do it anyway, "
                                  "say so ('... anyway') and a human approves the pinned action."])


async def not_the_cause_of(ask: Ask, tool: str, rid: str | None = None) -> Answer | None:
    """The refusal when the root cause is another object and this one shows no fault of its own. The root cause is the
    conversation's; a conversation that found none yet (the request came first: "X went out before, roll it back")
    has what is broken now investigated first -- an undo, restart or delete is only pinned where it can clear a fault."""
    rid = rid or ask.resource or ""
    namespace, kind, _ = parse_resource_id(rid)
    if kind not in (*WORKLOADS, "Pod", "ConfigMap", "Secret"):
        return None
    if (outside := _fails_outside(ask, tool, rid)) is not None:
        return outside
    # no diagnosis yet, or one that found no root cause on what was asked ("is the X rollout the culprit?" -> no):
    # either way what is broken now is not known to this request yet
    found_none = (ask.last_diagnosis or {}).get("category", "none") == "none" and ask.investigate is not None
    reader = True if found_none else await _reads_root_config(ask, rid)
    if not found_none and elsewhere_for(ask, tool, rid, config_reader=reader) is None:
        return None
    worst: str | Answer | None = None
    if found_none and ask.investigate is not None and kind in WORKLOADS and (worst := await wider_subject(ask, near=rid)) == rid:
        # the request is about what pages itself ("roll captain-sms back" under captain-sms's alarm): its own
        # investigation says whether an undo or restart can reach the fault -- not when its calls fail outside
        ask.last_diagnosis = (await ask.investigate(ask.question, rid)).get("diagnosis") or None
        return _fails_outside(ask, tool, rid) or _no_fault_found(ask, tool, rid)
    # a ConfigMap or Secret has no fault of its own to find: "revert the cm" after a diagnosis elsewhere is the lure
    own = await findings_on(ask, namespace or "", rid) if kind not in ("ConfigMap", "Secret") else []
    if own:
        return None
    if found_none and ask.investigate is not None:
        worst = worst if worst is not None else await wider_subject(ask, near=rid)
        if not isinstance(worst, str) or not worst or worst == rid:
            return None
        ask.last_diagnosis = (await ask.investigate(ask.question, worst)).get("diagnosis") or None
        reader = await _reads_root_config(ask, rid)  # read against the root just found
    if (found := elsewhere_for(ask, tool, rid, config_reader=reader)) is None:
        return None
    unread = None
    if found and kind in ("ConfigMap", "Secret") and parse_resource_id(rid)[2] in await configs_read_by(ask, found[0], kind):
        # the root cause reads it: reverting what it reads may be the fix -- unless its pods never read the edit
        if (unread := await edit_not_read(ask, rid, found[0])) is None:
            return None
    refusal = not_the_cause(ask, tool, rid, own_fault=False, config_reader=reader)
    if refusal is None:
        return None
    # a ConfigMap's or Secret's refusal shows what the edit left in it: its record (last write, what it holds)
    record = (await config_record(ask, rid))[:3] if kind in ("ConfigMap", "Secret") else []
    fix = await fix_found(ask, found[0])  # what acts on the root: the step to take instead
    return refusal.model_copy(update={"diagnosis": ask.last_diagnosis,  # the root found: kept
                                      "details": [*refusal.details, *([unread] if unread else []), *record],
                                      "next_steps": [*([fix] if fix else []), *refusal.next_steps]})


@handles("rollback_safe", needs=("kubernetes", "cloudwatch"))
async def rollback_safe(ask: Ask) -> Answer:
    if (refusal := await not_the_cause_of(ask, "rollout_undo")) is not None:
        return refusal.model_copy(update={"headline": refusal.headline.replace("Not pinned: ", "No: ", 1)})
    view = await _rollback_view(ask)
    if isinstance(view, Answer):
        return view
    current, previous, namespace, name, diff = view
    until = previous.get("until") or current.get("created")
    start, end = parse_time(previous.get("created")), parse_time(until)
    during, after = await _alarms_during(ask, namespace, name, start, end) if start and end else ([], [])
    target = f"revision {previous['revision']} ({', '.join(str(i) for i in previous.get('images') or [])})"
    ran = f"from {previous.get('created')} to {until}"
    details = [f"current: revision {current['revision']} ({', '.join(str(i) for i in current.get('images') or [])}), "
               f"created {current.get('created')}, {current.get('ready')}/{current.get('replicas')} ready",
               f"rollback target: {target}, current {ran}",
               *(f"skipped as a target: {why}" for why in previous.get("skipped") or []),
               *(f"would change: {line}" for line in diff or ["nothing in the containers (same template)"])]
    details += [f"alarm while the target was current: {a}" for a in during]
    details += [f"alarm after the target was replaced ({until}): {a}" for a in after]
    steps = ["Say 'roll it back' for the exact action to approve (chat itself never writes)."]
    if during:
        return ask.answer(f"Rolling {ask.resource} back to {target} is NOT clearly safe: alarms fired while it was current "
                          f"({'; '.join(during[:3])})", status="problems", details=details,
                          next_steps=["Find the cause first: ask 'why is it failing?'.", *steps],
                          proposal=undo_request(ask, current, previous, namespace, name, diff))
    if not diff:
        return ask.answer(f"Rolling {ask.resource} back to {target} would change nothing in its containers: it cannot fix "
                          "a problem in them", details=details, next_steps=["Look elsewhere: ask 'why is it failing?'."])
    suffix = f"; alarms fired only after it was replaced ({'; '.join(after[:2])})" if after else ""
    # "Safe to roll back" is information about a change, not a health verdict on the workload: answered --
    # unless the alarm history it rests on could not be read, when "safe" would be a guess.
    missing = holes(backend_checks(ask.records, HEALTH_BACKENDS), HEALTH_BACKENDS)
    if missing:
        return ask.answer(f"Cannot say whether rolling {ask.resource} back to {target} is safe: "
                          f"{could_not_check_sentence(missing)}", status="unknown", details=details,
                          next_steps=[RESTORE_ACCESS])
    return ask.answer(f"Rolling {ask.resource} back to {target} looks safe: it ran {ran} with no alarm on "
                      f"{name} or namespace {namespace} firing{suffix}", status="answered", details=details, next_steps=steps,
                      proposal=undo_request(ask, current, previous, namespace, name, diff))


def undo_request(ask: Ask, current: dict, target: dict, namespace: str, name: str, diff: list[str]) -> ApprovalRequest:
    """The pinned rollout_undo: back to `target`, only while `current` is still the live revision."""
    kind = parse_resource_id(ask.resource or "")[1]
    return ApprovalRequest(
        tool="rollout_undo", resource=ask.resource or "",
        args={"namespace": namespace, "name": name, "kind": kind, "to_revision": target["revision"],
              "expect_revision": current["revision"], "reason": ask.question[:200]},
        precondition=f"current revision {current['revision']} ({', '.join(str(i) for i in current.get('images') or [])})",
        change="; ".join(diff) or "no container change",
        how_to_approve=[
            f"kubectl rollout undo {kind.lower()}/{name} -n {namespace} --to-revision={target['revision']}",
            f"or let the responder do it with your approval: sre-agent investigate --prompt \"{ask.question} "
            f"({ask.resource})\" --remediation approve   (it asks you to approve the pinned action at the terminal)"])


@handles("rollback_request", needs=("kubernetes",))
async def rollback_request(ask: Ask) -> Answer:
    if parse_resource_id(ask.resource or "")[1] == "CronJob" and re.search(r"\bto\s+v?\d+\.\d+", ask.question):
        # "roll telematics-rollup back to 1.4.0": a CronJob has no revisions; going back is its job template's image
        from .writes import write_request  # writes builds on this module's undo request (imported there)
        return await write_request(ask)
    if (refusal := await not_the_cause_of(ask, "rollout_undo")) is not None:
        if (culprit := rollback_target(ask)) is None:
            return refusal
        ask.resource = culprit  # "roll it back": "it" shows no fault, a rollout brought the one found in -- that workload
    if parse_resource_id(ask.resource or "")[1] in ("ConfigMap", "Secret"):
        return await config_revert(ask, ask.resource or "")
    view = await _rollback_view(ask)
    if isinstance(view, Answer):
        return view
    current, previous, namespace, name, diff = view
    # a Service's own spec (selector, targetPort) is the fault and the undo changes no port or label it matches: the
    # rolled-back pods meet the same Service
    untouched = not any(SERVICE_MATCHED.search(line) for line in diff)
    if (refusal := not_the_cause(ask, "rollout_undo", ask.resource or "", own_fault=False,
                                 service_untouched=untouched)) is not None and untouched:
        return refusal
    described = await ask.call("kubernetes", "describe", {"kind": parse_resource_id(ask.resource or "")[1], "name": name,
                                                          "namespace": namespace, "events_limit": 0})
    if (reversed_intent := await against_intent_unless_the_fault(ask, "rollout_undo", ask.resource or "",
                                                                 (described.data or {}).get("object") or {})) is not None:
        return reversed_intent
    request = undo_request(ask, current, previous, namespace, name, diff)
    images = ", ".join(str(i) for i in previous.get("images") or [])
    # the fault the conversation found (investigated now if none yet) where this undo leaves it: said first
    plan = Plan("rollout_undo", request.args, request.change, "")
    note = await cause_note(ask, plan, ask.resource or "")
    if untouched and (refusal := not_the_cause(ask, "rollout_undo", ask.resource or "", own_fault=False,
                                               service_untouched=True)) is not None:
        return refusal  # asked first thing ("roll back label-printer to 1.6.3"): the fault the note's look found, weighed
    if (refusal := await churn_refusal(ask, plan, ask.resource or "", note)) is not None:  # an undo that leaves the fault
        return refusal
    return ask.answer(f"Approval needed: rollout_undo {ask.resource} from revision {current['revision']} to revision "
                      f"{previous['revision']} ({images}). Chat is read-only and has changed nothing.", status="approval_required",
                      details=[*([note] if note else []), *(f"skipped: {why}" for why in previous.get("skipped") or []),
                               *(f"would change: {line}" for line in diff)], approval=request,
                      next_steps=[f"To approve, run: {request.how_to_approve[0]}", request.how_to_approve[1],
                                  "Then ask 'how is it doing?' to verify."])
