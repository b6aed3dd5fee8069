"""A node the incident names: its conditions (Ready, the pressures), whether it is cordoned and why -- and, for an
alarm on its memory or CPU, which of its pods uses the most of it (the workload the investigation follows next)."""

from __future__ import annotations

from ...contracts import resource_id
from ...graph.state import Investigation
from .calls import Calls
from .cronjobs import cronjob_pileups
from .intents import note_intent
from .services import WALKABLE

CONSUMER_KINDS = (*WALKABLE, "CronJob")  # what a pod's top owner may be


async def read_node(name: str, calls: Calls) -> None:
    data, ev = await calls("describe", kind="Node", name=name)
    if data is None:
        return
    node = data["object"]
    conditions = {c["type"]: c for c in (node.get("status") or {}).get("conditions") or []}
    ready = conditions.get("Ready", {})
    if ready.get("status") != "True":
        pods, ev2 = await calls("ownership", kind="Node", name=name)
        calls.find(resource_id("Node", name), "NodeNotReady", f"node {name} Ready={ready.get('status')}: {ready.get('message', '')}",
                   [ev, ev2], severity="critical", since=ready.get("lastTransitionTime"),
                   pods=len((pods or {}).get("pods") or []),
                   instance=(node.get("spec") or {}).get("providerID", "").rsplit("/", 1)[-1])
    for ctype in ("MemoryPressure", "DiskPressure", "PIDPressure"):
        if conditions.get(ctype, {}).get("status") == "True":
            calls.find(resource_id("Node", name), ctype, f"node {name} reports {ctype}", ev)
    if (node.get("spec") or {}).get("unschedulable"):
        calls.find(resource_id("Node", name), "NodeCordoned", f"node {name} is cordoned", ev, severity="info")
    note_intent(resource_id("Node", name), node, ev, calls)  # a drain or a cordon for maintenance


def resource_alarmed(state: Investigation) -> str | None:
    """Which resource a node alarm measures (memory or CPU), from its metric's name."""
    metric = str(((state.incident.alarm or {}).get("Trigger") or {}).get("MetricName") or "").lower()
    return next((word for word in ("memory", "cpu") if word in metric), None)


async def node_consumers(name: str, used: str, calls: Calls) -> None:
    """A node whose memory (or CPU) is alarmed: which of its pods uses the most of it -- the workload that
    drives the node's figure is where the investigation goes next (its trend, its logs)."""
    placed, ev = await calls("ownership", kind="Node", name=name)
    on_node = set((placed or {}).get("pods") or [])
    top, ev_top = await calls("top", kind="pods", sort_by=used, limit=1000)
    rows = [r for r in (top or {}).get("items") or [] if f"{r.get('namespace')}/Pod/{r.get('name')}" in on_node]
    if not rows:
        return
    row = rows[0]
    owned, ev_owner = await calls("ownership", kind="Pod", name=row["name"], namespace=row["namespace"])
    owners = (owned or {}).get("owners") or []
    workload = owners[-1] if owners and owners[-1].split("/")[1] in CONSUMER_KINDS else \
        resource_id("Pod", row["name"], row["namespace"])
    if workload.split("/")[1] == "CronJob":  # its runs take the node: do they overlap (runs piling up)?
        await cronjob_pileups(row["namespace"], [f"Node/{name}"], calls)
    figure = f"{row.get('memory_mib')} MiB" if used == "memory" else f"{row.get('cpu_m')}m CPU"
    calls.find(workload, "NodeTopConsumer", f"{row['name']} uses the most {used} on node {name} ({figure}; next: "
               f"{', '.join(r['name'] for r in rows[1:3]) or 'no other pod'})", [ev, ev_top, ev_owner],
               severity="warning", node=name, pod=row["name"], measure=used)


MAX_DISK_WRITERS = 6  # workloads described on a node under disk pressure: its DaemonSets and the few others there


async def node_disk_writers(name: str, calls: Calls) -> None:
    """A node the kubelet tainted for disk pressure: the workloads of its pods that write to the node's own disk (a
    writable hostPath) -- what can fill it; metrics.k8s.io measures no disk per pod, so the writers are found by what
    they mount, and the investigation reads their changes next."""
    listed, ev = await calls("get_resources", kind="Pod", field_selector=f"spec.nodeName={name}")
    owners = {(str(p.get("namespace")), str(p.get("owner"))) for p in (listed or {}).get("items") or []
              if str(p.get("owner") or "").split("/")[0] in ("DaemonSet", "StatefulSet")}
    for namespace, owner in sorted(owners)[:MAX_DISK_WRITERS]:
        kind, workload = owner.split("/", 1)
        described, ev_spec = await calls("describe", kind=kind, name=workload, namespace=namespace, events_limit=0)
        pod = ((((described or {}).get("object") or {}).get("spec") or {}).get("template") or {}).get("spec") or {}
        read_only = {m.get("name") for c in pod.get("containers") or [] for m in c.get("volumeMounts") or [] if m.get("readOnly")}
        paths = [str((v.get("hostPath") or {}).get("path")) for v in pod.get("volumes") or []
                 if v.get("hostPath") and v.get("name") not in read_only]
        if paths:
            rid = resource_id(kind, workload, namespace)
            calls.find(rid, "NodeDiskWriter", f"{rid}'s pods write to node {name}'s own disk ({', '.join(paths[:3])}), "
                       "on a node the kubelet tainted for disk pressure", [ev, ev_spec], severity="warning", node=name,
                       paths=paths, measure="disk")
