"""The PersistentVolume controller, simplified: a claim whose storage class exists is provisioned
and bound; one without stays Pending with the event a real cluster records."""

from __future__ import annotations

from datetime import datetime

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
