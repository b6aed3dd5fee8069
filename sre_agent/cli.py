"""The `sre-agent` command."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Optional

import typer

from .commands import bench as bench_commands
from .commands import chat as chat_commands
from .commands import config as config_commands
from .commands import evaluate as evaluate_commands
from .commands import investigate as investigate_commands
from .commands import runbooks as runbooks_commands
from .commands import serve as serve_commands
from .commands import sweep as sweep_commands
from .commands import trace as trace_commands
from .commands.lab import app as lab_app

app = typer.Typer(
    help="sre-agent: a LangGraph multi-agent SRE incident responder (Kubernetes, CloudWatch, SSM over MCP).\n\n"
         "Start with `sre-agent demo` (offline lab, no cloud, no LLM).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
)
app.command()(investigate_commands.investigate)
app.command()(investigate_commands.demo)
app.command()(chat_commands.chat)
app.command()(sweep_commands.sweep)
app.command(name="eval")(evaluate_commands.evaluate)
app.command()(trace_commands.trace)
app.command()(serve_commands.serve)
app.add_typer(lab_app, name="lab")
app.add_typer(bench_commands.app, name="bench")
app.add_typer(runbooks_commands.app, name="runbooks")
app.add_typer(config_commands.app, name="config")


@app.callback()
def main(ctx: typer.Context,
         verbose: bool = typer.Option(False, "--verbose", "-v", help="Log debug detail to stderr."),
         config: Optional[Path] = typer.Option(None, "--config", envvar="SRE_AGENT_CONFIG", show_envvar=True,
                                               help="YAML config file (see `sre-agent config example`).")) -> None:
    ctx.obj = {"config_file": config}
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


if __name__ == "__main__":
    app()
