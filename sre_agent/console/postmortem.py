"""The postmortem draft as one HTML page: inside the console (GET /ui/incidents/{id}/postmortem) or standalone
(`sre-agent postmortem ID --html`: styles inline, nothing fetched)."""

from __future__ import annotations

from datetime import UTC, datetime

from ..postmortem.draft import Postmortem
from ..postmortem.markdown import timing
from .render import render, stylesheet


def postmortem_html(pm: Postmortem, *, prefix: str = "", csrf: str | None = None, standalone: bool = True) -> str:
    return render("postmortem.html", pm=pm, timing=timing, prefix=prefix, csrf=csrf, open_session=False,
                  standalone=standalone, inline_css=stylesheet() if standalone else None,
                  generated_at=datetime.now(UTC).isoformat(timespec="seconds"))
