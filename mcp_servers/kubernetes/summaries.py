"""Compact, safe views of Kubernetes objects for an agent's context.

`summarize` gives the one-line facts `kubectl get -o wide` would show per kind; `sanitize` gives
the object for `describe` with managedFields cut to who wrote it when, minus last-applied-configuration, with Secret values
replaced -- always, even with --allow-sensitive-data-access: a diagnosis needs a Secret's keys, never
its values. Everything else secret-shaped (env values, args, ConfigMap files, annotations) is masked
by the redaction layer every result passes through (common/redaction.py, hooked in the registry)."""

from __future__ import annotations

import base64
import copy
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from kubernetes.utils.quantity import parse_quantity

SECRET_VALUE = "***redacted***"

# A node's labels that say which group it belongs to (node group, pool, instance type, zone, custom roles):
# what nodeSelectors and affinities match on. Its identity (hostname) and the deprecated beta.* copies are not.
NODE_IDENTITY_LABELS = ("kubernetes.io/hostname", "kubernetes.io/os", "kubernetes.io/arch")


def _node_group_labels(labels: dict) -> dict:
    return {k: v for k, v in sorted(labels.items()) if k not in NODE_IDENTITY_LABELS and not k.startswith("beta.kubernetes.io/")}


def _age(timestamp: str | None) -> str:
    if not timestamp:
        return ""
    try:
        then = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return ""
    seconds = int((datetime.now(UTC) - then).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{max(seconds, 0)}s"


def pod_requests(pod_spec: dict) -> dict[str, str]:
    """What the scheduler reserves for a pod, as `kubectl describe node` adds it up: the containers' requests
    summed, or an init container's when larger (they run one at a time, before the others). cpu in millicores,
    memory in Mi; empty when nothing is requested."""
    def total(containers: list[dict], key: str) -> Decimal:
        return sum((_quantity(((c.get("resources") or {}).get("requests") or {}).get(key)) for c in containers), Decimal(0))

    def largest(containers: list[dict], key: str) -> Decimal:
        return max((_quantity(((c.get("resources") or {}).get("requests") or {}).get(key)) for c in containers), default=Decimal(0))

    containers, inits = pod_spec.get("containers") or [], pod_spec.get("initContainers") or []
    cpu = max(total(containers, "cpu"), largest(inits, "cpu"))
    memory = max(total(containers, "memory"), largest(inits, "memory"))
    requested = {}
    if cpu:
        requested["cpu"] = f"{int(cpu * 1000)}m"
    if memory:
        requested["memory"] = f"{int(memory / (1 << 20))}Mi"
    return requested


def _quantity(value: Any) -> Decimal:
    if value in (None, ""):
        return Decimal(0)
    try:
        return Decimal(parse_quantity(value))
    except ValueError:
        return Decimal(0)


def _images(pod_spec: dict) -> list[str]:
    return [c.get("image", "") for c in pod_spec.get("containers") or []]


def _container_names(pod_spec: dict) -> list[str]:
    """The containers in the order of `_images` (kubectl -o wide's CONTAINERS column beside IMAGES)."""
    return [c.get("name", "") for c in pod_spec.get("containers") or []]


PULL_REASONS = frozenset({"ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull"})


def _initializing(pod: dict, problems: list[str]) -> str | None:
    """kubectl's STATUS for a pod whose init containers have not all succeeded: Init:<n done>/<total> while one runs,
    Init:<reason> when one waits or failed (printers.go printPod) -- the app containers' "PodInitializing" says less."""
    statuses = (pod.get("status") or {}).get("initContainerStatuses") or []
    total = len((pod.get("spec") or {}).get("initContainers") or []) or len(statuses)
    for index, s in enumerate(statuses):
        state = s.get("state") or {}
        ended, waiting = state.get("terminated"), state.get("waiting")
        if ended and ended.get("exitCode") == 0:
            continue
        if ended:
            shown = f"Init:{ended.get('reason') or 'ExitCode:' + str(ended.get('exitCode'))}"
            problems.append(f"init container {s.get('name')}: exited {ended.get('reason') or 'Error'} ({ended.get('exitCode')})")
        elif waiting and waiting.get("reason") and waiting.get("reason") != "PodInitializing":
            shown = f"Init:{waiting['reason']}"
            problems.append(f"init container {s.get('name')}: {waiting['reason']}")
        else:
            shown = f"Init:{index}/{total}"
            problems.append(f"init container {s.get('name')} has not finished (the app containers wait for it)")
        return shown
    return None


def pod_summary(pod: dict) -> dict[str, Any]:
    status = pod.get("status") or {}
    statuses = status.get("containerStatuses") or []
    ready = sum(1 for s in statuses if s.get("ready"))
    restarts = sum(s.get("restartCount", 0) for s in statuses)
    reason = status.get("reason")
    problems = []
    reason = reason or _initializing(pod, problems)
    for s in statuses:
        waiting = (s.get("state") or {}).get("waiting")
        if waiting:
            # A pull problem is about one reference: say which, so a row answers "which tag?" without a describe.
            image = f" ({s.get('image')})" if waiting.get("reason") in PULL_REASONS and s.get("image") else ""
            problems.append(f"{s['name']}: {waiting.get('reason')}{image}")
            reason = reason or waiting.get("reason")
        last = (s.get("lastState") or {}).get("terminated")
        if last and last.get("reason") in ("OOMKilled", "Error") and s.get("restartCount"):
            problems.append(f"{s['name']}: last exit {last.get('reason')} ({last.get('exitCode')})")
        ended = (s.get("state") or {}).get("terminated")
        if ended and ended.get("exitCode"):  # a run's container that ended for good (a Job's): why, as kubectl shows it
            problems.append(f"{s['name']}: exited {ended.get('reason') or 'Error'} ({ended.get('exitCode')})")
            reason = reason or ended.get("reason")
    for condition in status.get("conditions") or []:
        if condition.get("type") == "PodScheduled" and condition.get("status") == "False":
            reason = reason or condition.get("reason")
    meta = pod.get("metadata") or {}
    phase = "Terminating" if meta.get("deletionTimestamp") else status.get("phase")
    summary = {
        "name": meta.get("name"), "namespace": meta.get("namespace"),
        "status": reason or phase, "phase": phase, "ready": f"{ready}/{len(pod.get('spec', {}).get('containers') or [])}",
        "restarts": restarts, "node": pod.get("spec", {}).get("nodeName"), "age": _age(meta.get("creationTimestamp")),
        "created": meta.get("creationTimestamp"),  # exact: whether it started before a ConfigMap it reads was edited
        "owner": next((f"{r['kind']}/{r['name']}" for r in meta.get("ownerReferences") or []), None),
        # kubectl get pods --show-labels' column: what a Service's selector is matched against
        "labels": ",".join(f"{k}={v}" for k, v in sorted((meta.get("labels") or {}).items())),
    }
    if problems:
        summary["problems"] = problems
    if status.get("qosClass"):  # Guaranteed / Burstable / BestEffort: who the kubelet evicts first under pressure
        summary["qos"] = status["qosClass"]
    if requested := pod_requests(pod.get("spec") or {}):  # what it holds of its node's allocatable
        summary["requests"] = requested
    return summary


def _workload(obj: dict) -> dict[str, Any]:
    spec, status, meta = obj.get("spec") or {}, obj.get("status") or {}, obj.get("metadata") or {}
    template = (spec.get("template") or {}).get("spec") or {}
    desired = spec.get("replicas", status.get("desiredNumberScheduled"))
    summary = {
        "name": meta.get("name"), "namespace": meta.get("namespace"),
        "ready": f"{status.get('readyReplicas', status.get('numberReady', 0)) or 0}/{desired if desired is not None else '?'}",
        "images": _images(template), "age": _age(meta.get("creationTimestamp")),
        # kubectl get -o wide's CONTAINERS: what "the envoy sidecar" or "the proxy container" names
        "containers": [c.get("name") for c in template.get("containers") or [] if c.get("name")],
        "created": meta.get("creationTimestamp"),  # the exact time: "age" is kubectl's whole units (1h for 1h59m)
    }
    if "updatedReplicas" in status:
        summary["up_to_date"] = status.get("updatedReplicas")
    revision = (meta.get("annotations") or {}).get("deployment.kubernetes.io/revision")
    if revision:
        summary["revision"] = int(revision)
    bad = [c for c in status.get("conditions") or [] if (c.get("type") in ("Available", "Progressing") and c.get("status") != "True")
           or (c.get("type") == "ReplicaFailure" and c.get("status") == "True")]
    if bad:
        summary["conditions"] = [f"{c['type']}={c['status']}: {c.get('reason', '')} {c.get('message', '')}".strip() for c in bad]
    return summary


def last_written(meta: dict) -> str | None:
    """When the object was last written: the newest managedFields time (the API server stamps every write), else its
    creation. A ConfigMap or Secret has no status or revisions: this is the only record of its last change."""
    times = [str(entry["time"]) for entry in meta.get("managedFields") or [] if isinstance(entry, dict) and entry.get("time")]
    return max(times, default=None) or meta.get("creationTimestamp")


def summarize(kind: str, obj: dict) -> dict[str, Any]:
    meta = obj.get("metadata") or {}
    base = {"name": meta.get("name")}
    if meta.get("namespace"):
        base["namespace"] = meta["namespace"]
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    if kind == "Pod":
        return pod_summary(obj)
    if kind in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"):
        return _workload(obj)
    if kind == "Service":
        return {**base, "type": spec.get("type", "ClusterIP"), "selector": spec.get("selector"),
                # kubectl get svc's EXTERNAL-IP column of an ExternalName: the host it aliases
                **({"externalName": spec["externalName"]} if spec.get("externalName") else {}),
                "ports": [f"{p.get('port')}->{p.get('targetPort', p.get('port'))}" for p in spec.get("ports") or []],
                "written": last_written(meta), "created": meta.get("creationTimestamp")}  # an edit shows nowhere else
    if kind == "Endpoints":
        subsets = obj.get("subsets") or []
        return {**base, "ready": sum(len(s.get("addresses") or []) for s in subsets),
                "not_ready": sum(len(s.get("notReadyAddresses") or []) for s in subsets)}
    if kind == "Node":
        ready = next((c.get("status") for c in status.get("conditions") or [] if c.get("type") == "Ready"), "Unknown")
        return {**base, "ready": ready, "unschedulable": bool(spec.get("unschedulable")),
                "taints": [f"{t.get('key')}={t.get('value', '')}:{t.get('effect')}" for t in spec.get("taints") or []],
                "cpu": (status.get("allocatable") or {}).get("cpu"), "memory": (status.get("allocatable") or {}).get("memory"),
                # extended resources (nvidia.com/gpu, vpc.amazonaws.com/pod-eni): what "any gpu nodes?" is answered from
                **({"extended": extended} if (extended := {k: v for k, v in (status.get("allocatable") or {}).items() if "/" in k})
                   else {}),
                "labels": _node_group_labels(meta.get("labels") or {}), "age": _age(meta.get("creationTimestamp"))}
    if kind == "Event":
        return event_summary(obj)
    if kind == "Secret":
        # A registry credential's registries (the `auths` keys, never the credentials): which pulls it can serve.
        return {**base, "type": obj.get("type"), "keys": sorted((obj.get("data") or {}).keys()),
                "written": last_written(meta),
                **({"registries": registries} if (registries := registry_hosts(obj)) else {})}
    if kind == "ConfigMap":
        return {**base, "keys": sorted((obj.get("data") or {}).keys()), "written": last_written(meta)}
    if kind == "PersistentVolumeClaim":
        return {**base, "phase": status.get("phase"), "storageClass": spec.get("storageClassName"),
                "request": ((spec.get("resources") or {}).get("requests") or {}).get("storage"),
                "capacity": (status.get("capacity") or {}).get("storage"),
                **({"volume": spec["volumeName"]} if spec.get("volumeName") else {})}
    if kind == "PersistentVolume":  # kubectl get pv's columns, and where it can be attached (a zonal disk's zone)
        claim = spec.get("claimRef") or {}
        return {**base, "phase": status.get("phase"), "capacity": (spec.get("capacity") or {}).get("storage"),
                "storageClass": spec.get("storageClassName"), "reclaim": spec.get("persistentVolumeReclaimPolicy"),
                **({"claim": f"{claim.get('namespace')}/{claim.get('name')}"} if claim.get("name") else {}),
                **({"zones": zones} if (zones := volume_zones(spec)) else {}), "age": _age(meta.get("creationTimestamp"))}
    if kind == "ResourceQuota":
        return {**base, "hard": status.get("hard") or spec.get("hard"), "used": status.get("used")}
    if kind == "PodDisruptionBudget":  # kubectl's MIN AVAILABLE, MAX UNAVAILABLE, ALLOWED DISRUPTIONS -- and whom it guards
        return {**base, **{k: spec[k] for k in ("minAvailable", "maxUnavailable") if k in spec},
                "allowed": status.get("disruptionsAllowed"), "healthy": status.get("currentHealthy"),
                "desired": status.get("desiredHealthy"), "selector": (spec.get("selector") or {}).get("matchLabels")}
    if kind == "HorizontalPodAutoscaler":
        target = spec.get("scaleTargetRef") or {}
        return {**base, "target": f"{target.get('kind')}/{target.get('name')}", "min": spec.get("minReplicas", 1),
                "max": spec.get("maxReplicas"), "current": status.get("currentReplicas"),
                "desired": status.get("desiredReplicas"), "metrics": _hpa_targets(spec),
                # kubectl get hpa's TARGETS left of the slash: what each metric reads now ("cpu 45%" against "cpu 70%")
                **({"metrics_now": now} if (now := _hpa_current(status)) else {}),
                # kubectl describe's Conditions: AbleToScale, ScalingActive, ScalingLimited (reason DesiredWithinRange...)
                **({"conditions": [f"{c.get('type')}={c.get('status')} ({c.get('reason')})" for c in status["conditions"]]}
                   if status.get("conditions") else {})}
    if kind == "Job":
        owner = next((r.get("name") for r in meta.get("ownerReferences") or [] if r.get("kind") == "CronJob"), None)
        true = {c.get("type") for c in status.get("conditions") or [] if c.get("status") == "True"}
        # kubectl get jobs' STATUS column (1.28+): Complete / Failed / Suspended, else Running
        state = next((t for t in ("Complete", "Failed", "Suspended") if t in true), "Running")
        return {**base, "status": state, "active": status.get("active", 0), "succeeded": status.get("succeeded", 0),
                "failed": status.get("failed", 0), "created": meta.get("creationTimestamp"),
                # how long it ran, and how it was split (what a CronJob's runs are compared by: "twice as long")
                "started": status.get("startTime"), "completed": status.get("completionTime"),
                # a failed run has no completionTime: when it was given up on is its Failed condition's time
                **({"failed_at": failed_at} if (failed_at := next((c.get("lastTransitionTime") for c in status.get(
                    "conditions") or [] if c.get("type") == "Failed" and c.get("status") == "True"), None)) else {}),
                "parallelism": spec.get("parallelism"), "completions": spec.get("completions"),
                **({"deadline_s": spec["activeDeadlineSeconds"]} if spec.get("activeDeadlineSeconds") else {}),  # its limit
                "images": _images((spec.get("template") or {}).get("spec") or {}),  # what this run ran: a CronJob's history
                "containers": _container_names((spec.get("template") or {}).get("spec") or {}),  # get jobs -o wide
                # (a Complete condition often carries no reason: then the type alone)
                "condition": next((f"{c.get('type')}" + (f": {c['reason']}" if c.get("reason") else "")
                                   for c in status.get("conditions") or []
                                   if c.get("status") == "True" and c.get("type") in ("Complete", "Failed")), None),
                **({"cronjob": owner} if owner else {})}
    if kind == "CronJob":  # kubectl's columns: SCHEDULE SUSPEND ACTIVE LAST SCHEDULE, and when a run last succeeded
        return {**base, "schedule": spec.get("schedule"), "suspend": bool(spec.get("suspend")),
                "active": len(status.get("active") or []), "last_schedule": status.get("lastScheduleTime"),
                "last_success": status.get("lastSuccessfulTime"),
                "images": _images((((spec.get("jobTemplate") or {}).get("spec") or {}).get("template") or {}).get("spec") or {}),
                "containers": _container_names((((spec.get("jobTemplate") or {}).get("spec") or {}).get("template") or {})
                                               .get("spec") or {}),  # kubectl get cronjob -o wide: CONTAINERS beside IMAGES
                "age": _age(meta.get("creationTimestamp"))}
    return {**base, "age": _age(meta.get("creationTimestamp"))}


def _hpa_targets(spec: dict) -> list[str]:
    """What an HPA scales on, as kubectl shows it: "cpu 70%" (resource utilisation), "memory 500Mi" (average value);
    autoscaling/v1's targetCPUUtilizationPercentage too."""
    out = []
    for metric in spec.get("metrics") or []:
        source = metric.get("resource") or metric.get("containerResource") or {}
        goal = source.get("target") or {}
        if source:
            value = f"{goal['averageUtilization']}%" if "averageUtilization" in goal else goal.get("averageValue") or goal.get("value")
            out.append(f"{source.get('name')} {value}")
        else:
            out.append(str(metric.get("type")))
    if spec.get("targetCPUUtilizationPercentage") is not None:
        out.append(f"cpu {spec['targetCPUUtilizationPercentage']}%")
    return out


ZONE_KEYS = ("topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone", "topology.ebs.csi.aws.com/zone")


def volume_zones(spec: dict) -> list[str]:
    """The zones a PersistentVolume's required node affinity binds it to: only nodes there can mount it."""
    terms = (((spec.get("nodeAffinity") or {}).get("required") or {}).get("nodeSelectorTerms")) or []
    return sorted({value for term in terms for expr in term.get("matchExpressions") or []
                   if expr.get("key") in ZONE_KEYS and expr.get("operator", "In") == "In" for value in expr.get("values") or []})


def _hpa_current(status: dict) -> list[str]:
    """What an HPA's metrics read now (status.currentMetrics), in _hpa_targets' words: "cpu 45%", "memory 310Mi"."""
    out = []
    for metric in status.get("currentMetrics") or []:
        source = metric.get("resource") or metric.get("containerResource") or {}
        now = source.get("current") or {}
        if source and now:
            value = f"{now['averageUtilization']}%" if "averageUtilization" in now else now.get("averageValue") or now.get("value")
            out.append(f"{source.get('name')} {value}")
    return out


def event_summary(event: dict) -> dict[str, Any]:
    involved = event.get("involvedObject") or {}
    return {
        "type": event.get("type"), "reason": event.get("reason"), "object": f"{involved.get('kind')}/{involved.get('name')}",
        "namespace": involved.get("namespace"), "message": event.get("message"), "count": event.get("count", 1),
        "first": event.get("firstTimestamp"), "last": event.get("lastTimestamp") or event.get("eventTime"),
    }


def sanitize(kind: str, obj: dict) -> dict:
    """The object as describe shows it: managedFields only as who wrote it when, no Secret values (the last applied
    configuration goes too: for a Secret applied with kubectl it holds the values in clear)."""
    clean = copy.deepcopy(obj)
    meta = clean.get("metadata") or {}
    # Who last wrote the object and when stays (a Secret rotated after its consumers started is read from it);
    # the field sets, which only a server-side apply needs, go.
    managed = [{key: entry.get(key) for key in ("manager", "operation", "time")}
               for entry in meta.pop("managedFields", None) or [] if isinstance(entry, dict)]
    if managed:
        meta["managedFields"] = managed
    annotations = meta.get("annotations") or {}
    annotations.pop("kubectl.kubernetes.io/last-applied-configuration", None)
    if kind == "Secret":
        clean["data"] = {k: SECRET_VALUE for k in (clean.get("data") or {})}
        clean.pop("stringData", None)
    return clean


def registry_hosts(secret: dict) -> list[str]:
    """The registries a kubernetes.io/dockerconfigjson (or dockercfg) Secret holds credentials for."""
    kind = secret.get("type")
    key = {"kubernetes.io/dockerconfigjson": ".dockerconfigjson", "kubernetes.io/dockercfg": ".dockercfg"}.get(str(kind))
    raw = (secret.get("data") or {}).get(key or "")
    if not raw:
        return []
    try:
        config = json.loads(base64.b64decode(raw))
    except (ValueError, TypeError):
        return []
    auths = config.get("auths", config) if isinstance(config, dict) else {}
    return sorted(str(host) for host in auths) if isinstance(auths, dict) else []

