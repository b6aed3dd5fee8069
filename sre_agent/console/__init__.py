"""The web console of `sre-agent serve` (/ui): incidents, an incident's evidence and charts, approve or
reject a paused plan, sweeps, and the same page as a self-contained HTML report (`sre-agent report
--html`). Server-rendered (Jinja2 templates in templates/), a little plain JavaScript in static/ for
live updates (server-sent events); no CDN and no build step. docs/console.md describes it.

Authentication is the service's guard (service/guard.py) and the sign-in here: the static token is
exchanged for a session cookie, or a person signs in at the OIDC identity provider (authorization
code + PKCE: signin.py, signin_routes.py) and the session carries their roles -- the approve form is
an approver's only; every state-changing form carries the session's CSRF token (session.py).

This package imports no service module: the service mounts it (`mount_console`) and it reaches the
service through the protocol in ports.py. Kept import-light: the guard imports console.session."""

from __future__ import annotations

from typing import Any


def mount_console(app: Any, service: Any, prefix: str = "/ui") -> None:
    """Add the console's routes and static files under `prefix` to the FastAPI `app`."""
    from .routes import console_router, static_files

    app.include_router(console_router(service, prefix))
    app.mount(f"{prefix}/static", static_files(), name="console-static")
