"""The offline Kubernetes specialist's reading of Services: the workload behind one (or the one its selector was meant
for, compared label by label), and a targetPort no Ready pod declares -- whether the Service was the target or stands
in front of the workload asked about."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from ...contracts import parse_resource_id, parse_time, resource_id
from ...graph.autoscaler_fixes import grew_from
from ...graph.state import Investigation
from .calls import Calls, split_target
from .credentials import last_written

WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet")
WALKABLE = (*WORKLOADS, "Job", "ReplicaSet")  # what the server's ownership tool walks to pods


async def service_ports(namespace: str, name: str, workload: str, calls: Calls) -> None:
    """A Service in front of the workload asked about: a targetPort no Ready pod declares is its fault, whatever the
    pods' health says."""
    data, ev = await calls("ownership", kind="Service", name=name, namespace=namespace)
    _port_mismatches(resource_id("Service", name, namespace), data or {}, [ev], workload, calls)


def _port_mismatches(rid: str, data: dict, evidence: list[str], workload: str | None, calls: Calls) -> list[dict]:
    """A targetPort no Ready pod declares: the pods serve, the Service does not reach them."""
    missed = [p for p in data.get("ports") or [] if p.get("reached") is False]
    for port in missed:
        calls.find(rid, "ServicePortMismatch",
                   f"Service {rid} port {port['port']} targets {port['target_port']}/{port['protocol']} (targetPort), which no "
                   f"Ready pod declares (they declare {', '.join(port['declared']) or 'no ports'})", evidence,
                   severity="critical", port=port["port"], target_port=port["target_port"],
                   declared=port["declared"], workload=workload)
    return missed


def _written(obj: dict | None) -> str | None:
    """When the object was last written (its newest managedFields time), else created."""
    return last_written(obj or {}) or ((obj or {}).get("metadata") or {}).get("creationTimestamp")


async def port_moved_under_callers(workload: str, workload_obj: dict | None, dep: dict, calls: Calls) -> None:
    """A caller dials a port its Service does not expose: whose change was it? When the Service was written after the
    object holding the caller's value (its ConfigMap or Secret, else its own pod template), the value was right when set
    and the Service's ports moved under it -- the Service is the fault (service_port_mismatch), and every caller dialing
    the old port fails alike; otherwise the caller's value is (EndpointUnserved, read by the caller)."""
    namespace, _, name = parse_resource_id(str(dep["service"]))
    service, ev_service = await calls("describe", kind="Service", name=name, namespace=namespace, events_limit=0)
    source = str(dep.get("source") or "env")
    holder, evidence = workload_obj, [ev_service]
    if source.startswith(("ConfigMap/", "Secret/")):
        kind, holder_name = source.split("/")[:2]
        held, ev_holder = await calls("describe", kind=kind, name=holder_name, namespace=split_target(workload)[0],
                                      events_limit=0)
        holder = (held or {}).get("object")
        evidence.append(ev_holder)
    service_obj = (service or {}).get("object")
    moved_at, value_at = _written(service_obj), _written(holder)
    moved, value = parse_time(moved_at) if moved_at else None, parse_time(value_at) if value_at else None
    if moved is None or value is None or moved <= value:
        return
    ports = [f"{p.get('name') or '-'} {p.get('port')}->{p.get('targetPort', p.get('port'))}"
             for p in (service_obj.get("spec") or {}).get("ports") or []] if service_obj else []
    rid = str(dep["service"])
    calls.find(rid, "ServicePortMoved", f"{rid} no longer exposes port {dep.get('port')}, which {workload} dials (via "
               f"{dep.get('env')}): the Service was last written at {moved_at}, after the value was ({value_at}); it "
               f"exposes {', '.join(ports) or 'no ports'}", evidence, severity="critical", port=dep.get("port"),
               ports=ports, caller=workload, env=dep.get("env"), written=moved_at, value_written=value_at)


GENERATED = re.compile(r"(-[a-z0-9]{5,10}){1,2}$|-\d+$")  # a pod's ReplicaSet hash and id, or a member's ordinal


async def _other_backers(service: str, namespace: str, pods: list[str], first: str, selector: str, calls: Calls) -> list[str]:
    """The other workloads whose pods the Service selects (one ownership read per other pod-name stem): a Service that
    spans two workloads spreads its requests over both -- a canary meant so, or another app whose labels it matches."""
    first_name = parse_resource_id(first)[2]
    stems = dict.fromkeys(GENERATED.sub("", pod) for pod in pods)
    others: list[str] = []
    for stem in [s for s in stems if s != first_name][:3]:
        pod = next(p for p in pods if GENERATED.sub("", p) == stem)
        owner, ev = await calls("ownership", kind="Pod", name=pod, namespace=namespace)
        backing = ((owner or {}).get("owners") or [None])[-1]
        if backing and backing != first and backing not in others:
            others.append(backing)
            calls.find(backing, "Backs", f"{backing} backs {service} too", [ev], severity="info", service=service)
    if others:
        service_name = parse_resource_id(service)[2]
        # another app: not a variant of the Service's name, and not a run (a migration Job sharing the app's labels)
        apart = [w for w in [first, *others] if not _same_stem(parse_resource_id(w)[2], service_name)
                 and parse_resource_id(w)[1] not in ("Job", "CronJob")]
        calls.find(service, "ServiceSpansWorkloads", f"{service} selects the pods of {len(others) + 1} workloads "
                   f"({', '.join([first, *others])}): its requests are spread over all of them"
                   + (f"; {', '.join(apart)} {'is' if len(apart) == 1 else 'are'} another app, not {service_name} or a "
                      "variant of it" if apart else ""), [], severity="warning" if apart else "info",
                   workloads=[first, *others], other_apps=apart, other_app_list=", ".join(apart), selector_text=selector)
    return others


def _same_stem(workload: str, service: str) -> bool:
    """`catalogue-search-canary` is a variant of Service `catalogue-search`; `bid-settler` is not one of `bids-api`."""
    return workload == service or grew_from(service, workload)


async def shared_services(workload: str, namespace: str, services: list[str], calls: Calls) -> None:
    """The Services that select a workload's pods, read for the pods of other workloads they select too: a workload
    asked about whose Service also sends its requests to another app (ServiceSpansWorkloads, as service_backends)."""
    for service in services[:2]:
        data, _ = await calls("ownership", kind="Service", name=service, namespace=namespace)
        pods = [str(p) for p in (data or {}).get("selected_pods") or []]
        if pods:
            selector = ",".join(f"{k}={v}" for k, v in sorted(((data or {}).get("selector") or {}).items()))
            await _other_backers(resource_id("Service", service, namespace), namespace, pods, workload, selector, calls)


async def neighbours(namespace: str, state: Investigation, calls: Calls) -> None:
    """The other long-running workloads of a namespace (a Neighbour finding each, the ones no question read yet):
    where the supervisor reads error lines when what the incident names shows nothing."""
    read = {f.resource for f in state.findings}
    for kind in ("Deployment", "StatefulSet"):
        listed, ev = await calls("get_resources", kind=kind, namespace=namespace)
        for item in (listed or {}).get("items") or []:
            rid = resource_id(kind, str(item.get("name")), namespace)
            if rid not in read and rid not in state.incident.affected:
                calls.find(rid, "Neighbour", f"{rid} runs in {namespace} beside what the incident names", [ev],
                           severity="info")


async def service_backends(namespace: str, name: str, calls: Calls) -> list[str]:
    """The workloads behind a Service (or the one its selector should match)."""
    rid = resource_id("Service", name, namespace)
    data, ev = await calls("ownership", kind="Service", name=name, namespace=namespace)
    if data is None:
        return []
    workloads: list[str] = []
    if data.get("selected_pods"):
        owner, ev2 = await calls("ownership", kind="Pod", name=data["selected_pods"][0], namespace=namespace)
        owners = (owner or {}).get("owners") or []
        # What backs the Service: the pods' controller, or -- nothing owning it -- the (bare) pod itself.
        backing = owners[-1] if owners else resource_id("Pod", data["selected_pods"][0], namespace) if owner is not None else None
        if backing:
            workloads.append(backing)
            calls.find(backing, "Backs", f"{backing} backs {rid}", [ev, ev2], severity="info", service=rid)
            selector = ",".join(f"{k}={v}" for k, v in sorted((data.get("selector") or {}).items()))
            workloads += await _other_backers(rid, namespace, data["selected_pods"], backing, selector, calls)
        missed = _port_mismatches(rid, data, [ev, ev2], owners[-1] if owners else None, calls)
        if data.get("ready_endpoints", 0) == 0 and not missed:
            calls.find(rid, "NoReadyEndpoints", f"Service {rid} has {len(data['selected_pods'])} selected pods but none ready",
                       [ev, ev2], severity="critical", selected=len(data["selected_pods"]))
        return workloads
    # Nothing selected: find the workload the Service was meant for (same name first, else the namespace's
    # workload whose pod labels come closest to the selector) and compare labels.
    found, ev2 = await calls("find_resource", name=name, kinds=list(WORKLOADS))
    matches = [m for m in (found or {}).get("matches") or [] if m["resource"].startswith(f"{namespace}/")]
    selector = data.get("selector") or {}
    exact = [m["resource"] for m in matches if m.get("exact")]
    described_labels = {c: await _template_labels(c, calls) for c in exact}
    if not exact:
        described_labels = await _closest_workload(namespace, name, selector, calls)
    candidates = list(described_labels)
    for candidate in candidates:
        labels, own_selector, ev3 = described_labels[candidate]
        mismatched = {k: v for k, v in selector.items() if labels.get(k) != v}
        if mismatched:
            calls.find(rid, "ServiceSelectorMismatch",
                       f"Service {rid} selects {selector} but {candidate}'s pods are labelled {labels}",
                       [ev, ev2, ev3], severity="critical", selector=selector, workload=candidate, labels=labels,
                       workload_selector=own_selector)
        else:
            calls.find(candidate, "Backs", f"{candidate} backs {rid} but has no pods", [ev, ev2, ev3], severity="info",
                       service=rid)
        workloads.append(candidate)
    if not candidates:
        calls.find(rid, "NoReadyEndpoints", f"Service {rid} selects no pods at all", [ev, ev2], severity="critical")
    return workloads


async def _template_labels(workload: str, calls: Calls) -> tuple[dict[str, str], dict[str, str], str]:
    """The workload's pod template labels, its own pod selector (matchLabels), and the evidence id."""
    namespace, kind, name = split_target(workload)
    described, ev = await calls("describe", kind=kind, name=name, namespace=namespace, events_limit=0)
    spec = (((described or {}).get("object") or {}).get("spec") or {})
    if kind == "CronJob":  # its runs' pods are made from its job template
        spec = ((spec.get("jobTemplate") or {}).get("spec") or {})
    labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    return labels, (spec.get("selector") or {}).get("matchLabels") or {}, ev


MAX_SELECTOR_CANDIDATES = 8  # workloads described when a Service's name matches none: enough for a namespace


async def _closest_workload(namespace: str, service: str, selector: dict[str, str],
                            calls: Calls) -> dict[str, tuple[dict[str, str], dict[str, str], str]]:
    """The namespace's workload a selector was most likely meant for: the most selector labels carried
    with the same value, then the same key, then the closest name. Empty when none shares anything."""
    names = []
    for kind in (*WORKLOADS, "CronJob"):  # a CronJob's runs are the pods of a Service that only has them while one runs
        listed, _ = await calls("get_resources", kind=kind, namespace=namespace)
        names += [resource_id(kind, item["name"], namespace) for item in (listed or {}).get("items") or [] if item.get("name")]
    names.sort(key=lambda r: -SequenceMatcher(None, service, r.rsplit("/", 1)[-1]).ratio())
    scored = []
    for candidate in names[:MAX_SELECTOR_CANDIDATES]:
        labels, own_selector, ev = await _template_labels(candidate, calls)
        same = sum(labels.get(k) == v for k, v in selector.items())
        keys = sum(k in labels for k in selector)
        # A typo in a key or a value still leaves one side close to what the pods carry.
        closeness = max((SequenceMatcher(None, v, value).ratio() for v in selector.values() for value in labels.values()),
                        default=0.0)
        scored.append(((same, keys, closeness), candidate, labels, own_selector, ev))
    best = max(scored, key=lambda row: row[0], default=None)
    if best is None or best[0] == (0, 0, 0.0):
        return {}
    return {best[1]: (best[2], best[3], best[4])}
