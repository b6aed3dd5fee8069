"""k8sgpt-style analysis: every analyzer over one snapshot of the cluster (or a namespace)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Literal

from mcp.server.fastmcp import FastMCP
from mcp.server.fastmcp.exceptions import ToolError
from pydantic import Field

from ...common.registry import Row, ToolResult, tool_decorator
from ...common.results import max_chars
from ..analysis_pages import Snapshot, Snapshots, by_reason, decode_cursor, encode_cursor, page_budget, page_end
from ..analyzers import ClusterView, Finding, kinds_to_fetch, run_analyzers
from ..kube import KINDS, gc_paused
from .context import KubeTools

SEVERITY_ORDER = {"info": 0, "warning": 1, "critical": 2}
LIST_CONCURRENCY = 3  # lists in flight per analyze: enough to overlap the API server's work with ours


class ReasonCount(Row):
    kind: str
    reason: str
    severity: str
    count: int = Field(description="findings of this kind and reason in the whole analysis")
    objects: int = Field(description="distinct objects they are about (a pod's owning workload counted once)")
    examples: list[str] = Field(description="a few of those objects")


class Analysis(ToolResult):
    scope: str = Field(description="the namespace analysed, or (cluster)")
    count: int = Field(description="findings in the whole analysis (every page)")
    findings: list[Finding] = Field(description="most severe first; one page of them when next_cursor is set")
    offset: int | None = Field(default=None, description="index of this page's first finding, when paged")
    next_cursor: str | None = Field(default=None, description=(
        "set when findings remain: call analyze with cursor=this for the next page (nothing is dropped)"))
    by_reason: list[ReasonCount] | None = Field(default=None, description=(
        "when paged: every finding of the analysis counted by kind and reason"))
    not_read: list[str] | None = Field(default=None, description=(
        "kinds this identity may not list (403, e.g. Secrets under a least-privilege role): their checks were left out"))


def register(mcp: FastMCP, ctx: KubeTools) -> None:
    tool = tool_decorator(mcp)
    kube = ctx.kube
    snapshots = Snapshots()

    @tool(title="Analyze the cluster for problems", read_only=True, destructive=False, idempotent=True,
          open_world=True, hint="pass a namespace or fewer kinds")
    def analyze(namespace: Annotated[str | None, Field(description="omit for the whole cluster")] = None,
                kinds: Annotated[list[str] | None,
                                 Field(description="analyzers to run, e.g. [Pod, Service]; default all")] = None,
                min_severity: Literal["info", "warning", "critical"] = "warning",
                cursor: Annotated[str | None, Field(description=(
                    "next_cursor of an earlier answer: the next page of that analysis"))] = None) -> Analysis:
        """k8sgpt-style analysis: structured findings {resource, kind, severity, reason, message, evidence}."""
        if cursor is not None:
            return next_page(cursor, namespace, kinds)
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
        def analysed() -> tuple[list[dict], list[str]]:
            kinds_listed = [kind for kind in sorted(fetch) if kind in KINDS]
            with ThreadPoolExecutor(max_workers=LIST_CONCURRENCY, thread_name_prefix="analyze-list") as pool:
                futures = {kind: pool.submit(listed, kind) for kind in kinds_listed}
                results = {kind: futures[kind].result() for kind in kinds_listed}
            objects: dict[str, list[dict]] = {kind: items for kind, items in results.items() if items is not None}
            findings = run_analyzers(ClusterView(objects), kinds, namespace)
            rows = [f.model_dump() for f in findings
                    if SEVERITY_ORDER.get(f.severity, 1) >= SEVERITY_ORDER[min_severity]]
            return rows, sorted(kind for kind, items in results.items() if items is None)

        # The lists are a snapshot of the whole cluster (~260,000 dicts and lists at 5,000 pods) of which only the
        # findings outlive this call: no collection while they exist (kube.GcPause); freed on return. Measured:
        # analyze's first page 0.57-0.73 CPU-s -> 0.26-0.33 at 5,000 pods.
        with gc_paused:
            rows, not_read = analysed()
        snapshot = Snapshot(namespace, tuple(kinds) if kinds is not None else None, rows, not_read)
        return page_of(snapshot, None, 0)

    def page_of(snapshot: Snapshot, key: str | None, offset: int) -> Analysis:
        """The page starting at `offset`; the whole analysis when it fits in one result."""
        rows = snapshot.rows
        base: dict = {"scope": snapshot.namespace or "(cluster)", "count": len(rows),
                      **({"not_read": snapshot.not_read} if snapshot.not_read else {})}
        if offset == 0 and page_end(rows, 0, page_budget(max_chars(), base)) == len(rows):
            return Analysis(**base, findings=rows)
        envelope = {**base, "offset": offset, "by_reason": by_reason(rows)}
        end = page_end(rows, offset, page_budget(max_chars(), {**envelope, "next_cursor": "x" * 40}))
        if end < len(rows):
            key = key or snapshots.keep(snapshot)  # kept only when there is a next page to ask for
            envelope["next_cursor"] = encode_cursor(key, end)
        return Analysis(**envelope, findings=rows[offset:end])

    def next_page(cursor: str, namespace: str | None, kinds: list[str] | None) -> Analysis:
        try:
            key, offset = decode_cursor(cursor)
        except ValueError as exc:
            raise ToolError(f"analyze: {exc}; call analyze without a cursor to start an analysis") from None
        snapshot = snapshots.get(key)
        if snapshot is None or offset > len(snapshot.rows):
            raise ToolError("analyze: this cursor's analysis has expired (analyses are kept "
                            f"{int(snapshots.ttl_s // 60)} minutes, {snapshots.limit} at most); "
                            "call analyze again without a cursor")
        asked = (namespace, tuple(kinds) if kinds is not None else None)
        if (namespace is not None and asked[0] != snapshot.namespace) or (kinds is not None and asked[1] != snapshot.kinds):
            raise ToolError("analyze: a cursor continues the analysis it came from; omit namespace and kinds "
                            f"(that analysis: namespace={snapshot.namespace}, kinds={snapshot.kinds})")
        return page_of(snapshot, key, offset)
