"""The offline Kubernetes specialist: what an SRE does with kubectl, as a fixed procedure over
whatever the target turns out to be.

Service -> who backs it (selected pods, endpoints) and who calls it; workload -> its pods, their
container states and events, the services it calls, its last rollout, the nodes it runs on;
Node -> its conditions and what runs there; namespace -> analyzer findings. Every fact becomes a
Finding with a stable signal code; the diagnosis rules read only those."""

from __future__ import annotations

from datetime import timedelta

from ...contracts import parse_time, resource_id
from ...graph.state import Investigation, Task
from .caller_load import SCALED, callers_changed, callers_scaled_up
from .calls import Calls, split_target
from .cloud_identity import cloud_identity
from .config_restarts import config_brought_in
from .credentials import stale_credentials
from .cronjobs import cronjob_pileups
from .daemonsets import node_gaps
from .endpoints import ENDPOINT_FIELDS, endpoint_sentence, misaimed
from .intents import note_change_cause, note_intent
from .job_templates import carry_runs, carry_to_cronjob
from .nodes import node_consumers, read_node, resource_alarmed
from .pods import held_keys_of, past_oom_kills, read_claim, read_gone_pods, read_pod
from .revisions import killed_limit_history, partial_members
from .run_durations import duration_findings, image_moved_under_runs, last_completed, unfinished
from .services import WALKABLE, WORKLOADS, neighbours, port_moved_under_callers, service_backends, service_ports, shared_services
from .stopped import stopped_workloads
from .volumes import full_volumes

# Where a name an alarm or a question gives may live: an alarm's PodName dimension names a
# Deployment's pods as often as a StatefulSet's, a DaemonSet's or a Job's; never assume the kind.
# How far back a rollout is read as a candidate change: the span the metrics agent reads (-3h), so a release
# older than the incident window can still be matched to a symptom onset the series show (diagnosis decides).
CHANGE_LOOKBACK = timedelta(hours=3)
ANY_WORKLOAD = (*WALKABLE[:-1], "CronJob", "Pod")
# Analyzer reasons worth carrying over as signals (the rest are restatements of these).
ANALYZER_SIGNALS = {
    "ImagePullBackOff", "ErrImagePull", "InvalidImageName", "CreateContainerConfigError", "ConfigRefMissing",
    "FailedMount", "CrashLoopBackOff", "OOMKilled", "ProbeFailing", "FailedScheduling", "FailedCreate",
    "QuotaExceeded", "QuotaExhausted", "NoEndpoints", "SelectorMismatch", "EndpointsNotReady", "NodeNotReady",
    "TargetPortMismatch", "HPAScalingLimited", "HPAScalingInactive", "ResourcesNotConfigured",
    "ProvisioningFailed", "StorageClassMissing", "PVCPending", "ProgressDeadlineExceeded", "ReplicaFailure",
    "JobFailed", "HeldOpen", "RunsSkipped", "MissedSchedules", "Suspended",  # runs that cannot end, or never start
    "UpdateHeld",  # a template its pods have not taken: a paused rollout, an OnDelete update
}


def walked(state: Investigation, workload: str) -> bool:
    """Whether an earlier question of this run read `workload` in full (its spec, pods, rollouts, events)."""
    return any(f.signal == "WorkloadSpec" and f.resource == workload for f in state.findings)


async def investigate(task: Task, state: Investigation, calls: Calls) -> None:
    await _investigate(task, state, calls)
    past_oom_kills(state.incident.window_start, calls.findings, state.findings)  # an OOM kill before the incident: history


async def _investigate(task: Task, state: Investigation, calls: Calls) -> None:
    namespace, kind, name = split_target(task.target)
    if task.question.startswith("locate"):
        await _locate(task.question.split()[1:], calls, namespace)
    elif task.question == "neighbours":
        await neighbours(task.target, state, calls)
    elif task.question == "stopped":  # data said to be stale, nothing failing: what was scaled to zero
        async def read_stopped(workload: str) -> None:
            await _workload(workload, state, calls, wider=False)
        await stopped_workloads(namespace, calls, read_stopped)
    elif task.question == "callers":  # its requests multiplied: which caller changed just before?
        async def read_rollout(caller: str) -> None:
            caller_ns, caller_kind, caller_name = split_target(caller)
            await _rollout(str(caller_ns), str(caller_kind), str(caller_name), caller, state, calls)
        await callers_changed(task.target, calls, read_rollout)
    elif kind is None:
        await _namespace_sweep(namespace, calls)
    elif kind == "Node":
        await read_node(name, calls)
        if state.incident.alarm and (used := resource_alarmed(state)):
            await node_consumers(name, used, calls)
    elif kind == "Service":
        workloads = await service_backends(namespace, name, calls)
        for workload in workloads:
            if "/Pod/" in workload:  # a bare pod behind the Service: nothing owns it, it is read itself
                await _pod_target(namespace or "", workload.rsplit("/", 1)[-1], workload, state, calls)
            elif "/CronJob/" in workload:  # a Service in front of a CronJob's runs: its runs are read
                await _cronjob(namespace or "", workload.rsplit("/", 1)[-1], workload, state, calls)
            else:
                await _workload(workload, state, calls)
        if task.target not in state.incident.affected and workloads and "/Pod/" not in workloads[0]:
            # a dependency of the alarmed service: did another of its callers just multiply what it sends?
            walked_now = {f.resource for f in state.findings if f.signal == "WorkloadSpec"}
            await callers_scaled_up(task.target, workloads[0], walked_now | set(state.incident.affected), calls)
    elif kind in WALKABLE:  # a remembered root cause that no longer exists costs one read, not a namespace sweep
        await _workload(task.target, state, calls, wider=task.question != "remembered")
    elif kind == "Pod":
        await _pod_target(namespace, name, task.target, state, calls)
    elif kind == "CronJob":
        await _cronjob(namespace, name, task.target, state, calls)
    elif kind == "PersistentVolumeClaim" and namespace:  # "why is that claim pending": the claim itself, then around it
        if not await read_claim(namespace, name, calls):
            await _look_wider(task.target, state, calls)
        await _namespace_sweep(namespace, calls)
    else:
        await _namespace_sweep(namespace, calls)


async def _pod_target(namespace: str, name: str, target: str, state: Investigation, calls: Calls) -> None:
    """A pod: investigate what owns it, or the pod itself when nothing does (a bare pod)."""
    data, ev = await calls("ownership", kind="Pod", name=name, namespace=namespace)
    if data is None:
        await _look_wider(target, state, calls)
        return
    owners = data.get("owners") or []
    if owners and owners[-1].split("/")[1] in WALKABLE:
        await _workload(owners[-1], state, calls)
    elif owners and owners[-1].split("/")[1] == "CronJob":  # a run's pod: the CronJob's runs are its history
        await _cronjob(namespace, owners[-1].rsplit("/", 1)[-1], owners[-1], state, calls)
    else:
        calls.find(target, "BarePod", f"{target} has no controller: nothing recreates it", ev, severity="info")
        await read_pod(namespace, name, target, calls)


async def _cronjob(namespace: str, name: str, target: str, state: Investigation, calls: Calls) -> None:
    """A CronJob: its most recent Jobs carry the failures."""
    listed, ev = await calls("get_resources", kind="Job", namespace=namespace)
    jobs = sorted((j for j in (listed or {}).get("items") or [] if j.get("cronjob") == name),
                  key=lambda j: str(j.get("created") or ""), reverse=True)
    if not jobs:
        calls.find(target, "NoRecentJobs", f"{target} has no Jobs in {namespace}", ev, severity="info")
        await _namespace_sweep(namespace, calls)
    duration_findings(target, jobs, ev, calls)  # runs slower than they were, or killed at a deadline under the work
    if jobs:  # its runs are its history: what last worked (the image a failed pull goes back to), what never ended
        good, open_runs = last_completed(jobs), unfinished(jobs)
        calls.find(target, "RunHistory", f"{target}'s last run to complete: " + (
            f"{good.get('name')} ({good.get('completed') or good.get('created')}), with {', '.join(good['images'])}"
            if good else "none of its listed runs") + f"; unfinished: {', '.join(open_runs) or 'none'}", ev,
                   severity="info", last_completed=good.get("name") if good else None,
                   images=list(good["images"]) if good else [], containers=list(good.get("containers") or []) if good else [],
                   unfinished=open_runs)
    if jobs and (moved := image_moved_under_runs(jobs)) is not None:  # runs fail since the template's image moved
        before, now, newest_good = moved
        calls.find(target, "RunsFailSinceImage", f"{target}'s runs fail since its job template moved {before} -> {now}: "
                   f"its last run to complete ({newest_good}) ran {before}", ev, severity="critical",
                   image_before=before, image_now=now, last_completed=newest_good)
    if jobs:  # what the controller's own view says of the CronJob: runs skipped behind a hung one, schedules missed
        data, ev_an = await calls("analyze", namespace=namespace)
        said = [item for item in (data or {}).get("findings") or []
                if item["reason"] in ANALYZER_SIGNALS and target in (item.get("owner"), item["resource"])]
        for item in said:
            calls.find(target, item["reason"], item["message"], ev_an, severity=item["severity"],
                       object=item["resource"], source="analyzer")
        await held_keys_of(target, namespace, [item["message"] for item in said if item["reason"] == "ConfigRefMissing"], calls)
    runs = [resource_id("Job", job["name"], namespace) for job in jobs[:2]]
    for run in runs:
        await _workload(run, state, calls, of_cronjob=True)
    # Every run is made from the CronJob's jobTemplate: runs that failed are the template's failure, and fixing
    # one Job would not fix the next run. The CronJob carries what its runs showed.
    carry_runs(target, runs, calls)


async def _look_wider(target: str, state: Investigation, calls: Calls) -> bool:
    """The target as named does not exist (an alarm's dimension names a StatefulSet's pods, a Job,
    a bare pod...): find what the name does name, in any workload kind of that namespace, and
    investigate that. Nothing found: sweep the namespace -- a failed lookup is never a healthy answer."""
    namespace, kind, name = split_target(target)
    if not name:
        return False
    found, ev = await calls("find_resource", name=name, kinds=list(ANY_WORKLOAD))
    in_ns = [m for m in (found or {}).get("matches") or [] if namespace is None or m["resource"].startswith(f"{namespace}/")]
    # Exact names first (a workload before a pod); else the pods whose names start with it (its pods).
    exact = sorted((m["resource"] for m in in_ns if m.get("exact")), key=lambda r: r.split("/")[1] == "Pod")
    prefixed = [m["resource"] for m in in_ns if not m.get("exact") and m["resource"].split("/")[-1].startswith(f"{name}-")]
    chosen = next((r for r in exact if r != target), None) or (prefixed[0] if prefixed else None)
    if chosen is None:
        calls.find(target, "TargetNotFound", f"no {kind or 'object'} named {name!r} exists"
                   f"{f' in {namespace}' if namespace else ''}, nor any workload or pod by that name: looking at the "
                   "whole namespace instead", ev, severity="warning")
        await _namespace_sweep(namespace, calls)
        return False
    calls.find(chosen, "TargetResolved", f"{target} does not exist; {name!r} names {chosen}", ev, severity="info",
               asked=target)
    _, chosen_kind, chosen_name = split_target(chosen)
    if chosen_kind == "Pod":
        await _pod_target(namespace or "", chosen_name or "", chosen, state, calls)
    elif chosen_kind == "CronJob":
        await _cronjob(namespace or "", chosen_name or "", chosen, state, calls)
    else:
        await _workload(chosen, state, calls, wider=False)
    return True


async def _locate(words: list[str], calls: Calls, namespace: str | None = None) -> None:
    """Chat questions name things loosely: find the Service (or workload) each word names (in
    `namespace` when the question is scoped to one), and the namespaces it names ("in the clearing
    namespace") -- where to look wider when no word names an object."""
    listed, ev_ns = await calls("get_resources", kind="Namespace")
    namespaces = {item.get("name") for item in (listed or {}).get("items") or []}
    for word in dict.fromkeys(w for w in words if w in namespaces):
        calls.find(word, "NamespaceMentioned", f"the question mentions namespace {word!r}", ev_ns, severity="info")
    prefixed: list[tuple[str, str, str]] = []
    located = False
    # names are mostly dashed ("node-shipper"): those first, whatever plain words the question puts before them -- and
    # two words typed for one dashed name ("the meter import") are tried as that name
    plain = [w for w in words if w not in namespaces]
    joined = [f"{a}-{b}" for a, b in zip(plain, plain[1:], strict=False) if "-" not in a + b]
    for word in sorted(dict.fromkeys([*plain, *joined]), key=lambda w: "-" not in w)[:10]:
        found, ev = await calls("find_resource", name=word, kinds=["Service", *ANY_WORKLOAD])
        matches = [m for m in (found or {}).get("matches") or [] if namespace is None or m["resource"].startswith(f"{namespace}/")]
        exact = [m["resource"] for m in matches if m.get("exact")]
        if exact:
            # A Service first (its callers and backends), then a workload, a bare pod last.
            chosen = min(exact, key=lambda r: (r.split("/")[1] != "Service", r.split("/")[1] == "Pod"))
            calls.find(chosen, "Located", f"the question mentions {word!r}: {chosen}", ev, severity="info")
            located = True
            continue
        # "the royalty-statements run" for Job royalty-statements-nightly: a name the word begins at a dash boundary
        owners = {m["resource"] for m in matches if m["resource"].split("/")[1] != "Pod"
                  and m["resource"].rsplit("/", 1)[-1].startswith(f"{word}-")}
        if len(owners) == 1 and "-" in word:
            prefixed.append((word, owners.pop(), ev))
    for word, chosen, ev in prefixed if not located else []:  # only when no word named an object exactly
        calls.find(chosen, "Located", f"the question mentions {word!r}, the start of one object's name: {chosen}", ev,
                   severity="info")


async def _namespace_sweep(namespace: str | None, calls: Calls) -> None:
    data, ev = await calls("analyze", namespace=namespace)
    for item in (data or {}).get("findings") or []:
        if item["reason"] in ANALYZER_SIGNALS:
            calls.find(item.get("owner") or item["resource"], item["reason"], item["message"], ev,
                       severity=item["severity"], object=item["resource"], source="analyzer")


async def _workload(workload: str, state: Investigation, calls: Calls, *, wider: bool = True, of_cronjob: bool = False) -> None:
    if walked(state, workload):
        return  # read in full by an earlier question of this run: its findings are in the state already
    namespace, kind, name = split_target(workload)
    own, ev_own = await calls("ownership", kind=kind, name=name, namespace=namespace)
    if own is None:
        if wider:
            await _look_wider(workload, state, calls)
        return
    described, ev_spec = await calls("describe", kind=kind, name=name, namespace=namespace, events_limit=0)
    spec = ((described or {}).get("object") or {}).get("spec") or {}
    note_intent(workload, (described or {}).get("object"), ev_spec, calls)  # a scale-down or a release made on purpose
    containers = ((spec.get("template") or {}).get("spec") or {}).get("containers") or []
    if containers:
        limits = (containers[0].get("resources") or {}).get("limits") or {}
        calls.find(workload, "WorkloadSpec", f"{workload}: {spec.get('replicas', 1)} replicas, container "
                   f"{containers[0]['name']} limits {limits}", ev_spec, severity="info", container=containers[0]["name"],
                   containers=[c["name"] for c in containers],
                   replicas=spec.get("replicas", 1), cpu_limit=limits.get("cpu"), memory_limit=limits.get("memory"),
                   pods=len(own.get("pods") or []), strategy=spec.get("strategy") or spec.get("updateStrategy"))
    if outside := sorted({str(c["host"]) for c in own.get("calls_outside") or []}):  # a vendor's API, a gateway
        calls.find(workload, "CallsOutside", f"{workload} calls {', '.join(outside)} (outside the cluster)", ev_own,
                   severity="info", hosts=outside)
    for dep in own.get("calls") or []:
        if dep.get("external_name"):  # an ExternalName: a name for a host outside, whose failures are its callers' lines
            calls.find(workload, "DependsOnExternal", f"{workload} calls {dep['service']} (via {dep['env']}), an "
                       f"ExternalName for {dep['external_name']}", ev_own, severity="info", dependency=dep["service"],
                       host=dep["external_name"], written_in_window=bool((written := parse_time(dep.get("alias_written")))
                                                                         and written >= state.incident.window_start))
        elif misaimed(dep):  # the caller's own value is wrong: its dependency may be perfectly healthy
            calls.find(workload, "EndpointUnserved", endpoint_sentence(workload, dep), ev_own, severity="critical",
                       dependency=dep["service"], **{k: dep.get(k) for k in ENDPOINT_FIELDS})
            if dep.get("exists"):  # a port the Service does not expose: did the value or the Service change last?
                await port_moved_under_callers(workload, (described or {}).get("object"), dep, calls)
        elif dep.get("port_problem"):  # endpoints or not, the caller's connections cannot reach the app
            calls.find(workload, "DependencyDown", f"{workload} calls {dep['service']} (via {dep['env']}): "
                       f"{dep['port_problem']}", ev_own, severity="critical", dependency=dep["service"],
                       port_problem=dep["port_problem"])
        elif not dep.get("exists") or dep.get("ready_endpoints", 0) == 0:
            calls.find(workload, "DependencyDown",
                       f"{workload} calls {dep['service']} (via {dep['env']}) which "
                       + ("does not exist" if not dep.get("exists") else "has no ready endpoints"),
                       ev_own, severity="critical", dependency=dep["service"], exists=bool(dep.get("exists")),
                       **{k: dep.get(k) for k in ("env", "source", "container", "path")})  # where the caller's value lives
        else:
            calls.find(workload, "DependsOn", f"{workload} calls {dep['service']} ({dep['ready_endpoints']} ready endpoints)",
                       ev_own, severity="info", dependency=dep["service"])
    pods = own.get("pods") or []
    if namespace:  # env read at start from a Secret rotated since; a volume it writes to that is full
        await stale_credentials(workload, namespace, (spec.get("template") or {}).get("spec") or {}, pods, calls)
        await full_volumes(workload, namespace, kind, name, spec, [str(p["pod"]) for p in pods], calls)
        await cloud_identity(workload, namespace, (spec.get("template") or {}).get("spec") or {}, outside, calls)
    for service in (own.get("selected_by_services") or [])[:2]:  # Ready pods serve nothing through a Service whose
        if namespace:                                              # targetPort they do not declare: read its ports
            await service_ports(namespace, str(service), workload, calls)
    if namespace and kind != "Job":  # does a Service of it also send its requests to another app's pods?
        await shared_services(workload, namespace, [str(s) for s in own.get("selected_by_services") or []], calls)
    analysis, ev_an = await calls("analyze", namespace=namespace)
    pod_findings: dict[str, list[dict]] = {}
    for item in (analysis or {}).get("findings") or []:
        if item.get("owner") == workload or item["resource"] == workload:
            if item["reason"] in ANALYZER_SIGNALS:
                pod_findings.setdefault(item["resource"], []).append(item)
        elif item["kind"] == "ResourceQuota" or item["reason"] in ("QuotaExceeded", "QuotaExhausted", "ScaleTargetMissing"):
            # beside the workload: a quota that refuses pods, an autoscaler whose target is gone (a rename it missed)
            calls.find(item["resource"], item["reason"], item["message"], ev_an, severity=item["severity"], source="analyzer")
    quotas = sorted({f.resource for f in calls.findings if f.signal in ("QuotaExceeded", "QuotaExhausted")
                     and f.resource.startswith(f"{namespace}/ResourceQuota/")})
    if quotas and not any(f.signal == "CronJobRunsRead" and f.resource == namespace for f in [*state.findings, *calls.findings]):
        await cronjob_pileups(str(namespace), quotas, calls)  # what holds the quota: runs that pile up
    unhealthy = [p for p in pods if not p.get("ready")]
    # A pod Ready at this moment may still be the one restarting (a liveness kill, an OOM: Ready again until the next):
    # after the unready ones, the ones that restarted most.
    restarting = sorted((p for p in pods if p.get("ready") and int(p.get("restarts") or 0) > 0),
                        key=lambda p: -int(p.get("restarts") or 0))
    for pod in [*unhealthy, *restarting][:2]:
        await read_pod(namespace, pod["pod"], workload, calls)
    failed = any(item["reason"] == "JobFailed" for items in pod_findings.values() for item in items)
    if kind == "Job" and failed and not [p for p in pods if str(p.get("pod", "")).startswith(name + "-")]:
        await read_gone_pods(namespace, name, workload, calls)
    if not pods and spec.get("replicas", 1) == 0:
        calls.find(workload, "ScaledToZero", f"{workload} is scaled to 0 replicas", ev_spec, severity="critical",
                   services=[f"{namespace}/Service/{s}" for s in own.get("selected_by_services") or []])
    for resource, items in pod_findings.items():
        for item in items:
            calls.find(workload, item["reason"], item["message"], ev_an, severity=item["severity"], object=resource,
                       source="analyzer")
    if kind in ("Deployment", "StatefulSet") and any(f.resource == workload and "exceeded quota" in f.summary
                                                     for f in calls.findings):
        await _autoscaler(namespace, kind, name, workload, calls)  # how far it means to grow past the quota
    if kind == "DaemonSet":  # the nodes it places no pod on (its status counts only the nodes it fits)
        await node_gaps(workload, (spec.get("template") or {}).get("spec") or {}, pods, state, calls)
    if kind in WORKLOADS:
        current_rs = await _rollout(namespace, kind, name, workload, state, calls)
        await config_brought_in(namespace, workload, (spec.get("template") or {}).get("spec") or {}, calls)
        if kind == "Deployment":  # its last scale, whatever its pods show now: a cut strains it before any pod fails
            await _last_scale(namespace, name, workload, current_rs, calls)
    if kind == "Job" and namespace and not of_cronjob:  # a run read for its CronJob is carried there by _cronjob
        await carry_to_cronjob(namespace, workload, (described or {}).get("object") or {}, calls)
    nodes = sorted({p.get("node") for p in pods if p.get("node")})
    if unhealthy and nodes:
        listed, ev_nodes = await calls("get_resources", kind="Node")
        for node in (listed or {}).get("items") or []:
            if node["name"] in nodes and node.get("ready") != "True":
                calls.find(resource_id("Node", node["name"]), "NodeNotReady", f"node {node['name']} hosting {workload}'s pods is not Ready",
                           ev_nodes, severity="critical", workload=workload)


async def _autoscaler(namespace: str, kind: str, name: str, workload: str, calls: Calls) -> None:
    """The HPA that scales a workload a quota refuses: a raise that admits only the pods refused now is outgrown by the
    next scale-out; its max says how many pods the workload is meant to reach."""
    listed, ev = await calls("get_resources", kind="HorizontalPodAutoscaler", namespace=namespace)
    for hpa in (listed or {}).get("items") or []:
        if hpa.get("target") == f"{kind}/{name}" and isinstance(hpa.get("max"), int):
            calls.find(workload, "Autoscaled", f"{workload} is scaled by HPA {hpa.get('name')} between {hpa.get('min')} and "
                       f"{hpa['max']} replicas (wants {hpa.get('desired')} now)", ev, severity="info",
                       hpa=hpa.get("name"), min_replicas=hpa.get("min"), max_replicas=hpa["max"], desired=hpa.get("desired"))
            return


async def _last_scale(namespace: str, name: str, workload: str, current_rs: str | None, calls: Calls) -> None:
    """The last scale of the current ReplicaSet (a rollout moves replicas between ReplicaSets instead)."""
    data, ev = await calls("events", namespace=namespace, kind="Deployment", name=name, warnings_only=False, limit=20)
    for event in (data or {}).get("events") or []:
        match = SCALED.search(event.get("message") or "") if event.get("reason") == "ScalingReplicaSet" else None
        if not match:
            continue
        direction, replicaset, before, after = match.group(1), match.group(2), int(match.group(3)), int(match.group(4))
        if before == 0 or (current_rs and replicaset != current_rs):
            continue
        signal = "RecentScaleUp" if direction == "up" else "RecentScaleDown"
        calls.find(workload, signal, f"{workload} was scaled {direction} ({event['message']}) at {event.get('last')}",
                   ev, severity="info", previous_replicas=before, replicas=after, at=event.get("last"))
        return


async def _rollout(namespace: str, kind: str, name: str, workload: str, state: Investigation, calls: Calls) -> str | None:
    history, ev = await calls("rollout_history", namespace=namespace, name=name,
                              kind=None if kind == "Deployment" else kind)
    revisions = (history or {}).get("revisions") or []
    current = next((r for r in revisions if r.get("current")), None)
    if current is None or len(revisions) < 2:
        return current.get("replicaset") if current else None
    created = parse_time(current.get("created"))
    previous = max((r for r in revisions if r["revision"] < current["revision"]), key=lambda r: r["revision"], default=None)
    window = state.incident.window_start
    if created and created >= min(window, state.incident.window_end - CHANGE_LOOKBACK):
        before = "" if created >= window else ", before the incident window"
        calls.find(workload, "RecentRollout",
                   f"{workload} rolled out revision {current['revision']} at {current['created']}{before} "
                   f"({previous['images'] if previous else '?'} -> {current['images']}){partial_members(current, revisions)}",
                   ev, severity="info",
                   # outside the window a rollout is a suspect only where a symptom onset ties it (diagnosis)
                   in_window=created >= window, revision=current["revision"], previous_revision=previous["revision"] if previous else None,
                   created=current["created"], images=current["images"],
                   previous_images=previous["images"] if previous else None,
                   ready=current.get("ready"), replicas=current.get("replicas"),
                   # what the rollout changed (image, env, config_refs, probes, labels...) and the labels either side
                   changed=current.get("changed"), labels=current.get("labels"),
                   previous_labels=previous.get("labels") if previous else None,
                   ports=current.get("ports"), previous_ports=previous.get("ports") if previous else None,
                   # what one pod requests either side: a quota raise must cover every pod the rollout replaces
                   requests=current.get("requests"), previous_requests=previous.get("requests") if previous else None,
                   limits=current.get("limits"), previous_limits=previous.get("limits") if previous else None,
                   # when each revision went live: a fix names the revision before the one the symptom began with
                   # and what each revision changed: the one live when the symptom began is the suspect
                   history=[{"revision": r.get("revision"), "created": r.get("created"), "images": r.get("images"),
                             "changed": r.get("changed")} for r in revisions])
        # a rollout on a workload killed at a memory limit: did the revisions before it give that container more?
        await killed_limit_history(namespace, kind, workload, revisions, ev, calls)
    note_change_cause(workload, current, ev, calls)
    return current.get("replicaset")
