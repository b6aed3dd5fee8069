"""Which object a change request acts on when it names none ("fix the targetPort", "scale it back to 3", "cordon it",
"unsuspend it"): the verb says the kind it changes, and "it" is the object of that kind the conversation points at --
the object the diagnosis blames, a Service's own workload, a ConfigMap's reader, the last node or CronJob talked
about. A request that names its object is never moved."""

from __future__ import annotations

import re

from ..answer.config_refs import config_users
from ..answer.objects import WORKLOADS
from ..ask import Ask
from ..understand.references import parse_resource_id, workload_of_service
from .node_plans import KUBELET

WORKLOAD_VERBS = ("scale", "restart", "image", "resources", "probe")  # changes only a workload takes
SUSPEND_SAID = re.compile(r"\b(un)?suspend", re.IGNORECASE)  # a CronJob's own word (a Deployment's rollout is paused)
# Faults a rollout brought in, which going back to the revision before it undoes.
UNDONE_BY_ROLLBACK = {"probe_misconfig", "bad_deploy_regression", "bad_image", "crash_missing_config", "missing_config_ref"}
# the kind a verb changes, where the diagnosis may blame one of it
VERB_KIND = {"port": "Service", "selector": "Service", "taint": "Node", "cordon": "Node", "expand": "PersistentVolumeClaim",
             "suspend": "CronJob"}


async def config_reader(ask: Ask, rid: str) -> str | None:
    """The first workload whose pods read ConfigMap/Secret `rid`: what a pod or resources change said about it means."""
    return next(iter((await config_users(ask, rid))[0]), None)


async def verb_target(ask: Ask, rid: str, verb: str, culprit: str) -> str:
    """The object `verb` acts on, from `rid` (the request's subject, or the conversation's object)."""
    kind = parse_resource_id(rid)[1] if rid.count("/") >= 1 else ""
    if verb == "restart" and KUBELET.search(ask.question) and (
            node := (rid if kind == "Node" else None) or await node_said(ask)
            or (culprit if culprit.startswith("Node/") else None) or next((r for r in ask.focus if r.startswith("Node/")), None)):
        return node  # "bring ip-10-4-2-9 back: restart kubelet on it": a kubelet runs on a Node -- the one said, or found
    if ask.recognised.subject is not None:
        return verb_kind_of(rid, verb)
    if culprit and parse_resource_id(culprit)[1] == VERB_KIND.get(verb) and culprit != rid:
        # "fix the targetPort" after a diagnosis: the object the diagnosis blames, not the alarmed one talked about
        rid, kind = culprit, parse_resource_id(culprit)[1]
    # a ResourceQuota takes cpu and memory amounts itself ("bump the portal-compute quota to 4 cpu"): never its namespace's
    # workload talked about before
    if verb in WORKLOAD_VERBS and kind not in (*WORKLOADS, "Pod", "Job", "CronJob", "ResourceQuota") and (
            runner := (await workload_of_service(ask, rid) if kind == "Service" else None) or
            (await config_reader(ask, rid) if kind in ("ConfigMap", "Secret") else None) or  # its reader, before another
            next((r for r in ask.focus if parse_resource_id(r)[1] in WORKLOADS), None)):
        # "scale it back to 3" after talking about its claim and storage class: "it" is what the verb can change -- a
        # Service's own workload first
        rid, kind = runner, parse_resource_id(runner)[1]
    if verb in ("cordon", "taint") and kind != "Node" and (node := next((r for r in ask.focus if r.startswith("Node/")), None)):
        rid = node  # "cordon it" after talking about a node and what ran on it: the last such object
    elif verb == "suspend" and SUSPEND_SAID.search(ask.question) and kind not in ("CronJob", "Job") and (
            cron := next((r for r in ask.focus if parse_resource_id(r)[1] == "CronJob"), None)):
        rid = cron  # "unsuspend it": a CronJob's word, of the CronJob talked about
    return verb_kind_of(rid, verb)


async def node_said(ask: Ask) -> str | None:
    """The one Node a name typed in the question names (ip-10-40-2-214 for ip-10-40-2-214.ec2.internal), else None: of
    the question's candidate words (understand/forms.py), the dashed ones."""
    for token in [w for w in ask.recognised.candidates if "-" in w]:
        found = await ask.call("kubernetes", "find_resource", {"name": token, "kinds": ["Node"]})
        matches = [m for m in (found.data or {}).get("matches") or [] if str(m.get("resource", "")).startswith("Node/")]
        exact = [m for m in matches if m.get("exact")] or \
            [m for m in matches if str(m["resource"]).split("/", 1)[1].startswith(token.lower() + ".")]
        if len(exact) == 1:
            return str(exact[0]["resource"])
    return None


def verb_kind_of(rid: str, verb: str) -> str:
    """A selector or targetPort is a Service's: the one named for the object said."""
    namespace, kind, name = parse_resource_id(rid)
    return f"{namespace}/Service/{name}" if verb in ("selector", "port") and kind != "Service" and rid else rid


def rollback_target(ask: Ask) -> str | None:
    """"roll it back" with "it" unnamed, after a diagnosis that a rollout brought the fault in: the workload the
    diagnosis blames -- never the object talked about last (a lure the conversation looked at), which has no revision
    that carries the fault."""
    diagnosis = ask.last_diagnosis or {}
    culprit = str(diagnosis.get("resource") or "")
    if ask.recognised.subject is not None or diagnosis.get("category") not in UNDONE_BY_ROLLBACK or culprit == ask.resource:
        return None
    return culprit if parse_resource_id(culprit)[1] in WORKLOADS else None
