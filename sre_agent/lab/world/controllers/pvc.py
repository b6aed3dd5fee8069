"""The PersistentVolume controller, simplified: a claim whose storage class exists is provisioned
and bound; one without stays Pending with the event a real cluster records. And volume expansion:
a bound claim asking for more storage grows (reconcile_pvc_resizes)."""

from __future__ import annotations

from datetime import datetime, timedelta

from ...kube.quantity import memory_mib
from ..clock import parse_rfc3339, rfc3339
from ..context import ClusterContext
from .common import write_status


def reconcile_pvcs(world: ClusterContext, now: datetime) -> None:
    classes = {sc["metadata"]["name"]: sc for sc in world.list("StorageClass")}
    default = next((n for n, sc in classes.items()
                    if (sc["metadata"].get("annotations") or {}).get("storageclass.kubernetes.io/is-default-class") == "true"), None)
    for pvc in world.list("PersistentVolumeClaim"):
        if (pvc.get("status") or {}).get("phase") == "Bound":
            continue
        class_name = pvc["spec"].get("storageClassName") or default
        if class_name and class_name in classes:
            pvc["spec"].setdefault("volumeName", f"pvc-{pvc['metadata']['uid']}")
            pvc["metadata"].pop("resourceVersion", None)
            pvc = world.store.replace(pvc)
            size = ((pvc["spec"].get("resources") or {}).get("requests") or {}).get("storage", "1Gi")
            write_status(world, pvc, {"phase": "Bound", "accessModes": pvc["spec"].get("accessModes", ["ReadWriteOnce"]),
                                       "capacity": {"storage": size}})
            world.events.record(pvc, "ProvisioningSucceeded",
                                f"Successfully provisioned volume pvc-{pvc['metadata']['uid']}", now,
                                component="persistentvolume-controller")
            continue
        write_status(world, pvc, {"phase": "Pending"})
        if class_name:
            message = f'storageclass.storage.k8s.io "{class_name}" not found'
            reason = "ProvisioningFailed"
        else:
            message = "no persistent volumes available for this claim and no storage class is set"
            reason = "FailedBinding"
        world.events.record(pvc, reason, message, now, type_="Warning", component="persistentvolume-controller",
                            count=1 if world.minute_tick else 0)
    reconcile_pvc_resizes(world, now)


RESIZE_TAKES_S = 60.0  # the EBS volume modification, then the kubelet growing the mounted filesystem


def reconcile_pvc_resizes(world: ClusterContext, now: datetime) -> None:
    """Volume expansion (the CSI external-resizer, then the kubelet's online NodeExpandVolume): a bound claim
    asking for more than its capacity, on a class with allowVolumeExpansion, is `Resizing`; a minute later its
    volume is bigger and, while a running pod mounts it, the filesystem too -- `status.capacity` grows and the
    conditions go. Unmounted, it waits with `FileSystemResizePending` for a pod to start."""
    classes = {sc["metadata"]["name"]: sc for sc in world.list("StorageClass")}
    mounted = {(p["metadata"]["namespace"], v["persistentVolumeClaim"]["claimName"]): p["spec"].get("nodeName", "")
               for p in world.list("Pod") if (p.get("status") or {}).get("phase") == "Running"
               for v in p["spec"].get("volumes") or [] if v.get("persistentVolumeClaim")}
    for pvc in world.list("PersistentVolumeClaim"):
        status = pvc.get("status") or {}
        wanted = ((pvc["spec"].get("resources") or {}).get("requests") or {}).get("storage")
        have = (status.get("capacity") or {}).get("storage")
        sc = classes.get(pvc["spec"].get("storageClassName") or "")
        key = f"pvc-resize/{pvc['metadata']['uid']}"
        if status.get("phase") != "Bound" or not wanted or not have or memory_mib(wanted) <= memory_mib(have) \
                or sc is None or not sc.get("allowVolumeExpansion"):
            world.wakeups.pop(key, None)
            continue
        volume = pvc["spec"].get("volumeName") or f"pvc-{pvc['metadata']['uid']}"
        conditions = {c["type"]: c for c in status.get("conditions") or []}
        started = conditions.get("Resizing") or conditions.get("FileSystemResizePending")
        if started is None:
            write_status(world, pvc, {**status, "conditions": [{"type": "Resizing", "status": "True",
                                                                "lastTransitionTime": rfc3339(now)}]})
            world.events.record(pvc, "Resizing", f"External resizer is resizing volume {volume}", now,
                                component=f"external-resizer {sc.get('provisioner', '')}")
            world.wakeups[key] = now + timedelta(seconds=RESIZE_TAKES_S)
            continue
        if now < parse_rfc3339(started["lastTransitionTime"]) + timedelta(seconds=RESIZE_TAKES_S):
            continue
        node = mounted.get((pvc["metadata"]["namespace"], pvc["metadata"]["name"]))
        if node is None:
            if "FileSystemResizePending" not in conditions:
                write_status(world, pvc, {**status, "conditions": [{
                    "type": "FileSystemResizePending", "status": "True", "lastTransitionTime": rfc3339(now),
                    "message": "Waiting for user to (re-)start a pod to finish file system resize of volume on node."}]})
                world.events.record(pvc, "FileSystemResizeRequired", "Require file system resize of volume on node",
                                    now, component=f"external-resizer {sc.get('provisioner', '')}")
            world.wakeups.pop(key, None)
            continue
        fresh = {k: v for k, v in status.items() if k != "conditions"}
        write_status(world, pvc, {**fresh, "capacity": {**(status.get("capacity") or {}), "storage": wanted}})
        world.events.record(pvc, "FileSystemResizeSuccessful",
                            f'MountVolume.NodeExpandVolume succeeded for volume "{volume}" {node}', now,
                            component="kubelet", host=node)
        world.wakeups.pop(key, None)
