""""exit code?", "how big is the claim", "whats the hpa max", "how many pods is the ns allowed", "can that sc grow":
one property of an object, answered by the fact that holds it.

No table of properties: the object's facts (facts.object_facts, its state's details) and those of the objects that
hold its properties (a claim's StorageClass, its workload's pods, a namespace's quotas) are ranked by the question's
own words -- the weights the brief chooses an answer's details by (understand/question_words.py: the words, kubectl's short
words spelled out, the shape of fact a question word asks for) -- and the best fact leads. A container the question
names ("the proxy container", "the init one"), or says without naming ("that container": the one the conversation
found in trouble), puts that container's facts first. When no fact carries the question's words, the answer says so
and shows the object's state, rather than a fact that merely looks like an answer."""

from __future__ import annotations

import re
from dataclasses import replace

from ...contracts import parse_resource_id
from ..ask import Ask, handles
from ..models import Answer
from ..understand.names import tokens
from ..understand.question_words import ranked
from ..understand.references import workload_of_service
from .facts import object_facts
from .grounded_search import found_by_words
from .health import describe, status
from .logs import event_of
from .notes import peoples_notes
from .objects import RUNS_PODS, declared_ports, pod_spec_of
from .pods import autoscaler_of, workload_pods
from .spec_fields import fields_asked

NO_FACT = "None of"  # the head of the answer that found no fact carrying the question's words
SHOWN = 3  # facts after the one that answers: the nearest others the question's words carry
# A pod of a ReplicaSet or a Job run (<name>-<hash>-<id>, <name>-<id>): its replicas say the same fact under other names.
# (an id without a digit is told from a word only after a hash: "tag-store" is a name)
POD_NAME = re.compile(r"\b(?:[a-z0-9]+-)+?(?:[a-z0-9]{8,10}-[a-z0-9]{5}|(?=[a-z]*\d)[a-z0-9]{5})\b")
CONTAINER_WORDS = re.compile(r"\b(container|sidecar|init)\b", re.IGNORECASE)
INIT = re.compile(r"\binit\b", re.IGNORECASE)
RESOURCE_ID = re.compile(r"\b[\w.-]+/[A-Z][A-Za-z]+/[\w.-]+")  # namespace/Kind/name
TROUBLE = re.compile(r"oomkilled|crashloop|backoff|killed|exit code [1-9]|error|failed|not ready|waiting", re.IGNORECASE)


def _containers(kind: str, obj: dict) -> tuple[list[str], list[str]]:
    """(init containers, containers) of an object that runs pods."""
    spec = pod_spec_of(kind, obj) if kind in RUNS_PODS else {}
    return ([str(c.get("name")) for c in spec.get("initContainers") or []],
            [str(c.get("name")) for c in spec.get("containers") or []])


def ask_about(ask: Ask, rid: str) -> Ask:
    """The same question, about another object (its calls still land in the answer's evidence)."""
    return replace(ask, resource=rid, records=ask.records, notes=[])


def container_meant(ask: Ask, init: list[str], regular: list[str]) -> str | None:
    """The container the question is about: one it names (a name, or a word of one: "the proxy container"); "the
    init one" when there is one init container; "that container" / "the sidecar": the one the conversation's last
    answer named (where the trouble was found); else none."""
    words = {w for w in re.findall(r"[a-z0-9][a-z0-9-]*", ask.question.lower())}
    every = [*init, *regular]
    named = [c for c in every if c.lower() in words or any(len(t) >= 4 and t in words for t in tokens(c))]
    if named:
        return named[0]
    if INIT.search(ask.question) and len(init) == 1:
        return init[0]
    if CONTAINER_WORDS.search(ask.question) and len(every) > 1:
        # what the conversation said, without the resource ids (shop/Deployment/reviews names the object, not a container)
        said = [RESOURCE_ID.sub(" ", line).lower() for line in [str((ask.last_answer or {}).get("headline") or ""), *ask.recent[:6]]]
        for lines in ([line for line in said if TROUBLE.search(line)], said):  # where trouble was said first
            spoken = [c for c in every if any(re.search(rf"(?<![\w-]){re.escape(c.lower())}(?![\w-])", line) for line in lines)]
            if len(spoken) == 1:
                return spoken[0]
    return None


async def _related_facts(ask: Ask, rid: str, obj: dict) -> list[str]:
    """Facts of the objects that hold a property of `rid`: a claim's StorageClass, a StatefulSet's claims' class, the
    workload a Service fronts ("how many pods now" of a Service is its workload's replicas)."""
    namespace, kind, _ = parse_resource_id(rid)
    spec = obj.get("spec") or {}
    if kind == "Service" and (runner := await workload_of_service(ask, rid)):
        described = await describe(ask, runner)
        return [f"{runner}: {line}" for line in (await status(ask_about(ask, runner), described)).details]
    classes = [spec.get("storageClassName")] if kind == "PersistentVolumeClaim" else \
        [(t.get("spec") or {}).get("storageClassName") for t in spec.get("volumeClaimTemplates") or []]
    lines = []
    for name in dict.fromkeys(c for c in classes if c):
        described = await ask.call("kubernetes", "describe", {"kind": "StorageClass", "name": name})
        lines += [f"StorageClass {name}: {line}" for line in await object_facts(ask, f"StorageClass/{name}", described)
                  if not line.startswith("labels")]
    return lines


async def _namespace_facts(ask: Ask, namespace: str) -> list[str]:
    """A namespace's properties: the notes people left on it (an owner, a ticket, "do not modify"), what its quotas
    allow and use."""
    own = await ask.call("kubernetes", "describe", {"kind": "Namespace", "name": namespace})
    lines = peoples_notes((own.data or {}).get("object") or {})
    listed = await ask.call("kubernetes", "get_resources", {"kind": "ResourceQuota", "namespace": namespace})
    for item in (listed.data or {}).get("items") or []:
        rid = f"{namespace}/ResourceQuota/{item.get('name')}"
        described = await describe(ask, rid)
        lines += [f"{rid}: {line}" for line in await object_facts(ask, rid, described) if not line.startswith("labels")]
    return lines


# "type" is a key everywhere (conditions, ports): asked of the object itself it is its own spec.type or type
TYPE_ASKED = re.compile(r"\bwhat\s+(type|sort|kind\s+of\s+(service|svc|secret))\b|\btype\s+of\s+(service|svc|secret)\b|"
                        r"\bthe\s+type\s+field\b", re.I)
FACT_KEYS = {"containers", "initcontainers", "resources", "limits", "requests", "image", "ports", "env", "envfrom",
             "replicas", "labels", "selector", "volumes", "volumemounts", "args", "command", "annotations"}


REPLICA_BOUND = re.compile(r"\b(max(imum)?|min(imum)?|most|fewest|at\s+most|at\s+least|upper|lower|ceiling|floor)\b"
                           r".{0,30}\b(replicas?|pods?|instances?)\b|\b(replicas?|pods?)\b.{0,20}\b(max|min|cap|limit)\b",
                           re.IGNORECASE)


async def _autoscaled_between(ask: Ask, rid: str) -> Answer | None:
    """The bounds a HorizontalPodAutoscaler scales `rid` between, and where it is now; None when none scales it."""
    namespace, _, name = parse_resource_id(rid)
    if (hpa := await autoscaler_of(ask, rid)) is None:
        return None
    return ask.answer(f"{rid} is scaled by HorizontalPodAutoscaler {hpa.get('name')} between {hpa.get('min')} and "
                      f"{hpa.get('max')} replicas (now {hpa.get('current')}, wanted {hpa.get('desired')})",
                      status="answered", resources=[rid, f"{namespace}/HorizontalPodAutoscaler/{hpa.get('name')}"],
                      details=[f"its targets: {hpa.get('metrics')}"] if hpa.get("metrics") else [],
                      next_steps=[f"To change a bound: 'set the hpa max of {name} to N'."])


@handles("property", needs=("kubernetes",))
async def property_of(ask: Ask) -> Answer:
    # a namespace the question names ("k get ns x -o yaml | grep note") is what it asks about, never the conversation's object
    named_namespace = ask.namespace and not ask.resource and re.search(rf"(?<![\w-]){re.escape(ask.namespace)}(?![\w-])",
                                                                       ask.question)
    rid = ask.resource or ("" if named_namespace else ask.focus[0] if ask.focus else "")
    ask.resource = rid
    if not rid:  # a namespace, not an object ("how many pods is the ns allowed"): its notes and quotas
        namespace = ask.namespace or next((r.split("/")[0] for r in ask.focus if r.count("/") == 2), None)
        if namespace is None:
            return ask.answer("Which object? Name it (e.g. 'exit code of checkout', 'size of the data-0 claim').",
                              status="needs_subject")
        return _best(ask, f"namespace {namespace}", await _namespace_facts(ask, namespace), state=None)
    described = await describe(ask, rid)
    obj = (described.data or {}).get("object") or {}
    if described.error is not None and not obj:
        return ask.answer(f"Could not read {rid}: {described.error[:200]}", status="unknown")
    _, kind, _ = parse_resource_id(rid)
    own_type = (obj.get("spec") or {}).get("type") or obj.get("type")  # a Service's spec.type, a Secret's type
    if own_type and TYPE_ASKED.search(ask.question):  # "what type is the discovery-search service": that field, said
        target = (obj.get("spec") or {}).get("externalName")
        return ask.answer(f"{rid} is of type {own_type}" + (f", pointing at {target}" if target else ""),
                          status="answered", next_steps=["Say 'more' for all its facts."])
    if LISTEN_ASKED.search(ask.question) and (listening := await _listening(ask, rid, kind, obj)) is not None:
        return listening  # "what port does the app actually listen on": its containers' ports, not the Service's
    if kind in ("Deployment", "StatefulSet") and REPLICA_BOUND.search(ask.question) and (
            bounds := await _autoscaled_between(ask, rid)) is not None:
        return bounds  # "what is the maximum number of replicas": its autoscaler's bound, not the count now
    state = await status(ask, described)
    facts = [*state.details, *await object_facts(ask, rid, described), *await _related_facts(ask, rid, obj)]
    container = container_meant(ask, *_containers(kind, obj))
    if container:  # that container's facts first, the others' never mistaken for its
        own = [f for f in facts if re.search(rf"(?<![\w-]){re.escape(container)}(?![\w-])", f)]
        facts = own or facts
    answered = _best(ask, rid + (f" container {container}" if container else ""), facts, state)
    fields = fields_asked(ask.question, obj)
    if not fields and " field of " in ask.question and kind in WORKLOADS and (pod := await _least_healthy_pod(ask, rid)):
        # "describe pods -l app=x | grep 'Last State'": a field its pods carry (their status), never its own manifest
        pod_obj = ((await describe(ask, pod)).data or {}).get("object") or {}
        pod_fields = fields_asked(ask.question, pod_obj)
        # a container with nothing there ("lastState: {}": it never restarted) says nothing: the ones that did lead
        pod_fields = [line for i, line in enumerate(pod_fields) if line.strip() != "{}" and not line.endswith(": {}")
                      and not (i + 1 < len(pod_fields) and pod_fields[i + 1].strip() == "{}")]
        if pod_fields:
            head = pod_fields[0] if not pod_fields[0].endswith(":") else \
                f"{pod_fields[0]} {' '.join(line.strip() for line in pod_fields[1:3])}"
            return ask.answer(f"{pod} {head}", status="answered", details=pod_fields[:12], resources=[pod, rid],
                              next_steps=["Say 'more' for all its facts."])
    if not fields and (grepped := GREPPED.match(ask.question)) and (events := await _events_saying(ask, rid, grepped.group(1))):
        # "describe pod -l app=x | grep FailedScheduling": no field of that name -- the describe's Events section has it
        events = sorted(events, key=len, reverse=True)  # the line that says most first: "Failed to pull ...: not found"
        return ask.answer(f"{rid}'s events with '{grepped.group(1)}': {events[0]}", status="answered", details=events[1:6],
                          resources=[rid], next_steps=[f"Ask 'why is {parse_resource_id(rid)[2]} failing?' for the root cause."])
    keys = {line.rstrip(":").rsplit(".", 1)[-1].split("[")[0].lower() for line in fields if not line.startswith(" ")}
    # a key the summary facts already speak to (containers, limits, ports, image ...) is answered by them; the manifest's
    # block only for the fields they do not carry (strategy, affinity, tolerations) or when the field itself is asked
    distinct = keys - FACT_KEYS
    if fields and (" field of " in ask.question or (distinct and not any(key in answered.headline.lower() for key in distinct))):
        # the manifest has a field of the name asked (strategy, affinity, tolerations ...) that no summary fact
        # answered with -- or the question asked for the field itself (kubectl -o yaml | grep): that block
        head = fields[0] if not fields[0].endswith(":") else f"{fields[0]} {' '.join(line.strip() for line in fields[1:3])}"
        return ask.answer(f"{rid} {head}",
                          status="answered", details=fields[:12], next_steps=["Say 'more' for all its facts."])
    if answered.headline.startswith(NO_FACT) and (found := await found_by_words(ask, rid, [parse_resource_id(rid)[2]])):
        return found  # none of its facts has the words; the world writes them elsewhere (a neighbour's log, an event)
    return answered


WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob")
LISTEN_ASKED = re.compile(r"\blisten\w*\b|\bcontainer\s*ports?\b", re.IGNORECASE)


async def _listening(ask: Ask, rid: str, kind: str, obj: dict) -> Answer | None:
    """The ports the containers behind `rid` declare (a Service's: its workload's), beside what the Service targets."""
    declared = await declared_ports(ask, rid, obj)
    if declared is None or not declared[1]:
        return None
    runner, ports = declared
    said = [f"{container}: {str(p['name']) + ' ' if p.get('name') else ''}{p.get('containerPort')}/{p.get('protocol', 'TCP')}"
            for container, p in ports]
    targets = [f"{p.get('port')} -> {p.get('targetPort', p.get('port'))}" for p in (obj.get("spec") or {}).get("ports") or []] \
        if kind == "Service" else []
    return ask.answer(f"{runner}'s containers listen on {'; '.join(said)}" +
                      (f" (the Service {rid} targets {', '.join(targets)})" if targets else ""),
                      status="answered", resources=[runner, rid] if runner != rid else [rid],
                      next_steps=["Say 'more' for all its facts."])


GREPPED = re.compile(r"^what is the (.+?) field of ")  # kubectl_speak's reading of "describe X | grep WORD"


async def _events_saying(ask: Ask, rid: str, word: str) -> list[str]:
    """The events of `rid` and of the objects it generates (its ReplicaSets, its pods) whose reason or message holds
    `word`, newest first -- what grep finds in kubectl describe's Events section."""
    namespace, _, name = parse_resource_id(rid)
    outcome = await ask.call("kubernetes", "events", {"warnings_only": False, "limit": 500,
                                                      **({"namespace": namespace} if namespace else {})})
    lowered = word.lower()
    section = lowered == "events"  # "grep -A5 Events": the section's heading -- every event under it
    return [f"{e.get('last')} {e.get('type')} {e.get('reason')} {e.get('object')}: {str(e.get('message'))[:240]}"
            for e in (outcome.data or {}).get("events") or []
            if event_of(e, name) and (section or lowered in f"{e.get('reason')} {e.get('message')}".lower())]


async def _least_healthy_pod(ask: Ask, rid: str) -> str | None:
    """The pod of `rid` that tells the most: not ready first, then the most restarts."""
    pods = await workload_pods(ask, rid)
    if not pods:
        return None

    def restarts(p: dict) -> int:
        return int(str(p.get("restarts"))) if str(p.get("restarts") or "").isdigit() else 0

    chosen = sorted(pods, key=lambda p: (_all_ready(str(p.get("ready") or "")), -restarts(p)))[0]
    return f"{chosen.get('namespace') or parse_resource_id(rid)[0]}/Pod/{chosen.get('name')}"


def _all_ready(ready: str) -> bool:
    have, _, want = ready.partition("/")
    return have == want


def _once(facts: list[str]) -> list[str]:
    """Each fact once: the same line about another replica of the same pods is that fact again."""
    seen: dict[str, int] = {}
    out: list[str] = []
    for fact in facts:
        key = POD_NAME.sub("<pod>", fact)
        if key in seen:
            continue
        seen[key] = len(out)
        out.append(fact)
    return out


def _best(ask: Ask, subject: str, facts: list[str], state: Answer | None) -> Answer:
    name = subject.rsplit("/", 1)[-1].split(" ")[0]
    scored = [s for s in ranked(ask.question, _once([f for f in facts if f.strip()]), name) if s[1] > 0]
    if not scored:
        said = f"; its state: {state.headline}" if state is not None else ""
        return ask.answer(f"{NO_FACT} {subject}'s facts says what the question asks{said}", status="answered",
                          details=[*(state.details if state else facts)][:6],
                          next_steps=["Say 'more' for all its facts, or ask about one (its limits, ports, size, exit code...)."])
    top = scored[0][0]
    others = [line for score, _, line in scored[1:] if score >= top / 2][:SHOWN]
    return ask.answer(f"{subject}: {scored[0][2]}", status="answered", details=others,
                      next_steps=["Say 'more' for all its facts."])
