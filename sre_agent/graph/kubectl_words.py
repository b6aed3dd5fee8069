"""How kubectl spells what a fix command names: a kind's resource word and the namespace flag. Every module that
writes a command for a human reads them here."""

from __future__ import annotations

# kubectl's word for each kind a command names (the fixes, chat's by-hand commands).
KUBECTL_KIND = {"Deployment": "deployment", "StatefulSet": "statefulset", "DaemonSet": "daemonset", "Job": "job",
                "CronJob": "cronjob", "Pod": "pod", "Service": "service", "Node": "node",
                "PersistentVolumeClaim": "pvc", "ResourceQuota": "resourcequota", "ConfigMap": "configmap", "Secret": "secret",
                "HorizontalPodAutoscaler": "hpa"}


def namespace_flag(namespace: str | None) -> str:
    """'-n shop ' (with its trailing space), or '' for a cluster-scoped object."""
    return f"-n {namespace} " if namespace else ""
