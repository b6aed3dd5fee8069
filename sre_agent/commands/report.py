"""`sre-agent report INCIDENT_ID [--html]`: an incident's last report, as markdown or as one
self-contained HTML file (charts inline) to attach to a ticket."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from .common import CheckpointDsn, IncidentId, StateDir, fail, service_store, settings_for


def report(
    ctx: typer.Context,
    incident_id: IncidentId,
    html: Annotated[bool, typer.Option("--html", help="Write a self-contained HTML page (charts inline) "
                                                      "instead of printing the markdown.")] = False,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Where --html writes. "
                                                   "[default: ./<incident id>.html]")] = None,
    state_dir: StateDir = None,
    checkpoint_dsn: CheckpointDsn = None,
) -> None:
    """Write an incident's report: markdown, or --html a self-contained page with its charts inline.

    The incident comes from the service's store (`sre-agent serve` in this state dir, or --checkpoint-dsn),
    else from the reports directory that `sre-agent investigate` writes (reports/<run>.json). The HTML
    page holds the summary, root cause, charts, the evidence with its tool calls, the actions and their
    verification, and the markdown report; it fetches nothing."""
    from ..app.options import RunOptions
    from ..console.report import ReportNotFound, standalone_report, view_from_reports

    settings = settings_for(ctx, {"state_dir": state_dir, "checkpoint": {"dsn": checkpoint_dsn}})
    options = RunOptions.from_settings(settings)
    try:
        view, markdown = _from_store(incident_id, options) or asyncio.run(view_from_reports(incident_id, options))
    except ReportNotFound as exc:
        fail(str(exc))
    if not html:
        if markdown is None:
            fail(f"incident {incident_id} has no report yet: a report is written when its run ends (status "
                 f"{view.get('status')}); --html shows what the run holds so far")
        typer.echo(markdown, nl=False)
        return
    page = asyncio.run(standalone_report(view, options, markdown))
    target = output or Path(f"{view['incident_id']}.html")
    try:
        target.write_text(page, encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write {target}: {exc.strerror or exc}")
    typer.echo(f"wrote {target} ({len(page) // 1024} KiB, status {view.get('status')})")


def _from_store(wanted: str, options: Any) -> tuple[dict[str, Any], str | None] | None:
    """The service's view of incident `wanted` and its last report, when a service store holds it."""
    store = service_store(options)
    if store is None:
        return None
    from ..service.core import IncidentService

    record = store.incident(wanted)
    if record is None:
        return None
    # IncidentService.view reads nothing but its store: the same view the API and console show,
    # without starting the service's workers and MCP servers.
    holder = type("StoreOnly", (), {"store": store})()
    view = IncidentService.view(holder, record)  # type: ignore[arg-type]
    runs = [r for r in store.runs_of(wanted) if r.report]
    return view, (runs[-1].report if runs else None)
