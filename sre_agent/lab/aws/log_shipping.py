"""How the lab's log shipper delivers container lines to CloudWatch Logs, in the shapes real clusters
have them.

`container_insights` (the default) is what the Amazon CloudWatch Observability add-on's Fluent Bit
writes: every container's lines in one group per cluster, `/aws/containerinsights/<cluster>/application`,
one stream per container file (`<host>-application.var.log.containers.<pod>_<namespace>_<container>-<id>.log`)
and each event a JSON record -- the line under `log`, the CRI stream, and the `kubernetes` metadata
Fluent Bit's kubernetes filter adds (pod, namespace, container, image, host, labels).

`per_app` is the older hand-rolled layout some teams still run: plain text lines in a group per
workload, `/<cluster>/<namespace>/<workload>`, a stream per `<pod>/<container>`. A scenario picks
either or both (`cluster.log_shipping`)."""

from __future__ import annotations

import hashlib
import json
from typing import Literal

from ..world.kubelet import ContainerLine

LogShipping = Literal["container_insights", "per_app"]
DEFAULT_SHIPPING: tuple[LogShipping, ...] = ("container_insights",)

# group, stream, epoch milliseconds, message
ShippedEvent = tuple[str, str, int, str]


def application_group(cluster: str) -> str:
    return f"/aws/containerinsights/{cluster}/application"


def per_app_group(cluster: str, namespace: str, workload: str) -> str:
    return f"/{cluster}/{namespace}/{workload}"


def container_id(line: ContainerLine) -> str:
    """The runtime's 64-hex container id (stable per pod and container, as a log file name needs)."""
    return hashlib.sha256(f"{line.origin.pod_uid}/{line.container}".encode()).hexdigest()


def _fluent_bit_record(line: ContainerLine, cid: str) -> str:
    origin = line.origin
    repository = line.image.rsplit(":", 1)[0] if ":" in line.image.rsplit("/", 1)[-1] else line.image
    kubernetes = {"pod_name": origin.pod_name, "namespace_name": origin.namespace, "pod_id": origin.pod_uid,
                  "host": origin.node, "container_name": line.container, "docker_id": cid,
                  "container_hash": f"{repository}@sha256:{hashlib.sha256(line.image.encode()).hexdigest()}",
                  "container_image": line.image}
    if origin.labels:
        kubernetes["labels"] = dict(origin.labels)
    # The time field is the CRI's (nanosecond RFC 3339); `log` keeps the newline the app wrote.
    stamp = line.at.strftime("%Y-%m-%dT%H:%M:%S.%f") + "000Z"
    return json.dumps({"time": stamp, "stream": "stdout", "_p": "F", "log": line.text + "\n", "kubernetes": kubernetes},
                      separators=(",", ":"))


def ship(lines: list[ContainerLine], cluster: str, shipping: tuple[LogShipping, ...] = DEFAULT_SHIPPING) -> list[ShippedEvent]:
    """The events `lines` become under each of the cluster's shipping layouts."""
    events: list[ShippedEvent] = []
    for line in lines:
        ts = int(line.at.timestamp() * 1000)
        origin = line.origin
        if "container_insights" in shipping:
            cid = container_id(line)
            stream = (f"{origin.node}-application.var.log.containers."
                      f"{origin.pod_name}_{origin.namespace}_{line.container}-{cid}.log")
            events.append((application_group(cluster), stream, ts, _fluent_bit_record(line, cid)))
        if "per_app" in shipping:
            events.append((per_app_group(cluster, origin.namespace, origin.workload),
                           f"{origin.pod_name}/{line.container}", ts, line.text))
    return events
