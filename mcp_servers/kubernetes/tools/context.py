"""What every Kubernetes tool module shares: the cluster client behind deadlines, the write gate
and audit, and the argument types tools declare."""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from mcp.server.fastmcp.exceptions import ToolError
from pydantic import Field

from ...common.errors import call_backend
from ...common.registry import Row, ToolResult
from ...common.safety import AuditedWriteGuard, AuditLog, AuditStamp, WritePolicy, WriteRefused
from ..cluster_name import ClusterBinding
from ..kube import KubeClient
from ..summaries import event_summary
from .preconditions import retry_on_conflict

T = TypeVar("T")
REVISION = "deployment.kubernetes.io/revision"
MAX_REPLICAS = 1000  # `scale` refuses more unless --max-replicas says otherwise: a typo or a runaway plan, not a fix

Namespace = Annotated[str, Field(min_length=1, max_length=63, pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
                                 description="Kubernetes namespace")]
Name = Annotated[str, Field(min_length=1, max_length=253, description="object name")]
Reason = Annotated[str, Field(min_length=3, max_length=500, description="why this change is made (goes to the audit log)")]
DryRun = Annotated[bool, Field(description="validate on the server (server-side dry run) without changing anything")]
# Declared by every write tool through the guard below (registry.WriteGuard.parameters), not by each tool.
ExpectCluster = Annotated[str | None, Field(min_length=1, max_length=253, description=(
    "the cluster this write was planned for; refused when the server is bound to another (cluster_info names "
    "this server's cluster)"))]


class EventRow(Row):
    type: str | None
    reason: str | None
    object: str = Field(description="Kind/name of the involved object")
    namespace: str | None
    message: str | None
    count: int | None
    first: str | None
    last: str | None


class WriteResult(ToolResult):
    """What a write did (or, with dry_run, would do), and its audit record."""

    tool: str
    dry_run: bool
    result: str = Field(description="one sentence: what changed")
    audit: AuditStamp


def wrong_cluster(tool: str, bound: str | None, planned: str) -> str:
    """Why a write pinned to `planned` is refused by a server bound to `bound` (None: to no named cluster)."""
    if bound is None:
        return (f"{tool}: this server has no cluster name (in-cluster configuration without --cluster-name), the write "
                f"was planned for {planned!r}. Nothing was changed. Start the server with --cluster-name "
                f"(SRE_MCP_CLUSTER_NAME) naming the cluster it talks to, or send the write to the Kubernetes server "
                f"of cluster {planned!r}.")
    return (f"{tool}: this server is bound to cluster {bound!r}, the write was planned for {planned!r}. Nothing was "
            f"changed. Send the write to the Kubernetes server of cluster {planned!r} (cluster_info says where a server "
            f"points); if this server does reach {planned!r} under another name, restart it with --cluster-name {planned}.")


@dataclass
class ClusterPinnedGuard(AuditedWriteGuard):
    """The write guard of a Kubernetes server: every write tool also takes `expect_cluster`, and a write
    pinned to another cluster than the server's -- or to any, when the server has no cluster name -- is
    refused before its arguments are read further, audited as `refused`, dry run or not."""

    cluster: str | None = None

    def parameters(self) -> tuple[inspect.Parameter, ...]:
        return (inspect.Parameter("expect_cluster", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=ExpectCluster),)

    def admit(self, tool: str, args: dict[str, Any]) -> None:
        super().admit(tool, args)
        planned = args.get("expect_cluster")
        if isinstance(planned, str) and planned != self.cluster:  # not a string: the argument check refuses it
            message = wrong_cluster(tool, self.cluster, planned)
            self._refused(tool, args, message)
            raise WriteRefused(message)


@dataclass
class KubeTools:
    """The cluster, the write policy and the audit log, for the tools of one server."""

    kube: KubeClient
    policy: WritePolicy
    audit: AuditLog
    call_timeout: float = 15.0
    max_replicas: int = MAX_REPLICAS
    cluster: ClusterBinding = ClusterBinding()  # which cluster `kube` talks to (cluster_name.py)

    @property
    def guard(self) -> AuditedWriteGuard:
        """What the registry tells about write calls refused before the tool runs (see registry.py)."""
        return ClusterPinnedGuard(self.policy, self.audit, cluster=self.cluster.name)

    def k8s(self, fn: Callable[[], T], what: str) -> T:
        """A blocking API call with the server's deadline; failures become clear tool errors."""
        return call_backend(fn, what, self.call_timeout)

    def check_namespace(self, namespace: str | None) -> None:
        if namespace:
            self.k8s(lambda: self.kube.get("Namespace", None, namespace), f"namespace {namespace!r}")

    def events_for(self, kind: str, name: str, namespace: str, warnings_only: bool = False) -> list[dict[str, Any]]:
        """An object's events, newest first."""
        selector = f"involvedObject.kind={kind},involvedObject.name={name}"
        if warnings_only:
            selector += ",type=Warning"
        items = self.k8s(lambda: self.kube.list("Event", namespace, field_selector=selector), f"events of {kind}/{name}")
        items.sort(key=lambda e: e.get("lastTimestamp") or e.get("eventTime") or "", reverse=True)
        return [event_summary(e) for e in items]

    def owned_replicasets(self, namespace: str, deploy: dict) -> list[dict]:
        """A Deployment's ReplicaSets, oldest revision first."""
        uid = deploy["metadata"]["uid"]
        sets = self.k8s(lambda: self.kube.list("ReplicaSet", namespace), "list ReplicaSets")
        owned = [rs for rs in sets if any(r.get("uid") == uid for r in rs["metadata"].get("ownerReferences") or [])]
        return sorted(owned, key=lambda rs: int((rs["metadata"].get("annotations") or {}).get(REVISION, 0)))

    def write(self, tool: str, namespace: str | None, args: dict, reason: str, dry_run: bool,
              action: Callable[[], str]) -> WriteResult:
        """Gate, run and audit one write: refused, failed, dry-run and applied attempts all leave a record.
        `action` checks its arguments against the live object first and raises WriteRefused when
        they do not fit: that is audited as refused (nothing reached the API), any other error as failed.
        A 409 on a locked write re-runs `action` from a fresh read (preconditions.retry_on_conflict)."""
        try:
            self.policy.check(tool, namespace)
            detail = self.k8s(lambda: retry_on_conflict(action, time.sleep), f"{tool} {args}")
        except WriteRefused as exc:
            self.audit.write(tool=tool, args=args, reason=reason, dry_run=dry_run, outcome="refused", detail=str(exc))
            raise
        except ToolError as exc:
            self.audit.write(tool=tool, args=args, reason=reason, dry_run=dry_run, outcome="failed", detail=str(exc))
            raise
        record = self.audit.write(tool=tool, args=args, reason=reason, dry_run=dry_run,
                                  outcome="dry_run_ok" if dry_run else "applied", detail=detail)
        return WriteResult(tool=tool, dry_run=dry_run, result=detail,
                           audit=AuditStamp(ts=record["ts"], actor=record["actor"]))


def dry(dry_run: bool) -> dict[str, str]:
    """The typed API's server-side dry-run keyword."""
    return {"dry_run": "All"} if dry_run else {}
