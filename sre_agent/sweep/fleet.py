"""A sweep of every cluster a kubeconfig names (`sre-agent sweep --all-contexts`): one read-only sweep per context,
a bounded number at once, each over its own MCP servers bound to that context -- so no cluster's reads can land
in another. A cluster that cannot be reached is "could not check" (its own report says which backend and why);
the fleet is healthy only when every cluster was checked and is healthy, unknown only when none could be."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, computed_field

from .models import SweepReport

FleetStatus = Literal["healthy", "problems", "partial", "unknown"]
DEFAULT_CONCURRENCY = 4  # each sweep runs three MCP server processes: 4 clusters at once is 12 on one machine


class ContextError(ValueError):
    pass


class ClusterSweep(BaseModel):
    context: str
    cluster: str = ""
    report: SweepReport | None = None
    error: str | None = None  # the sweep itself could not run (its servers did not start)
    seconds: float = 0.0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def status(self) -> str:
        return self.report.status if self.report is not None else "unknown"


class FleetReport(BaseModel):
    clusters: list[ClusterSweep]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def status(self) -> FleetStatus:
        """problems: any cluster has one; partial: none found, but some cluster could not be checked (never
        "healthy" unseen); unknown: no cluster could be checked; healthy: every cluster checked and healthy."""
        statuses = [c.status for c in self.clusters]
        if statuses and all(s == "unknown" for s in statuses):
            return "unknown"
        if "problems" in statuses:
            return "problems"
        return "partial" if "unknown" in statuses else "healthy"


class Context(BaseModel):
    name: str  # the kubeconfig context
    cluster: str  # the cluster's name, as CloudWatch's ClusterName dimension and Container Insights' log groups say it


def cluster_name(kube_cluster: str) -> str:
    """The cluster's own name from a kubeconfig cluster entry: an EKS one is named by its ARN
    (arn:aws:eks:<region>:<account>:cluster/<name>, what `aws eks update-kubeconfig` writes), any other by itself."""
    return kube_cluster.rsplit(":cluster/", 1)[1] if kube_cluster.startswith("arn:") and ":cluster/" in kube_cluster \
        else kube_cluster


def contexts_in(kubeconfig: Path | None) -> list[Context]:
    """The contexts of a kubeconfig (KUBECONFIG or ~/.kube/config when None), in file order."""
    from kubernetes import config
    from kubernetes.config.config_exception import ConfigException

    try:
        contexts, _ = config.list_kube_config_contexts(config_file=str(kubeconfig) if kubeconfig else None)
    except (ConfigException, OSError) as exc:
        raise ContextError(f"cannot read the kubeconfig's contexts ({kubeconfig or 'KUBECONFIG or ~/.kube/config'}): "
                           f"{exc}") from None
    found = [Context(name=c["name"], cluster=cluster_name(str((c.get("context") or {}).get("cluster") or c["name"])))
             for c in contexts or [] if c.get("name")]
    if not found:
        raise ContextError(f"the kubeconfig ({kubeconfig or 'KUBECONFIG or ~/.kube/config'}) names no context")
    return found


SweepOne = Callable[[Context], Awaitable[SweepReport]]


async def sweep_fleet(contexts: list[Context], sweep_one: SweepOne, *, concurrency: int = DEFAULT_CONCURRENCY,
                      progress: Callable[[str], None] = lambda _: None) -> FleetReport:
    """`sweep_one(context)` for every context, at most `concurrency` at once; the reports in the contexts' order."""
    gate = asyncio.Semaphore(max(1, concurrency))
    loop = asyncio.get_running_loop()

    async def one(context: Context) -> ClusterSweep:
        async with gate:
            started = loop.time()
            progress(f"{context.name}: sweeping")
            try:
                report = await sweep_one(context)
            except Exception as exc:  # its servers did not start: this cluster could not be checked, the rest go on
                progress(f"{context.name}: could not check ({type(exc).__name__}: {exc})")
                return ClusterSweep(context=context.name, cluster=context.cluster, error=f"{type(exc).__name__}: {exc}",
                                    seconds=round(loop.time() - started, 2))
            progress(f"{context.name}: {report.status}, {len(report.problems)} problem(s)")
            return ClusterSweep(context=context.name, cluster=context.cluster, report=report,
                                seconds=round(loop.time() - started, 2))

    return FleetReport(clusters=list(await asyncio.gather(*(one(c) for c in contexts))))
