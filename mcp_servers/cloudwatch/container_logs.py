"""Container logs as Kubernetes log shippers deliver them, and how to pick one workload's out of a
shared group.

Container Insights' Fluent Bit (and the older Fluentd set-up) ship every container of a cluster into
`/aws/containerinsights/<cluster>/application`: one stream per container log file, named after the
file (`<host>-application.var.log.containers.<pod>_<namespace>_<container>-<container id>.log`; Fluentd:
`<pod>_<namespace>_<container>-<container id>`), each event a JSON record with the line under `log`
and the `kubernetes` metadata (pod_name, namespace_name, container_name, host, ...). A workload's
lines are found by those names -- streams first, so only its streams are read, then each record's
own metadata. Plain-text events (a group per app, a custom shipper) have no envelope: their text is
the line and their group is taken to be the app's."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

# The container log file's name at the end of a stream name: <pod>_<namespace>_<container>-<64 hex>.
_FILE_STREAM = re.compile(r"(?:^|\.)(?P<pod>[a-z0-9][a-z0-9-]*)_(?P<namespace>[a-z0-9][a-z0-9-]*)_"
                          r"(?P<container>[a-z0-9][a-z0-9-]*)-[0-9a-f]{64}(?:\.log)?$")
# What a controller appends to a workload's name to name its pods: a ReplicaSet's pod-template-hash
# and a random suffix (both from Kubernetes' vowel-free alphabet), a StatefulSet's ordinal, a
# CronJob's scheduled minute then the Job pod's suffix.
_SAFE = "[bcdfghjklmnpqrstvwxz2456789]"
_GENERATED = re.compile(rf"^(?:{_SAFE}{{6,10}}-)?{_SAFE}{{5}}$|^\d+$|^\d+-{_SAFE}{{5}}$")


@dataclass(frozen=True)
class ContainerLine:
    """One event read as a container's line: the text, and where it came from when the record says."""

    text: str
    pod: str | None = None
    namespace: str | None = None
    container: str | None = None
    host: str | None = None


@dataclass(frozen=True)
class WorkloadSelector:
    """The pods of one workload (a pod name prefix the pods' generated suffix follows), optionally
    within a namespace and one container."""

    pod_prefix: str | None = None
    namespace: str | None = None
    container: str | None = None

    def __bool__(self) -> bool:
        return bool(self.pod_prefix or self.namespace or self.container)

    def matches(self, pod: str | None, namespace: str | None, container: str | None) -> bool:
        if self.namespace and namespace != self.namespace:
            return False
        if self.container and container != self.container:
            return False
        return not self.pod_prefix or pod_of_workload(pod or "", self.pod_prefix)


def pod_of_workload(pod: str, prefix: str) -> bool:
    """`pod` is `prefix` itself or `prefix` plus what a controller appends (payment-api-7d9fb8c6d5-x2kq9
    is payment-api's; payment-api-worker-x2kq9 is not)."""
    if pod == prefix:
        return True
    return pod.startswith(prefix + "-") and bool(_GENERATED.match(pod[len(prefix) + 1:]))


def stream_parts(stream: str) -> tuple[str, str, str] | None:
    """(pod, namespace, container) of a stream named after a container log file, else None."""
    found = _FILE_STREAM.search(stream)
    return (found["pod"], found["namespace"], found["container"]) if found else None


def read_line(message: str) -> ContainerLine:
    """A Fluent Bit / Fluentd record's `log` and kubernetes metadata; any other message as it is."""
    if not message.startswith("{") or '"log"' not in message:
        return ContainerLine(message)
    try:
        record: Any = json.loads(message)
    except ValueError:
        return ContainerLine(message)
    if not isinstance(record, dict) or not isinstance(record.get("log"), str):
        return ContainerLine(message)
    meta = record.get("kubernetes") if isinstance(record.get("kubernetes"), dict) else {}
    return ContainerLine(record["log"].rstrip("\n"), pod=meta.get("pod_name"), namespace=meta.get("namespace_name"),
                         container=meta.get("container_name"), host=meta.get("host"))


def keep(line: ContainerLine, selector: WorkloadSelector) -> bool:
    """A record with metadata must belong to the selected workload; a plain line has none to check."""
    if not selector or line.pod is None and line.namespace is None:
        return True
    return selector.matches(line.pod, line.namespace, line.container)
