"""What a kubelet would report for a pod, derived from its spec and the image's behaviour.

Each container runs a small state machine (waiting -> running -> terminated -> back-off -> ...)
moved forward to the clock's `now` on every sync. *What* happens when a container starts is decided
by `plan_container` (container_plan.py) from the world as it is at that moment (is the image pullable, are the
ConfigMaps there, is every required env var set, does the memory limit fit, does the liveness probe
hit a path the app serves), so changing the spec changes the outcome on the next start: that is how
a remediation really clears a fault."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

from .clock import rfc3339
from .container_plan import ContainerPlan, app_name

BACKOFF_START_S = 10.0
BACKOFF_CAP_S = 300.0
BACKOFF_RESET_AFTER_S = 600.0  # kubelet forgets the back-off after 10 minutes of running
LOG_LINES_KEPT = 2000


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


@dataclass(frozen=True)
class LogOrigin:
    """Which pod a container's lines come from, as a log shipper (Fluent Bit's kubernetes filter)
    tags them: the AWS feed decides from this which group, stream and envelope they ship in."""

    namespace: str = ""
    pod_name: str = ""
    pod_uid: str = ""
    workload: str = ""
    node: str = ""
    labels: tuple[tuple[str, str], ...] = ()


class ContainerLine(NamedTuple):
    """One line a container wrote, with what a log shipper knows about where it came from."""

    origin: LogOrigin
    container: str
    image: str
    at: datetime
    text: str


@dataclass
class PodRuntime:
    """The kubelet's view of one pod: its containers' state machines and where its logs come from."""

    uid: str
    containers: list[ContainerRuntime] = field(default_factory=list)
    init_containers: list[ContainerRuntime] = field(default_factory=list)  # run in order before `containers`
    ip: str | None = None
    started_at: datetime | None = None
    origin: LogOrigin = field(default_factory=LogOrigin)

    @property
    def pod_name(self) -> str:
        return self.origin.pod_name

    def take_outbox(self) -> list[ContainerLine]:
        """Every line its containers wrote since the last call (the shipper's read position moves on)."""
        lines = []
        for rt in (*self.init_containers, *self.containers):
            lines.extend(ContainerLine(self.origin, rt.name, rt.image_ref, at, text) for at, text in rt.outbox)
            rt.outbox.clear()
        return lines
    status_signature: tuple | None = None  # what the stored status was derived from


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
            if plan.start_error:
                self._fail_start(rt, attempt_at, plan, events)
                continue
            if plan.waiting_reason or plan.waiting_event:
                self._wait(rt, attempt_at, plan, events)
                if rt.next_attempt_at and rt.next_attempt_at <= attempt_at:
                    break
                continue
            self._start(rt, attempt_at, plan, events)
        return events

    def _wait(self, rt: ContainerRuntime, at: datetime, plan: ContainerPlan, events: list[KubeletEvent]) -> None:
        events.extend(KubeletEvent(reason, message, at, "Warning") for reason, message in plan.pull_warnings)
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
        events.extend(KubeletEvent(reason, message, at, "Warning") for reason, message in plan.pull_warnings)
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
        app = app_name(image)
        port = image.ports[0] if image.ports else 0
        if plan.utility:
            return  # a one-off program of the image: the app's lines are not its lines
        for line in image.logs.startup_lines(app=app, version=image.tag, port=port):
            rt.emit(at, line)
        if plan.crash_log:
            for line in plan.crash_log[len(image.logs.startup):]:
                rt.emit(at + timedelta(seconds=0.5), line)
        elif image.role == "service" and (plan.terminate_after_s is None or plan.terminate_after_s > image.startup_seconds):
            rt.emit(at + timedelta(seconds=image.startup_seconds), image.logs.line("ready", app=app, port=port, version=image.tag))

    def _fail_start(self, rt: ContainerRuntime, at: datetime, plan: ContainerPlan, events: list[KubeletEvent]) -> None:
        """The runtime creates the container but cannot start its process: the kubelet's `Failed` event, the
        container terminated with exit 128 / StartError (never started: startedAt is the zero time), then the
        restart policy -- back-off (CrashLoopBackOff) or, under Never, terminated for good."""
        events.extend(KubeletEvent(reason, message, at, "Warning") for reason, message in plan.pull_warnings)
        if rt.restart_count == 0 and not rt.ever_started:
            events.append(KubeletEvent("Pulling", f'Pulling image "{rt.image_ref}"', at))
            events.append(KubeletEvent("Pulled", f'Successfully pulled image "{rt.image_ref}" in 1.204s', at))
        else:
            events.append(KubeletEvent("Pulled", f'Container image "{rt.image_ref}" already present on machine', at))
        events.append(KubeletEvent("Created", f"Created container {rt.name}", at))
        events.append(KubeletEvent("Failed", f"Error: {plan.start_error}", at, "Warning"))
        rt.last_termination = {"exitCode": 128, "reason": "StartError", "message": plan.start_error,
                               "startedAt": "1970-01-01T00:00:00Z", "finishedAt": rfc3339(at)}
        rt.exit_code, rt.finished_at, rt.started_at = 128, at, None
        if self.restart_policy == "Never":
            rt.state, rt.reason, rt.next_attempt_at = "terminated", "StartError", None
            return
        rt.restart_count += 1
        rt.backoff_s = _next_backoff(rt.backoff_s)
        rt.next_attempt_at = at + timedelta(seconds=rt.backoff_s)
        rt.state, rt.reason = "waiting", "CrashLoopBackOff"
        rt.message = (f"back-off {format_backoff(rt.backoff_s)} restarting failed container={rt.name} "
                      f"pod={self.pod_name}_{self.namespace}({self.pod_uid})")
        events.append(KubeletEvent(
            "BackOff", f"Back-off restarting failed container {rt.name} in pod {self.pod_name}_{self.namespace}({self.pod_uid})",
            at, "Warning"))

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


def init_succeeded(rt: ContainerRuntime) -> bool:
    """An init container that has exited 0 for good: the next one (or the app) may start."""
    return rt.state == "terminated" and rt.exit_code == 0 and rt.next_attempt_at is None


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
