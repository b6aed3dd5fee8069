"""The admission plugins the lab's API server runs on a client's writes, past validation: PersistentVolumeClaimResize."""

from __future__ import annotations

from .errors import ApiError


def admit_resize(pvc: dict, storage_class: dict | None) -> None:
    """PersistentVolumeClaimResize: a claim may grow only when dynamically provisioned by a StorageClass that sets
    allowVolumeExpansion (`storage_class`: the one the claim names, None when it names none or that one is gone)."""
    if storage_class is None or not storage_class.get("allowVolumeExpansion"):
        raise ApiError(403, "Forbidden", f'persistentvolumeclaims "{pvc["metadata"]["name"]}" is forbidden: only '
                       "dynamically provisioned pvc can be resized and the storageclass that provisions the pvc "
                       "must support resize")
