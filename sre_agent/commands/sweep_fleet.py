"""`sre-agent sweep --all-contexts`: every cluster of the kubeconfig -- or, with `clusters:` configured, every configured
cluster, each with its own context or EKS name and AWS profile -- swept (sweep/fleet.py), printed per cluster with a
summary table; the exit code is the fleet's (0 healthy, 1 problems or a cluster not checked, 2 none checked)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from ..app.clusters import ClusterSettings, options_for_cluster
from ..app.options import RunOptions
from ..app.servers import ServerConnection
from ..sweep.fleet import Context, ContextError, FleetReport, contexts_in, sweep_fleet
from ..sweep.models import SweepReport
from .common import fail

if TYPE_CHECKING:
    from ..sweep.collect import Gates

EXIT = {"healthy": 0, "problems": 1, "partial": 1, "unknown": 2}


def _for_context(options: RunOptions, kubeconfig: Path | None, context: str) -> RunOptions:
    """The options of one kubeconfig context's sweep: its kubernetes server bound to that context (and the kubeconfig
    the contexts came from); the AWS servers as configured, the same for every context."""
    kube = [*(["--kubeconfig", str(kubeconfig)] if kubeconfig else []), "--context", context]
    return options.model_copy(update={"server_args": {**options.server_args, "kubernetes": kube}})


def sweep_all_contexts(options: RunOptions, namespace: str | None, kubeconfig: Path | None, concurrency: int,
                       as_json: bool, as_markdown: bool, progress, configured: list[ClusterSettings] | None = None) -> int:
    from rich.console import Console

    from ..sweep.render import holes_lines, markdown, print_report

    configured_path = options.server_flag("kubernetes", "--kubeconfig")
    kubeconfig = kubeconfig or (Path(configured_path) if configured_path else None)
    if configured:
        contexts = [Context(name=c.name, cluster=c.name) for c in configured]
    else:
        try:
            contexts = contexts_in(kubeconfig)
        except ContextError as exc:
            fail(str(exc))
    what = "configured cluster(s)" if configured else "context(s)"
    progress(f"{len(contexts)} {what}: {', '.join(c.name for c in contexts)}; {min(concurrency, len(contexts))} at a time")

    if configured:
        fleet = asyncio.run(_configured_fleet(options, configured, namespace, concurrency, progress))
    else:
        fleet = asyncio.run(_fleet(options, contexts, kubeconfig, namespace, concurrency, progress))
    if as_json:
        print(fleet.model_dump_json(indent=2))
    else:
        console = Console()
        for cluster in fleet.clusters:
            header = f"## {cluster.context}: {cluster.status}"
            if as_markdown:
                print(f"{header}\n")
                print(markdown(cluster.report, None) if cluster.report else f"could not check: {cluster.error}\n", end="")
                print()
            else:
                console.rule(f"[bold]{cluster.context}[/bold]: {cluster.status}")
                if cluster.report:
                    print_report(cluster.report, None, console)
                else:
                    typer.secho(f"could not check: {cluster.error}", fg=typer.colors.RED)
            for line in holes_lines(cluster.report) if cluster.report else []:
                typer.secho(f"{cluster.context}: {line}", fg=typer.colors.RED, bold=True, err=True)
        print(summary(fleet))
    return EXIT[fleet.status]


async def _fleet(options: RunOptions, contexts: list[Context], kubeconfig: Path | None, namespace: str | None,
                 concurrency: int, progress) -> FleetReport:
    """Every context of the kubeconfig swept: each its own kubernetes server, CloudWatch and SSM the account's."""
    read_only = _read_only(options)
    return await _sweep_each([(c, _for_context(read_only, kubeconfig, c.name)) for c in contexts], namespace,
                             concurrency, progress)


async def _configured_fleet(options: RunOptions, clusters: list[ClusterSettings], namespace: str | None,
                            concurrency: int, progress) -> FleetReport:
    """Every configured cluster swept over read-only servers bound to it (its context or EKS name, its AWS profile)."""
    read_only = _read_only(options)
    return await _sweep_each([(Context(name=c.name, cluster=c.name), options_for_cluster(read_only, c)) for c in clusters],
                             namespace, concurrency, progress)


def _read_only(options: RunOptions) -> RunOptions:
    return options.model_copy(update={"remediation": "off", "servers": None})


async def _sweep_each(members: list[tuple[Context, RunOptions]], namespace: str | None, concurrency: int,
                      progress) -> FleetReport:
    """Each (context, its run options) swept: its own kubernetes server, and the CloudWatch and SSM servers of its AWS
    profile and region -- started once, read-only, over HTTP, and shared by every cluster with the same (a server's
    start is most of a small sweep's CPU), with their limits of calls in flight, which are the servers' and not each
    cluster's. An account per cluster gets its own; the contexts of one kubeconfig, or clusters in one account,
    share them."""
    from ..service.servers import SharedServers
    from ..sweep.collect import server_gates
    from .sweep import _sweep

    def account(options: RunOptions) -> tuple[str, ...]:
        return tuple(options.server_args.get("cloudwatch", []))

    by_account: dict[tuple[str, ...], SharedServers] = {}
    for _, options in members:
        by_account.setdefault(account(options), SharedServers(options, only={"cloudwatch", "ssm"}))
    progress(f"starting the cloudwatch and ssm MCP servers once per AWS profile and region ({len(by_account)}, read-only)")
    started: list[SharedServers] = []
    try:
        shared: dict[tuple[str, ...], dict[str, ServerConnection]] = {}
        gates: dict[tuple[str, ...], Gates] = {}
        for flags, servers in by_account.items():
            await servers.start()
            started.append(servers)
            shared[flags] = await servers.connections()
            gates[flags] = server_gates(shared[flags])
        options_of = {context.name: options for context, options in members}

        async def one(context: Context) -> SweepReport:
            mine = options_of[context.name]
            kube = ServerConnection(module="mcp_servers.kubernetes", args=mine.server_args["kubernetes"], env=mine.env)
            return await _sweep(mine.model_copy(update={"servers": {**shared[account(mine)], "kubernetes": kube}}),
                                namespace, lambda m: progress(f"{context.name}: {m}"), cluster=context.cluster,
                                gates=gates[account(mine)])

        return await sweep_fleet([context for context, _ in members], one, concurrency=concurrency, progress=progress)
    finally:
        for servers in started:
            await servers.stop()


def summary(fleet: FleetReport) -> str:
    lines = ["| cluster | status | problems | critical | seconds |", "|---|---|---|---|---|"]
    for c in fleet.clusters:
        problems = c.report.problems if c.report else []
        status = c.status if c.report else f"could not check: {c.error}"
        lines.append(f"| {c.context} | {status} | {len(problems) if c.report else '-'} | "
                     f"{sum(p.severity == 'critical' for p in problems) if c.report else '-'} | {c.seconds:.1f} |")
    lines.append(f"\nfleet: {fleet.status} ({len(fleet.clusters)} cluster(s))")
    return "\n".join(lines)
