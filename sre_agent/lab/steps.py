"""A scenario step's change to the world, made through the store as kubectl, a node failure or the traffic
outside the cluster would make it (`Lab.apply_step` holds the store's lock around it and syncs the world after)."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

from ..contracts import parse_resource_id
from .kube.errors import ApiError
from .kube.patch import json_merge_patch, strategic_merge_patch
from .kube.quantity import memory_mib
from .scenarios.schema import Step
from .undo import previous_template

if TYPE_CHECKING:
    from .world.world import World


def apply_to_world(world: World, step: Step) -> None:
    """Make one step's change through the store; the caller holds the store's lock and syncs the world after."""
    store = world.store
    if step.action == "apply":
        manifest = copy.deepcopy(step.manifest)
        kind, meta = manifest["kind"], manifest["metadata"]
        existing = store.try_get(kind, meta.get("namespace"), meta["name"])
        if existing is None:
            store.create(manifest)
        else:
            manifest["metadata"] = {**existing["metadata"], **meta}
            manifest["metadata"].pop("resourceVersion", None)
            store.replace(manifest)
        return
    if step.action in ("node_down", "node_up", "cordon", "uncordon"):
        node = store.get("Node", None, step.node)
        if step.action == "node_down":
            world.node_faults[step.node] = world.clock.now()
        elif step.action == "node_up":
            world.node_faults.pop(step.node, None)
        else:
            node["spec"]["unschedulable"] = step.action == "cordon"
            node["metadata"].pop("resourceVersion", None)
            store.replace(node)
        return
    if step.action == "traffic":
        world.external_traffic[step.service] = float(step.rps)
        return
    if step.action == "delete" and step.selector is not None:
        for obj in store.list(step.kind, step.namespace, label_selector=step.selector):
            store.delete(step.kind, obj["metadata"].get("namespace"), obj["metadata"]["name"])
        return
    namespace, kind, name = parse_resource_id(step.resource)
    if step.action == "log":
        world.print_log(namespace, kind, name, step.container, step.line, step.every_minutes)
        return
    if step.action == "volume_usage":
        world.set_volume_usage(namespace, name, memory_mib(step.used))
        return
    if step.action == "delete":
        store.delete(kind, namespace, name)
        return
    obj = store.get(kind, namespace, name)
    obj["metadata"].pop("resourceVersion", None)
    if step.action == "patch":
        merge = strategic_merge_patch if step.patch_type == "strategic" else json_merge_patch
        store.replace(merge(obj, step.patch))
    elif step.action == "scale":
        obj["spec"]["replicas"] = step.replicas
        store.replace(obj)
    elif step.action in ("set_image", "set_resources"):
        container = _container(obj, step.container)
        if step.action == "set_image":
            container["image"] = step.image
        else:
            resources = container.setdefault("resources", {})
            if step.requests:
                resources.setdefault("requests", {}).update(step.requests)
            if step.limits:
                resources.setdefault("limits", {}).update(step.limits)
        store.replace(obj)
    elif step.action == "rollout_restart":
        annotations = obj["spec"]["template"].setdefault("metadata", {}).setdefault("annotations", {})
        annotations["kubectl.kubernetes.io/restartedAt"] = world.clock.now().isoformat()
        store.replace(obj)
    elif step.action == "rollout_undo":
        obj["spec"]["template"] = previous_template(store, obj, step.to_revision)
        store.replace(obj)


def _container(obj: dict, name: str) -> dict:
    """The named container of a workload's pod template (a CronJob's is its job template's), or a Pod's."""
    spec = obj["spec"]
    if "jobTemplate" in spec:
        spec = spec["jobTemplate"]["spec"]
    spec = spec["template"]["spec"] if "template" in spec else spec
    for container in spec.get("containers") or []:
        if container["name"] == name:
            return container
    raise ApiError(422, "Invalid", f"no container {name!r} in {obj['kind']}/{obj['metadata']['name']}")
