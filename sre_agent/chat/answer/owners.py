""""who owns that pod, is there a deployment", "what created it", "whose is it": the chain of owner references from
a pod (or a workload) up to the controller at the top -- or that nothing owns it: a bare pod, which nothing
recreates -- and the people or teams the object's own labels and annotations name (owner, team, contact)."""

from __future__ import annotations

import re

from ...contracts import parse_resource_id
from ..ask import Ask, handles
from ..models import Answer
from ..understand.references import kind_of

POD_ASKED = re.compile(r"\bpods?\b", re.IGNORECASE)


WALKABLE = ("Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "Service", "Node")  # the ownership tool's
# labels and annotations by which teams and their tools say whose an object is and what keeps it (the key's name after
# any domain: "app.kubernetes.io/managed-by", "acme.org/owner", "source", "rotated-by")
# ... and whom to call about it: its escalation, on-call, support, pager or channel ("who do I escalate to")
OWNER_KEY = re.compile(r"^(owner|team|contact|maintainer|managed[-_]?by|part[-_]?of|source|synced[-_]?by|rotated[-_]?by"
                       r"|generated[-_]?by|escalations?|escalate[-_]?to|on[-_]?call|support|pager|slack|channel)$", re.IGNORECASE)
# who ran or asked for a hand-made object: "started-by", "requested_by", "createdBy", "triggered-by" ...
PERSON_KEY = re.compile(r"^(started|requested|created|run|ran|triggered|launched|submitted|initiated|owned)[-_]?by$", re.IGNORECASE)
# Kubernetes' own annotation domains and kubectl's: written by the API server and its clients, not a tool of the team's
KUBERNETES_DOMAIN = re.compile(r"(^|\.)(kubernetes\.io|k8s\.io)$")
TOOL_DOMAIN_SAID = 2  # tools' annotation domains named, at most
TOP_LEVEL = ("Deployment", "StatefulSet", "DaemonSet", "Service", "Node")


def _said_keys(meta: dict) -> dict[str, str]:
    """The labels and annotations that say whose the object is or what keeps it."""
    said = {**(meta.get("labels") or {}), **(meta.get("annotations") or {})}
    return {k: str(v) for k, v in said.items()
            if OWNER_KEY.match(k.rsplit("/", 1)[-1]) or PERSON_KEY.match(k.rsplit("/", 1)[-1])}


ESCALATION_ASKED = re.compile(r"\b(escalat\w*|call|page|contact|reach|on-?call|phone|ring)\b", re.IGNORECASE)
CONTACT_KEY = re.compile(r"escalat|on[-_]?call|contact|support|pager|slack|channel", re.IGNORECASE)


def _said_owners(meta: dict, question: str = "") -> list[str]:
    """The keys that say whose it is, as key=value; whom to call first where the question asks whom to call."""
    said = [f"{k}={v}" for k, v in _said_keys(meta).items()]
    if ESCALATION_ASKED.search(question):
        said.sort(key=lambda kv: not CONTACT_KEY.search(kv.split("=", 1)[0].rsplit("/", 1)[-1]))
    return said


def _writers(meta: dict) -> list[str]:
    """What writes the object besides people: its field managers (metadata.managedFields, the API server's record of
    every client that wrote it) and the tools whose own annotation domain it carries -- a controller keeps its state in
    annotations under its project's domain ("reconcile.external-secrets.io/data-hash", "argocd.argoproj.io/...")."""
    managers = list(dict.fromkeys(str(f.get("manager")) for f in meta.get("managedFields") or [] if f.get("manager")))
    lines = [f"written by (field managers): {', '.join(managers)}"] if managers else []
    domains = list(dict.fromkeys(key.split("/", 1)[0] for key in meta.get("annotations") or {}
                                 if "/" in key and not KUBERNETES_DOMAIN.search(key.split("/", 1)[0])))
    owned = {key.split("/", 1)[0] for key in _said_keys(meta)}
    tools = [d for d in domains if d not in owned][:TOOL_DOMAIN_SAID]
    return lines + ([f"annotated by tools under: {', '.join(tools)}"] if tools else [])


@handles("owner", needs=("kubernetes",))
async def owner(ask: Ask) -> Answer:
    rid = ask.resource or ""
    if kind_of(rid) != "Pod" and POD_ASKED.search(ask.question):  # "that pod": the pod the conversation named last
        rid = next((r for r in ask.focus if kind_of(r) == "Pod"), rid)
    if not rid:
        return ask.answer("Which object? Name it (e.g. 'who owns the redis-cli-debug pod').", status="needs_subject")
    namespace, kind, name = parse_resource_id(rid)
    described = await ask.call("kubernetes", "describe", {"kind": kind, "name": name, "events_limit": 0,
                                                          **({"namespace": namespace} if namespace else {})})
    meta = ((described.data or {}).get("object") or {}).get("metadata") or {}
    people, writers = _said_owners(meta, ask.question), _writers(meta)
    if kind not in WALKABLE:  # a claim, a ConfigMap: no controller chain, only what its metadata says
        if described.error is not None:
            return ask.answer(f"Could not read {rid}: {described.error[:200]}", status="unknown", resources=[rid])
        if not people and writers:  # no team named, but a tool keeps it: that is what manages it
            return ask.answer(f"{rid}: no owner label or annotation, no controller; {writers[0]}", status="answered",
                              details=writers[1:], resources=[rid])
        return ask.answer(f"{rid}: " + (f"its metadata names {people[0]}" if people else
                                        "no owner label or annotation (owner, team, contact) and no controller"),
                          status="answered", details=[*(f"its metadata names {p}" for p in people[1:]), *writers],
                          resources=[rid])
    walk = await ask.call("kubernetes", "ownership", {"kind": kind, "name": name, **({"namespace": namespace} if namespace else {})})
    if walk.error is not None:
        return ask.answer(f"Could not read the owners of {rid}: {walk.error[:200]}", status="unknown", resources=[rid])
    owners = [str(o) for o in (walk.data or {}).get("owners") or []]
    said = [f"its metadata names {', '.join(people)}"] if people else []
    if not owners:
        bare = f"{rid} has no owner: nothing controls it (no Deployment, ReplicaSet, StatefulSet, DaemonSet or Job)"
        if people:  # "who started it": the person its metadata names leads, the missing controller follows
            # (a Deployment, a Service, a Node is top-level: no controller above it is the rule, not a hand-made object)
            made = "" if kind in TOP_LEVEL else "; no controller owns it (it was made by hand)"
            bare = f"{rid}: its metadata names {people[0]}{made}"
            said = [f"its metadata names {p}" for p in people[1:]]
        steps = (["A bare pod is never recreated: delete it when done, or run it under a controller."] if kind == "Pod"
                 else [])
        return ask.answer(bare, status="answered", resources=[rid], details=said, next_steps=steps)
    top = owners[-1]
    chain = " -> ".join([rid, *owners])
    return ask.answer(f"{rid} is owned by {top}" + (f" (through {', '.join(owners[:-1])})" if len(owners) > 1 else ""),
                      status="answered", details=[f"owner chain: {chain}", *said], resources=[top, rid],
                      next_steps=[f"Changes go to {top}: its pods are recreated from its template."])
