"""`sre-agent sweep`: one health sweep of the whole cluster (read-only)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated

import typer

from ..app.intake import incident_for_sweep
from ..app.runs import run_investigation
from .common import Kubeconfig, KubeContext, Profile, Region, StateDir, run_options, targeting
from .investigate import ProgressPrinter


def sweep(ctx: typer.Context, state_dir: StateDir = None, as_json: Annotated[bool, typer.Option("--json")] = False,
          context: KubeContext = None, kubeconfig: Kubeconfig = None, profile: Profile = None, region: Region = None) -> None:
    """One scheduled health sweep of the whole cluster (read-only); exit 1 when something is wrong."""
    options = run_options(ctx, {"state_dir": state_dir, **targeting(context, kubeconfig, profile, region)})
    options.remediation = "off"
    result, state = asyncio.run(run_investigation(incident_for_sweep(), options, on_progress=ProgressPrinter()))
    if as_json:
        print(json.dumps({"result": result.model_dump(mode="json"),
                          "findings": [f.model_dump() for f in state.findings if f.severity != "info"]}, indent=2))
    else:
        print(Path(result.report_path).read_text())
    raise typer.Exit(0 if result.status == "healthy" else 1)
