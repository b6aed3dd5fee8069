"""A change request read as the one action it asks for: which kind of change its verb says (change_verb) and the
pinned plan that makes it on the object read (plan_for) -- the MCP tool and its arguments, the precondition observed and
the kubectl equivalent -- or why it cannot be pinned from what was said. Pure functions: write_request (writes.py) reads
the objects and weighs the plan against the fault found."""

from __future__ import annotations

import re
from typing import Any

from ...contracts import parse_resource_id
from ...graph.kubectl_words import KUBECTL_KIND
from ..answer.objects import pod_spec_of
from ..understand.forms import normalise
from ..understand.kinds_said import other_kind_said
from .config_key_plans import KEY_RESTORED, config_key_plan
from .cronjob_plans import RERUN_ASKED, cronjob_image_plan, cronjob_resources
from .field_plans import field_plan, field_removal_plan, field_said, removes_field
from .hand_edits import (
    config_sources,
    env_change,
    env_plan,
    held_key_said,
    probe_named,
    probe_plan,
    probe_relaxation,
    service_port_plan,
)
from .in_use import holds_data
from .node_plans import KUBELET, kubelet_restart_plan, taint_plan, toleration_plan
from .plans import (
    BY_HAND,
    RESUMING,
    Plan,
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
)
from .pull_secret_plans import pull_secret_plan
from .quota_plans import quota_plan
from .secret_refresh import secret_refresh_plan
from .targets import (
    starved_of,
)

REPLICAS = re.compile(r"\b(to|by)\s+(\d+)\b|(?:^|,|\s)()(\d+)\s+replicas?\b", re.IGNORECASE)  # "..., 1 replica"
WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet")
VERBS = (("hpa", r"\bhpa\b|autoscaler|\b(max|min)\s*replicas\b"),
         ("pull_secret", r"\bimage\s*pull\s*secrets?\b|\bimagepullsecrets?\b|\bpull\s*secrets?\b"),
         ("expand", r"\b(grow|expand|resize|enlarge|extend|shrink)\b"),
         ("selector", r"\bselector\b"),  # "point the X selector at app=y": the selector, not a port
         # "livenessProbe path to /healthz" too -- and before "port": "point readiness back to 8080" is the probe's
         ("probe", r"\b(liveness|readiness|startup)(\s*probe)?\b|\bprobes?\s+(timeouts?|ports?|paths?)\b"),
         # (never "point it back at key token": a key, not a port)
         ("port", r"\btarget\s*port\b|\b(service|svc)\s+ports?\b|\b(point|route|send)\b.*\b(at|to)\s+(?!(the\s+)?keys?\b)(port\s+)?\w+"),
         ("tolerate", r"\btolerat(e|es|ion|ions)\b"),  # before "taint": "a toleration for the drain taint"
         ("taint", r"\b(un)?taints?\b"),
         ("rerun", RERUN_ASKED),
         ("suspend", r"\b(un)?suspend\w*|\bresume\b|\bpause\b"),
         ("cordon", r"uncordon|cordon|drain"), ("delete", r"delete|kill|\bremove\b"),
         ("scale", r"scale|\b\d+\s+replicas?\b"),  # "bring cdn-purger back to 2 replicas": a count of replicas is a scale
         ("image", r"\bimage\b|\bback\s+(to|on)\s+([a-z][\w./-]*\s+)?v?\d+\.\d+"),
         ("resources", r"\b(cpu|memory|mem|limits?|requests?|cores?|\d+(\.\d+)?\s*(m|mi|gi|ki))\b"),
         ("restart", r"restart|bounce|recycle|redeploy"))


WHOLE_DELETE = re.compile(r"^\W*(please\s+)?((can|could|would)\s+you\s+|let.?s\s+)?(delete|remove)\s+(the\s+|that\s+|this\s+)?"
                          r"([\w./-]+\s+)?(hpa|autoscaler|horizontal\s*pod\s*autoscaler)\W*$")


INIT_SAID = re.compile(r"\binit(\s*containers?|ialization)?\b", re.IGNORECASE)
DASHED_NAME = re.compile(r"(?<![\w.-])(?!re-)[a-z0-9]+(?:-[a-z0-9]+)+(?![\w-])")


def change_verb(question: str) -> str:
    """The kind of change a request asks for (VERBS), "env" for a variable typed as one, "unknown" when none."""
    if env_change(question) and re.search(r"\b(add|set|put|export|define|update|replace|rotate|refresh)\b", question, re.IGNORECASE):
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
# two amounts joined by a slash are a request and its limit, in that order (as `kubectl top`-style notes and people write
# them: "300m/1", "512Mi/1Gi")
REQUEST_SLASH_LIMIT = re.compile(r"(?<![\w./])(\d+(?:\.\d+)?(?:m|ki|mi|gi|ti)?)\s*/\s*(\d+(?:\.\d+)?(?:m|ki|mi|gi|ti)?)(?![\w./])",
                                 re.IGNORECASE)


def plan_for(question: str, rid: str, obj: dict, troubled: tuple[str, str] | None = None,
             declared_ports: frozenset[str] = frozenset()) -> Plan | str:
    """The action a change request asks for on `rid` (whose current object is `obj`), or why it cannot be
    pinned from what was said. `troubled`: (container, what its pods say of it) for the container in trouble;
    `declared_ports`: the port names a Service's pods declare (what a targetPort said by name may be)."""
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
        if (tool == "uncordon") != bool(spec.get("unschedulable")):
            # a change to the state the node is in already changes nothing: never a plan to approve (and a sign the
            # request meant another node -- "uncordon the patched node" while the conversation is on a dead one)
            return (f"{rid} is {'cordoned already' if tool == 'cordon' else 'not cordoned (it is schedulable)'}: "
                    f"{'cordoning' if tool == 'cordon' else 'uncordoning'} it changes nothing")
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
    if verb == "restart" and kind == "Pod":
        # "restart lockerdb-0": kubectl has no pod restart -- its controller recreates a pod deleted; a pod no
        # controller owns would be gone for good
        if not (obj.get("metadata") or {}).get("ownerReferences"):
            return f"{rid} has no controller: deleted, nothing would bring it back -- restart what runs it instead"
        return Plan("delete_pod", {"namespace": ns, "name": name, "reason": reason},
                    f"delete pod {name} to restart it (its controller recreates it)", f"kubectl delete pod {name} -n {ns}",
                    f"pod phase {(obj.get('status') or {}).get('phase', '?')}")
    if verb == "rerun":
        return rerun_plan(rid, obj, question)
    if verb == "expand":
        return claim_growth_plan(question, rid, obj)
    if verb == "pull_secret":
        return pull_secret_plan(question, rid, obj)
    if verb == "port" and kind == "Service":
        return _with_tool("set_service_target_port", service_port_plan(question, rid, obj, declared_ports), question)
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
        question = REQUEST_SLASH_LIMIT.sub(r"\1 request \2 limit", question)  # "cpu back to 300m/1": request 300m, limit 1
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


