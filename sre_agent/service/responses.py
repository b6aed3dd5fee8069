"""The service's JSON answers that every route module shares: an error, a validation failure (which fields, what
was wrong), and the person a request's token names. A module of its own so the route modules (api.py, routes.py,
session_routes.py) and the intake's hot path (intake_path.py) all import it, and none of them each other."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from ..contracts import Person
from .identity import person_of


def error(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status, headers=extra.pop("headers", None))


def _fields(exc: ValidationError | RequestValidationError) -> list[dict[str, str]]:
    return [{"field": ".".join(str(p) for p in e.get("loc", ()) if p != "body") or "(body)", "problem": e.get("msg", "")}
            for e in exc.errors()]


def validation_body(exc: ValidationError | RequestValidationError) -> dict[str, Any]:
    fields = _fields(exc)
    summary = "; ".join(f"{f['field']}: {f['problem']}" for f in fields[:5])
    return {"error": f"invalid request: {summary}", "fields": fields}


def invalid(exc: ValidationError | RequestValidationError) -> JSONResponse:
    return JSONResponse(validation_body(exc), 422)


def person_in(request: Request) -> Person | None:
    """The person the request's token names (the guard's `principal`); None: the static token, or no auth."""
    return person_of((request.scope.get("state") or {}).get("principal"))
