"""The lab's world: the store plus everything a real cluster computes from it.

`World.sync()` brings the cluster up to the clock's `now`: controllers create and scale
ReplicaSets and pods, the scheduler places them, each pod's kubelet runs its containers' state
machines, Endpoints follow readiness, and the traffic model turns the result into request rates,
errors, latency, CPU and memory. The API server calls `sync()` before every request, so whatever a
client reads is derived from the spec at that moment -- never scripted. A sync with nothing to do
(no write, no due moment; see `_sync`) costs next to nothing, so reads stay cheap."""

from __future__ import annotations

import itertools
import threading
from datetime import UTC, datetime, timedelta

from ..kube.errors import ApiError
from ..kube.informer import Informer
from ..kube.store import ObjectStore
from .clock import SimClock, rfc3339
from .controllers.common import is_terminating
from .controllers.cronjob import reconcile_cronjob
from .controllers.daemonset import reconcile_daemonset, sync_daemonset_status
from .controllers.deployment import reconcile_deployment, sync_deployment_status
from .controllers.deployment_status import deadline_moment
from .controllers.disruption import reconcile_disruption_budgets
from .controllers.endpoints import reconcile_endpoints
from .controllers.endpointslices import reconcile_endpointslices
from .controllers.hpa import reconcile_hpa
from .controllers.job import reconcile_job, sync_job_status
from .controllers.node_lifecycle import EVICTION_AFTER_S, evict_from_unreachable_nodes, reconcile_nodes
from .controllers.pvc import reconcile_pvcs
from .controllers.quota import sync_quota_status
from .controllers.replicaset import reconcile_replicaset, sync_replicaset_status
from .controllers.statefulset import reconcile_statefulset, sync_statefulset_status
from .events import EventRecorder
from .images import ImageCatalog
from .kubelet import ContainerLine, ContainerRuntime, PodRuntime
from .kubelets import Kubelets
from .printed_lines import RepeatedLine, print_due, print_line
from .probe_timeouts import liveness_timeouts
from .readouts import node_metrics_items, pod_log_text, pod_metrics_items
from .scheduler import Scheduler
from .telemetry import TrafficModel
from .volumes import VolumeUsage, capacity_mib, full_path, grow_volumes

LOG_BATCH_S = 300  # while nothing changes, request log lines are written five minutes at a time

# Even when nothing is due, reconcile everything this often: a safety net for a moment the world
# forgot to schedule, at the price of one full reconcile per ten simulated minutes.
FULL_RESYNC_S = 600.0


class World:
    def __init__(self, store: ObjectStore, clock: SimClock, catalog: ImageCatalog, cluster_name: str = "sre-lab") -> None:
        self.store = store
        self.clock = clock
        self.catalog = catalog
        self.cluster_name = cluster_name
        self.informer = Informer(store)
        self.events = EventRecorder(store)
        self.scheduler = Scheduler(self)
        self.kubelets = Kubelets(self)
        self.traffic_model = TrafficModel(self)
        self.runtimes: dict[str, PodRuntime] = {}
        self.retired_log_lines: list[ContainerLine] = []  # of gone pods, not shipped yet
        self.repeated_lines: list[RepeatedLine] = []  # what a scenario's `log` steps print again and again
        self.node_faults: dict[str, datetime] = {}
        self.node_images: dict[str, set[str]] = {}  # what each node's container runtime has pulled
        self.volume_usage: dict[str, VolumeUsage] = {}  # PVC uid -> what its applications wrote to it
        self.probe_timeouts: dict[tuple[str, str], datetime] = {}  # (pod uid, container) -> first timed-out probe
        self.external_traffic: dict[str, float] = {}  # "namespace/service" -> requests per second
        self.replicaset_failures: dict[str, str] = {}
        self.new_replicasets: dict[str, str] = {}  # Deployment uid -> the ReplicaSet its rollout just created
        self.last_failed_scheduling: dict[str, datetime] = {}
        self.wakeups: dict[str, datetime] = {}  # a controller's own next moment (a Job's back-off, a cron time)
        self.hpa_state: dict[str, dict] = {}  # HPA uid -> its last sync and recent recommendations
        self.cron_considered: dict[str, datetime] = {}  # CronJob uid -> the last scheduled time it acted on
        self.minute_tick = False
        self._serial = itertools.count(1)
        self._synced_at: datetime | None = None
        self._last_full: datetime | None = None
        self._settled: tuple | None = None
        self._wakeup: datetime = datetime.min.replace(tzinfo=UTC)
        self._ready_memo: dict[str, bool] = {}
        self._sync_lock = threading.RLock()

    # --- hooks for the API server ---------------------------------------------------------
    def sync(self) -> None:
        with self._sync_lock, self.store.lock:
            self._sync(self.clock.now())

    def after_write(self, obj: dict) -> None:
        self.sync()

    def flush_logs(self) -> None:
        """Every container's log lines up to now (they are otherwise written in batches)."""
        with self._sync_lock, self.store.lock:
            self.traffic_model.write_request_logs(self.clock.now())

    def pod_log(self, namespace: str, name: str, container: str | None, previous: bool,
                tail_lines: int | None, since_seconds: int | None, timestamps: bool) -> str:
        pod = self.store.get("Pod", namespace, name)
        self.traffic_model.write_request_logs(self.clock.now(), uids={pod["metadata"]["uid"]})
        return pod_log_text(pod, self.runtimes.get(pod["metadata"]["uid"]), container, previous, tail_lines,
                            since_seconds, timestamps, self.clock.now())

    def print_log(self, namespace: str, kind: str, name: str, container: str | None, line: str,
                  every_minutes: int | None = None) -> int:
        """The application in `kind`/`name` (a workload, or one pod) prints `line` now (printed_lines.py)."""
        with self._sync_lock, self.store.lock:
            printed = print_line(self, namespace, kind, name, container, line)
            if every_minutes:
                self.repeated_lines.append(RepeatedLine(namespace, kind, name, container, line, every_minutes,
                                                        self.clock.now() + timedelta(minutes=every_minutes)))
            return printed

    def pod_metrics(self, namespace: str | None) -> list[dict]:
        return pod_metrics_items(self.list("Pod", namespace), self.traffic_model.pod_usage, rfc3339(self.clock.now()))

    def node_metrics(self) -> list[dict]:
        return node_metrics_items(self.list("Node"), self.traffic_model.node_usage, self.node_faults,
                                  rfc3339(self.clock.now()))

    # --- queries the controllers use --------------------------------------------------------
    def list(self, kind: str, namespace: str | None = None) -> list[dict]:
        """The world's cached view of a kind (shared objects: change one only to write it back)."""
        return self.informer.list(kind, namespace)

    def pods_in(self, namespace: str | None) -> list[dict]:
        return self.informer.list("Pod", namespace)

    def pod_ready(self, pod: dict) -> bool:
        uid = pod["metadata"]["uid"]
        known = self._ready_memo.get(uid)
        if known is not None:  # cleared whenever containers, endpoints or the clock move
            return known
        runtime = self.runtimes.get(uid)
        if runtime is None or not runtime.containers or pod["spec"].get("nodeName") in self.node_faults:
            ready = False
        else:
            now = self.clock.now()
            ready = all(self.container_ready(pod, rt, now) for rt in runtime.containers)
        self._ready_memo[uid] = ready
        return ready

    def pod_usage(self, pod: dict) -> tuple[float, float] | None:
        """(CPU millicores, memory MiB) the pod uses now, as metrics.k8s.io reports it; None without a sample."""
        usage = self.traffic_model.pod_usage.get(pod["metadata"]["uid"])
        return (usage.cpu_m, usage.memory_mib) if usage else None

    def pod_restarts(self, pod: dict) -> int:
        runtime = self.runtimes.get(pod["metadata"]["uid"])
        return sum(rt.restart_count for rt in runtime.containers) if runtime else 0

    def container_ready(self, pod: dict, rt: ContainerRuntime, now: datetime) -> bool:
        plan = rt.plan
        if rt.state != "running" or plan is None or plan.readiness_failure or rt.started_at is None:
            return False
        if (now - rt.started_at).total_seconds() < plan.ready_after_s:
            return False
        if plan.image and plan.image.role == "batch":
            return True
        return not (plan.readiness_probe and self.missing_hard_dependency(pod, plan))

    def missing_hard_dependency(self, pod: dict, plan) -> str | None:
        """The service (namespace/name) an app's readiness endpoint reports as unreachable, if any."""
        namespace = pod["metadata"]["namespace"]
        for dep in plan.image.depends_on if plan.image else []:
            url = plan.env.get(dep.env, "")
            if dep.readiness_requires and (not self.traffic_model.dependency_up(namespace, url)
                                           or self.traffic_model.credential_refused(namespace, plan, dep)):
                return url  # gone, or turning its credential away: the app's /ready fails either way
        return None

    def volume_full(self, pod: dict, container: str, plan) -> str | None:
        """The data path of this container whose volume is full (its writes fail), or None."""
        spec = next((c for c in pod["spec"].get("containers") or [] if c["name"] == container), None)
        return full_path(self, pod, spec, plan.image.data_path) if spec and plan.image else None

    def set_volume_usage(self, namespace: str, claim: str, used_mib: float) -> None:
        """What is on a claim's volume now (data written or deleted outside the apps), capped at its capacity."""
        with self._sync_lock, self.store.lock:
            pvc = self.store.get("PersistentVolumeClaim", namespace, claim)
            grow_volumes(self, self.clock.now())
            capacity = capacity_mib(pvc)
            used = min(used_mib, capacity) if capacity is not None else used_mib
            self.volume_usage[pvc["metadata"]["uid"]] = VolumeUsage(used, self.clock.now(), full=False)
            self._settled = None  # the writers' errors may change: reconcile on the next sync

    def next_serial(self) -> int:
        return next(self._serial)

    def delete_pod(self, pod: dict) -> None:
        try:
            self.store.delete("Pod", pod["metadata"]["namespace"], pod["metadata"]["name"])
        except ApiError:
            pass
        self._retire(pod["metadata"]["uid"])

    # --- the reconcile loop -----------------------------------------------------------------
    def _sync(self, now: datetime) -> None:
        """Full reconcile when anything could have changed, else only the once-a-minute chores.

        Between two syncs only three things can change the cluster: a write to the store (a
        client, a scenario step), a change to the world outside the store (a node's kubelet dies,
        traffic shifts, the image catalog grows), or time reaching a moment the world already knows
        (a container's back-off expires, its app becomes ready or gets OOM-killed, a node's pods
        reach their eviction deadline). `_next_wakeup` knows all the moments; when none of the
        three happened the full reconcile would change nothing, so it is skipped. This keeps a
        three-hour replay to about a second and makes a read through the API cheap."""
        previous = self._synced_at
        self.minute_tick = previous is None or now.replace(second=0, microsecond=0) != previous.replace(second=0, microsecond=0)
        quiet = (self._settled == self._fingerprint() and now < self._wakeup
                 and self._last_full is not None and (now - self._last_full).total_seconds() < FULL_RESYNC_S)
        if not quiet:
            self.traffic_model.write_request_logs(now)  # the time up to now, as the world was until now
            self._reconcile(now)
        elif self.minute_tick:
            self.traffic_model.write_request_logs(now, batch_s=LOG_BATCH_S)
            self._minute_chores(now)
        else:
            return
        if self.repeated_lines:
            print_due(self, now)
        self._ready_memo.clear()
        self._synced_at = now
        self._settled = self._fingerprint()
        self._wakeup = self._next_wakeup(now)

    def _fingerprint(self) -> tuple:
        """Everything outside the clock that the derived state depends on."""
        return (self.informer.generation, tuple(sorted(self.node_faults.items())),
                tuple(sorted(self.external_traffic.items())), id(self.catalog))

    def _minute_chores(self, now: datetime) -> None:
        """What real components repeat while nothing changes: node heartbeats, retries that fail
        the same way again (scheduling, provisioning), failing readiness probes; and the traffic
        model, whose memory and CPU drift with time."""
        reconcile_nodes(self, now)
        reconcile_pvcs(self, now)
        self.scheduler.schedule(now)
        self._record_readiness_failures(now)
        self.events.expire(self.list("Event"), now)
        self.traffic_model.update_usage(now)
        liveness_timeouts(self, self.traffic_model, now)  # throttling moved: a probe may time out (or not)
        rescaled = any([reconcile_hpa(self, hpa, now) for hpa in self.list("HorizontalPodAutoscaler")])
        if grow_volumes(self, now) | self._oom_kill(now) or rescaled:  # a volume filled: its writers fail
            self._reconcile(now)

    def _oom_kill(self, now: datetime) -> bool:
        """Containers whose load-driven working set reached their memory limit are OOM-killed now
        (the kubelet plays the kill out on the next pass: exit 137, OOMKilled, restart with back-off)."""
        killed = False
        for uid, name in self.traffic_model.oom_due:
            runtime = self.runtimes.get(uid)
            rt = next((c for c in runtime.containers if c.name == name), None) if runtime else None
            if rt is None or rt.state != "running" or rt.plan is None or rt.started_at is None:
                continue
            rt.plan.terminate_after_s = max(0.0, (now - rt.started_at).total_seconds())
            rt.plan.exit_code, rt.plan.termination_reason, rt.plan.liveness_failure = 137, "OOMKilled", None
            killed = True
        self.traffic_model.oom_due = set()
        return killed

    def _reconciled(self, reconcile, obj: dict, now: datetime) -> bool:
        """One controller's pass over one object. A write the API refuses (a name taken, a conflict) is that
        controller's warning event and its retry at the next pass, as a real controller logs and requeues -- never an
        error raised into the API request that happened to trigger the sync (the lab would answer every later request
        with it)."""
        try:
            return reconcile(self, obj, now)
        except ApiError as error:
            self.events.record(obj, "FailedSync", f"{obj['kind']} controller: {error}"[:400], now, type_="Warning",
                               component=f"{obj['kind'].lower()}-controller")
            return False

    def _reconcile(self, now: datetime) -> None:
        reconcile_nodes(self, now)
        for _ in range(8):  # passes until the cluster settles (a rollout steps once per pass)
            self._ready_memo.clear()
            changed = evict_from_unreachable_nodes(self, now)
            for hpa in self.list("HorizontalPodAutoscaler"):
                changed |= reconcile_hpa(self, hpa, now)
            for kind, reconcile in (("Deployment", reconcile_deployment), ("ReplicaSet", reconcile_replicaset),
                                    ("StatefulSet", reconcile_statefulset), ("DaemonSet", reconcile_daemonset),
                                    ("CronJob", reconcile_cronjob), ("Job", reconcile_job)):
                for obj in self.list(kind):
                    changed |= self._reconciled(reconcile, obj, now)
            reconcile_pvcs(self, now)  # claims a StatefulSet just made bind before its pod is scheduled
            changed |= self.scheduler.schedule(now)
            self._ready_memo.clear()
            changed |= self.kubelets.run(now)  # a pod that finished: its Job counts it at once
            self._ready_memo.clear()
            # Endpoints moving changes what callers see (a dependency's readiness): another pass.
            changed |= reconcile_endpoints(self)
            changed |= grow_volumes(self, now)  # a full volume (or one freed) changes its writers' errors
            changed |= self.traffic_model.update(now)  # a server accepting other credentials: readiness moves
            changed |= liveness_timeouts(self, self.traffic_model, now)
            changed |= self._oom_kill(now)
            self._ready_memo.clear()
            if not changed:
                break
        reconcile_endpointslices(self)  # mirrors Endpoints; nothing else in the world reads slices
        reconcile_disruption_budgets(self, now)  # what a drain may evict now: read by the eviction API
        if self.minute_tick:
            self._record_readiness_failures(now)
            self.events.expire(self.list("Event"), now)
        self._garbage_collect()
        for rs in self.list("ReplicaSet"):
            sync_replicaset_status(self, rs)
        for deploy in self.list("Deployment"):
            sync_deployment_status(self, deploy, now)
        for sts in self.list("StatefulSet"):
            sync_statefulset_status(self, sts)
        for ds in self.list("DaemonSet"):
            sync_daemonset_status(self, ds)
        for job in self.list("Job"):
            sync_job_status(self, job, now)
        sync_quota_status(self)
        self._last_full = now

    def _next_wakeup(self, now: datetime) -> datetime:
        """The next moment at which time alone changes the cluster (see `_sync`)."""
        moments = []
        for pod in self.pods_in(None):
            runtime = self.runtimes.get(pod["metadata"]["uid"])
            if runtime is None or pod["spec"].get("nodeName") in self.node_faults:
                continue
            for rt in (*runtime.init_containers, *runtime.containers):
                plan = rt.plan
                if rt.state == "running" and plan is not None and rt.started_at is not None:
                    if plan.terminate_after_s is not None:
                        moments.append(rt.started_at + timedelta(seconds=plan.terminate_after_s))
                    ready_at = rt.started_at + timedelta(seconds=plan.ready_after_s)
                    if ready_at > now:
                        moments.append(ready_at)
                elif rt.next_attempt_at is not None:
                    moments.append(rt.next_attempt_at)
        for fault in self.node_faults.values():
            moments.append(fault + timedelta(seconds=EVICTION_AFTER_S))
        for deploy in self.list("Deployment"):  # a rollout that makes no progress times out
            timeout = deadline_moment(deploy)
            if timeout is not None:
                moments.append(timeout)
        if self.replicaset_failures:  # the ReplicaSet controller retries a rejected create
            moments.append(now.replace(second=0, microsecond=0) + timedelta(minutes=1))
        moments.extend(self.wakeups.values())
        future = [m for m in moments if m > now]
        return min(future, default=now + timedelta(days=365))

    def run_until(self, target: datetime) -> None:
        """Move the clock to `target`, stopping at every moment the world changes on its own, so
        that controllers react when a real cluster would (a rollout steps as each pod turns ready)."""
        for _ in range(10_000):
            self.sync()
            wakeup = self._wakeup
            if wakeup >= target:
                break
            self.clock.set(max(wakeup, self.clock.now() + timedelta(milliseconds=500)))
        self.clock.set(target)
        self.sync()

    def _record_readiness_failures(self, now: datetime) -> None:
        """A readiness probe that keeps failing: the kubelet's Unhealthy event, counted per minute."""
        nodes = {n["metadata"]["name"]: n for n in self.list("Node")}
        for pod in self.pods_in(None):
            runtime = self.runtimes.get(pod["metadata"]["uid"])
            node = pod["spec"].get("nodeName")
            if runtime is None or node in self.node_faults or node not in nodes or is_terminating(pod):
                continue
            specs = {c["name"]: c for c in pod["spec"].get("containers") or []}
            for rt in runtime.containers:
                plan = rt.plan
                if plan is None or rt.state != "running" or not plan.readiness_probe:
                    continue
                failure = plan.readiness_failure
                if failure is None and rt.started_at and (now - rt.started_at).total_seconds() >= plan.ready_after_s \
                        and self.missing_hard_dependency(pod, plan):
                    failure = "HTTP probe failed with statuscode: 503"  # the app's /ready says its database is gone
                if failure is None:
                    continue
                readiness = (specs.get(rt.name) or {}).get("readinessProbe") or {}
                per_minute = max(1, int(60 / float(readiness.get("periodSeconds", 10))))
                self.events.record(pod, "Unhealthy", f"Readiness probe failed: {failure}".replace("{ip}", runtime.ip or ""),
                                   now, type_="Warning", host=node, count=per_minute)

    def _garbage_collect(self) -> None:
        """Owners deleted -> dependents deleted (foreground GC, simplified); runtimes of gone pods dropped."""
        uids = {obj["metadata"]["uid"] for kind in ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job",
                                                     "CronJob") for obj in self.list(kind)}
        for kind in ("ReplicaSet", "Job", "Pod"):
            for obj in self.list(kind):
                refs = obj["metadata"].get("ownerReferences") or []
                if refs and not any(ref.get("uid") in uids for ref in refs):
                    try:
                        self.store.delete(kind, obj["metadata"]["namespace"], obj["metadata"]["name"])
                    except ApiError:
                        pass
        live = {p["metadata"]["uid"] for p in self.list("Pod")}
        for uid in list(self.runtimes):
            if uid not in live:
                self._retire(uid)

    def _retire(self, uid: str) -> None:
        """A pod is gone: what its containers logged but nobody shipped yet still reaches CloudWatch
        (the log shipper tails the files until they are removed)."""
        runtime = self.runtimes.pop(uid, None)
        if runtime is None:
            return
        self.retired_log_lines.extend(runtime.take_outbox())
