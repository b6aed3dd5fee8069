"""`sre-agent runbooks list|show|publish`: the runbook library as SSM documents.

The work is done by the SSM server's own admin program (mcp_servers.ssm.admin), run as a child
process: sre_agent never imports the servers, it uses them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

app = typer.Typer(help="The runbook library (the built-in one, or your own directory) published as SSM documents.",
                  no_args_is_help=True)


def _admin(*args: str) -> None:
    code = subprocess.run([sys.executable, "-m", "mcp_servers.ssm.admin", *args]).returncode
    raise typer.Exit(code)


@app.command()
def publish(directory: Annotated[Optional[Path], typer.Option(
        "--dir", help="Runbook library to publish (default: the built-in library shipped with sre-agent).")] = None) -> None:
    """Create or update every runbook as an SSM document tagged sre-agent:runbook (AWS env, or the lab's env file)."""
    _admin("publish", *(["--dir", str(directory)] if directory else []))


@app.command("list")
def list_runbooks(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Runbooks published in SSM."""
    _admin("list", *(["--json"] if as_json else []))


@app.command()
def show(runbook_id: str) -> None:
    """One published runbook, in full."""
    _admin("show", runbook_id)
