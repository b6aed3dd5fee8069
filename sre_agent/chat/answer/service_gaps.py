"""A workload's Services that fail it while its pods look fine: the Service meant for its pods that selects none of
them (a renamed or extra label), and a Service that selects them but targets a port none of them declares. Ready
pods, a quiet analyzer and no alarm of their own -- and every caller gets errors."""

from __future__ import annotations

from ...contracts import parse_resource_id
from ..ask import Ask
from ..understand.references import workload_of_service
from .notes import peoples_notes
from .templates import label_text

IDENTITY_LABELS = frozenset({"app", "app.kubernetes.io/name", "app.kubernetes.io/instance", "k8s-app", "name"})


async def services_missing_it(ask: Ask, rid: str, template_meta: dict, findings: list[dict]) -> list[str]:
    """Ready pods do not make a healthy service when the Service meant for them selects none: a Service with a
    finding in the workload's namespace is meant for it when it has the workload's name or its selector shares an
    identity label with the pod template (an extra or renamed key leaves it matching nothing). Its callers get errors."""
    namespace, _, name = parse_resource_id(rid)
    labels = {str(k): str(v) for k, v in (template_meta.get("labels") or {}).items()}
    trouble = []
    for finding in findings:
        fns, fkind, fname = parse_resource_id(finding.get("resource") or "x/x")
        if fkind != "Service" or fns != namespace:
            continue
        walk = await ask.call("kubernetes", "ownership", {"kind": "Service", "name": fname, "namespace": fns})
        selector = {str(k): str(v) for k, v in ((walk.data or {}).get("selector") or {}).items()}
        # Only a shared *identity* label says "meant for": part-of/tier/team labels are shared by whole namespaces.
        shared = [f"{k}={v}" for k, v in selector.items() if labels.get(k) == v and k in IDENTITY_LABELS]
        if walk.error is not None or not (fname == name or shared) or all(labels.get(k) == v for k, v in selector.items()):
            continue  # not its Service, or one that does select its pods (then the finding is about something else)
        unmatched = [f"{k}={v}" for k, v in selector.items() if labels.get(k) != v]
        why = "same name" if fname == name else "its selector shares " + ", ".join(shared)
        endpoints = (walk.data or {}).get("ready_endpoints")
        served = f"{finding.get('reason')}; {endpoints if endpoints is not None else '?'} ready endpoints"
        trouble.append(f"Service {finding.get('resource')} is meant for these pods ({why}) but selects none of them "
                       f"({served}): its selector wants {', '.join(unmatched)}, which the pods do not carry "
                       f"(pod labels {label_text(labels)})")
    return trouble


async def unreached_ports(ask: Ask, namespace: str, service: str) -> list[str]:
    """A Service that selects the pods but targets a port none of them declares: the pods are Ready and serve
    nothing through it -- its callers' connections are refused."""
    walk = await ask.call("kubernetes", "ownership", {"kind": "Service", "name": service, "namespace": namespace})
    return [f"Service {namespace}/Service/{service} port {p.get('port')} has targetPort {p.get('target_port')}, which none of "
            f"these pods declares (they declare {', '.join(p.get('declared') or []) or 'no ports'}): its endpoints "
            "reach no listening port and callers' connections are refused"
            for p in (walk.data or {}).get("ports") or [] if p.get("reached") is False]


async def scaled_to_zero_behind(ask: Ask, service: str) -> str | None:
    """The workload of the Service's name when its replicas are set to 0 (a decommission, a cost-saving scale-down),
    with its person's note: why the Service is empty, which is not a fault of the Service's own."""
    workload = await workload_of_service(ask, service)
    if not workload:
        return None
    namespace, kind, name = parse_resource_id(workload)
    described = await ask.call("kubernetes", "describe", {"kind": kind, "name": name, "namespace": namespace, "events_limit": 0})
    obj = (described.data or {}).get("object") or {}
    if (obj.get("spec") or {}).get("replicas") != 0:
        return None
    notes = peoples_notes(obj, prose_only=True)[:1]
    return workload + (f" ({notes[0]})" if notes else "")
