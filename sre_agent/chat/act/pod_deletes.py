""""delete the pending pods so they reschedule", "kill the crashing pods": a delete said of a workload's pods is about
those pods -- never the workload itself. The pods are the workload's in the state the request names (all of them when
it names none); pods the scheduler cannot place are not pinned, since their replacements meet the same scheduler."""

from __future__ import annotations

import re

from ...quoting import clip
from ..answer.objects import pod_spec_of
from ..answer.pods import owner_id, pod_trouble, why_pending, workload_pods
from ..answer.runs import runs_of
from ..ask import Ask
from ..models import Answer
from ..understand.references import parse_resource_id
from .cause_note import noted_or_refused
from .plans import BY_HAND, Plan, approval_answer

PODS_SAID = re.compile(r"\bpods?\b", re.IGNORECASE)
# The state a request names its pods by, and how a pod row shows it.
STATES = (("pending", re.compile(r"\bpending\b", re.I), re.compile(r"Pending|Unschedulable", re.I)),
          ("crashing", re.compile(r"\bcrash\w*|\bfailing\b|\bbroken\b|\brestarting\b", re.I),
           re.compile(r"CrashLoopBackOff|Error|restarted", re.I)),
          ("stuck", re.compile(r"\bstuck\b|\bterminating\b|\bunknown\b", re.I), re.compile(r"Terminating|Unknown", re.I)),
          ("unready", re.compile(r"\bunready\b|\bnot\s+ready\b", re.I), re.compile(r"not ready", re.I)),
          ("pull-failing", re.compile(r"\bimagepullbackoff\b|\berrimagepull\b|\bpull\w*\b", re.I),
           re.compile(r"ImagePullBackOff|ErrImagePull", re.I)),
          ("evicted", re.compile(r"\bevicted\b", re.I), re.compile(r"Evicted", re.I)),
          ("oom-killed", re.compile(r"\boom\w*\b", re.I), re.compile(r"OOMKilled", re.I)))


def state_said(question: str) -> bool:
    """A pod's state said in the request ("that pending ds-notebook", "the crashlooping X"): what is deleted is pods."""
    return any(said.search(question) for label, said, _shown in STATES if label != "pull-failing")


UNPLACEABLE = re.compile(r"Unschedulable|nodes are available|Insufficient|untolerated|didn.t match", re.I)


# "force delete every pod in lifts", "delete all the pods in planner to reset everything": a namespace's (or the
# cluster's) pods at once, no workload named -- every service there restarts together
EVERY_POD = re.compile(r"\b(every|each|all)\s+(of\s+)?(the\s+)?pods?\b(?!\s+(of|for|from|behind)\b)", re.IGNORECASE)
DELETE_SAID = re.compile(r"\b(delete|kill|nuke|wipe|recreate|force[\s-]*delete)\b", re.IGNORECASE)


def every_pod_refused(ask: Ask) -> Answer | None:
    """A delete of every pod of a namespace or the cluster is refused: it restarts every workload there at once (an
    outage of its own), and the fault it would not touch is still there when they come back."""
    if not (DELETE_SAID.search(ask.question) and EVERY_POD.search(ask.question)):
        return None
    return ask.answer("Not pinned: deleting every pod restarts every workload there at once -- an outage of its own -- and "
                      "whatever is broken meets its replacements the same way", status="answered",
                      next_steps=["Ask 'why is it failing?' for the root cause; name the one workload whose pods to "
                                  "replace ('delete the crashing X pods') if that is the fix."])


async def pods_delete(ask: Ask, rid: str) -> Answer | None:
    """The answer to a delete of `rid`'s pods, or None when the request does not speak of pods (by the word, or by a pod
    state said of the workload: "that pending ds-notebook")."""
    if not PODS_SAID.search(ask.question) and not state_said(ask.question):
        return None
    namespace, kind, name = parse_resource_id(rid)
    pods = await workload_pods(ask, rid)
    state = next(((label, shown) for label, said, shown in STATES if said.search(ask.question)), None)
    chosen = [p for p in pods if state is None or state[1].search(pod_trouble(p) or "")]
    if not chosen:
        what = f"{state[0]} " if state else ""
        return ask.answer(f"Not pinned: {rid} has no {what}pod to delete ({len(pods)} pod(s), none {state[0] if state else 'found'})",
                          status="answered", resources=[rid], next_steps=[f"Ask 'why is {name} failing?' for what is wrong."])
    troubles = [pod_trouble(p) or "" for p in chosen]
    if all(UNPLACEABLE.search(t) for t in troubles):
        described = await ask.call("kubernetes", "describe", {"kind": kind, "name": name, "namespace": namespace, "events_limit": 0})
        template = pod_spec_of(kind, (described.data or {}).get("object") or {})
        asks = [f"container {c.get('name')} requests {(c.get('resources') or {}).get('requests') or {}}"
                for c in template.get("containers") or []]
        return ask.answer(f"Not pinned: {rid}'s {len(chosen)} pending pod(s) cannot be placed, and the pods that replace "
                          f"them would meet the same scheduler -- {clip(troubles[0], 300)}", status="answered",
                          resources=[rid], details=[*asks, *[f"pod {p.get('name')}: {clip(t, 200)}" for p, t in zip(chosen, troubles)][:5]],
                          next_steps=[f"Ask 'why is {name} failing?' for the fix: what the pods ask of the nodes has to "
                                      "change (their requests, selector or tolerations), or the nodes."])
    names = [str(p.get("name")) for p in chosen]
    if len(names) == 1:
        plan = Plan("delete_pod", {"namespace": namespace or "", "name": names[0], "reason": ask.question[:200]},
                    f"delete pod {names[0]} (its controller recreates it)", f"kubectl delete pod {names[0]} -n {namespace}",
                    f"pod {names[0]} exists")
        if (refusal := await noted_or_refused(ask, plan, f"{namespace}/Pod/{names[0]}")) is not None:
            return refusal
        return approval_answer(ask, plan, f"{namespace}/Pod/{names[0]}")
    plan = Plan(BY_HAND, {"kind": "Pod", "names": names, "namespace": namespace or ""},
                f"delete {len(names)} pod(s) of {name} (its controller recreates them)",
                f"kubectl delete pod {' '.join(names)} -n {namespace}", f"{len(names)} pod(s) exist",
                ["One tool call deletes one pod: a human runs the command after approval."])
    if (refusal := await noted_or_refused(ask, plan, rid, "restart")) is not None:  # new pods of the same template
        return refusal
    return approval_answer(ask, plan, rid)


async def pod_in_state(ask: Ask, pod: str) -> str | Answer:
    """"delete the pending archive pod": the pod is the one in the state said. A name matched first to a pod in another
    state (a finished run's) gives way to the one pod of the namespace in that state that shares its name's stem; with
    none or several, nothing is pinned and they are listed."""
    state = next(((label, shown) for label, said, shown in STATES if said.search(ask.question)), None)
    namespace, _, name = parse_resource_id(pod)
    listed = await ask.call("kubernetes", "get_resources", {"kind": "Pod", "namespace": namespace or "default", "limit": 2000})
    pods = (listed.data or {}).get("items") or []
    row = next((p for p in pods if p.get("name") == name), None)
    if state is None or row is None or state[1].search(pod_trouble(row) or ""):
        return pod
    stem = name.rsplit("-", 2)[0] if name.count("-") >= 2 else name
    fitting = [str(p.get("name")) for p in pods if str(p.get("name")).startswith(stem) and state[1].search(pod_trouble(p) or "")]
    if len(fitting) == 1:
        return f"{namespace}/Pod/{fitting[0]}"
    return ask.answer(f"Not pinned: {name} is not {state[0]} ({pod_trouble(row) or row.get('status')}); "
                      + (f"the {state[0]} pods like it: {', '.join(fitting[:6])} -- say which" if fitting else
                         f"no pod like it is {state[0]}"), status="answered", resources=[pod],
                      next_steps=["Ask 'which pods are in trouble?' for the pods and their owners."])


async def node_pods_delete(ask: Ask, node: str) -> Answer:
    """"delete the pending pods" while the conversation is on a node: pods, never the Node. Pending pods are on no
    node -- the cluster's are meant; pods in another state (stuck Terminating, Unknown) are that node's, deleted with
    force (the kubelet that would confirm a graceful delete is the one not answering)."""
    state = next(((label, shown) for label, said, shown in STATES if said.search(ask.question)), None)
    listed = await ask.call("kubernetes", "get_resources", {"kind": "Pod", "limit": 5000})
    pods = (listed.data or {}).get("items") or []
    on_node = state is None or state[0] != "pending"
    chosen = [p for p in pods if (not on_node or p.get("node") == node) and (state is None or state[1].search(pod_trouble(p) or ""))]
    owners = list(dict.fromkeys(owner_id(p) for p in chosen))
    if not chosen:
        return ask.answer(f"Not pinned: no {state[0] if state else ''} pod to delete{f' on {node}' if on_node else ''}; a delete of "
                          "pods never deletes the node", status="answered", resources=[f"Node/{node}"],
                          next_steps=["Ask 'which pods are in trouble?' for the pods and their owners."])
    troubles = [pod_trouble(p) or "" for p in chosen]
    if all(UNPLACEABLE.search(t) for t in troubles):
        said = await why_pending(ask, chosen)  # the scheduler's own words: "0/6 nodes are available: 3 Insufficient cpu"
        return ask.answer(f"Not pinned: the {len(chosen)} pending pod(s) (of {', '.join(o.split('/')[-1] for o in owners[:6])}) "
                          f"cannot be placed, and the pods that replace them would meet the same scheduler -- "
                          f"{clip(said[0].split(': ', 1)[-1] if said else troubles[0], 300)}", status="answered", resources=owners[:4],
                          next_steps=["Ask 'why can't the other nodes take them?': what the pods ask of the nodes, or the "
                                      "nodes, has to change."])
    force = " --grace-period=0 --force" if state is not None and state[0] == "stuck" else ""
    by_namespace: dict[str, list[str]] = {}
    for pod in chosen:
        by_namespace.setdefault(str(pod.get("namespace")), []).append(str(pod.get("name")))
    commands = "; ".join(f"kubectl delete pod {' '.join(names)} -n {ns}{force}" for ns, names in by_namespace.items())
    plan = Plan(BY_HAND, {"kind": "Pod", "names": [str(p.get("name")) for p in chosen], "namespace": ""},
                f"delete {len(chosen)} {state[0] if state else ''} pod(s) (of {', '.join(o.split('/')[-1] for o in owners[:6])}); "
                "their controllers recreate them", commands, f"{len(chosen)} pod(s) exist",
                ["One tool call deletes one pod: a human runs the command after approval."])
    return approval_answer(ask, plan, owners[0] if owners else f"Node/{node}")


RUN_SAID = re.compile(r"\b(job|jobs|run|runs)\b", re.IGNORECASE)


async def cronjob_run(ask: Ask, rid: str) -> str | Answer:
    """"delete the active newsletter-sender job": a CronJob's run is what a delete of its job means, never the CronJob
    (its schedule and every later run). The one active run; several or none are said, nothing pinned."""
    namespace, _, name = parse_resource_id(rid)
    active = [j for j in await runs_of(ask, namespace or "default", name) if j.get("active")]
    if len(active) == 1:
        return f"{namespace}/Job/{active[0].get('name')}"
    said = f"{len(active)} active runs: {', '.join(str(j.get('name')) for j in active[:6])} -- say which" if active \
        else "it has no active run"
    return ask.answer(f"Not pinned: a delete of {rid}'s job means one of its runs, never the CronJob; {said}",
                      status="answered", resources=[rid],
                      next_steps=[f"Ask 'how long do {name}'s runs take?' for its runs and their state."])


async def one_deleted(ask: Ask, rid: str) -> str | Answer:
    """What a delete of `rid` means: a CronJob's active run where the request says its job or run, the pod in the state
    said ("delete the pending archive pod"), else `rid` itself; an answer where none fits."""
    if parse_resource_id(rid)[1] == "CronJob":
        return await cronjob_run(ask, rid) if RUN_SAID.search(ask.question) else rid
    return await pod_in_state(ask, rid)
