"""What happens the next time a container starts, decided from the world as it is at that moment:
`plan_container` resolves the image (pullable? which behaviour?), the environment and volumes
(ConfigMaps and Secrets present, every required variable set), the memory limit against the app's
footprint, and the probes against the paths the app serves. The kubelet's state machine
(kubelet.py) then plays the plan out."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

from ..kube.quantity import memory_mib
from .images import ImageCatalog, ResolvedImage
from .pull_secrets import missing_pull_secrets, pull_refusal


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
    pull_warnings: list[tuple[str, str]] = field(default_factory=list)  # (reason, message) before each pull
    # While a liveness probe times out (world/probe_timeouts.py): the ending the plan had before, to restore
    # when the probe answers in time again -- (terminate_after_s, exit_code, termination_reason, liveness_failure).
    before_timeouts: tuple[float | None, int, str, str | None] | None = None
    start_error: str | None = None  # the runtime cannot start the process (StartError, exit 128)
    utility: bool = False  # the command runs a one-off program of the image, not the app: no app lines


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

    def secret(self, namespace: str, name: str) -> dict | None:
        """The Secret object itself (its type matters for pull secrets), or None."""
        return self.secrets.get((namespace, name))


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


def missing_executable(image: ResolvedImage, argv: list) -> str | None:
    """runc's words when the program `argv` names is not in the image, or None (found, or not checked)."""
    if image.executables is None or not argv:
        return None
    program = str(argv[0])
    bare = {e for e in image.executables if "/" not in e}
    if "/" in program:
        if program in image.executables or program.rsplit("/", 1)[-1] in bare:
            return None
        return f'exec: "{program}": stat {program}: no such file or directory'
    if program in bare or any(e.rsplit("/", 1)[-1] == program for e in image.executables):
        return None
    return f'exec: "{program}": executable file not found in $PATH'


def _runs_a_utility(image: ResolvedImage, command: list) -> bool:
    """The command runs a program the image holds that is not its app (a shell one-liner, a check)."""
    if image.entrypoint is None or not command:
        return False
    return str(command[0]).rsplit("/", 1)[-1] not in {e.rsplit("/", 1)[-1] for e in image.entrypoint}


def _probe_failure(probe: dict | None, container: dict, image: ResolvedImage) -> str | None:
    """Why a probe fails against this image, or None when it succeeds once the app is up."""
    if not probe:
        return None
    if "exec" in probe:  # the runtime's exec fails before the probe's command could run at all
        missing = missing_executable(image, (probe["exec"] or {}).get("command") or [])
        return f"OCI runtime exec failed: exec failed: unable to start container process: {missing}: unknown" \
            if missing else None
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
    container: dict, pod_spec: dict, namespace: str, catalog: ImageCatalog, config: ConfigSource,
    image_present: bool = False,
) -> ContainerPlan:
    """`image_present`: the node already holds the image (a pod there ran it), so an IfNotPresent pull
    policy never asks the registry -- and never needs its credentials."""
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
    secret = lambda name: config.secret(namespace, name)  # noqa: E731 -- the pod's namespace only
    # The kubelet warns about every named pull secret it cannot read before it pulls; the lab says so
    # only for private images, where it changes the outcome (a public pull works the same without it).
    warnings = [("FailedToRetrieveImagePullSecret",
                 f"Unable to retrieve some image pull secrets ({', '.join(missing)}); attempting to pull the "
                 "image may not succeed.")] if image.private and (missing := missing_pull_secrets(pod_spec, secret)) else []
    pulls = container.get("imagePullPolicy") == "Always" or not image_present
    refusal = pull_refusal(image_ref, image, pod_spec, secret) if pulls else None
    if refusal is not None:
        return ContainerPlan(waiting_reason="ErrImagePull", waiting_message=refusal.waiting_message,
                             waiting_event=("Failed", refusal.event_message), pull_warnings=warnings)
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
    plan = ContainerPlan(image=image, env=env, ready_after_s=image.startup_seconds, pull_warnings=warnings)
    missing_program = missing_executable(image, container.get("command") or [])
    if missing_program:
        plan.start_error = ("failed to create containerd task: failed to create shim task: OCI runtime create failed: "
                            f"runc create failed: unable to start container process: {missing_program}: unknown")
        return plan
    if _runs_a_utility(image, container.get("command") or []):
        plan.terminate_after_s, plan.exit_code, plan.termination_reason, plan.utility = 1.0, 0, "Completed", True
        return plan
    missing = [var for var in image.requires_env if not env.get(var)]
    if missing:
        plan.terminate_after_s = 1.0
        plan.exit_code = image.exit_code_on_config_error
        plan.crash_log = image.logs.startup_lines(app=app_name(image), version=image.tag,
                                                  port=image.ports[0] if image.ports else 0)
        plan.crash_log.append(image.logs.line("missing_env", var=missing[0]))
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
            check = liveness.get("httpGet") or liveness.get("tcpSocket") or {}
            port = check.get("port", "")
            # the kubelet reports the number a named port resolves to, never its name
            named = {p.get("name"): p.get("containerPort") for p in container.get("ports") or [] if p.get("name")}
            port = named.get(port, port) if isinstance(port, str) else port
            failure = f'Get "http://{{ip}}:{port}{check.get("path", "")}": dial tcp {{ip}}:{port}: connect: connection refused'
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


def app_name(image: ResolvedImage) -> str:
    return image.repository.rsplit("/", 1)[-1]
