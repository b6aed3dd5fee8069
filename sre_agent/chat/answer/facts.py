"""An object's facts as `kubectl describe` shows them -- per container its image, requests and limits, probes,
ports, env names and config references; where its pods run and what places them; a claim's class and size;
a Service's ports and selector; a ConfigMap's or Secret's keys (never values). What chat gives for a question
about an object it has no form for ("what memory limit does it run with", "which node did it land on"): the
facts the answer is among, read from the cluster, rather than nothing."""

from __future__ import annotations

from typing import Any

from ...contracts import parse_resource_id
from ...graph.ports import ToolOutcome
from ...graph.runtime_errors import runtime_reason
from ..ask import Ask
from .notes import MACHINE_ANNOTATIONS
from .objects import RUNS_PODS, pod_spec_of
from .pods import autoscalers, pod_lines
from .templates import label_text, shortened


def probe_said(probe: dict[str, Any]) -> str:
    how = probe.get("httpGet") or probe.get("tcpSocket") or probe.get("grpc") or probe.get("exec") or {}
    where = f"{how.get('path', '')}" + (f":{how['port']}" if "port" in how else "") if "port" in how or "path" in how \
        else str(how.get("command", ""))
    # kubectl describe's line, with the API server's defaults filled in as it shows them ("delay=0s timeout=1s
    # period=10s #success=1 #failure=3"): a timeout left at its 1s default is the value a probe question asks about
    timing = (f"delay={probe.get('initialDelaySeconds', 0)}s timeout={probe.get('timeoutSeconds', 1)}s "
              f"period={probe.get('periodSeconds', 10)}s #success={probe.get('successThreshold', 1)} "
              f"#failure={probe.get('failureThreshold', 3)}")
    return f"{where} ({timing})"


def container_facts(pod_spec: dict[str, Any]) -> list[str]:
    lines = []
    for container in (pod_spec.get("initContainers") or []) + (pod_spec.get("containers") or []):
        resources = container.get("resources") or {}
        parts = [f"image {container.get('image')}",
                 f"requests {resources.get('requests') or {}}", f"limits {resources.get('limits') or {}}"]
        for name in ("readinessProbe", "livenessProbe", "startupProbe"):
            if container.get(name):
                parts.append(f"{name} {probe_said(container[name])}")
        if container.get("ports"):
            parts.append("ports " + ", ".join(f"{p.get('name', '')}:{p.get('containerPort')}".lstrip(":") for p in container["ports"]))
        env = [e.get("name") + (" <- " + ",".join(f"{k} {v.get('name')}:{v.get('key')}" for k, v in e["valueFrom"].items()
                                                    if isinstance(v, dict))
                                if e.get("valueFrom") else "") for e in container.get("env") or []]
        if env:
            parts.append("env " + "; ".join(env))
        for key in ("command", "args"):  # flags set there ("--maxmemory 384mb") are settings too
            if container.get(key):
                parts.append(f"{key} {shortened(' '.join(str(a) for a in container[key]))}")
        sources = [f"{k} {v.get('name')}" for f in container.get("envFrom") or [] for k, v in f.items() if isinstance(v, dict)]
        if sources:
            parts.append("envFrom " + ", ".join(sources))
        lines.append(f"container {container.get('name')}: " + "; ".join(parts))
    return lines


def toleration_text(toleration: dict[str, Any]) -> str:
    key, value, effect = toleration.get("key") or "", toleration.get("value"), toleration.get("effect") or ""
    text = f"{key}={value}" if value not in (None, "") else (key or "(every taint)")
    text += f":{effect}" if effect else ""
    if toleration.get("operator") == "Exists":
        text += " (Exists)"
    return text + (f" for {toleration['tolerationSeconds']}s" if toleration.get("tolerationSeconds") is not None else "")


def placement_facts(pod_spec: dict[str, Any]) -> list[str]:
    lines = []
    if pod_spec.get("nodeSelector"):  # as kubectl describe writes it: key=value
        lines.append("nodeSelector " + label_text(pod_spec["nodeSelector"], sep=", "))
    for key in ("affinity", "nodeName"):
        if pod_spec.get(key):
            lines.append(f"{key} {pod_spec[key]}")
    if pod_spec.get("tolerations"):  # as kubectl describe writes them: key=value:Effect, key:Effect (Exists)
        lines.append("tolerations " + ", ".join(toleration_text(t) for t in pod_spec["tolerations"]))
    runs_as = {"serviceAccountName": "serviceAccount", "imagePullSecrets": "imagePullSecrets",
               "priorityClassName": "priorityClass", "terminationGracePeriodSeconds": "terminationGracePeriodSeconds"}
    said = [f"{word} " + (", ".join(str(s.get("name")) for s in pod_spec[key]) if key == "imagePullSecrets" else str(pod_spec[key]))
            for key, word in runs_as.items() if pod_spec.get(key) not in (None, "", [])]
    if said:  # what the pods run as and pull with: kubectl describe's Service Account, Image Pull Secrets
        lines.append("; ".join(said))
    for volume in pod_spec.get("volumes") or []:
        source = {k: v for k, v in volume.items() if k != "name"}
        lines.append(f"volume {volume.get('name')}: {source}")
    return lines


async def object_facts(ask: Ask, rid: str, described: ToolOutcome) -> list[str]:
    """The facts of `rid` from its describe (read once by the caller, who shows its status too)."""
    namespace, kind, name = parse_resource_id(rid)
    obj = (described.data or {}).get("object") or {}
    spec = obj.get("spec") or {}
    lines = [f"labels {label_text((obj.get('metadata') or {}).get('labels') or {})}"]
    notes = {k: shortened(str(v)) for k, v in ((obj.get("metadata") or {}).get("annotations") or {}).items()
             if k not in MACHINE_ANNOTATIONS}
    if notes:  # who asked for it, the ticket, scrape settings: what people write on an object
        lines.append(f"annotations {notes}")
    if kind in RUNS_PODS:
        pod_spec = pod_spec_of(kind, obj)
        template_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels")
        if template_labels:  # what a Service's selector is matched against: the pods' labels, not the workload's
            lines.append(f"pod labels {label_text(template_labels)}")
        lines += container_facts(pod_spec) + placement_facts(pod_spec)
        strategy = spec.get("strategy") or spec.get("updateStrategy") or {}
        if strategy:
            rolling = strategy.get("rollingUpdate") or {}
            said = ", ".join(f"{rolling[k]} max {w}" for k, w in (("maxUnavailable", "unavailable"), ("maxSurge", "surge"))
                             if k in rolling)  # kubectl describe's RollingUpdateStrategy line
            lines.append(f"update strategy {strategy.get('type', 'RollingUpdate')} {rolling or ''}".rstrip()
                         + (f" (RollingUpdateStrategy: {said})" if said else ""))
        if kind == "StatefulSet":
            for template in spec.get("volumeClaimTemplates") or []:
                claim = template.get("spec") or {}
                size = ((claim.get("resources") or {}).get("requests") or {}).get("storage")
                lines.append(f"volumeClaimTemplate {(template.get('metadata') or {}).get('name')}: class "
                             f"{claim.get('storageClassName')}, request {size}")
        if kind == "CronJob":
            job = ((spec.get("jobTemplate") or {}).get("spec")) or {}
            lines.append(f"schedule {spec.get('schedule')}, concurrencyPolicy {spec.get('concurrencyPolicy', 'Allow')}, "
                         f"suspend {bool(spec.get('suspend'))}; its jobs: activeDeadlineSeconds "
                         f"{job.get('activeDeadlineSeconds', 'none')}, backoffLimit {job.get('backoffLimit', 6)}")
        elif kind == "Job":
            lines.append(f"activeDeadlineSeconds {spec.get('activeDeadlineSeconds', 'none')}, backoffLimit "
                         f"{spec.get('backoffLimit', 6)}, completions {spec.get('completions', 1)}")
        if kind == "Pod":
            lines += _pod_state(obj.get("status") or {})
        else:
            lines += (await pod_lines(ask, f"{namespace}/{kind}/{name}"))[:10]
        if kind in ("Deployment", "StatefulSet"):
            lines += await autoscalers(ask, namespace, kind, name)
    elif kind == "PersistentVolumeClaim":
        lines.append(f"storageClassName {spec.get('storageClassName')}, request "
                     f"{((spec.get('resources') or {}).get('requests') or {}).get('storage')}, access {spec.get('accessModes')}, "
                     f"phase {(obj.get('status') or {}).get('phase')}")
    elif kind == "Service" and spec.get("type") == "ExternalName":  # a DNS alias: where it points is its one fact
        lines.append(f"type ExternalName: points at host {spec.get('externalName')} (a DNS alias outside the cluster)")
    elif kind == "Service":
        lines.append(f"selector {label_text(spec.get('selector') or {})}; ports " + ", ".join(
            f"{p.get('name', '')} {p.get('port')}->{p.get('targetPort', p.get('port'))}" for p in spec.get("ports") or []))
    elif kind in ("ConfigMap", "Secret"):
        keys = sorted((obj.get("data") or {}) | (obj.get("stringData") or {}))
        lines.append(f"keys {', '.join(keys) or 'none'}" + (" (names only: a Secret's values are never shown)"
                                                             if kind == "Secret" else ""))
    elif kind == "StorageClass":
        lines.append(f"provisioner {obj.get('provisioner')}, allowVolumeExpansion {bool(obj.get('allowVolumeExpansion'))}"
                     f" (claims of this class {'can' if obj.get('allowVolumeExpansion') else 'cannot'} grow: its volumes "
                     f"{'can' if obj.get('allowVolumeExpansion') else 'cannot'} expand), reclaimPolicy "
                     f"{obj.get('reclaimPolicy', 'Delete')}, volumeBindingMode {obj.get('volumeBindingMode', 'Immediate')}")
    elif kind == "HorizontalPodAutoscaler":
        state = obj.get("status") or {}
        target = spec.get("scaleTargetRef") or {}
        lines.append(f"scales {target.get('kind')}/{target.get('name')}: minReplicas {spec.get('minReplicas', 1)}, maxReplicas "
                     f"{spec.get('maxReplicas')}, currentReplicas {state.get('currentReplicas')}, desiredReplicas "
                     f"{state.get('desiredReplicas')}" + (" -- at its max" if spec.get("maxReplicas") is not None and
                                                          (state.get("currentReplicas") or 0) >= spec["maxReplicas"] else ""))
    elif kind == "ResourceQuota":
        lines.append(f"hard {(obj.get('status') or {}).get('hard') or spec.get('hard')}, used {(obj.get('status') or {}).get('used')}")
    elif kind == "Node":
        meta = obj.get("metadata") or {}
        conditions = {c.get("type"): c.get("status") for c in (obj.get("status") or {}).get("conditions") or []}
        lines.append(f"Ready={conditions.get('Ready', 'Unknown')}" + ("" if conditions.get("Ready") == "True" else " (NotReady)")
                     + f", unschedulable={bool(spec.get('unschedulable'))}")
        lines.append(f"allocatable {(obj.get('status') or {}).get('allocatable')}; taints {spec.get('taints') or 'none'}; "
                     f"labels {label_text(meta.get('labels') or {})}")
    elif kind in SPEC_SAID_WHOLE:
        leaves = spec_lines(spec)
        said = "spec " + "; ".join(leaves)
        lines += [said] if len(said) <= SPEC_ON_ONE_LINE else leaves  # short: one fact, shown whole in a short answer
    return lines


# kinds whose whole spec is what they are (a policy's rules, a range's defaults, a budget's bounds): said line by line
SPEC_SAID_WHOLE = ("NetworkPolicy", "LimitRange", "PodDisruptionBudget", "Ingress")
MAX_SPEC_LINES = 12
SPEC_ON_ONE_LINE = 300  # what a short answer shows of a line whole (chat/conversation/brief.py MAX_LINE)


def spec_lines(spec: Any, path: str = "") -> list[str]:
    """`spec` flattened to "path: value" lines, as `kubectl get -o yaml` would show its leaves."""
    if isinstance(spec, dict) and not spec and path:
        return [f"{path}: {{}}"]  # an empty podSelector: every pod of the namespace
    if isinstance(spec, dict):
        return [line for key, value in spec.items() for line in spec_lines(value, f"{path}.{key}" if path else str(key))][
            :MAX_SPEC_LINES]
    if isinstance(spec, list):
        return [line for i, value in enumerate(spec) for line in spec_lines(value, f"{path}[{i}]")][:MAX_SPEC_LINES]
    return [f"{path}: {spec}"]


def _pod_state(state: dict[str, Any]) -> list[str]:
    """A pod's phase and each container's state: what tells two members apart when one is broken."""
    lines = [f"phase {state.get('phase')}"]
    statuses = [("init container", c) for c in state.get("initContainerStatuses") or []]
    for word, container in [*statuses, *(("container", c) for c in state.get("containerStatuses") or [])]:
        current = container.get("state") or {}
        how = next(iter(current), "unknown")
        reason = (current.get(how) or {}).get("reason")
        last = (container.get("lastState") or {}).get("terminated") or (current.get("terminated") or {})
        said = runtime_reason(str(last.get("message") or ""))[:200] if last and last.get("message") else ""
        ended = (f"; last terminated {last.get('reason')} (exit code {last.get('exitCode')})" + (f": {said}" if said else "")
                 if last else "")
        lines.append(f"{word} {container.get('name')} {how}" + (f" ({reason})" if reason else "")
                     + f", ready {container.get('ready')}, {container.get('restartCount', 0)} restarts{ended}")
    return lines
