"""What X depends on and what depends on X, from the kubernetes `ownership` walk: the in-cluster
services a workload's environment names (with their endpoints' readiness), and the workloads whose
environment names the Services in front of X."""

from __future__ import annotations

import re

from ...contracts import parse_resource_id, resource_id
from ..ask import Ask, handles
from ..models import Answer
from ..understand.namespaces_said import namespaces
from ..understand.references import kind_of, owner_of, workload_of_service
from .config_refs import config_dependents, config_refs_of, config_users
from .config_values import env_lines
from .investigate import wider_subject
from .objects import pod_spec_of
from .templates import shortened
from .workloads import workloads_in

ENV_ASKED = re.compile(r"\b(env\w*|startup|start\s*up|settings?|config\w*|write|send|push|publish|store|ship)\b",
                       re.IGNORECASE)
WALKABLE = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "Pod", "Service", "Node")


def _dependency_line(dep: dict) -> tuple[str, bool]:
    namespace, _, name = parse_resource_id(str(dep.get("service") or ""))
    port = f":{dep['port']}" if dep.get("port") else ""
    if not dep.get("exists"):  # the address it dials, as configured: the typo is in it
        close = [str(s).rsplit("/", 1)[-1] for s in dep.get("similar_services") or []][:3]
        dialed = f" -> {name}.{namespace}.svc.cluster.local{port}" if namespace else ""
        return (f"{dep.get('service')} (via {dep.get('env')}{dialed}): MISSING -- the Service does not exist"
                + (f" (close: {', '.join(close)})" if close else "")), False
    ready, not_ready = dep.get("ready_endpoints") or 0, dep.get("not_ready_endpoints") or 0
    healthy = ready > 0
    state = "up" if healthy else "DOWN: no ready endpoint"
    address = f" -> {name}.{namespace}.svc.cluster.local{port}" if port and namespace else ""
    return f"{dep.get('service')} (via {dep.get('env')}{address}): {state} ({ready} ready, {not_ready} not ready)", healthy


async def _config_map_values(ask: Ask, namespace: str, pod_spec: dict) -> list[str]:
    """The values of the ConfigMaps a pod spec reads (envFrom, key refs, volumes) -- a Secret's never."""
    lines: list[str] = []
    for ref in [r for r in config_refs_of(pod_spec) if r.startswith("ConfigMap/")][:3]:
        name = ref.split(" ", 1)[0].split("/", 1)[1]
        described = await ask.call("kubernetes", "describe", {"kind": "ConfigMap", "name": name, "namespace": namespace,
                                                             "events_limit": 0})
        data = ((described.data or {}).get("object") or {}).get("data") or {}
        lines += [f"{key}={shortened(' '.join(str(value).split()))} (ConfigMap {name}, {ref.split(' ', 1)[-1].strip('()')})"
                  for key, value in sorted(data.items())]
    return lines


async def _workload_behind(ask: Ask, namespace: str, name: str, walked: dict) -> str | None:
    """The workload a Service routes to: the one of its name, else the owner of the pods it selects (a Deployment
    renamed under an unchanged Service)."""
    paired = await workload_of_service(ask, f"{namespace}/Service/{name}")
    if paired is not None:
        return paired
    pods = [str(p) for p in walked.get("selected_pods") or []]
    return await owner_of(ask, f"{namespace}/Pod/{pods[0]}") if pods and namespace else None


async def _external_name(ask: Ask, namespace: str, name: str) -> str | None:
    """The host an ExternalName Service aliases, else None."""
    described = await ask.call("kubernetes", "describe", {"kind": "Service", "name": name, "namespace": namespace, "events_limit": 0})
    spec = ((described.data or {}).get("object") or {}).get("spec") or {}
    return str(spec["externalName"]) if spec.get("type") == "ExternalName" and spec.get("externalName") else None


@handles("dependencies", needs=("kubernetes",))
async def dependencies(ask: Ask) -> Answer:
    if kind_of(ask.resource or "") in ("ConfigMap", "Secret") and (readers := (await config_users(ask, ask.resource or ""))[0]):
        ask.resource = readers[0]  # "which host is it trying" after a ConfigMap was found at fault: what reads it calls
    namespace, kind, name = parse_resource_id(ask.resource or "")
    if kind in ("CronJob", "Job") and namespace:  # a batch run calls out by what its environment names
        described = await ask.call("kubernetes", "describe", {"kind": kind, "name": name, "namespace": namespace,
                                                             "events_limit": 0})
        spec = pod_spec_of(kind, (described.data or {}).get("object") or {})
        lines = env_lines(ask.resource or "", spec, "", wanted=lambda _: True) + await _config_map_values(ask, namespace, spec)
        return ask.answer(f"{ask.resource}'s environment sets {len(lines)} value(s): where its runs read from and write to",
                          details=lines or ["(no env values set in its template)"],
                          next_steps=["Ask 'where does it get <NAME> from' for a value read from a ConfigMap or Secret."])
    if kind not in WALKABLE:
        return ask.answer(f"Cannot walk the dependencies of a {kind}; ask about a workload, pod or Service.")
    if kind == "Service" and (alias := await _external_name(ask, namespace or "", name)):
        # an ExternalName has no endpoints and selects no pods: it is a DNS alias for a host outside the cluster
        return ask.answer(f"{ask.resource} is an ExternalName: a DNS alias for {alias}, outside the cluster (no pods, no "
                          "endpoints)", status="answered", resources=[ask.resource or ""],
                          next_steps=[f"Ask 'who calls {name}?' for what depends on it."])
    walk = await ask.call("kubernetes", "ownership", {"kind": kind, "name": name, **({"namespace": namespace} if namespace else {})})
    if walk.error is not None:
        return ask.answer(f"Could not walk {ask.resource}'s dependencies: {walk.error[:200]}", status="unknown")
    data = walk.data or {}
    routed = ""
    if kind == "Service" and (behind := await _workload_behind(ask, namespace or "", name, data)) is not None:
        # "what does appointments-api call": a Service calls nothing itself -- the workload it routes to does
        routed = f"{ask.resource} routes to {behind}: what {behind} calls"
        ask.resource = behind
        namespace, kind, name = parse_resource_id(behind)
        walk = await ask.call("kubernetes", "ownership", {"kind": kind, "name": name, "namespace": namespace})
        data = walk.data or {}
    if kind == "Service":
        pods = data.get("selected_pods") or []
        return ask.answer(f"{ask.resource} routes to {len(pods)} pod(s) ({data.get('ready_endpoints', 0)} ready endpoints) "
                          f"selected by {data.get('selector')}", details=[f"pod {p}" for p in pods],
                          next_steps=["Ask about the workload behind it for the services it calls."])
    lines, down, deps = [], [], []
    for dep in data.get("calls") or []:
        line, healthy = _dependency_line(dep)
        lines.append(line)
        deps.append(dep.get("service"))
        if not healthy:
            down.append(dep.get("service"))
    if data.get("selected_by_services"):
        lines.append(f"fronted by Service(s): {', '.join(data['selected_by_services'])}")
    for service, further in await _calls_behind(ask, [d for d in deps if d]):  # "everything X depends on": a hop deeper
        line, healthy = _dependency_line(further)
        lines.append(f"through {service}: {line}")
        if not healthy:
            down.append(further.get("service"))
    resources = [ask.resource or "", *deps]
    # a host its settings name that no Service of the cluster has (the server reads them): a call leaving the cluster
    outside = {str(c.get("host")): str(c.get("env")) for c in data.get("calls_outside") or []}
    lines += [f"outside the cluster: {host} (from {env})" for host, env in outside.items()]
    if ENV_ASKED.search(ask.question) and namespace and kind in ("Deployment", "StatefulSet", "DaemonSet", "Pod"):
        # "what does it need at startup, any env": what its environment sets, besides the services it names
        described = await ask.call("kubernetes", "describe", {"kind": kind, "name": name, "namespace": namespace,
                                                             "events_limit": 0})
        spec = pod_spec_of(kind, (described.data or {}).get("object") or {})
        lines += env_lines(ask.resource or "", spec, "", wanted=lambda _: True)
    if routed:
        lines.insert(0, routed)
    if not data.get("calls"):
        return ask.answer(f"{ask.resource} calls no in-cluster service (none named in its environment)"
                          + (f"; outside the cluster: {', '.join(outside)}" if outside else ""), details=lines,
                          resources=resources, next_steps=["Its own pods and logs are where to look."])
    if down:
        return ask.answer(f"{ask.resource} depends on {len(deps)} service(s); DOWN: {', '.join(down)}", status="problems",
                          details=lines, resources=[*down, *resources],
                          next_steps=[f"The failing dependency is the likelier root cause: ask 'why is "
                                      f"{parse_resource_id(down[0])[2]} failing?'."])
    return ask.answer(f"{ask.resource} depends on {len(deps)} service(s), all with ready endpoints: {', '.join(deps)}"
                      + (f"; outside the cluster: {', '.join(outside)}" if outside else ""),
                      status="answered", details=lines, resources=resources,
                      next_steps=["Its dependencies are up; look at its own pods, logs and recent changes."])


@handles("dependents", needs=("kubernetes",))
async def dependents(ask: Ask) -> Answer:
    if not ask.resource:  # "who else is hit by this", asked cold: the worst problem now is what "this" is
        wider = await wider_subject(ask)
        if isinstance(wider, Answer):
            return wider
        ask.resource = wider
    namespace, kind, name = parse_resource_id(ask.resource or "")
    if kind in ("ConfigMap", "Secret"):
        return await config_dependents(ask)
    services = [name] if kind == "Service" else []
    selector_gap = ""
    if kind != "Service":
        walk = await ask.call("kubernetes", "ownership", {"kind": kind, "name": name, **({"namespace": namespace} if namespace else {})})
        if walk.error is not None:
            return ask.answer(f"Could not walk {ask.resource}: {walk.error[:200]}", status="unknown")
        services = (walk.data or {}).get("selected_by_services") or []
        if not services and namespace:
            # No Service selects it (a selector typo?): the Service named for it is still what callers use by name.
            named = await ask.call("kubernetes", "ownership", {"kind": "Service", "name": name, "namespace": namespace})
            if named.error is None and named.data:
                services = [name]
                selector_gap = (f"Service {namespace}/{name} is named for it but its selector {named.data.get('selector')} "
                                f"selects {len(named.data.get('selected_pods') or [])} pod(s): callers by name reach nothing")
    callers: dict[str, list[str]] = {}
    for service in services:
        svc = await ask.call("kubernetes", "ownership", {"kind": "Service", "name": service, "namespace": namespace})
        callers[resource_id("Service", service, namespace)] = (svc.data or {}).get("called_by") or []
    everyone = sorted({c for found in callers.values() for c in found})
    lines = [f"{svc} is called by: {', '.join(found) or 'nothing in the cluster'}" for svc, found in callers.items()]
    if selector_gap:
        lines.insert(0, selector_gap)
    if not services:
        return ask.answer(f"No Service selects {ask.resource}, so nothing in the cluster calls it by Service name",
                          details=lines, next_steps=["Check ingresses or external callers."])
    # up the call chain until nobody new calls in ("how far up does this go"), a few hops at most
    indirect: list[str] = []
    frontier, seen = everyone, {ask.resource or "", *everyone}
    for hops in HOPS:
        further = await _callers_of(ask, frontier, exclude=seen)
        lines += [f"{caller} calls {via} ({hops} hops: its failures reach {caller} too)" for caller, via in further]
        frontier = list(dict.fromkeys(caller for caller, _ in further))
        seen |= set(frontier)
        indirect += frontier
        if not frontier:
            break
    return ask.answer(f"{len(everyone)} workload(s) depend on {ask.resource}" + (f": {', '.join(everyone)}" if everyone else "")
                      + (f"; through them, {', '.join(indirect)}" if indirect else ""),
                      details=lines, resources=[ask.resource or "", *everyone, *indirect],
                      next_steps=["If it is failing, these are the blast radius: check their alarms."])


HOPS = ("two", "three", "four")  # how far up the callers are walked


async def _calls_behind(ask: Ask, services: list[str]) -> list[tuple[str, dict]]:
    """(service, a dependency of the workload behind it): what the dependencies themselves call, one hop further."""
    found: list[tuple[str, dict]] = []
    for service in services[:6]:
        workload = await workload_of_service(ask, service)
        if workload is None:
            continue
        w_ns, w_kind, w_name = parse_resource_id(workload)
        walk = await ask.call("kubernetes", "ownership", {"kind": w_kind, "name": w_name, "namespace": w_ns})
        found += [(service, dep) for dep in (walk.data or {}).get("calls") or [] if dep.get("service") not in services]
    return found


async def _callers_of(ask: Ask, workloads: list[str], exclude: set[str]) -> list[tuple[str, str]]:
    """(caller, the workload it calls) one hop further up: who calls the callers, by the Services that select them."""
    found: list[tuple[str, str]] = []
    for workload in workloads[:6]:
        namespace, kind, name = parse_resource_id(workload)
        walk = await ask.call("kubernetes", "ownership", {"kind": kind, "name": name, **({"namespace": namespace} if namespace else {})})
        for service in (walk.data or {}).get("selected_by_services") or []:
            svc = await ask.call("kubernetes", "ownership", {"kind": "Service", "name": service, "namespace": namespace})
            found += [(caller, workload) for caller in (svc.data or {}).get("called_by") or [] if caller not in exclude]
    return list(dict.fromkeys(found))


# "elevator-pg's secret", "ticket-api's configmap": the one that workload reads
POSSESSED_CONFIG = re.compile(r"([a-z0-9][a-z0-9.-]*[a-z0-9])'s\s+(?:secret|config\s*map)", re.IGNORECASE)


async def _read_by_focus(ask: Ask, kinds: list[str], workloads: list[str] | None = None) -> str | None:
    """The ConfigMap (or Secret) of the kinds asked about that the conversation's latest workload (or the
    workloads given) references."""
    for rid in (workloads if workloads is not None else ask.focus[:3]):
        namespace, kind, name = parse_resource_id(rid)
        if kind not in ("Deployment", "StatefulSet", "DaemonSet", "CronJob", "Job", "Pod") or not namespace:
            continue
        described = await ask.call("kubernetes", "describe", {"kind": kind, "name": name, "namespace": namespace,
                                                             "events_limit": 0})
        refs = config_refs_of(pod_spec_of(kind, (described.data or {}).get("object") or {}))
        read = [ref.split(" ", 1)[0] for ref in refs if ref.split("/", 1)[0] in kinds]
        if read:
            return f"{namespace}/{read[0]}"
    return None


@handles("config_keys", needs=("kubernetes",))
async def config_keys(ask: Ask) -> Answer:
    """Which keys a Secret or ConfigMap holds now (the tools mask Secret values; chat names a Secret's keys only,
    a ConfigMap's with their values): the one the question names, else the last one the conversation mentioned.
    With no kind noun ("whats in billing-psp") the name decides: a ConfigMap or Secret, else a namespace's workloads."""
    named = "ConfigMap" if re.search(r"config\s*map", ask.question, re.IGNORECASE) else (
        "Secret" if re.search(r"\bsecret", ask.question, re.IGNORECASE) else None)
    kinds = [named] if named else ["ConfigMap", "Secret"]
    subject = ask.recognised.subject
    rid = next((r for r in ask.focus if parse_resource_id(r)[1] in kinds), None) if subject is None else None
    if owner := POSSESSED_CONFIG.search(ask.question):
        found = await ask.call("kubernetes", "find_resource", {"name": owner.group(1).lower()})
        holders = [m["resource"] for m in (found.data or {}).get("matches") or [] if m.get("exact")]
        rid = await _read_by_focus(ask, kinds, holders[:3]) if holders else None
        subject = None if rid else subject
    if subject is not None:
        found = await ask.call("kubernetes", "find_resource", {"name": subject, "kinds": kinds})
        matches = (found.data or {}).get("matches") or []
        if not named and not any(m.get("exact") for m in matches):
            if subject in await namespaces(ask):  # "whats in commerce": what runs there
                lines, resources, error = await workloads_in(ask, subject)
                return ask.answer(error or f"{len(resources)} workload(s) in namespace {subject}", details=lines,
                                  status="unknown" if error else "answered", resources=resources[:4])
            matches = []  # a look-alike ConfigMap is not what "whats in <name>" asked about
        ranked = sorted(matches, key=lambda m: (not m.get("exact"),
                                                bool(ask.namespace) and parse_resource_id(m["resource"])[0] != ask.namespace))
        rid = ranked[0]["resource"] if ranked else None
        if rid is None:
            return ask.answer(f"{subject}: not found -- no {' or '.join(kinds)} whose name contains {subject!r}.",
                              status="answered", next_steps=[f"Check the name (kubectl get {','.join(k.lower() for k in kinds)} -A)."])
    if rid is None and subject is None:  # "whats in its configmap": the one the conversation's workload reads
        rid = await _read_by_focus(ask, kinds)
    kind = parse_resource_id(rid)[1] if rid else (named or "Secret")
    if rid is None:
        return ask.answer(f"Which {kind} do you mean? Name it; nothing earlier in this conversation names one.",
                          status="needs_subject", next_steps=[f"Ask e.g. 'what keys are in {kind.lower()} <name>'."])
    namespace, _, name = parse_resource_id(rid)
    described = await ask.call("kubernetes", "describe", {"kind": kind, "name": name, "namespace": namespace})
    if described.error is not None:
        return ask.answer(f"Could not read {rid}: {described.error[:200]}", status="problems" if "not found" in described.error.lower()
                          else "unknown", resources=[rid], next_steps=["Check it exists: it may have been deleted."])
    obj = (described.data or {}).get("object") or {}
    keys = sorted({*(obj.get("data") or {}), *(obj.get("binaryData") or {}), *(obj.get("stringData") or {})})
    data = sorted((obj.get("data") or {}).items()) if kind == "ConfigMap" else []
    values = [f"{k}={shortened(' '.join(str(v).split()))}" for k, v in data]  # a multi-line value on one line
    return ask.answer(f"{rid} holds {len(keys)} key(s): {', '.join(keys) or '(none)'}", status="answered", resources=[rid],
                      details=values or ["(key names only: a Secret's values are never shown)"],
                      next_steps=["Compare with the keys its workloads reference (their events say which is missing)."])
