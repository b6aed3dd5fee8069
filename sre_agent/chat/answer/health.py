"""Is anything broken, are pods failing, how is X: answers from the sweep report, the pod list, the
analyzers and the alarms. A "healthy" here is only ever a candidate: `settle` turns it into "could
not check" when a backend it needs did not answer."""

from __future__ import annotations

import re

from ...brains.offline.daemonsets import MISSING_SAID  # (the question says its pods are missing somewhere)
from ...contracts import OUTSIDE_THE_CLUSTER, parse_resource_id, parse_time
from ...graph.intent import recorded_intent
from ...graph.ports import ToolOutcome
from ...metric_kinds import measures_demand
from ...sweep.engine import run_sweep
from ...sweep.models import SweepReport
from ..ask import Ask, RecordingTools, handles
from ..models import Answer
from ..understand.namespaces_said import namespaces
from ..understand.question_words import names_share
from ..understand.references import kind_of, name_of, named_exactly, owner_of
from .about import alarm_mentions, alarm_rule, related
from .backlog import queue_backlog
from .claims import member_claims
from .conditions import pod_facts, rollout_state, warning_lines
from .diagnosis_text import cause_text
from .logs import error_lines
from .node_facts import USE_ASKED, node_consumers, node_places, node_state
from .notes import peoples_notes
from .pods import autoscalers, crash_lines, orphan_autoscalers, pod_line, requests_and_limits, workload_pods
from .rollout_pause import paused_rollout, serving_replica_sets
from .runs import ago, job_facts, latest_run, recovered_runs, run_of
from .service_gaps import scaled_to_zero_behind, services_missing_it, unreached_ports
from .status_gaps import daemonset_gaps, service_callers, unbound_claims, untolerated_nodes
from .templates import label_text
from .usage import failing_calls, quota_holders, quota_usage, resource_pressure, service_errors
from .workloads import workloads_in

WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet")


async def sweep(ask: Ask) -> SweepReport:
    """What's broken now: the sweep engine's report, its tool calls recorded as this answer's evidence."""
    return await run_sweep(RecordingTools(ask), ask.namespace)


async def _named_objects(ask: Ask) -> list[str]:
    """The objects the question names exactly (dashed names only: a plain word is rarely a name)."""
    named = []
    for word in [w for w in ask.recognised.candidates if "-" in w][:2]:
        rid = await named_exactly(ask, word)
        if rid and kind_of(rid) != "Pod":
            named.append(rid)
    return named


# "whats pending in sandbox": a trailing "in <word>" that is a namespace scopes the answer
TRAILING_IN = re.compile(r"\bin\s+(?:the\s+)?([a-z0-9][a-z0-9-]*)(?:\s+namespace)?\W*$", re.IGNORECASE)


@handles("broken_now", needs=("kubernetes", "cloudwatch"))
async def broken_now(ask: Ask) -> Answer:
    if not ask.namespace and (scoped := TRAILING_IN.search(ask.question)) and scoped.group(1).lower() in await namespaces(ask):
        ask.namespace = scoped.group(1).lower()
    report = await sweep(ask)
    # "the lab results didn't import": the problem whose name the question spells is the one asked about, before a
    # worse one it does not name (the conversation's subject is the first)
    report.problems.sort(key=lambda p: -names_share(ask.question, name_of(p.resource)))
    scope = f"namespace {report.scope}" if report.scope != "(cluster)" else "the cluster"
    # "harvest-yield-rollup memory alarm fired earlier, is anything still wrong": the object the question names stays
    # what the conversation is about (its "did the job finish" next), whatever else the sweep found
    named = await _named_objects(ask)
    firing = [a for a in report.alarms if a.state == "ALARM" and not a.demand]
    demand = [a for a in report.alarms if a.state == "ALARM" and a.demand]
    details = [f"[alarm] {a.name} is in ALARM on a demand metric: traffic is high, which alone is not a fault (the "
               f"workloads' own pods, errors and latency say how they cope): {a.reason[:160]}" for a in demand]
    for problem in report.problems:
        # a log symptom's signal is its template's id (a hash a reader cannot use): named as what it is
        signals = ", ".join(dict.fromkeys("new log pattern" if s.source == "logs" else s.signal
                                          for s in problem.symptoms if s.signal))
        details.append(f"[{problem.severity}] {problem.resource}: {problem.summary}" + (f" ({signals})" if signals else ""))
        if problem.blast_radius:
            details.append(f"    affects: {', '.join(problem.blast_radius)}")
    for alarm in firing:
        details.append(f"[alarm] {alarm.name} is in ALARM: {alarm.reason[:160]}")
    for alarm in report.alarms:
        if alarm.state == "INSUFFICIENT_DATA":
            details.append(f"[no data] alarm {alarm.name} has INSUFFICIENT_DATA: it cannot tell either way")
    details += [f"[note] {note} (an operator's choice, not counted as a problem)" for note in report.notes]
    next_steps = []
    for problem in report.problems[:3]:
        step = problem.next_step
        if step.action:
            next_steps.append(f"{problem.resource}: proposed action {step.action} (needs approval; chat does not write)")
        if step.runbook:
            next_steps.append(f"{problem.resource}: runbook {step.runbook}")
    resources = list(dict.fromkeys([*named, *(p.resource for p in report.problems)]))
    if named and not any(p.resource in named for p in report.problems):
        details.insert(0, f"{', '.join(named)}: no problem found with it now")
    if report.problems or firing:
        worst = report.problems[0] if report.problems else None
        said = "the one asked about" if worst and names_share(ask.question, name_of(worst.resource)) else "worst"
        headline = (f"{len(report.problems)} problem(s) in {scope}" + (f"; {said}: {worst.resource}: {worst.summary}" if worst else "")
                    + (f"; {len(firing)} alarm(s) firing" if firing else ""))
        if worst:
            next_steps.append(f"Ask 'why is {name_of(worst.resource)} failing?' for a full investigation of the worst one.")
        else:
            headline = (f"{len(firing)} alarm(s) firing in {scope} ({', '.join(a.name for a in firing)}) and no object in a "
                        "failing state: the cause shows in metrics or logs, not in pod status")
            next_steps.append("Ask 'are any alarms firing?' for which service each alarm watches, then "
                              "'why is <that service> failing?'.")
        return ask.answer(headline, status="problems", details=details, next_steps=next_steps, resources=resources)
    if demand and (traced := await demand_traced(ask, demand[0].name)) is not None:
        return traced  # traffic is high and its calls fail at a host outside: never "nothing is broken"
    counted = ", ".join(f"{v} {k}" for k, v in report.counts.items())
    if ask.namespace:  # a healthy namespace names what was found healthy, not only how many
        details += (await workloads_in(ask, ask.namespace))[0]
    fired = (f"no alarm firing but {len(demand)} on demand ({', '.join(a.name for a in demand)}: traffic is high)"
             if demand else "no alarm firing")
    answer = ask.answer(f"Nothing is broken in {scope}: no analyzer finding and {fired}" +
                        (f" ({counted} looked at)" if counted else ""), status="healthy", details=details, resources=named,
                        next_steps=["Nothing to do; ask 'what changed in the last hour?' if something still feels off."])
    for check in report.coverage:  # the engine's own holes count too, whatever our calls showed
        if check.status == "could_not_check":
            answer.status = "unknown"
            answer.headline = f"could not check {check.backend}: {check.reason}"
    return answer


async def demand_traced(ask: Ask, alarm_name: str) -> Answer | None:
    """A demand alarm fires and no object is in a failing state: what it watches is investigated (its logs, its calls)
    before "nothing is broken" is said -- the investigation's answer when it finds a fault, in the cluster or at a host
    outside it (a vendor's gateway timing out behind the surge); None when it finds none."""
    from .alarms import _investigated  # (alarms reads this module's broken_now)

    listed = await ask.call("cloudwatch", "describe_alarms", {"alarm_names": [alarm_name]})
    alarm = next((a for a in (listed.data or {}).get("alarms") or [] if a.get("name") == alarm_name), None)
    if alarm is None:
        return None
    asked, resource = ask.question, ask.resource
    investigated = await _investigated(ask, alarm, f"[alarm] {alarm_name} is in ALARM on a demand metric (traffic is "
                                                   "high); what it watches was investigated")
    summary = str((investigated.diagnosis or {}).get("summary") or "")
    if investigated.status == "problems" or summary.startswith(OUTSIDE_THE_CLUSTER):
        return investigated
    ask.question, ask.resource = asked, resource
    return None


PUSHBACK = re.compile(r"^\W*(but|yet|and yet|hmm+,?\s+but)\b.*\b(running|ready|fine|ok|okay|healthy|up|works?|working)\b",
                      re.IGNORECASE)


async def describe(ask: Ask, rid: str) -> ToolOutcome:
    namespace, kind, name = parse_resource_id(rid)
    return await ask.call("kubernetes", "describe", {"kind": kind, "name": name, **({"namespace": namespace} if namespace else {})})


async def _namespace_placement(ask: Ask, namespace: str) -> Answer:
    """"where do the fleet pods run": the namespace's pods by node, busiest node first, with the nodes' groups."""
    listed = await ask.call("kubernetes", "get_resources", {"kind": "Pod", "namespace": namespace, "limit": 2000})
    if listed.error is not None:
        return ask.answer(f"Could not list the pods of namespace {namespace}: {listed.error[:200]}", status="unknown")
    by_node: dict[str, list[str]] = {}
    for pod in (listed.data or {}).get("items") or []:
        by_node.setdefault(str(pod.get("node") or "(not scheduled)"), []).append(str(pod.get("name")))
    if not by_node:
        return ask.answer(f"No pods run in namespace {namespace}", status="answered")
    nodes = sorted(by_node, key=lambda n: (-len(by_node[n]), n))
    details = [f"{node}: {len(by_node[node])} pod(s): {', '.join(sorted(by_node[node])[:8])}" for node in nodes]
    details += await node_places(ask, [n for n in nodes if n != "(not scheduled)"])
    pods = sum(len(v) for v in by_node.values())
    return ask.answer(f"The {pods} pod(s) of namespace {namespace} run on {len(nodes)} node(s): {', '.join(nodes[:6])}",
                      status="answered", details=details, resources=[f"Node/{n}" for n in nodes[:4] if n != "(not scheduled)"])


HPA_ASKED = re.compile(r"\b(hpa|autoscal\w*)\b", re.IGNORECASE)


def scale_events(events: list[dict]) -> list[str]:
    """A workload's own scaling events (ScalingReplicaSet), newest first, each with when it happened."""
    return [f"event {e.get('reason')}: {e.get('message')} ({ago(parse_time(e.get('last') or e.get('first')))})"
            for e in events if e.get("reason") == "ScalingReplicaSet"][:3]


OOM_ASKED = re.compile(r"\boom\s*-?\s*kill\w*|\boom\b|\bout\s+of\s+memory\b", re.IGNORECASE)
SIBLING_ASKED = re.compile(r"\b(old|older|other|new|newer|remaining|surviving|last|previous)\b", re.IGNORECASE)


NO_ENDPOINTS = "the Service has no ready endpoints (ENDPOINTS <none>)"  # (as kubectl get endpoints prints it)


@handles("status", "placement", "rollout_state", needs=("kubernetes", "cloudwatch"))
async def status(ask: Ask, described: ToolOutcome | None = None) -> Answer:
    """`described`: the object's describe, when the caller read it already (it goes on to show more of it)."""
    rid = ask.resource or ""
    if ask.form == "placement" and not rid:  # a namespace named, not an object: where its pods run
        return await _namespace_placement(ask, ask.namespace) if ask.namespace else await broken_now(ask)
    namespace, kind, name = parse_resource_id(rid)
    if ask.form == "placement" and kind == "Pod" and SIBLING_ASKED.search(ask.question) and described is None:
        # "where's the old gateway pod running": one of a workload's pods, told apart by age -- the workload's pods, each
        # with its node and ReplicaSet, answer it (not the one pod the name matched first)
        if (owner := await owner_of(ask, rid)) is not None:
            ask.resource = rid = owner
            namespace, kind, name = parse_resource_id(rid)
    details: list[str] = []
    trouble: list[str] = []
    extra: list[str] = []  # objects the answer names besides the subject (a CronJob's last run, a DaemonSet's missing nodes)
    on_purpose: str | None = None  # a workload scaled to 0 as a person recorded doing (and nothing calls): said as such
    empty_by_choice = ""  # a Service with no endpoints because its workload is scaled to 0
    described = described or await describe(ask, rid)
    obj = (described.data or {}).get("object") or {}
    spec, state = obj.get("spec") or {}, obj.get("status") or {}
    if ask.form == "placement" and kind == "Node":  # "which node group is that node in": its group, zone, type first
        details += await node_places(ask, [name])
    if kind in WORKLOADS:
        desired = spec.get("replicas", state.get("desiredNumberScheduled", 0))
        ready = state.get("readyReplicas", state.get("numberReady", 0)) or 0
        pod_spec = (spec.get("template") or {}).get("spec") or {}
        images = [c.get("image") for c in pod_spec.get("containers") or []]
        details.append(f"{ready}/{desired} replicas ready; images {', '.join(str(i) for i in images)}")
        details += requests_and_limits(pod_spec)
        if kind in ("Deployment", "StatefulSet"):
            scaling = await autoscalers(ask, namespace, kind, name)
            details += scaling
            if not scaling and HPA_ASKED.search(ask.question):  # "show me the hpa for gtfs-publisher"
                details[:0] = [f"HorizontalPodAutoscaler for {rid}: not found -- none in {namespace} scales it "
                               f"(it runs a fixed {desired} replicas)", *await orphan_autoscalers(ask, namespace)]
        pods = await workload_pods(ask, rid)
        details += [pod_line(pod) for pod in pods]
        if ask.form == "placement":  # "where does it run": the nodes' groups, not only their names
            details += await node_places(ask, list(dict.fromkeys(str(p["node"]) for p in pods if p.get("node"))))
        details += await crash_lines(ask, pods, limit=1)
        fronted: list[str] = []
        if described.error is None:
            details += await resource_pressure(ask, rid, trouble)
            walk = await ask.call("kubernetes", "ownership", {"kind": kind, "name": name, "namespace": namespace})
            fronted = [str(f) for f in (walk.data or {}).get("selected_by_services") or []]
            before = len(trouble)
            for service in fronted[:2]:  # Ready pods can still fail every request: what its callers see
                trouble += await unreached_ports(ask, namespace or "", service.split("/")[-1])
                details += await service_errors(ask, namespace or "", service.split("/")[-1], trouble)
            if len(trouble) > before:  # one of its Services fails: the services it calls may be why, and its own words
                calls = await failing_calls(ask, (walk.data or {}).get("calls") or [])
                own_words = (await error_lines(ask, rid))[-1:]
                # what it calls that fails leads when something does; else its own words say why it fails
                details = calls + details + own_words if calls else own_words + details
        if kind == "DaemonSet" and described.error is None and (
                uncovered := await untolerated_nodes(ask, pods, (spec.get("template") or {}).get("spec") or {})):
            details[:0] = uncovered  # "6/6 ready" counts only the nodes it fits: where it is not, and why
            if MISSING_SAID.search(ask.question):
                trouble.append(f"{len(uncovered)} node(s) have no {name} pod: {uncovered[0]}")
        if kind == "StatefulSet" and spec.get("volumeClaimTemplates"):
            details += await member_claims(ask, namespace or "", name, spec, trouble)
        rollout = rollout_state(spec, state) if kind == "Deployment" else []
        details += rollout[1:]
        if kind == "Deployment" and (state.get("updatedReplicas") or 0) < (desired or 0):
            details += await serving_replica_sets(ask, namespace or "", name)  # mid-rollout: which version still serves
        if described.error is None and rollout and rollout[0]:
            trouble.append(rollout[0])
        if described.error is None and ready < (desired or 0):
            trouble.append(f"only {ready} of {desired} replicas are ready")
            if kind == "DaemonSet":
                gaps, gap_nodes = await daemonset_gaps(ask, pods)
                details += gaps
                extra += gap_nodes
        elif described.error is None and desired == 0:  # scaled to zero: fine only if nothing routes to it -- or on purpose
            planned = [i for i in recorded_intent(rid, obj.get("metadata")) if i.about == "object"]
            callers = await service_callers(ask, namespace or "", fronted)
            if planned and not callers:  # a decommission nothing calls: the state a person chose, said as such
                why = planned[0]
                on_purpose = (f"scaled to 0 on purpose: {why.signal}{' by ' + why.who if why.who else ''} "
                              f"({why.key}={why.value[:80]!r})"
                              + (f"; Service(s) {', '.join(fronted)} still route to it" if fronted else ""))
                # the person's other notes (the change ticket, who) right under it: what to check before changing it
                details[0:0] = [on_purpose, *[n for n in peoples_notes(obj) if why.key not in n][:3]]
            elif fronted:  # on purpose or not, what still calls it fails: that is trouble (the person's note said first)
                trouble.append(f"scaled to 0 replicas while Service(s) {', '.join(fronted)} route to it: it serves nothing"
                               + (f" and {', '.join(callers[:3])} still call it" if callers else ""))
            details += scale_events((described.data or {}).get("events") or [])  # when, and from how many
    elif kind in ("Job", "CronJob"):
        details += job_facts(kind, spec, state, trouble, described.error is None)
        details += await run_of(ask, rid, spec) if kind == "Job" else await latest_run(ask, rid, extra)
    elif kind == "Pod":
        if deleting := (obj.get("metadata") or {}).get("deletionTimestamp"):  # kubectl's STATUS: Terminating
            trouble.append(f"the pod is Terminating (deletion requested {deleting}, {ago(parse_time(deleting))}) and has "
                           "not gone: its node has not confirmed it" + (" (NodeLost)" if state.get("reason") == "NodeLost"
                                                                        else ""))
        details += pod_facts(spec, state, trouble, described.error is None)
        if state.get("phase") == "Pending":
            details += await unbound_claims(ask, namespace, spec, trouble)
    elif kind == "HorizontalPodAutoscaler":  # "is the hpa near its max": its bounds, replicas and targets
        target = spec.get("scaleTargetRef") or {}
        details += [line for line in await autoscalers(ask, namespace, str(target.get("kind")), str(target.get("name")))
                    if line.startswith(f"hpa {name}:")]
    elif kind == "ResourceQuota":  # "how much cpu headroom is left in booking-compute"
        details.append(await quota_usage(ask, rid))
        details += await quota_holders(ask, namespace or "")
    elif kind == "PersistentVolumeClaim":
        details.append(f"phase {state.get('phase', '?')}, storage class {spec.get('storageClassName')}, "
                       f"request {((spec.get('resources') or {}).get('requests') or {}).get('storage')}")
        if described.error is None and state.get("phase") != "Bound":
            trouble.append(f"the claim is {state.get('phase', 'not bound')}: no volume is bound to it")
    elif kind == "Node":
        await node_state(ask, obj, details, trouble, read=described.error is None)
        details[:0] = await node_consumers(ask, name) if USE_ASKED.search(ask.question) else []
    elif kind == "Service" and spec.get("type") == "ExternalName":  # a DNS alias: no pods, no endpoints to count
        details.append(f"type ExternalName: a DNS alias for {spec.get('externalName')}, outside the cluster")
        details += await service_errors(ask, namespace or "", name, trouble)
    elif kind == "Service":
        walk = await ask.call("kubernetes", "ownership", {"kind": "Service", "name": name, "namespace": namespace})
        data = walk.data or {}
        ports = ", ".join(f"{p.get('port')}->{p.get('target_port', p.get('targetPort'))}" for p in data.get("ports") or [])
        details.append(f"{data.get('ready_endpoints', '?')} ready endpoints, {data.get('not_ready_endpoints', '?')} not ready; "
                       f"selector {label_text(data.get('selector'))}" + (f"; ports {ports}" if ports else ""))
        if walk.error is None and not data.get("ready_endpoints"):
            zeroed = await scaled_to_zero_behind(ask, rid)
            # its workload scaled to 0 (a decommission, a cost-saving scale-down): an empty Service is what that means,
            # said with the workload's note -- whether it is a problem is its callers' errors, not this
            if zeroed:
                empty_by_choice = f"{rid} has no endpoints because {zeroed} is scaled to 0 replicas: not a fault of its own"
            else:
                trouble.append(NO_ENDPOINTS)
        details += await service_errors(ask, namespace or "", name, trouble)
    if ask.form == "placement" and kind in ("Job", "Pod"):  # "where did it run": its nodes' groups too
        nodes = [spec.get("nodeName")] if kind == "Pod" else [p.get("node") for p in await workload_pods(ask, rid)]
        details += await node_places(ask, [str(n) for n in dict.fromkeys(nodes) if n])
        extra += [f"Node/{n}" for n in dict.fromkeys(nodes) if n]
    elif ask.form == "placement" and kind in WORKLOADS:  # "where does grade-cache run" -> "is that node ok": that node
        extra += [f"Node/{n}" for n in dict.fromkeys(p.get("node") for p in await workload_pods(ask, rid)) if n][:3]
    details += warning_lines((described.data or {}).get("events") or [])
    analysis = await ask.call("kubernetes", "analyze", {"namespace": namespace} if namespace else {})
    findings = (analysis.data or {}).get("findings") or []
    recovered = await recovered_runs(ask, rid) if kind == "CronJob" else set()
    for finding in findings:
        if related(finding, rid) and empty_by_choice and finding.get("reason") == "NoEndpoints":
            continue  # empty because its workload is scaled to 0: said as such above, not a fault of the Service's own
        if related(finding, rid):
            line = f"{finding.get('resource')}: {finding.get('reason')} -- {finding.get('message')}"
            if any(str(finding.get("resource")) == job or str(finding.get("resource")).startswith(
                    job.replace("/Job/", "/Pod/") + "-") for job in recovered):  # a run (or its pod) failed, later ones
                # completed: history, not its state
                details.insert(1, f"recovered: an earlier run failed, a later run completed -- {line}")  # after its schedule
            else:
                trouble.append(line)
    if kind in WORKLOADS and described.error is None:
        trouble += await services_missing_it(ask, rid, (spec.get("template") or {}).get("metadata") or {}, findings)
    alarms = await ask.call("cloudwatch", "describe_alarms", {})
    for alarm in (alarms.data or {}).get("alarms") or []:
        if alarm_mentions(alarm, name) and alarm.get("state") == "ALARM":
            if measures_demand(alarm):
                details.append(f"alarm {alarm.get('name')} is in ALARM on {alarm['metric'].get('name')}, a demand metric: "
                               "traffic is high; that alone is not a fault (its pods, errors and latency say how it copes)")
            else:
                trouble.append(f"alarm {alarm.get('name')} is in ALARM{alarm_rule(alarm)}")
    if described.error and not trouble:
        details.insert(0, f"describe failed: {described.error[:200]}")
    if on_purpose and all(t.startswith("alarm ") for t in trouble):
        # a decommissioned workload's alarms fire because it runs nothing: that is the alarm to retire, not a fault to fix
        firing = "; ".join(t.removesuffix(" is in ALARM") for t in trouble)
        return ask.answer(f"{rid} is {on_purpose}" + (f" -- {firing} fire(s) because it runs no pods: retire or silence "
                                                    "the alarm, do not scale it back" if trouble else ""),
                          status="answered", details=[d for d in details if d != on_purpose], resources=[rid, *extra],
                          next_steps=["Check the ticket or owner the note names before changing anything about it."])
    diagnosis = ask.last_diagnosis or {}
    if PUSHBACK.match(ask.question) and diagnosis.get("resource") not in (None, rid) and \
            diagnosis.get("category") not in (None, "none"):
        # "but the records db pod is running": so it is -- the fault the conversation found is elsewhere, said first
        details.insert(0, f"the fault is not {name} itself: the root cause is {diagnosis['resource']} "
                          f"({diagnosis['category']}): {cause_text(diagnosis, 240)}")
    if diagnosis.get("resource") == rid and diagnosis.get("category") not in (None, "none"):
        # the object the conversation's diagnosis names as the root cause (a ConfigMap with a wrong URL has no finding
        # of its own): never "looks healthy"
        trouble.insert(0, f"it is the root cause found: {diagnosis['category']} -- {cause_text(diagnosis, 240)}")
    if kind == "Deployment" and described.error is None and (paused := await paused_rollout(ask, rid, obj)):
        # paused on purpose: the new version waits, the old one serves -- said as such, with what troubles it if anything
        return ask.answer(paused[0] + (f"; and: {'; '.join(trouble)}" if trouble else ""), status="problems" if trouble
                          else "answered", details=[*paused[1], *details], resources=[rid, *extra],
                          next_steps=["Check the note's owner before resuming it (a human approves any change)."])
    if kind in WORKLOADS and described.error is None:  # a queue whose pods are Ready may still hold work nobody reads
        images = [str(c.get("image")) for c in ((spec.get("template") or {}).get("spec") or {}).get("containers") or []]
        waiting, fact = await queue_backlog(ask, rid, images)
        details += [fact] if fact else []
        if waiting and not trouble:  # the queue itself runs: the work waiting on it is the news, its readers the cause
            return ask.answer(f"{rid} runs ({ready}/{desired} ready), but {waiting}", status="problems", details=details,
                              resources=[rid, *extra], next_steps=["Ask 'who reads from it' for its consumers."])
        trouble += [waiting] if waiting else []
    if trouble:
        # a person's note on a troubled object (a change ticket, "decommissioned", "paused until ...") is what tells a
        # planned state from a broken one: it comes first
        details = peoples_notes(obj, prose_only=True)[:2] + details
        # a workload's READY count, as kubectl get shows it, in the line that says it is not healthy
        # (only when short: "3/3 ready" beside "not healthy" reads as a contradiction; the trouble is elsewhere)
        count = f" ({ready}/{desired} ready)" if kind in WORKLOADS and ready != desired else ""
        return ask.answer(f"{rid} is not healthy{count}: {trouble[0]}", status="problems", details=details + trouble[1:],
                          resources=[rid, *extra],
                          next_steps=[f"Ask 'why is {name} failing?' for the root cause, or 'show me its logs'."])
    if empty_by_choice:
        return ask.answer(empty_by_choice, status="answered", details=details, resources=[rid, *extra])
    return ask.answer(f"{rid} looks healthy: no analyzer finding, no warning, no alarm firing for it", status="healthy",
                      details=details, resources=[rid, *extra], next_steps=["Nothing to do for it."] if kind_of(rid) else [])
