"""Where a workload's container lines are in CloudWatch Logs, from the group names alone.

Two layouts exist in real accounts: a group per app whose path ends with the workload
(`/<cluster>/<namespace>/<app>`, hand-rolled shippers) and Container Insights' one group for every
container of a cluster (`/aws/containerinsights/<cluster>/application`, Fluent Bit), where the
workload's lines are picked by the kubernetes metadata on each record -- the CloudWatch server's
log tools take that selection as `pod_prefix` and `namespace`. A group per app is the closer
match, so it comes first; the shared group is the answer when there is none."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, Field

_APPLICATION_GROUP = re.compile(r"^/aws/containerinsights/[^/]+/application$")


class LogSource(BaseModel):
    """Groups to read and the tool arguments that pick the workload's lines out of them."""

    groups: list[str]
    selector: dict[str, Any] = Field(default_factory=dict)


def is_application_group(group: str) -> bool:
    return bool(_APPLICATION_GROUP.match(group))


def workload_log_source(groups: list[str], namespace: str | None, name: str) -> LogSource | None:
    """The per-app groups that end with namespace/name (or name), else the cluster's Container
    Insights application group(s) with a selector for the workload's pods; None when neither exists."""
    own = [g for g in groups if g and not is_application_group(g)
           and ((namespace and g.endswith(f"/{namespace}/{name}")) or g.endswith(f"/{name}"))]
    if own:
        return LogSource(groups=own[:3])
    shared = [g for g in groups if is_application_group(g)]
    if not shared:
        return None
    return LogSource(groups=shared[:3], selector={"pod_prefix": name, **({"namespace": namespace} if namespace else {})})
