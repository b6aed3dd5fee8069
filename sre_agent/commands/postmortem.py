"""`sre-agent postmortem INCIDENT_ID [--html]`: a postmortem draft of an incident, from its run's evidence and the
incident memory -- summary, impact, timeline, root cause, actions and who approved them, what went well and badly,
earlier occurrences, follow-ups."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from .common import CheckpointDsn, IncidentId, StateDir, fail, service_store, settings_for


def _result_from_store(wanted: str, options: Any) -> Any:
    """The last finished run of `wanted` in the service's store (`sre-agent serve` in this state dir, or the DSN)."""
    store = service_store(options)
    if store is None:
        return None
    from ..contracts import InvestigationResult

    runs = [r for r in store.runs_of(wanted) if r.result]
    return InvestigationResult.model_validate(runs[-1].result) if runs else None


def postmortem(
    ctx: typer.Context,
    incident_id: IncidentId,
    html: Annotated[bool, typer.Option("--html", help="Write one self-contained HTML page instead of printing "
                                                      "markdown.")] = False,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Where to write. [default: print the "
                                                   "markdown; --html: ./<incident id>.postmortem.html]")] = None,
    state_dir: StateDir = None,
    checkpoint_dsn: CheckpointDsn = None,
) -> None:
    """Draft the postmortem of an incident: summary, impact (the alarmed metric's start, end and peak), a timeline,
    the root cause with its evidence, the actions with who approved them and whether they verified, what went well
    and badly (time to detect, diagnose, mitigate), earlier occurrences from the memory, and follow-ups.

    Blameless: it names changes and systems, never a person as a cause. A draft: edit it before you publish it."""
    from ..app.options import RunOptions
    from ..app.postmortems import NoSuchRun, postmortem_of
    from ..app.runs import newest_result
    from ..postmortem.markdown import render_markdown

    settings = settings_for(ctx, {"state_dir": state_dir, "checkpoint": {"dsn": checkpoint_dsn}})
    options = RunOptions.from_settings(settings)
    result = newest_result(incident_id, options.state_dir) or _result_from_store(incident_id, options)
    try:
        draft = asyncio.run(postmortem_of(result, incident_id, options))
    except NoSuchRun as exc:
        fail(str(exc))
    if html:
        from ..console.postmortem import postmortem_html

        text, target = postmortem_html(draft), output or Path(f"{draft.incident_id}.postmortem.html")
    else:
        text, target = render_markdown(draft), output
    if target is None:
        typer.echo(text, nl=False)
        return
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write {target}: {exc.strerror or exc}")
    typer.echo(f"wrote {target}")
