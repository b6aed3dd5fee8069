"""The shape of an analyzer case: cluster objects in, findings out."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class ExpectedFinding(BaseModel):
    resource: str
    reason: str
    severity: Literal["critical", "warning", "info"]
    message: str = Field(description="a substring the finding's message must contain")
    owner: str | None = Field(default=None, description="when set, the finding's owner must equal it")


class AnalyzerCase(BaseModel):
    """One table row. `objects` are plain API JSON (apiVersion, kind, metadata, spec, status), so
    the same rows can be created in the lab's API emulator and read back through the client.
    The expected findings are exhaustive: any other finding fails the case."""

    id: str
    objects: list[dict[str, Any]]
    expected: list[ExpectedFinding]
    namespace: str | None = Field(default=None, description="analyze one namespace only, as k8sgpt's a.Namespace")
    kinds: list[str] | None = Field(default=None, description="analyzers to run; None runs all of them")
    k8sgpt_test: str | None = Field(default=None, description="the k8sgpt Go test this case was ported from")
    api_valid: bool = Field(default=True, description="False when a real API server would reject an object here")
    note: str = ""


def expect(resource: str, reason: str, severity: str, message: str, owner: str | None = None) -> ExpectedFinding:
    return ExpectedFinding(resource=resource, reason=reason, severity=severity, message=message, owner=owner)  # type: ignore[arg-type]
