"""Small builders for API-shaped objects. Each returns a plain dict as the API server would serve
it, with the fields a real API server requires filled in (selectors, templates, images, ports),
so that cases stay valid when pushed to the lab's emulator."""

from __future__ import annotations

from typing import Any

Obj = dict[str, Any]
T0 = "2024-05-01T10:00:00Z"


def meta(name: str, namespace: str | None = "default", *, labels: dict | None = None,
         annotations: dict | None = None, owner: tuple[str, str] | None = None) -> Obj:
    metadata: Obj = {"name": name}
    if namespace:
        metadata["namespace"] = namespace
    if labels:
        metadata["labels"] = dict(labels)
    if annotations:
        metadata["annotations"] = dict(annotations)
    if owner:
        kind, owner_name = owner
        api = {"ReplicaSet": "apps/v1", "Deployment": "apps/v1", "StatefulSet": "apps/v1",
               "DaemonSet": "apps/v1", "Job": "batch/v1", "CronJob": "batch/v1"}[kind]
        metadata["ownerReferences"] = [{"apiVersion": api, "kind": kind, "name": owner_name,
                                        "uid": f"uid-{owner_name}", "controller": True}]
    return metadata


def container(name: str = "app", image: str = "nginx:1.25", **fields: Any) -> Obj:
    return {"name": name, "image": image, **fields}


# --- pods ------------------------------------------------------------------------------------

def pod(name: str, namespace: str = "default", *, phase: str | None = "Running", labels: dict | None = None,
        containers: list[Obj] | None = None, init_containers: list[Obj] | None = None,
        statuses: list[Obj] | None = None, init_statuses: list[Obj] | None = None,
        conditions: list[Obj] | None = None, owner: tuple[str, str] | None = None,
        volumes: list[Obj] | None = None, status_extra: Obj | None = None, ready: bool | None = None) -> Obj:
    """A pod; containers default to one per status so specs and statuses agree."""
    statuses = statuses or []
    containers = containers or [container(s["name"], s.get("image", "nginx:1.25")) for s in statuses] or [container()]
    spec: Obj = {"containers": containers}
    if init_containers or init_statuses:
        spec["initContainers"] = init_containers or [container(s["name"]) for s in init_statuses or []]
    if volumes:
        spec["volumes"] = volumes
    status: Obj = {}
    if phase:
        status["phase"] = phase
    if conditions is None and ready is not None:
        conditions = [{"type": "Ready", "status": "True" if ready else "False"}]
    if conditions:
        status["conditions"] = conditions
    if init_statuses:
        status["initContainerStatuses"] = init_statuses
    if statuses:
        status["containerStatuses"] = statuses
    status.update(status_extra or {})
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta(name, namespace, labels=labels, owner=owner),
            "spec": spec, "status": status}


def running(name: str = "app", *, ready: bool = True, restarts: int = 0, last: Obj | None = None,
            image: str = "nginx:1.25") -> Obj:
    status: Obj = {"name": name, "image": image, "ready": ready, "restartCount": restarts,
                   "state": {"running": {"startedAt": T0}}}
    if last:
        status["lastState"] = {"terminated": last}
    return status


def waiting(name: str = "app", reason: str = "ContainerCreating", message: str | None = None, *,
            restarts: int = 0, last: Obj | None = None, image: str = "nginx:1.25") -> Obj:
    state: Obj = {"reason": reason}
    if message:
        state["message"] = message
    status: Obj = {"name": name, "image": image, "ready": False, "restartCount": restarts, "state": {"waiting": state}}
    if last:
        status["lastState"] = {"terminated": last}
    return status


def terminated(name: str = "app", exit_code: int = 1, reason: str = "Error") -> Obj:
    return {"name": name, "image": "nginx:1.25", "ready": False, "restartCount": 0,
            "state": {"terminated": {"exitCode": exit_code, "reason": reason}}}


def last_terminated(reason: str = "Error", exit_code: int = 1) -> Obj:
    return {"exitCode": exit_code, "reason": reason, "startedAt": T0, "finishedAt": "2024-05-01T10:00:05Z"}


def unschedulable(message: str) -> Obj:
    return {"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": message}


# --- events ----------------------------------------------------------------------------------

def event(kind: str, name: str, namespace: str | None, reason: str, message: str | None = None, *,
          type_: str | None = "Warning", count: int = 1, last: str | None = T0, field_path: str | None = None,
          event_name: str | None = None, api_version: str = "v1") -> Obj:
    involved: Obj = {"apiVersion": api_version, "kind": kind, "name": name}
    if namespace:
        involved["namespace"] = namespace
    if field_path:
        involved["fieldPath"] = field_path
    obj: Obj = {"apiVersion": "v1", "kind": "Event",
                "metadata": meta(event_name or f"{name}.{reason.lower() or 'event'}", namespace or "default"),
                "involvedObject": involved, "reason": reason, "count": count,
                "source": {"component": "test"}}
    if message is not None:
        obj["message"] = message
    if type_:
        obj["type"] = type_
    if last:
        obj["firstTimestamp"] = last
        obj["lastTimestamp"] = last
    return obj


# --- workloads -------------------------------------------------------------------------------

def pod_template(labels: dict, containers: list[Obj] | None = None, **spec: Any) -> Obj:
    return {"metadata": {"labels": dict(labels)}, "spec": {"containers": containers or [container()], **spec}}


def deployment(name: str, namespace: str = "default", *, replicas: int | None = 1, status: Obj | None = None,
               labels: dict | None = None, containers: list[Obj] | None = None, **template_spec: Any) -> Obj:
    selector = labels or {"app": name}
    spec: Obj = {"selector": {"matchLabels": selector}, "template": pod_template(selector, containers, **template_spec)}
    if replicas is not None:
        spec["replicas"] = replicas
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta(name, namespace),
            "spec": spec, "status": status or {}}


def replicaset(name: str, namespace: str = "default", *, replicas: int | None = None, status: Obj | None = None,
               owner: str | None = None, labels: dict | None = None, containers: list[Obj] | None = None) -> Obj:
    selector = labels or {"app": name}
    spec: Obj = {"selector": {"matchLabels": selector}, "template": pod_template(selector, containers)}
    if replicas is not None:
        spec["replicas"] = replicas
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": meta(name, namespace, owner=("Deployment", owner) if owner else None),
            "spec": spec, "status": status or {}}


def statefulset(name: str, namespace: str = "default", *, service_name: str | None = None, replicas: int | None = None,
                status: Obj | None = None, claim_templates: list[Obj] | None = None,
                containers: list[Obj] | None = None) -> Obj:
    selector = {"app": name}
    spec: Obj = {"selector": {"matchLabels": selector}, "template": pod_template(selector, containers)}
    if service_name is not None:
        spec["serviceName"] = service_name
    if replicas is not None:
        spec["replicas"] = replicas
    if claim_templates:
        spec["volumeClaimTemplates"] = claim_templates
    return {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": meta(name, namespace),
            "spec": spec, "status": status or {}}


def daemonset(name: str, namespace: str = "default", *, status: Obj | None = None,
              containers: list[Obj] | None = None, **template_spec: Any) -> Obj:
    selector = {"key": "value"}
    return {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": meta(name, namespace),
            "spec": {"selector": {"matchLabels": selector}, "template": pod_template(selector, containers, **template_spec)},
            "status": status or {}}


def job(name: str, namespace: str = "default", *, suspend: bool | None = None, status: Obj | None = None,
        owner: str | None = None, containers: list[Obj] | None = None, backoff_limit: int | None = None) -> Obj:
    spec: Obj = {"template": pod_template({"job-name": name}, containers, restartPolicy="Never")}
    if suspend is not None:
        spec["suspend"] = suspend
    if backoff_limit is not None:
        spec["backoffLimit"] = backoff_limit
    return {"apiVersion": "batch/v1", "kind": "Job",
            "metadata": meta(name, namespace, owner=("CronJob", owner) if owner else None),
            "spec": spec, "status": status or {}}


def cronjob(name: str, namespace: str = "default", *, schedule: str = "*/1 * * * *", suspend: bool | None = None,
            starting_deadline: int | None = None, containers: list[Obj] | None = None,
            labels: dict | None = None, annotations: dict | None = None, concurrency_policy: str | None = None,
            status: Obj | None = None) -> Obj:
    spec: Obj = {"schedule": schedule,
                 "jobTemplate": {"spec": {"template": pod_template({"app": name}, containers, restartPolicy="OnFailure")}}}
    if suspend is not None:
        spec["suspend"] = suspend
    if starting_deadline is not None:
        spec["startingDeadlineSeconds"] = starting_deadline
    if concurrency_policy is not None:
        spec["concurrencyPolicy"] = concurrency_policy
    obj: Obj = {"apiVersion": "batch/v1", "kind": "CronJob",
                "metadata": meta(name, namespace, labels=labels, annotations=annotations), "spec": spec}
    if status is not None:
        obj["status"] = status
    return obj


# --- networking ------------------------------------------------------------------------------

def service(name: str, namespace: str = "default", *, selector: dict | None = None, type_: str | None = None,
            target_port: int | str = 8080) -> Obj:
    spec: Obj = {"ports": [{"name": "http", "port": 80, "targetPort": target_port}]}
    if selector:
        spec["selector"] = dict(selector)
    if type_:
        spec["type"] = type_
    return {"apiVersion": "v1", "kind": "Service", "metadata": meta(name, namespace), "spec": spec}


def address(pod_name: str, ip: str = "10.0.0.1", kind: str = "Pod") -> Obj:
    return {"ip": ip, "targetRef": {"kind": kind, "name": pod_name}}


def endpoints(name: str, namespace: str = "default", *, ready: list[Obj] | None = None,
              not_ready: list[Obj] | None = None, annotations: dict | None = None,
              subsets: list[Obj] | None = None) -> Obj:
    obj: Obj = {"apiVersion": "v1", "kind": "Endpoints", "metadata": meta(name, namespace, annotations=annotations)}
    if subsets is None and (ready or not_ready):
        subset: Obj = {"ports": [{"name": "http", "port": 8080}]}
        if ready:
            subset["addresses"] = ready
        if not_ready:
            subset["notReadyAddresses"] = not_ready
        subsets = [subset]
    if subsets:
        obj["subsets"] = subsets
    return obj


def ingress(name: str, namespace: str = "default", *, class_name: str | None = None, annotations: dict | None = None,
            backends: list[str] | None = None, resource_backend: bool = False, tls: list[Obj] | None = None) -> Obj:
    paths = [{"path": "/", "pathType": "Prefix", "backend": {"service": {"name": s, "port": {"number": 80}}}}
             for s in backends or []]
    if resource_backend:
        paths.append({"path": "/static", "pathType": "Prefix", "backend": {"resource": {
            "apiGroup": "k8s.example.com", "kind": "StorageBucket", "name": "static-assets"}}})
    spec: Obj = {}
    if class_name:
        spec["ingressClassName"] = class_name
    if paths:
        spec["rules"] = [{"host": "example.com", "http": {"paths": paths}}]
    if tls:
        spec["tls"] = tls
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": meta(name, namespace, annotations=annotations), "spec": spec}


def ingress_class(name: str, *, default: bool = False) -> Obj:
    annotations = {"ingressclass.kubernetes.io/is-default-class": "true"} if default else None
    return {"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass",
            "metadata": meta(name, None, annotations=annotations), "spec": {"controller": "k8s.io/ingress-nginx"}}


def network_policy(name: str, namespace: str = "default", *, pod_selector: Obj | None = None,
                   ingress_from: list[Obj] | None = None, policy_types: list[str] | None = None) -> Obj:
    spec: Obj = {"podSelector": pod_selector or {}}
    if ingress_from is not None:
        spec["ingress"] = [{"from": ingress_from}]
    if policy_types:
        spec["policyTypes"] = policy_types
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": meta(name, namespace), "spec": spec}


# --- storage, config, cluster ---------------------------------------------------------------

def pvc(name: str, namespace: str = "default", *, phase: str = "Pending", storage_class: str | None = None) -> Obj:
    spec: Obj = {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}
    if storage_class:
        spec["storageClassName"] = storage_class
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": meta(name, namespace),
            "spec": spec, "status": {"phase": phase}}


def storage_class(name: str, *, default: bool = False) -> Obj:
    annotations = {"storageclass.kubernetes.io/is-default-class": "true"} if default else None
    return {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
            "metadata": meta(name, None, annotations=annotations), "provisioner": "ebs.csi.aws.com"}


def configmap(name: str, namespace: str = "default", *, data: dict | None = None, labels: dict | None = None,
              annotations: dict | None = None) -> Obj:
    obj: Obj = {"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": meta(name, namespace, labels=labels, annotations=annotations)}
    if data is not None:
        obj["data"] = data
    return obj


def secret(name: str, namespace: str = "default", *, keys: list[str] | None = None) -> Obj:
    obj: Obj = {"apiVersion": "v1", "kind": "Secret", "metadata": meta(name, namespace), "type": "Opaque"}
    if keys is not None:
        obj["data"] = {key: "" for key in keys}  # values dropped, as the MCP server does
    return obj


def node(name: str, *, conditions: list[Obj] | None = None, unschedulable: bool = False,
         taints: list[Obj] | None = None) -> Obj:
    spec: Obj = {}
    if unschedulable:
        spec["unschedulable"] = True
    if taints:
        spec["taints"] = taints
    obj: Obj = {"apiVersion": "v1", "kind": "Node", "metadata": meta(name, None), "spec": spec}
    if conditions is not None:
        obj["status"] = {"conditions": conditions}
    return obj


def condition(type_: str, status: str, reason: str | None = None, message: str | None = None) -> Obj:
    obj: Obj = {"type": type_, "status": status}
    if reason:
        obj["reason"] = reason
    if message:
        obj["message"] = message
    return obj


def hpa(name: str, namespace: str = "default", *, target_kind: str = "Deployment", target_name: str = "example",
        conditions: list[Obj] | None = None, metrics: list[Obj] | None = None) -> Obj:
    api = "v1" if target_kind == "ReplicationController" else "apps/v1"
    spec: Obj = {"scaleTargetRef": {"apiVersion": api, "kind": target_kind, "name": target_name},
                 "minReplicas": 1, "maxReplicas": 5}
    if metrics:
        spec["metrics"] = metrics
    obj: Obj = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": meta(name, namespace),
                "spec": spec}
    if conditions:
        obj["status"] = {"conditions": conditions}
    return obj


def resources(cpu: str = "100m", memory: str = "128Mi") -> Obj:
    return {"requests": {"cpu": cpu, "memory": memory}, "limits": {"cpu": "200m", "memory": "256Mi"}}


def replication_controller(name: str, namespace: str = "default", *, containers: list[Obj] | None = None) -> Obj:
    labels = {"app": name}
    return {"apiVersion": "v1", "kind": "ReplicationController", "metadata": meta(name, namespace),
            "spec": {"replicas": 1, "selector": labels, "template": pod_template(labels, containers)}}


def pdb(name: str, namespace: str = "test", *, selector: Obj | None = None, conditions: list[Obj] | None = None,
        min_available: int | str | None = None, max_unavailable: int | str | None = None, status: Obj | None = None) -> Obj:
    spec: Obj = {}
    if selector is not None:
        spec["selector"] = selector
    if min_available is not None:
        spec["minAvailable"] = min_available
    if max_unavailable is not None:
        spec["maxUnavailable"] = max_unavailable
    status = dict(status or {})
    if conditions is not None:
        status["conditions"] = conditions
    return {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": meta(name, namespace),
            "spec": spec, "status": status}


def resource_quota(name: str, namespace: str = "default", *, hard: dict, used: dict) -> Obj:
    return {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": meta(name, namespace),
            "spec": {"hard": dict(hard)}, "status": {"hard": dict(hard), "used": dict(used)}}
