"""`sre-agent chat`: ask the responder about the cluster (read-only)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Optional

import typer

from ..app.intake import incident_from_question
from ..app.options import RunOptions
from ..app.runs import run_investigation
from .common import Brain, Kubeconfig, KubeContext, Profile, Region, StateDir, run_options, targeting
from .investigate import ProgressPrinter


def chat(ctx: typer.Context,
         question: Annotated[Optional[str], typer.Argument(help="Ask once; omit for an interactive session.")] = None,
         brain: Brain = None, state_dir: StateDir = None,
         context: KubeContext = None, kubeconfig: Kubeconfig = None, profile: Profile = None, region: Region = None) -> None:
    """Ask the responder about the cluster (read-only: chat never changes anything)."""
    options = run_options(ctx, {"brain": brain, "state_dir": state_dir, **targeting(context, kubeconfig, profile, region)})
    options.remediation = "off"
    questions = [question] if question else iter(lambda: input("sre-agent> "), "exit")
    for text in questions:
        if not text.strip():
            continue
        asyncio.run(_answer(text, options))


async def _answer(text: str, options: RunOptions) -> None:
    result, state = await run_investigation(incident_from_question(text), options, on_progress=ProgressPrinter())
    print(state.answer)
