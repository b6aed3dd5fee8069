"""`sre-agent sweep`: a read-only health report of the whole cluster (or one namespace) and its alarms.

Exit codes: 0 healthy (with evidence from Kubernetes and CloudWatch), 1 problems, 2 could not check."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal, Optional

import typer

from ..app.options import RunOptions
from .common import Kubeconfig, KubeContext, Namespace, Profile, Region, StateDir, fail, run_options, settings_for, targeting
from .investigate import ProgressPrinter

# The engine (the MCP client, rich) is imported when the sweep runs: `sweep --help` answers at once.
if TYPE_CHECKING:
    from ..sweep.collect import Gates
    from ..sweep.history import SweepDiff
    from ..sweep.models import SweepReport

EXIT = {"healthy": 0, "problems": 1, "unknown": 2}
Diff = Annotated[Optional[Path], typer.Option(
    "--diff", help="A previous `sweep --json` file to compare with. [default: the last sweep saved in the state dir]")]


class Progress:
    def __init__(self) -> None:
        self.started = time.monotonic()

    def __call__(self, message: str) -> None:
        print(f"[{time.monotonic() - self.started:5.1f}s] sweep: {message}", file=sys.stderr, flush=True)


async def _sweep(options: RunOptions, namespace: str | None, progress: Callable[[str], None],
                 cluster: str | None = None, gates: Gates | None = None) -> SweepReport:
    """`gates`: the in-flight limits of servers shared with other sweeps (a fleet's AWS servers)."""
    from ..app.servers import stdio_servers
    from ..app.toolbox import Toolbox
    from ..sweep.engine import run_sweep

    servers = options.servers or stdio_servers(options.env, allow_writes=False, namespaces=[], extra_args=options.server_args)
    progress("starting the kubernetes, cloudwatch and ssm MCP servers (read-only)")
    async with Toolbox(servers) as tools:
        return await run_sweep(tools, namespace, progress=progress, cluster=cluster, gates=gates)


def sweep(ctx: typer.Context, namespace: Namespace = None, state_dir: StateDir = None,
          as_json: Annotated[bool, typer.Option("--json", help="Print the SweepReport as JSON.")] = False,
          as_markdown: Annotated[bool, typer.Option("--markdown", help="Print the report as Markdown.")] = False,
          previous: Diff = None,
          open_new: Annotated[bool, typer.Option("--open-incidents",
                                                 help="Investigate each NEW problem at or above --min-severity.")] = False,
          min_severity: Annotated[Literal["critical", "warning"], typer.Option(
              "--min-severity", help="With --open-incidents: the least severe problem worth an investigation.")] = "critical",
          context: KubeContext = None, kubeconfig: Kubeconfig = None, profile: Profile = None, region: Region = None,
          all_contexts: Annotated[bool, typer.Option(
              "--all-contexts", help="Sweep every context of the kubeconfig (with `clusters:` configured: every "
                                     "configured cluster), each over its own read-only servers, and report per "
                                     "cluster (no --diff, nothing saved). Exit 0 all healthy, 1 problems or "
                                     "a cluster that could not be checked, 2 none could be checked.")] = False,
          concurrency: Annotated[int, typer.Option(min=1, max=32, help="With --all-contexts: clusters swept at once.")] = 4,
          ) -> None:
    """A read-only health sweep: every analyzer, every alarm, anomalies and new error logs, grouped into
    ranked problems. Exit 0 healthy, 1 problems, 2 could not check (a backend was unreachable).

    * sre-agent sweep -n shop

    * sre-agent sweep --all-contexts --markdown    (every cluster of the kubeconfig, four at a time)
    """
    from rich.console import Console

    from ..sweep.history import HistoryError, diff, last_saved, read, save
    from ..sweep.render import diff_lines, holes_lines, markdown, print_report

    options = run_options(ctx, {"state_dir": state_dir, **targeting(context, kubeconfig, profile, region)})
    if all_contexts:
        if context is not None or previous is not None or open_new:
            fail("--all-contexts sweeps every context: it takes no --context, --diff or --open-incidents")
        from .sweep_fleet import sweep_all_contexts

        configured = settings_for(ctx).clusters
        if configured and kubeconfig is not None:
            fail("--kubeconfig names the clusters to sweep, and so does `clusters:` in the configuration: give one")
        raise typer.Exit(sweep_all_contexts(options, namespace, kubeconfig, concurrency, as_json, as_markdown, Progress(),
                                            configured=configured))
    baseline: SweepReport | None = None
    if previous is not None:
        try:
            baseline = read(previous)
        except HistoryError as exc:
            fail(str(exc))
    progress = Progress()
    try:
        report = asyncio.run(_sweep(options, namespace, progress))
    except Exception as exc:  # servers that cannot even start: a could-not-check, never a traceback
        typer.secho(f"could not check kubernetes, cloudwatch: the MCP servers did not start ({type(exc).__name__}: "
                    f"{exc}); check the Python environment and `sre-agent config check`", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None
    if baseline is None and previous is None:
        baseline = last_saved(options.state_dir, report.scope)
    changes: SweepDiff = diff(report, baseline)
    try:
        saved = save(report, options.state_dir)
        progress(f"saved to {saved}")
    except OSError as exc:
        progress(f"could not save the sweep in {options.state_dir}: {exc.strerror or exc}")
    for line in holes_lines(report):  # prominent whatever the output format
        typer.secho(line, fg=typer.colors.RED, bold=True, err=True)
    if as_json:
        print(report.model_dump_json(indent=2))
        for line in diff_lines(changes):
            print(line, file=sys.stderr)
    elif as_markdown:
        print(markdown(report, changes), end="")
    else:
        print_report(report, changes, Console())
    if open_new:
        _open(report, changes, options, min_severity, to_stderr=as_json)
    raise typer.Exit(EXIT[report.status])


def _open(report: SweepReport, changes: SweepDiff, options: RunOptions, minimum: Literal["critical", "warning"],
          to_stderr: bool) -> None:
    from ..sweep.incidents import at_or_above, open_incidents

    new = set(changes.new)
    chosen = [p for p in report.problems if p.resource in new and at_or_above(p, minimum)]
    out = sys.stderr if to_stderr else sys.stdout
    if not chosen:
        print(f"no new problem at or above {minimum}: no investigation opened", file=out)
        return
    for problem, run_id, status in asyncio.run(open_incidents(chosen, options, on_progress=ProgressPrinter())):
        print(f"opened run {run_id} for {problem.resource}: {status}", file=out)
