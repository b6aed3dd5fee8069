"""The self-contained HTML report of an incident's last run (`sre-agent report ID --html`, and the
console's download link): the incident page without the console around it -- styles inline, charts
inline as data: images, no script, nothing fetched -- so it can be attached to a ticket.

Where the run comes from: the service's incident store (an incident id), or, for runs started with
`sre-agent investigate` (which have no store), the reports directory: <run>.json names its incident."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from ..app.options import RunOptions
from ..app.runs import newest_result
from .pages import checkpoint_of, incident_page
from .render import render, stylesheet


class ReportNotFound(LookupError):
    """No run of that incident (or that run id) in the store or the reports directory."""


async def standalone_report(view: dict[str, Any], options: RunOptions, markdown: str | None) -> str:
    page = await incident_page(view, options, markdown)
    return render("report.html", page=page, prefix="", csrf=None, open_session=False, standalone=True,
                  inline_css=stylesheet(), generated_at=datetime.now(UTC).isoformat(timespec="seconds"))


async def view_from_reports(wanted: str, options: RunOptions) -> tuple[dict[str, Any], str | None]:
    """The newest run of incident `wanted` (or the run `wanted`) from the reports directory, as the
    service's incident view would show it, and its markdown report."""
    reports = options.state_dir / "reports"
    result = newest_result(wanted, options.state_dir)
    if result is None:
        raise ReportNotFound(f"no run of {wanted!r} in {reports}: give an incident id (inc-...) or run id (run-...) that "
                             "this state dir holds (--state-dir, or the service's incident store)")
    state = await checkpoint_of(result.run_id, options)
    incident = state.incident if state else None
    markdown_path = reports / f"{result.run_id}.md"
    view = {"incident_id": result.incident_id, "run_id": result.run_id, "status": result.status,
            "title": incident.title if incident else result.incident_id,
            "severity": incident.severity if incident else "-", "source": incident.source if incident else "-",
            "received_at": incident.started_at.isoformat() if incident else None, "state": "-",
            "notifications": 0, "pending_approval": None, "result": json.loads(result.model_dump_json())}
    return view, (markdown_path.read_text() if markdown_path.is_file() else None)
