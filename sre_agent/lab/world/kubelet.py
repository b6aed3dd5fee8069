"""What a kubelet would report for a pod, derived from its spec and the image's behaviour.

Each container runs a small state machine (waiting -> running -> terminated -> back-off -> ...)
moved forward to the clock's `now` on every sync. *What* happens when a container starts is decided
by `plan_container` from the world as it is at that moment (is the image pullable, are the
ConfigMaps there, is every required env var set, does the memory limit fit, does the liveness probe
hit a path the app serves), so changing the spec changes the outcome on the next start: that is how
a remediation really clears a fault."""

from __future__ import annotations

import base64
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .clock import rfc3339
from .images import ImageCatalog, ResolvedImage
from .quantity import memory_mib

BACKOFF_START_S = 10.0
BACKOFF_CAP_S = 300.0
BACKOFF_RESET_AFTER_S = 600.0  # kubelet forgets the back-off after 10 minutes of running
LOG_LINES_KEPT = 2000


@dataclass
class ContainerPlan:
    """What happens the next time this container is started."""

    image: ResolvedImage | None = None
    waiting_reason: str | None = None  # ErrImagePull, CreateContainerConfigError, ...
    waiting_message: str = ""
    waiting_event: tuple[str, str] | None = None  # (reason, message) recorded per attempt
    terminate_after_s: float | None = None  # None: runs until something changes
    exit_code: int = 0
    termination_reason: str = "Error"
    crash_log: list[str] = field(default_factory=list)
    ready_after_s: float = 0.0
    readiness_failure: str | None = None  # probe message while never ready
    readiness_probe: bool = False  # without one the kubelet reports ready as soon as the app runs
    liveness_failure: str | None = None  # probe message before a liveness kill
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class ContainerRuntime:
    name: str
    image_ref: str
    state: str = "waiting"  # waiting | running | terminated
    reason: str = "ContainerCreating"
    message: str = ""
    started_at: datetime | None = None
    finished_at: datetime | None = None
    exit_code: int | None = None
    restart_count: int = 0
    last_termination: dict | None = None
    next_attempt_at: datetime | None = None
    backoff_s: float = 0.0
    ever_started: bool = False
    plan: ContainerPlan | None = None
    log: deque = field(default_factory=lambda: deque(maxlen=LOG_LINES_KEPT))
    previous_log: list = field(default_factory=list)
    logged_until: datetime | None = None  # request logs are synthesised up to here
    outbox: list = field(default_factory=list)  # lines not yet shipped to CloudWatch Logs

    def emit(self, at: datetime, line: str) -> None:
        self.log.append((at, line))
        self.outbox.append((at, line))

    def uptime_s(self, now: datetime) -> float:
        if self.state != "running" or self.started_at is None:
            return 0.0
        return (now - self.started_at).total_seconds()


def _next_backoff(previous: float) -> float:
    return BACKOFF_START_S if previous <= 0 else min(previous * 2, BACKOFF_CAP_S)


def format_backoff(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}m{secs}s"


class ConfigSource:
    """Read access to ConfigMaps and Secrets for env resolution (namespace-scoped)."""

    def __init__(self, configmaps: dict[tuple[str, str], dict], secrets: dict[tuple[str, str], dict]):
        self.configmaps = configmaps
        self.secrets = secrets

    def lookup(self, kind: str, namespace: str, name: str) -> dict | None:
        table = self.configmaps if kind == "configmap" else self.secrets
        obj = table.get((namespace, name))
        if obj is None:
            return None
        data = dict(obj.get("data") or {})
        if kind == "secret":  # Secret data is base64 on the wire and in storage
            data = {k: base64.b64decode(v).decode(errors="replace") for k, v in data.items()}
        data.update(obj.get("stringData") or {})
        return data


def resolve_env(container: dict, namespace: str, config: ConfigSource) -> tuple[dict[str, str], str | None]:
    """The container's environment, or the CreateContainerConfigError message that stops it."""
    env: dict[str, str] = {}
    for source in container.get("envFrom") or []:
        for kind, key in (("configmap", "configMapRef"), ("secret", "secretRef")):
            ref = source.get(key)
            if not ref:
                continue
            data = config.lookup(kind, namespace, ref["name"])
            if data is None:
                if ref.get("optional"):
                    continue
                return env, f'{kind} "{ref["name"]}" not found'
            prefix = source.get("prefix", "")
            env.update({prefix + k: str(v) for k, v in data.items()})
    for var in container.get("env") or []:
        if "value" in var:
            env[var["name"]] = str(var["value"])
            continue
        value_from = var.get("valueFrom") or {}
        for kind, key in (("configmap", "configMapKeyRef"), ("secret", "secretKeyRef")):
            ref = value_from.get(key)
            if not ref:
                continue
            data = config.lookup(kind, namespace, ref["name"])
            if data is None:
                if ref.get("optional"):
                    break
                return env, f'{kind} "{ref["name"]}" not found'
            if ref["key"] not in data:
                if ref.get("optional"):
                    break
                label = "ConfigMap" if kind == "configmap" else "Secret"
                return env, f"couldn't find key {ref['key']} in {label} {namespace}/{ref['name']}"
            env[var["name"]] = str(data[ref["key"]])
            break
        else:
            if value_from.get("fieldRef"):
                env[var["name"]] = f"<{value_from['fieldRef'].get('fieldPath', '')}>"
    return env, None


def missing_volume_source(pod_spec: dict, namespace: str, config: ConfigSource) -> str | None:
    """FailedMount message for a ConfigMap/Secret volume that does not exist."""
    for volume in pod_spec.get("volumes") or []:
        for kind, key, field_name in (("configmap", "configMap", "name"), ("secret", "secret", "secretName")):
            source = volume.get(key)
            if source and not source.get("optional"):
                name = source.get(field_name)
                if config.lookup(kind, namespace, name) is None:
                    return f'MountVolume.SetUp failed for volume "{volume["name"]}" : {kind} "{name}" not found'
    return None


def _probe_failure(probe: dict | None, container: dict, image: ResolvedImage) -> str | None:
    """Why a probe fails against this image, or None when it succeeds once the app is up."""
    if not probe:
        return None
    named_ports = {p.get("name"): p.get("containerPort") for p in container.get("ports") or [] if p.get("name")}
    check = probe.get("httpGet") or probe.get("tcpSocket")
    if check is None:
        return None  # exec / grpc probes: the lab's apps answer them
    port = check.get("port")
    port = named_ports.get(port, port) if isinstance(port, str) else port
    try:
        port = int(port)
    except (TypeError, ValueError):
        return f'Get "http://10.0.0.1:{port}": invalid port'
    if port not in image.ports:
        return f'Get "http://{{ip}}:{port}{check.get("path", "")}": dial tcp {{ip}}:{port}: connect: connection refused'
    if "httpGet" in probe:
        path = check.get("path", "/")
        if path not in image.http_paths:
            return "HTTP probe failed with statuscode: 404"
    return None


def _probe_budget_s(probe: dict) -> float:
    return float(probe.get("initialDelaySeconds", 0)) + float(probe.get("periodSeconds", 10)) * int(
        probe.get("failureThreshold", 3)
    )


def plan_container(
    container: dict, pod_spec: dict, namespace: str, catalog: ImageCatalog, config: ConfigSource
) -> ContainerPlan:
    image_ref = container.get("image", "")
    image = catalog.resolve(image_ref)
    if image is None:
        return ContainerPlan(
            waiting_reason="ErrImagePull",
            waiting_message=(
                f'rpc error: code = NotFound desc = failed to pull and unpack image "{image_ref}": '
                f'failed to resolve reference "{image_ref}": {image_ref}: not found'
            ),
            waiting_event=("Failed", f'Failed to pull image "{image_ref}": rpc error: code = NotFound desc = '
                           f'failed to pull and unpack image "{image_ref}": failed to resolve reference '
                           f'"{image_ref}": {image_ref}: not found'),
        )
    env, config_error = resolve_env(container, namespace, config)
    if config_error:
        return ContainerPlan(
            image=image,
            waiting_reason="CreateContainerConfigError",
            waiting_message=config_error,
            waiting_event=("Failed", f"Error: {config_error}"),
        )
    mount_error = missing_volume_source(pod_spec, namespace, config)
    if mount_error:
        return ContainerPlan(
            image=image, waiting_reason="ContainerCreating", waiting_message="",
            waiting_event=("FailedMount", mount_error),
        )
    plan = ContainerPlan(image=image, env=env, ready_after_s=image.startup_seconds)
    missing = [var for var in image.requires_env if not env.get(var)]
    if missing:
        plan.terminate_after_s = 1.0
        plan.exit_code = image.exit_code_on_config_error
        plan.crash_log = [line.format(app=_app(image), version=image.tag) for line in image.logs.startup]
        plan.crash_log.append(image.logs.missing_env.format(var=missing[0]))
        return plan
    limit = memory_mib(((container.get("resources") or {}).get("limits") or {}).get("memory"))
    oom_after = image.seconds_until_memory(limit) if limit else None
    if oom_after is not None:
        # The kernel kills the container when its working set reaches the cgroup limit: at once for
        # a limit below the process's start-up footprint, while warming up, or when a leak gets there.
        plan.terminate_after_s = max(1.0, oom_after)
        plan.exit_code, plan.termination_reason = 137, "OOMKilled"
    liveness = container.get("livenessProbe")
    failure = _probe_failure(liveness, container, image)
    if liveness and failure is None and not container.get("startupProbe"):
        # The app is still booting when the liveness budget runs out: killed before it is up.
        if image.startup_seconds > _probe_budget_s(liveness):
            port = (liveness.get("httpGet") or liveness.get("tcpSocket") or {}).get("port", "")
            failure = f'Get "http://{{ip}}:{port}": dial tcp {{ip}}:{port}: connect: connection refused'
    if failure:
        kill_after = _probe_budget_s(liveness)
        if plan.terminate_after_s is None or kill_after < plan.terminate_after_s:
            plan.terminate_after_s = kill_after
            plan.exit_code, plan.termination_reason = 137, "Error"
            plan.liveness_failure = failure
    readiness = container.get("readinessProbe")
    plan.readiness_probe = bool(readiness)
    readiness_failure = _probe_failure(readiness, container, image)
    if readiness_failure:
        plan.readiness_failure = readiness_failure
    elif readiness:
        plan.ready_after_s = max(image.startup_seconds, float(readiness.get("initialDelaySeconds", 0)))
    if image.role == "batch" and plan.terminate_after_s is None:
        plan.terminate_after_s = image.run_seconds
        plan.exit_code, plan.termination_reason = 0, "Completed"
    return plan


def _app(image: ResolvedImage) -> str:
    return image.repository.rsplit("/", 1)[-1]


@dataclass
class KubeletEvent:
    reason: str
    message: str
    at: datetime
    type_: str = "Normal"
    count: int = 1


class ContainerDriver:
    """Moves one container's state machine forward to `now`, collecting the events it causes."""

    def __init__(self, pod_name: str, namespace: str, pod_uid: str, restart_policy: str) -> None:
        self.pod_name = pod_name
        self.namespace = namespace
        self.pod_uid = pod_uid
        self.restart_policy = restart_policy

    def advance(self, rt: ContainerRuntime, now: datetime, replan) -> list[KubeletEvent]:
        events: list[KubeletEvent] = []
        for _ in range(10_000):  # guard: every iteration moves time forward
            if rt.state == "running":
                plan = rt.plan
                assert plan is not None and rt.started_at is not None
                if plan.terminate_after_s is None:
                    break
                end = rt.started_at + timedelta(seconds=plan.terminate_after_s)
                if end > now:
                    break
                self._terminate(rt, end, plan, events)
                continue
            if rt.state == "terminated" and rt.next_attempt_at is None:
                break  # completed for good (restartPolicy Never / batch success)
            attempt_at = rt.next_attempt_at or now
            if attempt_at > now:
                break
            plan = replan()
            rt.plan = plan
            if plan.waiting_reason or plan.waiting_event:
                self._wait(rt, attempt_at, plan, events)
                if rt.next_attempt_at and rt.next_attempt_at <= attempt_at:
                    break
                continue
            self._start(rt, attempt_at, plan, events)
        return events

    def _wait(self, rt: ContainerRuntime, at: datetime, plan: ContainerPlan, events: list[KubeletEvent]) -> None:
        if plan.waiting_reason == "ErrImagePull":
            events.append(KubeletEvent("Pulling", f'Pulling image "{rt.image_ref}"', at))
            if plan.waiting_event:
                events.append(KubeletEvent(*plan.waiting_event, at, "Warning"))
            events.append(KubeletEvent("Failed", "Error: ErrImagePull", at, "Warning"))
            rt.reason = "ErrImagePull" if rt.backoff_s == 0 else "ImagePullBackOff"
            rt.message = plan.waiting_message if rt.backoff_s == 0 else f'Back-off pulling image "{rt.image_ref}"'
            if rt.backoff_s:
                events.append(KubeletEvent("BackOff", f'Back-off pulling image "{rt.image_ref}"', at))
                events.append(KubeletEvent("Failed", "Error: ImagePullBackOff", at, "Warning"))
        else:
            if plan.waiting_event:
                events.append(KubeletEvent(*plan.waiting_event, at, "Warning"))
            rt.reason = plan.waiting_reason or "ContainerCreating"
            rt.message = plan.waiting_message
        if rt.state != "terminated":
            rt.state = "waiting"
        rt.backoff_s = _next_backoff(rt.backoff_s)
        rt.next_attempt_at = at + timedelta(seconds=rt.backoff_s)

    def _start(self, rt: ContainerRuntime, at: datetime, plan: ContainerPlan, events: list[KubeletEvent]) -> None:
        image = plan.image
        assert image is not None
        if not rt.ever_started:
            events.append(KubeletEvent("Pulling", f'Pulling image "{rt.image_ref}"', at))
            events.append(KubeletEvent("Pulled", f'Successfully pulled image "{rt.image_ref}" in 1.204s', at))
        else:
            events.append(KubeletEvent("Pulled", f'Container image "{rt.image_ref}" already present on machine', at))
        events.append(KubeletEvent("Created", f"Created container {rt.name}", at))
        events.append(KubeletEvent("Started", f"Started container {rt.name}", at))
        if rt.ever_started:
            rt.previous_log = list(rt.log)
            rt.log.clear()
        rt.ever_started = True
        rt.state, rt.reason, rt.message = "running", "", ""
        rt.started_at, rt.next_attempt_at, rt.finished_at = at, None, None
        rt.logged_until = at + timedelta(seconds=image.startup_seconds)
        app = _app(image)
        port = image.ports[0] if image.ports else 0
        for line in image.logs.startup:
            rt.emit(at, line.format(app=app, version=image.tag, port=port))
        if plan.crash_log:
            for line in plan.crash_log[len(image.logs.startup):]:
                rt.emit(at + timedelta(seconds=0.5), line)
        elif image.role == "service" and (plan.terminate_after_s is None or plan.terminate_after_s > image.startup_seconds):
            rt.emit(at + timedelta(seconds=image.startup_seconds), image.logs.ready.format(app=app, port=port, version=image.tag))

    def _terminate(self, rt: ContainerRuntime, at: datetime, plan: ContainerPlan, events: list[KubeletEvent]) -> None:
        ran_s = (at - rt.started_at).total_seconds() if rt.started_at else 0.0
        if plan.liveness_failure:
            # failureThreshold consecutive failures precede the kill
            events.append(KubeletEvent("Unhealthy", f"Liveness probe failed: {plan.liveness_failure}", at, "Warning", 3))
            events.append(KubeletEvent("Killing", f"Container {rt.name} failed liveness probe, will be restarted", at))
        rt.last_termination = {
            "exitCode": plan.exit_code,
            "reason": plan.termination_reason,
            "startedAt": rfc3339(rt.started_at) if rt.started_at else None,
            "finishedAt": rfc3339(at),
        }
        rt.exit_code, rt.finished_at = plan.exit_code, at
        succeeded = plan.exit_code == 0
        if self.restart_policy == "Never" or (self.restart_policy == "OnFailure" and succeeded):
            rt.state, rt.reason, rt.next_attempt_at = "terminated", plan.termination_reason, None
            return
        rt.restart_count += 1
        if ran_s >= BACKOFF_RESET_AFTER_S:
            rt.backoff_s = 0.0
        rt.backoff_s = _next_backoff(rt.backoff_s)
        rt.next_attempt_at = at + timedelta(seconds=rt.backoff_s)
        rt.state = "waiting"
        rt.reason = "CrashLoopBackOff"
        rt.message = (
            f"back-off {format_backoff(rt.backoff_s)} restarting failed container={rt.name} "
            f"pod={self.pod_name}_{self.namespace}({self.pod_uid})"
        )
        events.append(KubeletEvent(
            "BackOff", f"Back-off restarting failed container {rt.name} in pod {self.pod_name}_{self.namespace}({self.pod_uid})",
            at, "Warning",
        ))


def container_status(rt: ContainerRuntime, ready: bool) -> dict:
    if rt.state == "running":
        state = {"running": {"startedAt": rfc3339(rt.started_at)}}
    elif rt.state == "terminated":
        state = {"terminated": {**(rt.last_termination or {}), "exitCode": rt.exit_code or 0}}
    else:
        state = {"waiting": {"reason": rt.reason, **({"message": rt.message} if rt.message else {})}}
    status = {
        "name": rt.name,
        "image": rt.image_ref,
        "imageID": "",
        "ready": ready,
        "restartCount": rt.restart_count,
        "started": rt.state == "running",
        "state": state,
        "lastState": {"terminated": rt.last_termination} if rt.last_termination else {},
    }
    return status
