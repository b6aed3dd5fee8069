"""The `sre-agent` command.

Every command's module is imported only when that command runs (or shows its own help): the
responder's dependencies (LangGraph, the MCP client, boto3, the lab) take seconds to import, and
`sre-agent --help` / `--version` must answer at once (bench/bench_cli_startup.py measures it).
The one-line help of each command is written here, beside its module; tests/unit/test_cli_lazy.py
checks it against the command's own docstring or help."""

from __future__ import annotations

import importlib
import logging
from pathlib import Path
from typing import Any, Optional

import typer
from typer.core import TyperCommand, TyperGroup

# name -> (module, attribute: a command function or a Typer group, one-line help for the listing)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "investigate": ("sre_agent.commands.investigate", "investigate",
                    "Investigate an alarm, a question, or a lab scenario; prints live progress, then the report."),
    "demo": ("sre_agent.commands.investigate", "demo",
             "Start the offline lab, break it, and watch the responder find and fix the fault (no cloud, no LLM)."),
    "chat": ("sre_agent.commands.chat", "chat", "Ask the responder about the cluster (read-only: chat never changes anything)."),
    "sweep": ("sre_agent.commands.sweep", "sweep",
              "A read-only health sweep: every analyzer, every alarm, anomalies and new error logs, as ranked problems."),
    "eval": ("sre_agent.commands.evaluate", "evaluate",
             "Run the full responder on each scenario in a fresh lab and score it against the scenario's truth."),
    "trace": ("sre_agent.commands.trace", "trace",
              "Show an investigation's X-Ray trace as a waterfall: agents, tool calls and LLM calls, with errors."),
    "report": ("sre_agent.commands.report", "report",
               "Write an incident's report: markdown, or --html a self-contained page with its charts inline."),
    "postmortem": ("sre_agent.commands.postmortem", "postmortem",
                   "Draft an incident's postmortem from its run's evidence and the incident memory (--html: one page)."),
    "serve": ("sre_agent.commands.serve", "serve",
              "Serve the responder over HTTP: POST /v1/incidents (alarms, questions), GET /v1/incidents, approvals."),
    "lab": ("sre_agent.commands.lab", "app", "The offline lab: a Kubernetes API emulator and moto's AWS, with fault scenarios."),
    "bench": ("sre_agent.commands.bench", "app", "Benchmarks: write bench/results/*.json and docs/benchmarks.md."),
    "runbooks": ("sre_agent.commands.runbooks", "app",
                 "The runbook library (the built-in one, or your own directory) published as SSM documents."),
    "memory": ("sre_agent.commands.memory", "app",
               "What the responder remembers: past incidents and the team's facts (list, show, add, forget)."),
    "config": ("sre_agent.commands.config", "app",
               "Show and check sre-agent's configuration (flags > environment > config file > defaults)."),
}


def load_command(name: str) -> Any:
    """The real click command for `name`: its module is imported now."""
    module, attribute, _ = COMMANDS[name]
    target = getattr(importlib.import_module(module), attribute)
    if isinstance(target, typer.Typer):
        target._add_completion = False  # completion is the root command's business
    else:
        holder = typer.Typer(rich_markup_mode="markdown", pretty_exceptions_enable=False, add_completion=False)
        holder.command(name=name)(target)
        target = holder
    command = typer.main.get_command(target)
    command.name = name
    return command


class _Deferred(TyperCommand):
    """Stands in for a command in the listing; becomes the real one when it is run."""

    def make_context(self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any) -> Any:
        return load_command(self.name or "").make_context(info_name, args, parent=parent, **extra)


class LazyCommands(TyperGroup):
    def list_commands(self, ctx: Any) -> list[str]:
        return [*super().list_commands(ctx), *COMMANDS]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        found = super().get_command(ctx, cmd_name)
        if found is not None or cmd_name not in COMMANDS:
            return found
        return _Deferred(name=cmd_name, help=COMMANDS[cmd_name][2], callback=None)


app = typer.Typer(
    cls=LazyCommands,
    help="sre-agent: a LangGraph multi-agent SRE incident responder (Kubernetes, CloudWatch, SSM over MCP).\n\n"
         "Start with `sre-agent demo` (offline lab, no cloud, no LLM). Targets the cluster and account the way "
         "kubectl and the AWS CLI do: KUBECONFIG, AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL, or the "
         "--kubeconfig/--context/--profile/--region flags of each command.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
)


def version() -> str:
    """The installed package's version (package metadata), as `pip show sre-agent` says."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("sre-agent")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed; pip install -e .)"


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"sre-agent {version()}")
        raise typer.Exit(0)


@app.callback()
def main(ctx: typer.Context,
         verbose: bool = typer.Option(False, "--verbose", "-v", help="Log debug detail to stderr."),
         config: Optional[Path] = typer.Option(None, "--config", envvar="SRE_AGENT_CONFIG", show_envvar=True,
                                               help="YAML config file (see `sre-agent config example`)."),
         show_version: bool = typer.Option(False, "--version", is_eager=True, callback=_print_version,
                                           help="Print the version and exit.")) -> None:
    ctx.obj = {"config_file": config}
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


if __name__ == "__main__":
    app()
