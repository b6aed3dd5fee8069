"""Change requests other than a rollback ("restart it", "scale it to 6", "bump its cpu limit to 1500m",
"set its image to X", "cordon node Y", "delete that pod"): chat is read-only, so every one is answered
with the exact pinned action a human approves -- the MCP tool and its arguments, the state observed when
it was planned (the precondition) and the kubectl equivalent -- never with a write and never with a
status report."""

from __future__ import annotations

import re
from typing import Any

from ...contracts import MASK, parse_resource_id
from ...graph.kubectl_words import KUBECTL_KIND
from ..answer.config_refs import config_users
from ..answer.drains import drain_risks
from ..answer.objects import pod_spec_of
from ..answer.rollout_pause import paused_rollout
from ..ask import Ask, handles
from ..models import Answer
from ..understand.followups import do_it
from ..understand.forms import kind_nouns, normalise
from ..understand.kinds_said import other_kind_said
from ..understand.references import owner_of, workload_of_service
from .cause_note import noted_or_refused
from .config_key_plans import KEY_RESTORED, config_key_plan
from .cronjob_plans import RERUN_ASKED, cronjob_image_plan, cronjob_resources
from .field_plans import field_plan, field_removal_plan, field_said, object_setting_field, removes_field
from .found_fix import found_fix
from .guards import OWN_FIX_TOOLS, against_intent_unless_the_fault, autoscaled, below_budget, healthy_run_killed
from .hand_edits import (
    ENV_KINDS,
    config_sources,
    env_change,
    env_plan,
    held_key_said,
    probe_named,
    probe_plan,
    probe_relaxation,
    service_port_plan,
)
from .hpa_plans import hpa_request
from .in_use import holds_data, in_use
from .node_group_scale import node_group_scale
from .node_plans import KUBELET, kubelet_restart_plan, taint_plan, toleration_plan
from .plans import (
    BY_HAND,
    RESUMING,
    Plan,
    approval_answer,
    by_hand,
    claim_growth_plan,
    claim_recreate_plan,
    container_for,
    image_asked,
    request_part,
    rerun_plan,
    resources_asked,
    resources_plan,
    suspend_plan,
    unplanned,
)
from .pod_deletes import PODS_SAID, every_pod_refused, node_pods_delete, one_deleted, pods_delete, state_said
from .pull_secret_plans import pull_secret_plan
from .quota_plans import quota_plan
from .rollback import not_the_cause_of, rollback_request
from .secret_refresh import secret_refresh_plan
from .service_plans import selector_plan
from .targets import (
    another_named,
    key_holder,
    mounted_claim,
    only_member_claim,
    short_of_it_elsewhere,
    starved_of,
    troubled_container,
    with_declared_port,
    with_untolerated_taint,
)
from .typed_commands import typed_plan, typed_write
from .verb_targets import UNDONE_BY_ROLLBACK, config_reader, verb_target

REPLICAS = re.compile(r"\b(to|by)\s+(\d+)\b|(?:^|,|\s)()(\d+)\s+replicas?\b", re.IGNORECASE)  # "..., 1 replica"
WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet")
VERBS = (("hpa", r"\bhpa\b|autoscaler|\b(max|min)\s*replicas\b"),
         ("pull_secret", r"\bimage\s*pull\s*secrets?\b|\bimagepullsecrets?\b|\bpull\s*secrets?\b"),
         ("expand", r"\b(grow|expand|resize|enlarge|extend|shrink)\b"),
         ("selector", r"\bselector\b"),  # "point the X selector at app=y": the selector, not a port
         # "livenessProbe path to /healthz" too -- and before "port": "point readiness back to 8080" is the probe's
         ("probe", r"\b(liveness|readiness|startup)(\s*probe)?\b|\bprobes?\s+(timeouts?|ports?|paths?)\b"),
         ("port", r"\btarget\s*port\b|\b(service|svc)\s+ports?\b|\b(point|route|send)\b.*\b(at|to)\s+(port\s+)?\w+"),
         ("tolerate", r"\btolerat(e|es|ion|ions)\b"),  # before "taint": "a toleration for the drain taint"
         ("taint", r"\b(un)?taints?\b"),
         ("rerun", RERUN_ASKED),
         ("suspend", r"\b(un)?suspend\w*|\bresume\b|\bpause\b"),
         ("cordon", r"uncordon|cordon|drain"), ("delete", r"delete|kill|\bremove\b"),
         ("scale", r"scale|\b\d+\s+replicas?\b"),  # "bring cdn-purger back to 2 replicas": a count of replicas is a scale
         ("image", r"\bimage\b|\bback\s+(to|on)\s+([a-z][\w./-]*\s+)?v?\d+\.\d+"),
         ("resources", r"\b(cpu|memory|mem|limits?|requests?|cores?|\d+(\.\d+)?\s*(m|mi|gi|ki))\b"),
         ("restart", r"restart|bounce|recycle|redeploy"))


# a key a workload is to read, no value said: its reference, not the ConfigMap's value
USE_KEY = re.compile(r"\b(use|uses|read|reads|point\w*\s+(it\s+)?at|switch\w*\s+to|reference)\b", re.IGNORECASE)
WHOLE_DELETE = re.compile(r"^\W*(please\s+)?((can|could|would)\s+you\s+|let.?s\s+)?(delete|remove)\s+(the\s+|that\s+|this\s+)?"
                          r"([\w./-]+\s+)?(hpa|autoscaler|horizontal\s*pod\s*autoscaler)\W*$")


RESTART_TOO = re.compile(r"\b(restart|restrat|bounce|roll|redeploy|recycle)\w*", re.IGNORECASE)  # "... and restart the deploy"
INIT_SAID = re.compile(r"\binit(\s*containers?|ialization)?\b", re.IGNORECASE)
DASHED_NAME = re.compile(r"(?<![\w.-])(?!re-)[a-z0-9]+(?:-[a-z0-9]+)+(?![\w-])")


def _reader_said(ask: Ask) -> str | None:
    """The root cause (else the conversation's object) when it is of the workload kind the request names ("the
    cronjob"): the reader a key was resolved past."""
    said = set(kind_nouns(ask.question))
    return next((r for r in [str((ask.last_diagnosis or {}).get("resource") or ""), *ask.focus]
                 if r.count("/") == 2 and parse_resource_id(r)[1] in said & set(ENV_KINDS)), None)


def change_verb(question: str) -> str:
    """The kind of change a request asks for (VERBS), "env" for a variable typed as one, "unknown" when none."""
    if env_change(question) and re.search(r"\b(add|set|put|export|define)\b", question, re.IGNORECASE):
        return "env"  # an environment variable typed as one (upper case), in a request to set it
    # a dashed name is an object, not a verb: "bump the memory limit on image-intake" changes resources, not an image;
    # a purpose clause says why, not what ("lower the limit to 200m so the hpa reacts faster": a limit, not the HPA)
    text = request_part(DASHED_NAME.sub(" ", normalise(question).lower()))  # "restrat it": the verb typed with a slip
    if WHOLE_DELETE.search(text):  # "delete the portal-web-canary hpa": the object itself, not one of its bounds
        return "delete"
    if removes_field(text):  # "remove the nodeselector": a field taken out, never the object deleted
        return "unset"
    for verb, words in VERBS:
        if re.search(words, text) and not (verb == "port" and other_kind_said(text)):
            if verb == "rerun" and re.search(dict(VERBS)["image"], text):
                return "image"  # "set the image to 2.7.0 and kick off a run": the change, with a run from it after
            if verb == "rerun" and RESUMING.search(text):
                return "suspend"  # "resume it and kick off one run now": the resume, with a run started beside it
            return verb
    return "unknown"  # "make the anti-affinity preferred": no change chat can pin (never a restart by default)


def _containers(obj: dict) -> list[dict]:
    return (((obj.get("spec") or {}).get("template") or {}).get("spec") or {}).get("containers") or []


DRAIN = re.compile(r"\bdrain", re.IGNORECASE)


def plan_for(question: str, rid: str, obj: dict, troubled: tuple[str, str] | None = None) -> Plan | str:
    """The action a change request asks for on `rid` (whose current object is `obj`), or why it cannot be
    pinned from what was said. `troubled`: (container, what its pods say of it) for the container in trouble."""
    troubled_name = troubled[0] if troubled else None
    namespace, kind, name = parse_resource_id(rid)
    ns = namespace or ""
    reason = question[:200]
    verb = change_verb(question)
    spec = obj.get("spec") or {}
    if verb == "unset":
        return field_removal_plan(question, rid, obj) or f"{rid} sets no such field (say the field, e.g. 'remove its nodeSelector')"
    generation = (obj.get("metadata") or {}).get("generation")
    if kind == "Node" and verb == "restart" and KUBELET.search(question):
        return kubelet_restart_plan(question, rid, obj)
    if verb == "cordon":
        if kind != "Node":
            return f"{rid} is a {kind}; cordoning and draining apply to Nodes"
        tool = "uncordon" if re.search(r"uncordon", question, re.IGNORECASE) else "cordon"
        if tool == "cordon" and DRAIN.search(question):  # a drain is the cordon and the evictions: what was asked, whole
            return Plan(BY_HAND, {"node": name, "reason": reason},
                        f"drain node {name}: mark it unschedulable and evict its pods (DaemonSet pods stay; evictions "
                        "honour PodDisruptionBudgets)", f"kubectl drain {name} --ignore-daemonsets --delete-emptydir-data",
                        f"unschedulable={bool(spec.get('unschedulable'))}",
                        ["No MCP tool evicts pods: a human runs the drain after approval (or asks for a cordon alone)."])
        return Plan(tool, {"node": name, "reason": reason}, f"mark node {name} {'schedulable' if tool == 'uncordon' else 'unschedulable'}",
                    f"kubectl {tool} {name}", f"unschedulable={bool(spec.get('unschedulable'))}")
    if verb == "taint":
        return taint_plan(question, rid, obj)
    if verb == "tolerate":
        return toleration_plan(question, rid, obj)
    if kind == "ResourceQuota" and verb != "delete":  # a delete is a delete (what it guards is said before it is pinned)
        return quota_plan(question, rid, obj)
    if (refresh := secret_refresh_plan(question, rid, obj)) is not None:  # "put the current password in X": a person's value
        return refresh
    if kind in ("Secret", "ConfigMap") and verb in ("unknown", "env", "restart") and (
            KEY_RESTORED.search(question) or env_change(question)
            or kind == "ConfigMap" and held_key_said(question, list(obj.get("data") or {}))):
        # a key put back or set in the object that holds it ("put DB_PASSWORD back in the secret and restart"): the
        # object's own edit; the restart of what reads it is said beside it (chat/act/writes.py write_request)
        return config_key_plan(question, rid, obj)
    if (verb == "unknown" or verb == "suspend" and field_said(question)) and (by_field := field_plan(question, rid, obj)) is not None:
        return by_field  # "set initialDelaySeconds back to 60": the field found in the object, patched where it is set
    if verb == "unknown":
        return (f"{rid}: say the change to make (e.g. 'restart it', 'scale it to 4', 'set its memory limit to 1Gi'); "
                "chat pins restarts, scaling, images, resources, probes, env, selectors, ports, taints and HPA bounds")
    if verb == "suspend":
        return suspend_plan(question, rid, obj)
    if verb == "selector":
        return f"{rid}: say the selector it should have, or ask 'what depends on it' for the workload it should select"
    if verb == "rerun" and kind == "PersistentVolumeClaim":  # "recreate the pvc with gp3-tsdb": another class
        return claim_recreate_plan(question, rid, obj)
    if verb == "rerun":
        return rerun_plan(rid, obj, question)
    if verb == "expand":
        return claim_growth_plan(question, rid, obj)
    if verb == "pull_secret":
        return pull_secret_plan(question, rid, obj)
    if verb == "port" and kind == "Service":
        return _with_tool("set_service_target_port", service_port_plan(question, rid, obj), question)
    if verb == "probe":
        pod_spec = pod_spec_of(kind, obj)
        question = probe_named(question, pod_spec)  # "the probe timeouts": the probe the containers have, liveness first
        planned = probe_plan(question, rid, obj, pod_spec)
        if isinstance(planned, str) and isinstance(by_field := field_plan(question, rid, obj), Plan):
            return by_field  # a probe field probe_plan does not read, found in the object by its own name
        relaxed = probe_relaxation(question, pod_spec) if kind in WORKLOADS else None
        if relaxed is not None and not isinstance(planned, str):  # more time or tries: a tool makes it
            change, _, kubectl, precondition, _ = planned
            return Plan("relax_probe", {"namespace": ns, "name": name, "kind": kind, **relaxed, "expect_generation": generation,
                                        "reason": reason}, change, kubectl, precondition)
        return by_hand(planned)
    if verb == "env":
        return by_hand(env_plan(question, rid, obj, config_sources(pod_spec_of(kind, obj)) if kind != "ConfigMap" else []))
    if verb == "delete":
        if kind == "PersistentVolumeClaim" and (refused := holds_data(question, rid, obj)) is not None:
            return refused
        if kind != "Pod":
            short = KUBECTL_KIND.get(kind, kind.lower())
            where = f" -n {ns}" if ns else ""
            return Plan(BY_HAND, {"kind": kind, "name": name, "namespace": ns}, f"delete {kind} {name}",
                        f"kubectl delete {short} {name}{where}", f"{kind} {name} exists",
                        [f"No MCP tool deletes a {kind}: a human runs the command after approval."])
        return Plan("delete_pod", {"namespace": ns, "name": name, "reason": reason}, f"delete pod {name} (its controller recreates it)",
                    f"kubectl delete pod {name} -n {ns}", f"pod phase {(obj.get('status') or {}).get('phase', '?')}")
    if kind == "CronJob" and verb == "image":
        return cronjob_image_plan(question, rid, obj)
    if kind == "CronJob" and verb == "resources":
        return cronjob_resources(question, rid, obj)
    if kind not in WORKLOADS:
        return f"{rid} is a {kind}; that change applies to a Deployment, StatefulSet or DaemonSet"
    target = f"{kind.lower()}/{name} -n {ns}"
    if verb == "scale":
        match = REPLICAS.search(question)
        current = spec.get("replicas")
        if not match or kind == "DaemonSet":
            return f"Say how many replicas (e.g. 'scale it to 4'); {rid} has {current} now" if match is None else \
                "A DaemonSet runs one pod per node: it cannot be scaled"
        replicas = int(match.group(2) or match.group(4)) + (int(current or 0) if (match.group(1) or "").lower() == "by" else 0)
        return Plan("scale", {"namespace": ns, "name": name, "kind": kind, "replicas": replicas, "expect_replicas": current,
                              "reason": reason}, f"replicas {current} -> {replicas}", f"kubectl scale {target} --replicas={replicas}",
                    f"replicas {current}")
    container = next(iter(_containers(obj)), {})
    cname = container.get("name") or name
    if verb == "image":
        inits = pod_spec_of(kind, obj).get("initContainers") or []
        # "set the init image back to 1.2.4": an init container's (kubectl set image reaches those too)
        wanted = image_asked(question, [*inits, *_containers(obj)] if INIT_SAID.search(question) and inits else _containers(obj))
        if wanted is None:
            return "Say which image (e.g. 'set its image to repo/app:1.2.3')"
        container, image = wanted
        cname = container.get("name") or name
        return Plan("set_image", {"namespace": ns, "name": name, "kind": kind, "container": cname, "image": image,
                                  "expect_image": container.get("image"), "reason": reason},
                    f"container {cname}: image {container.get('image')} -> {image}",
                    f"kubectl set image {target} {cname}={image}", f"image {container.get('image')}")
    if verb == "resources":
        chosen = container_for(question, _containers(obj), troubled_name, rid)
        if isinstance(chosen, str):
            return chosen
        asked = resources_asked(question, chosen, starved=starved_of(chosen.get("name") or name, troubled))
        return asked if isinstance(asked, str) else resources_plan(question, rid, chosen, asked, troubled, generation)
    return Plan("rollout_restart", {"namespace": ns, "name": name, "kind": kind, "expect_generation": generation, "reason": reason},
                "restart every pod (a new rollout of the same template)", f"kubectl rollout restart {target}",
                f"generation {generation}")


def _with_tool(tool: str, planned: tuple[str, dict[str, Any], str, str, str] | str, question: str) -> Plan | str:
    """A pinned hand edit that an MCP tool makes: the tool's plan, the kubectl command beside it."""
    if isinstance(planned, str):
        return planned
    change, args, kubectl, precondition, _ = planned
    return Plan(tool, {**args, "reason": question[:200]}, change, kubectl, precondition)


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
            reader := rid if kind in ENV_KINDS else _reader_said(ask)) and (fixed := await found_fix(ask, reader)) is not None:
        return fixed  # "patch the cronjob to use OUTPUT_BUCKET": its reference re-pointed (the fix found), never the key's value
    if verb in ("env", "unknown") and kind in ENV_KINDS and (holder := await key_holder(ask, rid, obj)) is not None:
        # "set ENGINE_TIMEOUT_MS back to 5000 on journey-planner": a key its pods read from a ConfigMap is that
        # ConfigMap's to change (an env override on the workload would hide the ConfigMap's value, not fix it)
        rid, (namespace, kind, name), obj = holder[0], parse_resource_id(holder[0]), holder[1]
    question = with_untolerated_taint(ask, with_declared_port(ask, rid, verb), verb)
    troubled = await troubled_container(ask, rid) if verb == "resources" and kind in WORKLOADS else None
    plan = typed_plan(ask.question, rid) if typed_write(ask.question) else await selector_plan(ask, rid, obj) \
        if kind == "Service" and verb == "selector" else plan_for(question, rid, obj, troubled)
    if isinstance(plan, str):
        if _fix_by_undo(ask, rid):
            return await rollback_request(ask)
        if verb == "unknown" and (fixed := await do_it(ask) if asks_the_proposed_fix(ask.question, ask.last_answer)
                                  else await found_fix(ask, rid)) is not None:
            return fixed  # the fix the last answer proposed, else ("point the cronjob at the new key") the one found for it
        return ask.answer(plan, status=unplanned(plan),
                          next_steps=["Ask again with what to change; chat answers with the action to approve."])
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
