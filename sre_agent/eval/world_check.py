"""Did the fault really clear? The evaluation harness asks the lab's world directly (it is the
judge, not the responder): the root-cause resource is healthy and the scenario's alarm is OK."""

from __future__ import annotations

from ..contracts import parse_resource_id
from ..lab.lab import Lab


def resource_healthy(lab: Lab, resource: str) -> tuple[bool, str]:
    lab.world.sync()
    namespace, kind, name = parse_resource_id(resource)
    store = lab.store
    if kind in ("Deployment", "StatefulSet", "DaemonSet"):
        obj = store.try_get(kind, namespace, name)
        if obj is None:
            return False, f"{resource} no longer exists"
        status = obj.get("status") or {}
        desired = obj["spec"].get("replicas", status.get("desiredNumberScheduled", 1))
        ready = status.get("readyReplicas", status.get("numberReady", 0)) or 0
        pods = [p for p in lab.world.pods_in(namespace) if any(r.get("name", "").startswith(name) for r in
                                                              p["metadata"].get("ownerReferences") or [])]
        waiting = [p["metadata"]["name"] for p in pods for s in (p["status"].get("containerStatuses") or [])
                   if (s.get("state") or {}).get("waiting")]
        ok = ready >= desired and not waiting and (kind != "Deployment" or status.get("updatedReplicas", 0) >= desired)
        uncovered = _nodes_without_it(lab, obj, pods) if kind == "DaemonSet" and _truth_is(lab, "unschedulable") else []
        return ok and not uncovered, (f"{resource}: {ready}/{desired} ready, waiting containers {waiting}"
                                      + (f", no pod on Ready nodes {uncovered}" if uncovered else ""))
    if kind == "Job":
        return _job_healthy(store.try_get("Job", namespace, name), resource)
    if kind == "CronJob":
        # Fixed when the newest Job it started completes (a failed or running one is not a fix yet).
        jobs = [j for j in store.list("Job", namespace)
                if any(r.get("kind") == "CronJob" and r.get("name") == name for r in j["metadata"].get("ownerReferences") or [])]
        if not jobs:
            return False, f"{resource} has started no Job"
        newest = max(jobs, key=lambda j: j["metadata"].get("creationTimestamp") or "")
        return _job_healthy(newest, f"{resource}'s newest Job {newest['metadata']['name']}")
    if kind == "Pod":
        pod = store.try_get("Pod", namespace, name)
        if pod is None:
            return False, f"{resource} no longer exists"
        statuses = (pod.get("status") or {}).get("containerStatuses") or []
        ready = bool(statuses) and all(s.get("ready") for s in statuses)
        return ready, f"{resource}: phase {(pod.get('status') or {}).get('phase')}, containers ready {ready}"
    if kind == "Node":
        down = name in lab.world.node_faults
        return not down, f"node {name} {'NotReady' if down else 'Ready'}"
    if kind == "PersistentVolumeClaim":
        pvc = store.try_get(kind, namespace, name)
        phase = ((pvc or {}).get("status") or {}).get("phase")
        return phase == "Bound", f"PVC {name} {phase}"
    if kind == "Service":
        endpoints = store.try_get("Endpoints", namespace, name) or {}
        ready = sum(len(s.get("addresses") or []) for s in endpoints.get("subsets") or [])
        return ready > 0, f"Service {name}: {ready} ready endpoints"
    if kind == "ResourceQuota":
        failing = [rs["metadata"]["name"] for rs in store.list("ReplicaSet", namespace)
                   if rs["metadata"]["uid"] in lab.world.replicaset_failures]
        return not failing, f"ReplicaSets still refused by quota: {failing}"
    if kind in ("ConfigMap", "Secret"):  # a value held for others: fixed when every workload reading it is healthy
        readers = _readers(lab, namespace or "", kind, name)
        states = [resource_healthy(lab, r) for r in readers]
        return all(ok for ok, _ in states), (f"{resource} is read by " + "; ".join(d for _, d in states)
                                             if readers else f"no workload reads {resource}")
    return False, f"no health check for kind {kind}"


def _readers(lab: Lab, namespace: str, kind: str, name: str) -> list[str]:
    """The workloads whose pod template reads the ConfigMap or Secret (env, envFrom or a volume)."""
    key = "configMap" if kind == "ConfigMap" else "secret"
    readers = []
    for workload_kind in ("Deployment", "StatefulSet", "DaemonSet"):
        for obj in lab.store.list(workload_kind, namespace):
            spec = ((obj.get("spec") or {}).get("template") or {}).get("spec") or {}
            refs = [v.get(key, {}).get("name" if key == "configMap" else "secretName") for v in spec.get("volumes") or []]
            for container in (spec.get("containers") or []) + (spec.get("initContainers") or []):
                refs += [(e.get(f"{key}Ref") or {}).get("name") for e in container.get("envFrom") or []]
                refs += [((e.get("valueFrom") or {}).get(f"{key}KeyRef") or {}).get("name") for e in container.get("env") or []]
            if name in refs:
                readers.append(f"{namespace}/{workload_kind}/{obj['metadata']['name']}")
    return readers


def _truth_is(lab: Lab, category: str) -> bool:
    return bool(lab.scenario) and lab.scenario.scenario.truth.category.value == category


def _nodes_without_it(lab: Lab, daemonset: dict, pods: list[dict]) -> list[str]:
    """A DaemonSet kept off nodes (the fault of an unschedulable DaemonSet) is fixed when every Ready node its
    nodeSelector admits runs one of its pods -- its status counts only the nodes it already fits, so it cannot say."""
    selector = (((daemonset.get("spec") or {}).get("template") or {}).get("spec") or {}).get("nodeSelector") or {}
    running = {(p.get("spec") or {}).get("nodeName") for p in pods}
    missing = []
    for node in lab.store.list("Node"):
        name = node["metadata"]["name"]
        labels = node["metadata"].get("labels") or {}
        ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in (node.get("status") or {}).get("conditions") or [])
        if ready and name not in lab.world.node_faults and all(labels.get(k) == v for k, v in selector.items()) \
                and name not in running:
            missing.append(name)
    return missing


def _job_healthy(job: dict | None, what: str) -> tuple[bool, str]:
    """A Job is fixed when it completes (a re-created Job counts: the work got done)."""
    if job is None:
        return False, f"{what} no longer exists"
    conditions = {c.get("type"): c.get("status") for c in (job.get("status") or {}).get("conditions") or []}
    done = conditions.get("Complete") == "True"
    return done, f"{what}: {'Complete' if done else 'not complete'} (conditions {conditions})"


def alarm_ok(lab: Lab) -> tuple[bool, str]:
    alarm = lab.scenario.scenario.alarm if lab.scenario else None
    if alarm is None:
        return True, "no alarm"
    state = lab.alarm_state(alarm.name)
    return state == "OK", f"alarm {alarm.name} {state}"


def fault_cleared(lab: Lab, resource: str) -> tuple[bool, str]:
    healthy, detail = resource_healthy(lab, resource)
    quiet, alarm_detail = alarm_ok(lab)
    return healthy and quiet, f"{detail}; {alarm_detail}"
