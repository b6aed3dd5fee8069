"""Pods in trouble -- crashlooping, pending, restarting, unready, OOM-killed: a workload's when the question names
one (or the conversation is about one), else every namespace's."""

from __future__ import annotations

import re

from ...contracts import parse_resource_id
from ...quoting import clip
from ..ask import Ask, handles
from ..models import Answer
from ..understand.names import best_names
from ..understand.references import POSSESSED_PODS, name_of
from .health import OOM_ASKED
from .investigate import latest_rollout_change
from .logs import event_of
from .pods import crash_lines, owner_id, pod_line, pod_trouble, why_pending, why_restarted
from .usage import service_errors

# "are the pods crashing" in a conversation about bid-api: its pods (the definite article points back)
THE_PODS = re.compile(r"\b(the|those|these)\s+pods\b(?!\s+(in|of|across|on)\b)", re.IGNORECASE)
# "any restarts yet", "still crashing?": the thing the conversation is following, not the whole cluster
ONGOING = re.compile(r"\b(yet|still|so\s+far|anymore|any\s+more)\b", re.IGNORECASE)


@handles("pod_problems", "which_pods", needs=("kubernetes",))
async def pod_problems(ask: Ask) -> Answer:
    """Pods in trouble (crashlooping, pending, restarting, unready): a workload's when the question names one (or,
    for "which pods", the one the conversation is about), else every namespace's."""
    args = {"kind": "Pod", "limit": 5000, **({"namespace": ask.namespace} if ask.namespace else {})}
    outcome = await ask.call("kubernetes", "get_resources", args)
    pods = (outcome.data or {}).get("items") or []
    scope = f"namespace {ask.namespace}" if ask.namespace else "any namespace"
    # a word naming the namespace asked about ("OOMKilled pods in fleet") is the scope, not a workload (fleet-db)
    owner = _owner_named([w for w in ask.recognised.candidates if w != ask.namespace], pods)
    if owner is None and (POSSESSED_PODS.search(ask.question) or ask.form == "which_pods" or ONGOING.search(ask.question)
                          or THE_PODS.search(ask.question)) and ask.focus:
        # "did any of its pods fail or retry": the pods of what the conversation is about, not the cluster's
        owner = next((r for r in ask.focus if any(owner_id(p) == r for p in pods)), None)
    if owner:  # "are bookings pods crashing?": that workload's pods, not the cluster's
        pods, scope = [p for p in pods if owner_id(p) == owner], f"the pods of {owner}"
    troubled = [(pod, why) for pod in pods if (why := pod_trouble(pod))]
    if OOM_ASKED.search(ask.question):  # "what else is oomkilling": the OOM-killed ones, not every pod in trouble
        other = [(pod, why) for pod, why in troubled if "oom" not in why.lower()]
        troubled = [(pod, why) for pod, why in troubled if "oom" in why.lower()]
        if not troubled:
            return ask.answer(f"No pod in {scope} was OOM-killed ({len(pods)} pods looked at); {len(other)} other pod(s) "
                              "are in other trouble", status="answered" if not other else "problems",
                              details=[f"{p.get('namespace')}/Pod/{p.get('name')}: {why}" for p, why in other[:10]],
                              next_steps=["Ask 'which pods are crashing' for the pods in any trouble."])
    if not troubled and owner and (failing := await _failing_anyway(ask, owner)):
        # "tariff engine throwing 5xx, crashlooping?": no crash, but its callers see errors -- never "ok" while it fails
        return ask.answer(f"No pod of {owner} is crashlooping ({len(pods)} running and ready), but it is failing: {failing[0]}",
                          status="problems", details=[*failing[1:], *await latest_rollout_change(ask, owner),
                                                      *[pod_line(p) for p in pods[:4]]], resources=[owner],
                          next_steps=[f"Ask 'why is {name_of(owner)} failing?' for the root cause."])
    if not troubled and owner and (missing := await _never_created(ask, owner, len(pods))):
        # "any pods pending?": none -- the pods it lacks were never made; its controller says why
        return ask.answer(f"No pod of {owner} is pending or crashing, but {missing[0]}", status="problems",
                          details=[*missing[1:], *[pod_line(p) for p in pods[:4]]], resources=[owner],
                          next_steps=[f"Ask 'why is {name_of(owner)} failing?' for the root cause."])
    if not troubled:
        return ask.answer(f"No pod is crashlooping, pending, restarting or unready in {scope} ({len(pods)} pods looked at).",
                          status="healthy", details=[pod_line(p) for p in pods[:10]] if owner else [],
                          resources=[owner] if owner else [],
                          next_steps=["Nothing to do for pods; 'what's broken?' also checks alarms."])
    details = [f"{pod.get('namespace')}/Pod/{pod.get('name')}: {why}" + (f" on node {pod['node']}" if pod.get("node") else "")
               + (f" [owner {pod['owner']}]" if pod.get("owner") else "") for pod, why in troubled]
    details += await crash_lines(ask, [pod for pod, _ in troubled])
    # the scheduler's reason right under the first pod: kubectl describe's Events, the line an on-call reads first
    details[1:1] = await why_pending(ask, [pod for pod, why in troubled if why.startswith("Pending")])
    details[1:1] = await why_restarted(ask, [pod for pod, why in troubled if re.search(r"crashloop|restart|error", why, re.I)])
    owners = list(dict.fromkeys(owner_id(pod) for pod, _ in troubled))
    crashloop = [p for p, why in troubled if re.search(r"crashloop", why, re.IGNORECASE)]
    headline = (f"{len(troubled)} of {len(pods)} pods are in trouble" +
                (f", {len(crashloop)} in CrashLoopBackOff" if crashloop else ", none in CrashLoopBackOff") +
                f"; owners: {', '.join(owners[:5])}")
    return ask.answer(headline, status="problems", details=details, resources=owners,
                      next_steps=[f"Ask 'why is {name_of(owners[0])} failing?' for the root cause, or "
                                  f"'show me its logs' / 'its events'."])


def _owner_named(words: list[str], pods: list[dict]) -> str | None:
    """The workload a pod question names by a word of its own ("bookings pods" -> booking), among the pods'
    owners: a whole name or a name token, typos and prefixes aside (a pod question is not a guessing game)."""
    owners = {name_of(o): o for o in (owner_id(p) for p in pods) if o}
    ranked = [(score, name) for score, name in best_names(words, list(owners)) if score >= 0.9]
    if not ranked or (len(ranked) > 1 and ranked[1][0] == ranked[0][0]):
        return None
    return owners[ranked[0][1]]


async def _failing_anyway(ask: Ask, owner: str) -> list[str]:
    """What its Service's callers see when its pods look fine: the Service of its name failing requests."""
    namespace, kind, name = parse_resource_id(owner)
    if kind not in ("Deployment", "StatefulSet", "DaemonSet"):
        return []
    trouble: list[str] = []
    await service_errors(ask, namespace or "", name, trouble)
    return trouble



async def _never_created(ask: Ask, owner: str, existing: int) -> list[str]:
    """A workload with fewer pods than it asks for and none of them in trouble: the rest were never made -- its
    controller's FailedCreate says why (a quota, an admission webhook, a missing ServiceAccount)."""
    namespace, kind, name = parse_resource_id(owner)
    if kind not in ("Deployment", "StatefulSet") or not namespace:
        return []
    described = await ask.call("kubernetes", "describe", {"kind": kind, "name": name, "namespace": namespace, "events_limit": 0})
    wanted = int((((described.data or {}).get("object") or {}).get("spec") or {}).get("replicas") or 0)
    if wanted <= existing:
        return []
    listed = await ask.call("kubernetes", "events", {"namespace": namespace, "warnings_only": True, "limit": 500})
    said = [str(e.get("message") or "") for e in (listed.data or {}).get("events") or []
            if e.get("reason") == "FailedCreate" and event_of(e, name)]
    return [f"{wanted} pods are wanted and {existing} exist: the other {wanted - existing} were never created"
            + (f" -- FailedCreate: {clip(said[0], 220)}" if said else "")]
