"""The console's Jinja2 environment: templates from the package (importlib.resources, so an installed
wheel renders the same pages), autoescaped, with the few filters the templates use."""

from __future__ import annotations

import base64
from functools import cache
from importlib.resources import files
from typing import Any

from jinja2 import ChainableUndefined, Environment, FunctionLoader, select_autoescape

SECURITY_HEADERS = {
    # Scripts and styles only from the console itself; charts are data: images; no framing (an approve
    # button inside someone else's page would be clickjacking).
    "content-security-policy": ("default-src 'self'; img-src 'self' data:; script-src 'self'; style-src 'self'; "
                                "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"),
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "cache-control": "no-store",
}


def _template(name: str) -> str | None:
    resource = files("sre_agent.console") / "templates" / name
    return resource.read_text(encoding="utf-8") if resource.is_file() else None


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@cache
def environment() -> Environment:
    # ChainableUndefined: a view without an optional field (no plan yet, no deadline) renders empty, as the
    # API omits it, instead of failing the page.
    env = Environment(loader=FunctionLoader(_template), autoescape=select_autoescape(default=True, default_for_string=True),
                      undefined=ChainableUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["b64"] = _b64
    return env


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


def stylesheet() -> str:
    return (files("sre_agent.console") / "static" / "console.css").read_text(encoding="utf-8")
