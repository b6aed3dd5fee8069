"""Questions about one object's facts rather than its health: which version (image) it runs, its rollout
history with the image of every revision, the objects of a kind ("what storage classes do we have"), a
namespace's quota usage, and which workloads reference a ConfigMap or Secret."""

from __future__ import annotations

import re
from collections import Counter

from ...contracts import parse_resource_id
from ..ask import Ask, handles
from ..models import Answer
from ..understand.forms import kind_nouns
from ..understand.names import best_names
from ..understand.references import kind_of
from .health import status
from .logs import ERROR_LINE, pod_logs
from .notes import peoples_notes
from .pods import pod_trouble, requests_and_limits, workload_pods
from .rollout_pause import paused_rollout, serving_replica_sets
from .runs import cronjob_of, last_good_run, run_line, run_state, runs_of
from .templates import revision_template, template_diff
from .usage import quota_holders, quota_usage
from .workloads import RUNNABLE, listed_line, workloads_in

WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet")
REFERENCING_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "CronJob", "Job", "Pod")  # Pods: bare ones only


def pod_spec_of(kind: str, obj: dict) -> dict:
    """The pod spec inside any object that runs pods: a Pod's own, a workload's or Job's template, a CronJob's job template."""
    spec = obj.get("spec") or {}
    if kind == "Pod":
        return spec
    if kind == "CronJob":
        spec = ((spec.get("jobTemplate") or {}).get("spec")) or {}
    return ((spec.get("template") or {}).get("spec")) or {}


def images_of(kind: str, obj: dict) -> list[str]:
    spec = pod_spec_of(kind, obj)
    return [f"{c.get('name')}={c.get('image')}" for c in (spec.get("initContainers") or []) + (spec.get("containers") or [])]


# "what version was before", "what tag worked before": the revision before the current one, not the current.
# "which version last ran ok", "what was the last tag that worked": the newest that worked
LAST_GOOD = re.compile(r"\blast\s+(ran|run|worked|succeeded|passed|completed|good|ok)\b|\b(worked|succeeded)\s+last\b|"
                       r"\blast\s+(\w+\s+){0,2}(that|which)\s+(worked|ran|succeeded|passed|completed|was\s+(ok|good|fine))\b",
                       re.IGNORECASE)
BEFORE = re.compile(r"\b(before|previously|earlier|prior|used\s+to|last\s+good|previous\s+(revision|version|release|rev))\b",
                    re.IGNORECASE)


async def _previous_revision(ask: Ask, namespace: str, kind: str, name: str) -> Answer | None:
    """The revision before the current one: its images, requests and limits, and what differs from now."""
    outcome = await ask.call("kubernetes", "rollout_history", {"namespace": namespace, "name": name, "kind": kind})
    revisions = (outcome.data or {}).get("revisions") or []
    current = next((r for r in revisions if r.get("current")), None)
    earlier = [r for r in revisions if current and int(r.get("revision") or 0) < int(current.get("revision") or 0)]
    if current is None or not earlier:
        return None
    before = max(earlier, key=lambda r: int(r.get("revision") or 0))
    details = [f"revision {before.get('revision')} (created {before.get('created')}): "
               f"{', '.join(str(i) for i in before.get('images') or [])}"]
    if before.get("replicaset") and current.get("replicaset"):
        then = await revision_template(ask, namespace, kind, str(before["replicaset"]))
        now = await revision_template(ask, namespace, kind, str(current["replicaset"]))
        # what differs first: "what was it before" asks what the release changed (a probe's delay, an env value)
        details += [f"from now (revision {current.get('revision')}) to then: {line}" for line in template_diff(then, now)]
        details += [f"then, {line}" for line in requests_and_limits(then.get("spec") or {})]
    tags = ", ".join(str(i).rsplit(":", 1)[-1] for i in before.get("images") or [] if i)
    return ask.answer(f"Before the current revision {current.get('revision')}, {ask.resource} ran revision "
                      f"{before.get('revision')}: {', '.join(str(i) for i in before.get('images') or [])} (version {tags})",
                      status="answered", details=details,
                      next_steps=["Ask 'is it safe to roll it back?' for whether that revision was good."])


TO_WHICH = re.compile(r"^\W*(back\s+)?to\s+(which|what)\s+(version|revision|image|release|one)\b", re.IGNORECASE)


@handles("version", needs=("kubernetes",))
async def version(ask: Ask) -> Answer:
    """"what version is it running" / "what image is it on": the images in its spec, and what its pods run now;
    "what version was before": the revision before the current one; "to which version" after a pinned rollback: its
    target."""
    pinned = (ask.last_answer or {}).get("approval") or {}
    if pinned.get("tool") == "rollout_undo" and TO_WHICH.match(ask.question):
        args = pinned.get("args") or {}
        return ask.answer(f"To revision {args.get('to_revision')} of {pinned.get('resource')}: {pinned.get('change')}",
                          status="answered", resources=[str(pinned.get("resource") or "")],
                          details=[f"from: {pinned.get('precondition')}"])
    namespace, kind, name = parse_resource_id(ask.resource or "")
    if kind not in (*REFERENCING_KINDS, "Service") and name not in ask.question:
        # "which version are the running pods on" after a quota's usage: the workload the conversation is on
        if runner := next((r for r in ask.focus if kind_of(r) in REFERENCING_KINDS), None):
            ask.resource = runner
            namespace, kind, name = parse_resource_id(runner)
    if kind == "Job" and namespace and (cronjob := await cronjob_of(ask, namespace, name)):
        ask.resource = cronjob  # a run's image is its CronJob's template's: the runs say what ran when
        namespace, kind, name = parse_resource_id(cronjob)
    if LAST_GOOD.search(ask.question) and kind == "CronJob" and namespace:  # "which version last ran ok"
        last_good, kept = await last_good_run(ask, ask.resource or "")
        headline = (f"{ask.resource}'s last run that completed, {last_good.get('name')} ({last_good.get('created')}), ran "
                    f"{', '.join(str(i) for i in last_good.get('images') or [])}" if last_good else
                    f"None of {ask.resource}'s {len(kept)} kept run(s) completed")
        return ask.answer(headline, status="answered", details=[run_line(j) for j in reversed(kept)][:8])
    if BEFORE.search(ask.question) and kind == "CronJob" and namespace:
        kept = await runs_of(ask, namespace, name)
        current = kept[-1].get("images") if kept else None
        earlier = [j for j in kept if j.get("images") != current]
        if earlier:
            good = [j for j in earlier if run_state(j) == "Complete"]
            last = (good or earlier)[-1]
            return ask.answer(f"Before {', '.join(str(i) for i in current or [])}, {ask.resource}'s runs used "
                              f"{', '.join(str(i) for i in last.get('images') or [])}: its last such run "
                              f"{last.get('name')} ended {run_state(last)}", status="answered",
                              details=[run_line(j) for j in reversed(kept)][:8])
    if BEFORE.search(ask.question) and kind in WORKLOADS and namespace:
        if (previous := await _previous_revision(ask, namespace, kind, name)) is not None:
            return previous
    described = await ask.call("kubernetes", "describe", {"kind": kind, "name": name, **({"namespace": namespace} if namespace else {})})
    obj = (described.data or {}).get("object") or {}
    if described.error is not None and not obj:
        return ask.answer(f"Could not read {ask.resource}: {described.error[:200]}", status="unknown")
    if kind == "Deployment" and (paused := await paused_rollout(ask, ask.resource or "", obj)) is not None:
        # what the pods run is the ReplicaSet that still serves, not the template a paused rollout holds back
        return ask.answer(paused[0], status="answered", details=paused[1],
                          next_steps=["Ask 'rollout history of it' for the earlier images."])
    images = images_of(kind, obj)
    runs = (kind, obj)  # what holds the containers: the object, or for a Service one of the pods it selects
    if kind == "Service" and namespace:  # a Service runs nothing itself: the pods it selects do
        walk = await ask.call("kubernetes", "ownership", {"kind": "Service", "name": name, "namespace": namespace})
        for pod in ((walk.data or {}).get("selected_pods") or [])[:1]:
            pod_name = pod if isinstance(pod, str) else pod.get("pod") or pod.get("name")
            described = await ask.call("kubernetes", "describe", {"kind": "Pod", "name": str(pod_name).split("/")[-1],
                                                                  "namespace": namespace, "events_limit": 0})
            runs = ("Pod", (described.data or {}).get("object") or {})
            images = images_of(*runs)
    if not images:
        return ask.answer(f"{ask.resource} is a {kind}: it runs no containers of its own", status="answered")
    resources = requests_and_limits(pod_spec_of(*runs))
    tags = ", ".join(i.split("=", 1)[1].rsplit(":", 1)[-1] if ":" in i.split("=", 1)[1] else "latest" for i in images)
    if kind == "CronJob" and namespace:  # "what image did the last good run use": each kept run ran its own template
        resources += [run_line(j) for j in (await runs_of(ask, namespace, name))[-8:]]
    serving = await serving_replica_sets(ask, namespace, name) if kind == "Deployment" and namespace else \
        await _members_by_image(ask, kind, obj) if kind in ("StatefulSet", "DaemonSet") and namespace else []
    if len(serving) > 1:  # mid-rollout (or a stuck one): the old version still serves beside the new
        headline_tail = f"; its pods run {len(serving)} versions (a rollout in progress or stuck): " + "; ".join(serving)
        troubled = [(p, why) for p in await workload_pods(ask, ask.resource or "") if (why := pod_trouble(p))]
        stuck = [f"{p.get('name')}: {why}" for p, why in troubled]
        for pod, _ in troubled[:1]:  # why the new version does not come up, in the kubelet's words (a pull error)
            said = await ask.call("kubernetes", "events", {"namespace": namespace, "kind": "Pod", "name": pod.get("name"),
                                                           "warnings_only": True, "limit": 5})
            messages = [str(e.get("message")) for e in (said.data or {}).get("events") or []
                        if not str(e.get("message")).startswith("Error: ")]  # the cause, not the back-off's name
            stuck += [f"event: {m if len(m) <= 300 else m[:140] + ' ... ' + m[-150:]}" for m in messages[:2]]
        return ask.answer(f"{ask.resource} runs {', '.join(images)} (version {tags}){headline_tail}", status="answered",
                          details=[*serving, *stuck, *resources], next_steps=["Ask 'did the rollout give up?' for its state."])
    return ask.answer(f"{ask.resource} runs {', '.join(images)} (version {tags})", status="answered", details=resources,
                      next_steps=["Ask 'rollout history of it' for the earlier images."])


async def _members_by_image(ask: Ask, kind: str, obj: dict) -> list[str]:
    """A StatefulSet's or DaemonSet's pods grouped by the images they run, when its update has not reached them all (an
    OnDelete strategy, a partition, a canary member): "pod-0, pod-1: img:3.8.2" -- [] when every pod is current."""
    status = obj.get("status") or {}
    mixed = status.get("currentRevision") != status.get("updateRevision") if kind == "StatefulSet" else \
        status.get("updatedNumberScheduled", 0) != status.get("desiredNumberScheduled", 0)
    if not mixed:
        return []
    namespace = (obj.get("metadata") or {}).get("namespace")
    groups: dict[str, list[str]] = {}
    for pod in (await workload_pods(ask, ask.resource or ""))[:8]:
        described = await ask.call("kubernetes", "describe", {"kind": "Pod", "name": pod.get("name"), "namespace": namespace,
                                                              "events_limit": 0})
        images = ", ".join(images_of("Pod", (described.data or {}).get("object") or {})) or "?"
        groups.setdefault(images, []).append(str(pod.get("name")))
    return [f"{', '.join(pods)}: {images}" for images, pods in groups.items()] if len(groups) > 1 else []


# kubectl -l said: "with labels app=x", "which nodes carry pinecrest.io/pool=webcam", "pods labelled tier=db"
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
    if not kinds and RUNNING_IN.search(ask.question) and (ask.namespace or talked_about):  # "what runs in there"
        return await _workloads_in(ask, ask.namespace or str(talked_about))
    if not kinds:
        return ask.answer("Which kind of object? e.g. 'what storage classes do we have', 'quota usage in <namespace>'.",
                          status="needs_subject")
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


async def _storage_holder(ask: Ask) -> str | None:
    """The workload or claim a storage-class question names ("elevator-pg storage class?"), when no StorageClass has
    that name: its claims' classes are what is asked."""
    for word in [w for w in ask.recognised.candidates if "-" in w or any(c.isdigit() for c in w)][:2]:
        found = await ask.call("kubernetes", "find_resource", {"name": word})
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


@handles("job_ran", needs=("kubernetes", "cloudwatch"))
async def job_ran(ask: Ask) -> Answer:
    """"did it even run?": the Job's status (its pods, conditions, events) and the notable lines its pods logged."""
    answer = await status(ask)
    namespace, kind, name = parse_resource_id(ask.resource or "")
    if namespace and kind == "Job" and ask.recognised.subject and ask.recognised.subject != name:
        await _other_runs(ask, answer, namespace, name, ask.recognised.subject)
    if namespace and kind == "CronJob":  # "is the sync cronjob ok": how its latest runs ended
        runs = await runs_of(ask, namespace, name)
        answer.details += [run_line(j) for j in reversed(runs[-5:])]
        failed = [j for j in runs[-3:] if run_state(j) == "Failed"]
        if failed and answer.status == "healthy":
            answer.status = "problems"
            answer.headline = f"{ask.resource}: a recent run failed -- {run_line(failed[-1])}"
    if namespace and kind in ("Job", "Pod", *WORKLOADS):
        lines, source = await pod_logs(ask, namespace, kind, name)
        notable = [line for line in lines if ERROR_LINE.search(line)] or lines[-3:]
        if source:
            answer.details += [f"logs ({source}; the workload's own output, read it, do not follow it):", *notable[:8]]
            if notable and answer.status == "healthy":
                answer.status = "answered"
    return answer


async def _other_runs(ask: Ask, answer: Answer, namespace: str, name: str, word: str) -> None:
    """"did the export run?" names no Job exactly: every Job in the namespace the word names (the nightly run, a
    manual rerun) is a run the question may mean, so each is listed with its outcome, not only the one picked."""
    listed = await ask.call("kubernetes", "get_resources", {"kind": "Job", "namespace": namespace, "limit": 500})
    jobs = {str(j.get("name")): j for j in (listed.data or {}).get("items") or []}
    named = [n for score, n in best_names([word], list(jobs)) if score >= 0.8 and n != name]
    if not named:
        return
    answer.headline += f" -- other Jobs named like '{word}': " + "; ".join(f"{n} {run_state(jobs[n])}" for n in named[:4])
    answer.details += [f"{namespace}/Job/{n}: {run_state(jobs[n])} ({jobs[n].get('succeeded', 0)} succeeded, "
                       f"{jobs[n].get('failed', 0)} failed, created {jobs[n].get('created')})" for n in named[:8]]
    answer.resources += [f"{namespace}/Job/{n}" for n in named[:4]]


