"""The errors the lab's API server answers with: `ApiError` carries a Kubernetes Status object,
and its constructors (and the field causes below) use Kubernetes' exact wording, because clients
parse those messages."""

from __future__ import annotations

import json
from typing import Any

from .resources import ResourceType


class ApiError(Exception):
    """An error the Kubernetes API would answer with; `status_body()` is its Status object."""

    def __init__(self, code: int, reason: str, message: str, details: dict | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details or {}

    def status_body(self) -> dict:
        body: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if self.details:
            body["details"] = self.details
        return body

    # Constructors with Kubernetes' exact wording, so clients that parse messages keep working.

    @classmethod
    def not_found(cls, rtype: ResourceType, name: str) -> ApiError:
        return cls(404, "NotFound", f'{rtype.group_resource} "{name}" not found',
                   {"name": name, "group": rtype.group, "kind": rtype.plural})

    @classmethod
    def already_exists(cls, rtype: ResourceType, name: str) -> ApiError:
        return cls(409, "AlreadyExists", f'{rtype.group_resource} "{name}" already exists',
                   {"name": name, "group": rtype.group, "kind": rtype.plural})

    @classmethod
    def conflict(cls, rtype: ResourceType, name: str, why: str) -> ApiError:
        return cls(409, "Conflict", f'Operation cannot be fulfilled on {rtype.group_resource} "{name}": {why}',
                   {"name": name, "group": rtype.group, "kind": rtype.plural})

    @classmethod
    def bad_request(cls, message: str) -> ApiError:
        return cls(400, "BadRequest", message)

    @classmethod
    def invalid(cls, kind: str, group: str, name: str, causes: list[dict]) -> ApiError:
        qualified = f"{kind}.{group}" if group else kind
        summaries = [f"{c['field']}: {c['message']}" for c in causes]
        joined = summaries[0] if len(summaries) == 1 else f"[{', '.join(summaries)}]"
        return cls(422, "Invalid", f'{qualified} "{name}" is invalid: {joined}',
                   {"name": name, "group": group, "kind": kind, "causes": causes})


def required(field: str, detail: str = "") -> dict:
    return {"reason": "FieldValueRequired", "message": "Required value" + (f": {detail}" if detail else ""),
            "field": field}


def invalid_value(field: str, value: Any, detail: str) -> dict:
    shown = json.dumps(value) if isinstance(value, str) else repr(value)
    return {"reason": "FieldValueInvalid", "message": f"Invalid value: {shown}: {detail}", "field": field}


def duplicate(field: str, value: Any) -> dict:
    return {"reason": "FieldValueDuplicate", "message": f"Duplicate value: {json.dumps(value)}", "field": field}
