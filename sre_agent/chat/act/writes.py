"""Change requests other than a rollback ("restart it", "scale it to 6", "bump its cpu limit to 1500m",
"set its image to X", "cordon node Y", "delete that pod"): chat is read-only, so every one is answered
with the exact pinned action a human approves -- the MCP tool and its arguments, the state observed when
it was planned (the precondition) and the kubectl equivalent -- never with a write and never with a
status report."""

from __future__ import annotations

import re

from ...contracts import MASK, parse_resource_id
from ...graph.kubectl_words import KUBECTL_KIND
from ..answer.config_refs import config_users
from ..answer.drains import drain_risks
from ..answer.rollout_pause import paused_rollout
from ..ask import Ask, handles
from ..models import Answer
from ..understand.followups import do_it
from ..understand.forms import kind_nouns
from ..understand.references import owner_of, workload_of_service
from .cause_note import noted_or_refused
from .change_plans import DRAIN, WORKLOADS, change_verb, plan_for
from .field_plans import object_setting_field
from .found_fix import found_fix
from .guards import OWN_FIX_TOOLS, against_intent_unless_the_fault, autoscaled, below_budget, healthy_run_killed
from .hand_edits import (
    ENV_KINDS,
    env_change,
)
from .hpa_plans import hpa_request
from .in_use import in_use
from .node_group_scale import node_group_scale
from .plans import (
    RESUMING,
    approval_answer,
)
from .pod_deletes import PODS_SAID, every_pod_refused, node_pods_delete, one_deleted, pods_delete, state_said
from .rollback import not_the_cause_of, rollback_request
from .service_plans import selector_plan
from .targets import (
    another_named,
    declared_port_names,
    key_holder,
    mounted_claim,
    only_member_claim,
    other_container_killed,
    short_of_it_elsewhere,
    troubled_container,
    with_declared_port,
    with_untolerated_taint,
)
from .typed_commands import typed_plan, typed_write
from .unpinned import not_pinned
from .values_before import with_value_before
from .verb_targets import UNDONE_BY_ROLLBACK, config_reader, verb_target

# a key a workload is to read, no value said: its reference, not the ConfigMap's value
# a reference re-pointed at another key: "use OUTPUT_BUCKET", "point it back at key token", "fix the secret key ref back
# to token", "repoint the ref"
USE_KEY = re.compile(r"\b(use|uses|read|reads|point\w*\s+(it\s+)?(back\s+)?(at|to)\s+(the\s+)?key|point\w*\s+(it\s+)?at|"
                     r"switch\w*\s+to|reference|re-?point\w*|key\s*-?refs?\b|(secret|config\s*map)KeyRef)\b", re.IGNORECASE)
RESTART_TOO = re.compile(r"\b(restart|restrat|bounce|roll|redeploy|recycle)\w*", re.IGNORECASE)  # "... and restart the deploy"


KEY_SAID = re.compile(r"\bkeys?\b|key\s*-?refs?\b|KeyRef\b", re.IGNORECASE)  # the reference's key, not a value to point at


def _reader_said(ask: Ask, rid: str = "") -> str | None:
    """The root cause (else the conversation's object) when it is of the workload kind the request names ("the
    cronjob"): the reader a key was resolved past -- or, the request being about a ConfigMap/Secret ("point it back at
    key token" after the Secret's keys were read), the root cause that reads it (the diagnosis names the object)."""
    said = set(kind_nouns(ask.question))
    root = str((ask.last_diagnosis or {}).get("resource") or "")
    if parse_resource_id(rid)[1] in ("ConfigMap", "Secret") and KEY_SAID.search(ask.question) and root.count("/") == 2 and \
            parse_resource_id(root)[1] in ENV_KINDS and parse_resource_id(rid)[2] in str(ask.last_diagnosis):
        return root
    return next((r for r in [root, *ask.focus]
                 if r.count("/") == 2 and parse_resource_id(r)[1] in said & set(ENV_KINDS)), None)


@handles("write_request", "node_or_pod_write", needs=("kubernetes",))
async def write_request(ask: Ask) -> Answer:
    if (refused := every_pod_refused(ask)) is not None:
        return refused
    if (grouped := await node_group_scale(ask)) is not None:  # a node group's size is the cloud's, never replicas
        return grouped
    rid = ask.resource or ""
    namespace, kind, name = parse_resource_id(rid)
    verb = change_verb(ask.question)
    culprit = (ask.last_diagnosis or {}).get("resource") or ""
    rid = await verb_target(ask, rid, verb, culprit)
    namespace, kind, name = parse_resource_id(rid)
    if verb == "hpa":
        return await hpa_request(ask, rid)
    if verb == "rerun" and kind == "Pod":  # "rerun the gradebook export" matched a run's pod: the run is its Job
        rid = await owner_of(ask, rid, kinds=("Job",)) or rid
        namespace, kind, name = parse_resource_id(rid)
    if verb == "delete" and (PODS_SAID.search(ask.question) or kind in WORKLOADS and state_said(ask.question)) and \
            kind in (*WORKLOADS, "CronJob", "Service", "ConfigMap", "Secret"):
        # "delete the pending pods", "delete that pending ds-notebook": the workload's pods (a Service's, its workload's;
        # a ConfigMap's or Secret's, the workload that reads it), never the object itself -- a pod's state said of a
        # workload is its pods
        owner = await workload_of_service(ask, rid) if kind == "Service" else \
            await config_reader(ask, rid) if kind in ("ConfigMap", "Secret") else rid
        if owner and (deleted := await pods_delete(ask, owner)) is not None:
            return deleted
    if verb == "delete" and kind in ("CronJob", "Pod"):  # a CronJob's run ("the active X job"), the pod in the state said
        if not isinstance(one := await one_deleted(ask, rid), str):
            return one
        rid, (namespace, kind, name) = one, parse_resource_id(one)
    if verb == "delete" and PODS_SAID.search(ask.question) and kind == "Node":
        return await node_pods_delete(ask, name)  # "delete the pending pods" on a node's conversation: pods, never the Node
    if verb == "expand" and kind in ("Deployment", "DaemonSet") and (claim := await mounted_claim(ask, rid)):
        rid = claim  # "expand rental-uploads to 40Gi" about a Deployment: the one claim it mounts is what grows
        namespace, kind, name = parse_resource_id(rid)
    if verb == "expand" and kind == "StatefulSet" and (claim := await only_member_claim(ask, namespace or "", name)):
        rid = claim  # "grow it to 80Gi" about a one-member database: its member's claim is what grows
        namespace, kind, name = parse_resource_id(rid)
    described = await ask.call("kubernetes", "describe", {"kind": kind, "name": name, **({"namespace": namespace} if namespace else {})})
    obj = (described.data or {}).get("object") or {}
    if described.error is not None and not obj:
        return ask.answer(f"Could not read {rid} to pin the change: {described.error[:200]}", status="unknown",
                          next_steps=["Check the cluster is reachable and ask again."])
    if ask.recognised.subject is None and (setter := await object_setting_field(ask, rid, obj, [culprit, *ask.focus])):
        rid, (namespace, kind, name), obj = setter[0], parse_resource_id(setter[0]), setter[1]  # the one with the field
    if verb in ("env", "unknown") and USE_KEY.search(ask.question) and not (env_change(ask.question) or ("", ""))[1] and (
            reader := rid if kind in ENV_KINDS else _reader_said(ask, rid)) and (fixed := await found_fix(ask, reader)) is not None:
        return fixed  # "patch the cronjob to use OUTPUT_BUCKET": its reference re-pointed (the fix found), never the key's value
    if verb in ("env", "unknown") and kind in ENV_KINDS and (holder := await key_holder(ask, rid, obj)) is not None:
        # "set ENGINE_TIMEOUT_MS back to 5000 on journey-planner": a key its pods read from a ConfigMap is that
        # ConfigMap's to change (an env override on the workload would hide the ConfigMap's value, not fix it)
        rid, (namespace, kind, name), obj = holder[0], parse_resource_id(holder[0]), holder[1]
    question = with_untolerated_taint(ask, with_declared_port(ask, rid, verb), verb)
    troubled = await troubled_container(ask, rid) if verb == "resources" and kind in WORKLOADS else None
    plan = typed_plan(ask.question, rid) if typed_write(ask.question) else await selector_plan(ask, rid, obj) \
        if kind == "Service" and verb == "selector" else plan_for(
            question, rid, obj, troubled, await declared_port_names(ask, rid) if kind == "Service" and verb == "port" else frozenset())
    if isinstance(plan, str) and verb == "resources" and kind in WORKLOADS and \
            (back := await with_value_before(ask, rid, obj, question, troubled[0] if troubled else None)) is not None:
        plan = plan_for(back, rid, obj, troubled)  # "give it its cpu back": to what the latest rollout changed it from
    if isinstance(plan, str):
        if _fix_by_undo(ask, rid):
            return await rollback_request(ask)
        if verb == "unknown" and (fixed := await do_it(ask) if asks_the_proposed_fix(ask.question, ask.last_answer)
                                  else await found_fix(ask, rid)) is not None:
            return fixed  # the fix the last answer proposed, else ("point the cronjob at the new key") the one found for it
        return await not_pinned(ask, plan, rid)
    if MASK in f"{plan.kubectl} {plan.args} {plan.change}":
        # a value built on what the servers masked would write the mask itself into the cluster: never pinned
        return ask.answer(f"Not pinned: the change would write a value chat was shown only masked ({MASK}) into "
                          f"{rid}", status="answered", resources=[rid],
                          next_steps=[f"Make it by hand: `kubectl -n {namespace} edit {kind.lower()} {name}`."])
    # a resume reverses a pause as a scale-up reverses a scale-down: a person's note on it is said first
    reverses = ("resume_cronjob" if kind == "CronJob" else "rollout_resume") if verb == "suspend" and \
        RESUMING.search(ask.question) else plan.tool
    if (reversed_intent := await against_intent_unless_the_fault(ask, reverses, rid, obj) or await autoscaled(ask, plan.tool, rid)
            or await below_budget(ask, plan.tool, plan.args, rid)
            or (await in_use(ask, rid) or await healthy_run_killed(ask, rid) if verb == "delete" and kind != "Pod" else None)) is not None:
        return reversed_intent
    if kind == "Node" and DRAIN.search(ask.question) and not re.search(r"uncordon", ask.question, re.IGNORECASE) and \
            not isinstance(risks := await drain_risks(ask, name), str):
        plan.notes[:0] = [f"a drain would be refused by {line}" for line in risks[1]] + [f"a drain takes down {line}" for line in risks[2]]
    if kind in ("Secret", "ConfigMap") and RESTART_TOO.search(ask.question):
        users, _ = await config_users(ask, rid)
        plan.notes += [f"then restart what reads it: kubectl rollout restart {KUBECTL_KIND.get(k, k.lower())}/{n} -n {ns}"
                       for ns, k, n in map(parse_resource_id, users) if k in WORKLOADS][:3] or [
            f"nothing in namespace {namespace} reads {name} from its pod template: no restart needed"]
    if plan.tool == "rollout_restart" and (paused := await paused_rollout(ask, rid, obj)) is not None:
        # kubectl refuses it ("can't restart paused deployment (run rollout resume first)"): a paused Deployment rolls
        # nothing out, and resuming it releases what the pause holds back
        headline, details = paused
        return ask.answer(f"Not pinned: a paused Deployment cannot be restarted (kubectl: run rollout resume first) -- "
                          f"{headline}", status="answered",
                          resources=[rid], details=details,
                          next_steps=["Resuming releases what the pause holds back: confirm with whoever paused it first."])
    if plan.tool == "set_resources" and troubled is None and (resource := next(iter(plan.args.get("limits") or plan.args.get(
            "requests") or {}), None)) and (note := await short_of_it_elsewhere(ask, rid, resource)) is not None:
        plan.notes.insert(0, note)
    if (killed := other_container_killed(ask, plan, rid, troubled)) is not None:
        return killed  # "give the consumer container 1Gi" while the log-forwarder sidecar is the one OOM-killed
    guarded = "scale_down" if plan.tool == "scale" and kind == "StatefulSet" and \
        int(plan.args.get("replicas") or 0) < int(plan.args.get("expect_replicas") or 0) else plan.tool
    if guarded in OWN_FIX_TOOLS and (refusal := await not_the_cause_of(ask, guarded, rid)) is not None:
        return refusal
    if (refusal := await noted_or_refused(ask, plan, rid, verb)) is not None:  # a change that leaves the fault
        return refusal
    if (other := another_named(ask, name)) is not None:  # "delete X and the Y secret": one change is one pin
        plan.notes.insert(0, f"not pinned: {other} -- one change per request; ask for it on its own (it is checked there)")
    return approval_answer(ask, plan, rid)


def asks_the_proposed_fix(question: str, last_answer: dict | None) -> bool:
    """"fix it" with no change said, after an answer that proposed one: that fix, as an approval request -- never a
    change said in words chat could not read ("change the probe to X" is not "yes, do the rollback")."""
    return bool(_FIX_VERB.match(_FILLER.sub("", question))) and _proposed_fix(last_answer)


_FILLER = re.compile(r"^\W*((ok(ay)?|so|then|just|yes|yeah|yep|alright|right|fine|cool)\b[\s,.!]*)+", re.IGNORECASE)


def _proposed_fix(answer: dict | None) -> bool:
    """Whether the previous answer proposed a fix: a pinned action, or a next step that says "Fix ..." with its command."""
    answer = answer or {}
    return bool(answer.get("proposal") or answer.get("approval")) or any(
        str(step).startswith("Fix ") and "kubectl" in str(step) for step in answer.get("next_steps") or [])


# a request to fix what was found, said as a verb of repair ("fix it", "undo that")
_FIX_VERB = re.compile(r"^\W*(please\s+)?((can|could|would)\s+you\s+|let.?s\s+)?(fix|correct|repair|restore|undo|revert)\b", re.I)


def _fix_by_undo(ask: Ask, rid: str) -> bool:
    """"fix the readiness probe port" says what is wrong, not the value to set: when the conversation's diagnosis
    of this workload is a fault a rollout brought in, its fix is the rollback past that rollout (pinned as usual)."""
    diagnosis = ask.last_diagnosis or {}
    return (bool(_FIX_VERB.search(ask.question)) and diagnosis.get("resource") == rid
            and diagnosis.get("category") in UNDONE_BY_ROLLBACK
            and parse_resource_id(rid)[1] in WORKLOADS)
