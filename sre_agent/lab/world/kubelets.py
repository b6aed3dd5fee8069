"""Every node's kubelet: give a pod bound to a node its runtime (an IP, a state machine per
container), run its containers forward to `now` and write the status it reports.

Init containers run first, one after another, each to a successful exit; only then do the app
containers start (until then they wait with reason PodInitializing). A failing init container is
restarted with back-off unless the pod's restartPolicy is Never -- then the pod fails -- exactly as
the kubelet treats them. Not modelled: sidecars (init containers with restartPolicy Always run as
ordinary init containers here)."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Protocol

from ..kube.store import ObjectStore
from .clock import parse_rfc3339
from .container_plan import ConfigSource, plan_container
from .controllers.common import is_terminating, workload_name
from .events import EventRecorder
from .images import ImageCatalog
from .kubelet import ContainerDriver, ContainerRuntime, LogOrigin, PodRuntime, init_succeeded
from .pod_status import derive_pod_status


class KubeletContext(Protocol):
    """What the kubelets need from the world."""

    store: ObjectStore
    catalog: ImageCatalog
    events: EventRecorder
    runtimes: dict[str, PodRuntime]
    node_faults: dict[str, datetime]
    node_images: dict[str, set[str]]  # node name -> image references its container runtime holds

    def list(self, kind: str, namespace: str | None = None) -> list[dict]: ...

    def container_ready(self, pod: dict, rt: ContainerRuntime, now: datetime) -> bool: ...


class Kubelets:
    def __init__(self, world: KubeletContext) -> None:
        self.world = world
        self._ip_serial = itertools.count(10)

    def run(self, now: datetime) -> bool:
        """Every kubelet runs its pods to `now`; True when a pod reached Succeeded or Failed."""
        world = self.world
        config = ConfigSource(
            {(o["metadata"]["namespace"], o["metadata"]["name"]): o for o in world.list("ConfigMap")},
            {(o["metadata"]["namespace"], o["metadata"]["name"]): o for o in world.list("Secret")},
        )
        nodes = {n["metadata"]["name"]: n for n in world.list("Node")}
        finished = False
        for pod in world.list("Pod"):
            node_name = pod["spec"].get("nodeName")
            if not node_name or node_name not in nodes:
                continue
            uid = pod["metadata"]["uid"]
            runtime = world.runtimes.get(uid)
            if runtime is None:
                if node_name in world.node_faults:
                    continue
                runtime = self._new_runtime(pod, nodes[node_name], now)
                world.runtimes[uid] = runtime
            if node_name not in world.node_faults and not is_terminating(pod):
                self._advance_pod(pod, runtime, nodes[node_name], config, now)
            finished |= self._write_pod_status(pod, runtime, nodes[node_name], now)
        return finished

    def _new_runtime(self, pod: dict, node: dict, now: datetime) -> PodRuntime:
        scheduled_at = max(parse_rfc3339(pod["metadata"]["creationTimestamp"]), now - timedelta(seconds=1))
        inits = pod["spec"].get("initContainers") or []
        return PodRuntime(
            uid=pod["metadata"]["uid"], ip=self._pod_ip(node), started_at=scheduled_at,
            origin=LogOrigin(namespace=pod["metadata"]["namespace"], pod_name=pod["metadata"]["name"],
                             pod_uid=pod["metadata"]["uid"], workload=workload_name(pod), node=node["metadata"]["name"],
                             labels=tuple(sorted((pod["metadata"].get("labels") or {}).items()))),
            init_containers=[ContainerRuntime(name=c["name"], image_ref=c.get("image", ""),
                                              next_attempt_at=scheduled_at if i == 0 else None,
                                              reason="PodInitializing" if i else "ContainerCreating")
                             for i, c in enumerate(inits)],
            containers=[ContainerRuntime(name=c["name"], image_ref=c.get("image", ""),
                                         next_attempt_at=None if inits else scheduled_at,
                                         reason="PodInitializing" if inits else "ContainerCreating")
                        for c in pod["spec"].get("containers") or []])

    def _pod_ip(self, node: dict) -> str:
        index = sorted(n["metadata"]["name"] for n in self.world.list("Node")).index(node["metadata"]["name"])
        serial = next(self._ip_serial)
        return f"10.244.{index}.{serial % 250 + 2}"

    def _advance_pod(self, pod: dict, runtime: PodRuntime, node: dict, config: ConfigSource, now: datetime) -> None:
        namespace, name, uid = pod["metadata"]["namespace"], pod["metadata"]["name"], pod["metadata"]["uid"]
        restart_policy = pod["spec"].get("restartPolicy", "Always")
        # An init container that fails is retried in place unless the pod never restarts anything.
        init_driver = ContainerDriver(name, namespace, uid, "Never" if restart_policy == "Never" else "OnFailure")
        specs = {c["name"]: c for c in pod["spec"].get("initContainers") or []}
        ready_at: datetime | None = runtime.started_at
        for rt in runtime.init_containers:
            if init_succeeded(rt):
                ready_at = rt.finished_at
                continue
            if rt.next_attempt_at is None and rt.state == "waiting" and not rt.ever_started and ready_at:
                rt.next_attempt_at = ready_at  # its turn: the one before it has just exited 0
            self._advance(pod, runtime, node, config, rt, specs.get(rt.name), init_driver, now)
            if not init_succeeded(rt):
                return  # the pod stays initialising (or failed, for restartPolicy Never)
            ready_at = rt.finished_at
        driver = ContainerDriver(name, namespace, uid, restart_policy)
        specs = {c["name"]: c for c in pod["spec"].get("containers") or []}
        for rt in runtime.containers:
            if rt.next_attempt_at is None and not rt.ever_started and rt.state == "waiting" and ready_at:
                rt.next_attempt_at, rt.reason = ready_at, "ContainerCreating"
            self._advance(pod, runtime, node, config, rt, specs.get(rt.name), driver, now)

    def _advance(self, pod: dict, runtime: PodRuntime, node: dict, config: ConfigSource, rt: ContainerRuntime,
                 spec: dict | None, driver: ContainerDriver, now: datetime) -> None:
        if spec is None:
            return
        namespace = pod["metadata"]["namespace"]
        held = self.world.node_images.setdefault(node["metadata"]["name"], set())
        events = driver.advance(rt, now, lambda: plan_container(spec, pod["spec"], namespace, self.world.catalog, config,
                                                                image_present=rt.image_ref in held))
        if rt.ever_started:  # pulled (or already there): the node keeps the image for the next pod
            held.add(rt.image_ref)
        for event in events:
            self.world.events.record(pod, event.reason, event.message.replace("{ip}", runtime.ip or ""), event.at,
                                     type_=event.type_, host=node["metadata"]["name"], count=event.count)

    def _write_pod_status(self, pod: dict, runtime: PodRuntime, node: dict, now: datetime) -> bool:
        """Write the pod's status when it changed; True when its phase just became terminal."""
        world = self.world
        node_lost = node["metadata"]["name"] in world.node_faults
        readiness = [(not node_lost) and world.container_ready(pod, rt, now) for rt in runtime.containers]
        # Everything the status below is built from: unchanged means the stored status is current.
        signature = (pod["metadata"].get("resourceVersion"), node_lost, tuple(readiness),
                     tuple((rt.state, rt.reason, rt.message, rt.restart_count, rt.started_at, rt.exit_code)
                           for rt in (*runtime.init_containers, *runtime.containers)))
        if runtime.status_signature == signature:
            return False
        status = derive_pod_status(pod, runtime, node, readiness, node_lost)
        was = (pod.get("status") or {}).get("phase")
        if pod.get("status") != status:
            pod["status"] = status
            pod = world.store.update_status(pod)
        runtime.status_signature = (pod["metadata"].get("resourceVersion"), *signature[1:])
        return was != status["phase"] and status["phase"] in ("Succeeded", "Failed")
