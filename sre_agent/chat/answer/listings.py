"""Listings of a kind -- "what storage classes do we have", "quota usage in treasury", "kubectl get pods -n x",
"get cronjob,jobs -n grooming", "which nodes are cordoned", "are the daemonsets all up": the objects of the kinds the
question names, as kubectl's tables would show them, said in a line each."""

from __future__ import annotations

import re
from collections import Counter

from ...contracts import parse_resource_id
from ..ask import HANDLERS, Ask, handles
from ..models import Answer
from ..understand.exact_names import named_exactly
from ..understand.forms import kind_nouns
from ..understand.references import kind_of
from .health import status
from .notes import peoples_notes
from .usage import quota_holders, quota_usage
from .workloads import RUNNABLE, listed_line, workloads_in

LABEL = r"(?:[a-z0-9.-]+/)?[a-z0-9._-]+=[\w.-]+"
LABELS_SAID = re.compile(rf"(?:\bwith\s+(?:the\s+)?labels?|\bcarry(?:ing)?|\blabell?ed|\bhav(?:e|ing)|\bhas|(?<!\w)-l)\s+"
                         rf"({LABEL}(?:,{LABEL})*)", re.IGNORECASE)
MAX_POD_ROWS = 15
WHOLE_LISTING = 10
NAMESPACE_SAID = re.compile(r"\bnamespace ([a-z0-9][a-z0-9-]*)")
NODE_ATTRIBUTES = re.compile(r"\b(instance\s*types?|(availability\s+)?zones?|az)\b", re.IGNORECASE)
REFERS_BACK = re.compile(r"\b(it|its|they|them|their|those|these)\b", re.IGNORECASE)
SHORT_ASKED = re.compile(r"\b(short|degraded|not\s+ready|unready|missing|down|unhealthy|under|below)\b", re.IGNORECASE)


def _short(ready: str) -> bool:
    """"2/3": fewer ready than wanted."""
    have, _, want = ready.partition("/")
    return have.isdigit() and want.isdigit() and int(have) < int(want)


# "are the daemonsets all up": every one of the kind, the short ones first, and whether all are at their count
ALL_ASKED = re.compile(r"\b(all|every)\b.*\b(up|ready|available|healthy|ok|okay|fine|running|good)\b"
                       r"|\b(up|ready|available|healthy|ok|okay|fine|running|good)\b.*\ball\b", re.IGNORECASE)
LABELS_ASKED = re.compile(r"\blabel(s|led)?\b|--show-labels", re.IGNORECASE)  # "get pods --show-labels", "with their labels"
FAILED_ASKED = re.compile(r"\b(failed|failing)\b", re.IGNORECASE)
OTHER_ASKED = re.compile(r"\bother\b", re.IGNORECASE)


@handles("list_kind", needs=("kubernetes",))
async def list_kind(ask: Ask) -> Answer:
    """"what storage classes do we have", "quota usage in treasury": the objects of the kind the question names."""
    kinds = [k for k in kind_nouns(ask.question) if k not in ("Node",)] or kind_nouns(ask.question)
    if not kinds and (NODE_ATTRIBUTES.search(ask.question) or NODE_STATE.search(ask.question)):  # "which ones are cordoned"
        kinds = ["Node"]
    if not kinds and ask.recognised.kind_hint:  # kubectl's kind ("get rs"): said by its grammar, not by a noun chat reads
        kinds = [ask.recognised.kind_hint]
    if "ResourceQuota" in kinds:  # "how close is riders to its pod quota": the quota, whatever other noun comes first
        kinds = ["ResourceQuota"]
    said = NAMESPACE_SAID.search(str((ask.last_answer or {}).get("headline") or ""))  # "Nothing is broken in namespace x"
    talked_about = said.group(1) if said else next((parse_resource_id(r)[0] for r in ask.focus if parse_resource_id(r)[0]), None)
    if not kinds and (quota := await _quota_named(ask)):
        # "how much of web-quota is used": the quota named (its kind said by no noun, only by its name)
        holders = await quota_holders(ask, parse_resource_id(quota)[0] or "")
        return ask.answer(await quota_usage(ask, quota), status="answered", details=holders, resources=[quota])
    if not kinds and RUNNING_IN.search(ask.question) and (ask.namespace or talked_about):  # "what runs in there"
        return await _workloads_in(ask, ask.namespace or str(talked_about))
    if not kinds:
        return ask.answer("Which kind of object? e.g. 'what storage classes do we have', 'quota usage in <namespace>'.",
                          status="needs_subject")
    if len(set(kinds)) > 1 and SEVERAL_KINDS.search(ask.question):
        return await _each_kind(ask, list(dict.fromkeys(kinds))[:4])
    kind = kinds[0]
    if kind == "StorageClass" and (holder := await _storage_holder(ask)):
        ask.resource = holder  # "elevator-pg storage class?": the classes of its claims, in its status answer
        return await status(ask)
    scope = {"namespace": ask.namespace} if ask.namespace and kind not in ("StorageClass", "Node") else {}
    if (labels := LABELS_SAID.search(ask.question)) is not None:  # kubectl -l: the objects it selects
        scope["label_selector"] = labels.group(1)
    where = f" in namespace {ask.namespace}" if scope.get("namespace") else ""
    outcome = await ask.call("kubernetes", "get_resources", {"kind": kind, "limit": 500, **scope})
    if outcome.error is not None:
        return ask.answer(f"Could not list {kind}s: {outcome.error[:200]}", status="unknown")
    items = (outcome.data or {}).get("items") or []
    words = set(re.findall(r"[a-z0-9][a-z0-9.-]*", ask.question.lower()))
    if len(one := [i for i in items if str(i.get("name")).lower() in words]) == 1 and ONE_ASKED.match(ask.question):
        # "can the gp3 storage class expand volumes": one object of the kind, named -- its property, not the listing
        ask.resource = f"{one[0]['namespace']}/{kind}/{one[0]['name']}" if one[0].get("namespace") else f"{kind}/{one[0]['name']}"
        return await HANDLERS["property"].handler(ask)
    if kind in ("Job", "CronJob") and FAILED_ASKED.search(ask.question):  # "any failed jobs": those that failed
        checked = len(items)
        items = [i for i in items if int(i.get("failed") or 0) > 0 or "Failed" in str(i.get("condition") or "")]
        if not items:
            return ask.answer(f"No failed {kind}{where}: {checked} {kind}(s) checked", status="answered",
                              next_steps=[f"kubectl get {kind.lower()} -A"])
        if OTHER_ASKED.search(ask.question):  # "any other failed jobs": besides the ones already talked about
            items = [i for i in items if f"{i.get('namespace')}/{kind}/{i.get('name')}" not in ask.focus]
    said_nodes = [r for r in ask.focus if r.startswith("Node/")]
    if kind == "Node" and said_nodes and REFERS_BACK.search(ask.question):  # "which zone is it": the nodes just talked about
        items = [i for i in items if f"Node/{i.get('name')}" in said_nodes] or items
    if kind == "Node" and (state := NODE_STATE.search(ask.question)):  # "a node with SchedulingDisabled, which one"
        return await _nodes_in_state(ask, items, state.group(0))
    if kind in (*RUNNABLE[:3], "Node") and ALL_ASKED.search(ask.question):
        return _all_at_count(ask, kind, items, where)
    if kind in RUNNABLE[:3] and SHORT_ASKED.search(ask.question):  # "which daemonsets are short": ready below desired
        items = [i for i in items if _short(str(i.get("ready") or ""))]
        if not items:
            return ask.answer(f"Every {kind}{where} has all its pods ready",
                              status="answered", next_steps=[f"kubectl get {kind.lower()} -A"])
    details = [listed_line(kind, i) for i in items]
    resources = [f"{i['namespace']}/{kind}/{i['name']}" if i.get("namespace") else f"{kind}/{i['name']}" for i in items]
    if kind == "ResourceQuota":
        details = [await quota_usage(ask, rid) for rid in resources[:5]] + details[5:]
        spaces = {str(i.get("namespace")) for i in items}
        held = next(iter(spaces)) if len(spaces) == 1 else talked_about if talked_about in spaces else None
        if held:  # the quota of the namespace asked about (or talked about) first, then what holds it, then the rest
            mine = [line for line in details if line.startswith(f"{held}/")]
            details = mine + await quota_holders(ask, held) + [line for line in details if line not in mine]
    if not items and scope.get("label_selector"):  # "which nodes carry pool=webcam": none -- said as the answer
        return ask.answer(f"None: no {kind}{where} carries {scope['label_selector']}", status="answered",
                          next_steps=[f"kubectl get {kind.lower()} -A --show-labels"])
    if not items:
        return ask.answer(f"Found no {kind}{where}", status="answered", next_steps=[f"kubectl get {kind.lower()} -A"])
    names = ", ".join(i.get("name") for i in items[:8])
    if kind == "Pod":  # kubectl's table, said: how many in each state, the ones in trouble first
        states = Counter(str(i.get("status")) for i in items)
        items.sort(key=lambda i: (str(i.get("status")) == "Running" and not _short(str(i.get("ready") or "")), i.get("name")))
        details = [listed_line(kind, i, labels=bool(LABELS_ASKED.search(ask.question))) for i in items]
        resources = [f"{i['namespace']}/Pod/{i['name']}" for i in items]
        return ask.answer(f"{len(items)} Pod(s){where}: " + ", ".join(f"{n} {s}" for s, n in states.most_common()),
                          status="answered", details=details[:MAX_POD_ROWS], resources=resources[:4], full=True)
    return ask.answer(f"{len(items)} {kind}(s){where}: {names}", status="answered", details=details, resources=resources[:4],
                      full=len(items) <= WHOLE_LISTING)  # a short listing is the answer, every row of it


async def _quota_named(ask: Ask) -> str | None:
    """A ResourceQuota the question names by a whole dashed name ("web-quota"), else None."""
    if ask.resource and kind_of(ask.resource) == "ResourceQuota":
        return ask.resource
    for word in [w for w in ask.recognised.candidates if "-" in w][:2]:
        if found := await named_exactly(ask, word, kinds=["ResourceQuota"]):
            return found
    return None


# a question about one object ("can the gp3 class expand", "does the web-quota cover memory"), not a listing
ONE_ASKED = re.compile(r"^\s*(can|does|do|is|will|would|how\s+(big|much|many|large))\b", re.IGNORECASE)


# "what cronjobs and jobs are in grooming" ("kubectl get cronjob,jobs -n grooming"): a listing of several kinds
SEVERAL_KINDS = re.compile(r"^\s*(what|which|list|show)\b[\w\s]*?\band\b[\w\s]*?\b(are|in|there)\b", re.IGNORECASE)


async def _each_kind(ask: Ask, kinds: list[str]) -> Answer:
    """Every kind asked for, listed in turn, as kubectl prints one table after the other."""
    scope = {"namespace": ask.namespace} if ask.namespace else {}
    heads, details, resources = [], [], []
    for kind in kinds:
        outcome = await ask.call("kubernetes", "get_resources", {"kind": kind, "limit": 200,
                                                                  **({} if kind in ("StorageClass", "Node") else scope)})
        if outcome.error is not None:
            heads.append(f"{kind}: could not list ({outcome.error[:80]})")
            continue
        items = (outcome.data or {}).get("items") or []
        heads.append(f"{len(items)} {kind}(s)" + (f" ({', '.join(str(i.get('name')) for i in items[:4])})" if items else ""))
        details += [listed_line(kind, i) for i in items[:MAX_POD_ROWS]]
        resources += [f"{i['namespace']}/{kind}/{i['name']}" if i.get("namespace") else f"{kind}/{i['name']}" for i in items]
    where = f" in namespace {ask.namespace}" if ask.namespace else ""
    return ask.answer(f"{'; '.join(heads)}{where}", status="answered", details=details, resources=resources[:4],
                      full=len(details) <= WHOLE_LISTING)


async def _storage_holder(ask: Ask) -> str | None:
    """The workload or claim a storage-class question names ("elevator-pg storage class?"), when no StorageClass has
    that name: its claims' classes are what is asked."""
    for word in [w for w in ask.recognised.candidates if "-" in w or any(c.isdigit() for c in w)][:2]:
        found = await ask.call("kubernetes", "find_resource", {"name": word, "kinds": [
            "StorageClass", "StatefulSet", "Deployment", "PersistentVolumeClaim"]})
        matches = [m["resource"] for m in (found.data or {}).get("matches") or [] if m.get("exact")]
        if any(kind_of(m) == "StorageClass" for m in matches):
            return None
        held = [m for m in matches if kind_of(m) in ("StatefulSet", "Deployment", "PersistentVolumeClaim")]
        if held:
            return held[0]
    return None


# A node state a question asks for, as kubectl shows it (STATUS SchedulingDisabled / NotReady) or as SREs say it.
NODE_STATE = re.compile(r"\b(scheduling\s*disabled|cordon(ed)?|unschedulable|not\s*schedulable|not\s*ready|unready|tainted|drained)\b",
                        re.IGNORECASE)


async def _nodes_in_state(ask: Ask, items: list[dict], state: str) -> Answer:
    """The nodes in the state asked about: cordoned (SchedulingDisabled), not Ready, or tainted."""
    word = re.sub(r"\s+", "", state.lower())
    if word in ("notready", "unready"):
        chosen, said = [i for i in items if str(i.get("ready")) != "True"], "not Ready"
    elif word == "tainted":
        chosen, said = [i for i in items if i.get("taints")], "tainted"
    else:
        chosen, said = [i for i in items if i.get("unschedulable")], "cordoned (SchedulingDisabled)"
    details = [listed_line("Node", i) for i in chosen]
    for item in chosen[:3]:  # "which node is cordoned and why": what the people who did it left on it says why
        described = await ask.call("kubernetes", "describe", {"kind": "Node", "name": item.get("name"), "events_limit": 0})
        details += [f"{item.get('name')}: {note}" for note in peoples_notes((described.data or {}).get("object") or {})]
    if not chosen:
        return ask.answer(f"No node is {said}: {len(items)} node(s) checked", status="answered",
                          details=[listed_line("Node", i) for i in items][:12], next_steps=["kubectl get nodes"])
    names = ", ".join(str(i.get("name")) for i in chosen[:8])
    return ask.answer(f"{len(chosen)} of {len(items)} node(s) {said}: {names}", status="answered", details=details,
                      resources=[f"Node/{i['name']}" for i in chosen[:4]],
                      next_steps=[f"Ask 'what is running on {chosen[0].get('name')}?' or 'why is it {said.split(' ')[0]}?'."])


def _all_at_count(ask: Ask, kind: str, items: list[dict], where: str) -> Answer:
    """Every workload of the kind (or node), the ones with fewer pods ready than wanted (not Ready, cordoned) first:
    "are they all up" is answered by the count, and the short ones are the problem."""
    short = [i for i in items if ((str(i.get("ready")) != "True" or bool(i.get("unschedulable"))) if kind == "Node"
                                  else _short(str(i.get("ready") or "")))]
    ordered = short + [i for i in items if i not in short]
    details = [listed_line(kind, i) for i in ordered]
    resources = [f"{i['namespace']}/{kind}/{i['name']}" if i.get("namespace") else f"{kind}/{i['name']}" for i in ordered]
    if not items:
        return ask.answer(f"Found no {kind}{where}", status="answered", next_steps=[f"kubectl get {kind.lower()} -A"])
    at_count = "are Ready and schedulable" if kind == "Node" else "have every pod ready"
    if not short:
        return ask.answer(f"Yes: all {len(items)} {kind}(s){where} {at_count}", status="answered",
                          details=details, next_steps=[f"kubectl get {kind.lower()} -A"])
    if kind == "Node":
        names = ", ".join(f"{i.get('name')} (Ready={i.get('ready')}{', cordoned' if i.get('unschedulable') else ''})"
                          for i in short[:6])
        return ask.answer(f"No: {len(short)} of {len(items)} nodes are not Ready or are cordoned: {names}", status="problems",
                          details=details, resources=resources[:4],
                          next_steps=[f"Ask 'what was running on {short[0].get('name')}?' for what it hosted."])
    names = ", ".join(f"{i.get('name')} ({i.get('ready')} ready)" for i in short[:6])
    return ask.answer(f"No: {len(short)} of {len(items)} {kind}(s){where} have fewer pods ready than wanted: {names}",
                      status="problems", details=details, resources=resources[:4],
                      next_steps=[f"Ask 'why is {short[0].get('name')} failing?' for the root cause."])


RUNNING_IN = re.compile(r"\b(running|deployed|runs|lives)\b", re.IGNORECASE)


async def _workloads_in(ask: Ask, namespace: str) -> Answer:
    """"whats running in rights": every workload of the namespace, kind by kind, with its readiness or outcome."""
    details, resources, error = await workloads_in(ask, namespace)
    if error is not None:
        return ask.answer(error, status="unknown")
    if not resources:
        return ask.answer(f"Nothing runs in namespace {namespace}: no Deployment, StatefulSet, DaemonSet, CronJob or Job",
                          status="answered")
    names = ", ".join(r.split("/", 1)[1] for r in resources[:10])
    return ask.answer(f"{len(resources)} workload(s) in namespace {namespace}: {names}", status="answered", details=details,
                      resources=resources[:4])
