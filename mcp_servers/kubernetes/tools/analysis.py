"""k8sgpt-style analysis: every analyzer over one snapshot of the cluster (or a namespace)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Literal

from mcp.server.fastmcp import FastMCP
from mcp.server.fastmcp.exceptions import ToolError
from pydantic import Field

from ...common.registry import ToolResult, tool_decorator
from ..analyzers import ClusterView, Finding, kinds_to_fetch, run_analyzers
from ..kube import KINDS
from .context import KubeTools

SEVERITY_ORDER = {"info": 0, "warning": 1, "critical": 2}
LIST_CONCURRENCY = 3  # lists in flight per analyze: enough to overlap the API server's work with ours


class Analysis(ToolResult):
    scope: str = Field(description="the namespace analysed, or (cluster)")
    count: int
    findings: list[Finding]
    not_read: list[str] | None = Field(default=None, description=(
        "kinds this identity may not list (403, e.g. Secrets under a least-privilege role): their checks were left out"))


def register(mcp: FastMCP, ctx: KubeTools) -> None:
    tool = tool_decorator(mcp)
    kube = ctx.kube

    @tool(title="Analyze the cluster for problems", read_only=True, destructive=False, idempotent=True,
          open_world=True, hint="pass a namespace or fewer kinds")
    def analyze(namespace: Annotated[str | None, Field(description="omit for the whole cluster")] = None,
                kinds: Annotated[list[str] | None,
                                 Field(description="analyzers to run, e.g. [Pod, Service]; default all")] = None,
                min_severity: Literal["info", "warning", "critical"] = "warning") -> Analysis:
        """k8sgpt-style analysis: structured findings {resource, kind, severity, reason, message, evidence}."""
        ctx.check_namespace(namespace)
        try:
            fetch = kinds_to_fetch(kinds)
        except ValueError as exc:
            raise ToolError(str(exc)) from None
        def listed(kind: str) -> list[dict] | None:
            scoped = namespace if KINDS[kind].namespaced else None
            try:
                items = ctx.k8s(lambda: kube.list(kind, scoped), f"list {kind}")
            except ToolError as exc:
                if kind == "Secret" and ("forbidden" in str(exc) or "access denied" in str(exc)):
                    return None  # a role without Secret reads (deploy's ClusterRole): leave the Secret checks out
                raise
            if kind == "Secret":  # analyzers need a Secret's keys, never its values
                items = [{**s, "data": {k: "" for k in (s.get("data") or {})}} for s in items]
            return items

        # The kinds are listed a few at a time: while the API server encodes one list this process
        # decodes another (one after the other, a 5,000-pod cluster's lists took ~1.5x as long here).
        # Results are collected in kind order, so the first failing kind is the one reported.
        kinds_listed = [kind for kind in sorted(fetch) if kind in KINDS]
        with ThreadPoolExecutor(max_workers=LIST_CONCURRENCY, thread_name_prefix="analyze-list") as pool:
            futures = {kind: pool.submit(listed, kind) for kind in kinds_listed}
            results = {kind: futures[kind].result() for kind in kinds_listed}
        objects: dict[str, list[dict]] = {kind: items for kind, items in results.items() if items is not None}
        findings = run_analyzers(ClusterView(objects), kinds, namespace)
        rows = [f.model_dump() for f in findings
                if SEVERITY_ORDER.get(f.severity, 1) >= SEVERITY_ORDER[min_severity]]
        not_read = sorted(kind for kind, items in results.items() if items is None)
        return Analysis(scope=namespace or "(cluster)", count=len(rows), findings=rows,
                        **({"not_read": not_read} if not_read else {}))
