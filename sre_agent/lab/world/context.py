"""What the parts of the world model need from the world, as narrow protocols: `ClusterContext`
for the controllers and the scheduler (store, clock, event recorder, the informer's cached view,
pod readiness and the controllers' own bookkeeping), `TrafficContext` for the traffic model (pod
runtimes, outside traffic, dependencies). They import this module instead of `world.py`, which
is what keeps the world free of import cycles: `World` satisfies both by its shape."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from ..kube.informer import Informer
from ..kube.store import ObjectStore
from .clock import SimClock
from .container_plan import ContainerPlan
from .events import EventRecorder
from .kubelet import PodRuntime


class ClusterContext(Protocol):
    """What a controller or the scheduler reads and writes."""

    store: ObjectStore
    clock: SimClock
    events: EventRecorder
    informer: Informer
    minute_tick: bool  # this sync crossed a minute boundary: repeat once-a-minute events
    node_faults: dict[str, datetime]  # node name -> when its kubelet stopped posting status
    replicaset_failures: dict[str, str]  # ReplicaSet uid -> why its last pod create was refused
    new_replicasets: dict[str, str]  # Deployment uid -> the ReplicaSet its rollout just created (NewReplicaSetCreated)
    last_failed_scheduling: dict[str, datetime]  # pod uid -> last FailedScheduling event
    hpa_state: dict[str, dict]  # HPA uid -> {"synced": last sync, "recommendations": [(at, replicas)]}
    cron_considered: dict[str, datetime]  # CronJob uid -> the last scheduled time it acted on
    wakeups: dict[str, datetime]  # controller key -> the next moment it acts without a write (cron, back-off)

    def list(self, kind: str, namespace: str | None = None) -> list[dict]: ...

    def pods_in(self, namespace: str | None) -> list[dict]: ...

    def pod_ready(self, pod: dict) -> bool: ...

    def pod_restarts(self, pod: dict) -> int: ...

    def pod_usage(self, pod: dict) -> tuple[float, float] | None: ...

    def delete_pod(self, pod: dict) -> None: ...

    def next_serial(self) -> int: ...


class TrafficContext(Protocol):
    """What the traffic model reads to turn the cluster into requests, usage and log lines."""

    runtimes: dict[str, PodRuntime]  # pod uid -> its containers' state
    node_faults: dict[str, datetime]
    external_traffic: dict[str, float]  # "namespace/service" -> requests per second from outside

    def list(self, kind: str, namespace: str | None = None) -> list[dict]: ...

    def pods_in(self, namespace: str | None) -> list[dict]: ...

    def pod_ready(self, pod: dict) -> bool: ...

    def missing_hard_dependency(self, pod: dict, plan: ContainerPlan) -> str | None: ...

    def volume_full(self, pod: dict, container: str, plan: ContainerPlan) -> str | None: ...
