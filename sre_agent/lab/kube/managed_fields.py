"""The metadata.managedFields entry the store stamps on writes of the kinds whose last change shows nowhere else."""

from __future__ import annotations

# The kinds whose writes the store stamps in metadata.managedFields, as kube-apiserver does for every kind: when a
# ConfigMap, Secret or Service last changed shows nowhere else (no status, no rollout history) -- a Secret rotated
# after its consumers started, a Service's ports moved under its callers are read from it. Other kinds carry their
# history in generation, revisions and conditions (and their controllers' status writes would churn it).
MANAGED_FIELDS_KINDS = frozenset({"ConfigMap", "Secret", "Service", "Ingress", "NetworkPolicy"})


def managed_entry(obj: dict, time: str) -> dict:
    fields = {f"f:{key}": {} for key in ("data", "stringData", "binaryData", "spec") if key in obj}
    return {"manager": "kubectl", "operation": "Update", "apiVersion": obj.get("apiVersion", "v1"), "time": time,
            "fieldsType": "FieldsV1", "fieldsV1": fields}
