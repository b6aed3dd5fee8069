"""Reading an answer whole when one tool result cannot hold it.

A tool result is capped (24,000 characters by default). At 5,000 pods the analysis runs to ~185 KB
and the cluster-wide Deployment list to ~70 KB: read as single results, the sweep saw 50 of 322
findings (12 problems of 47) and 173 of 500 Deployments. So:
  * analyze answers in pages behind a cursor: every page is read, and a read that stops short of the
    analysis' count is reported (`Partial`), never taken for the whole cluster;
  * a workload list cut at the cap is read again namespace by namespace (each is far smaller); what
    still does not fit is counted as not listed.
Every call goes through the collector's `call`, so each is a record the coverage verdict rests on."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from .evidence import WORKLOAD_KINDS

Call = Callable[[str, str, dict[str, Any]], Awaitable[Any]]

# 500 pages of ~19,000 characters is ~10 MB of findings, far past any cluster a sweep finishes in
# minutes; past it the sweep says it stopped.
MAX_ANALYSIS_PAGES = 500


async def read_analysis(call: Call, scoped: dict[str, str]) -> tuple[list[dict[str, Any]], int, str | None]:
    """Every analyzer finding: the first answer, then each page its cursor points at. Returns the
    findings, the pages read, and why they fall short of the analysis' count (None when they do not)."""
    page = await call("kubernetes", "analyze", {**scoped, "min_severity": "warning"})
    if page is None:
        return [], 0, None  # the failed call's record is the hole
    findings: list[dict[str, Any]] = list(page.get("findings") or [])
    total, pages, cut = int(page.get("count", len(findings))), 1, bool(page.get("truncated"))
    while page is not None and page.get("next_cursor") and pages < MAX_ANALYSIS_PAGES:
        page = await call("kubernetes", "analyze", {"cursor": page["next_cursor"]})
        findings += (page or {}).get("findings") or []
        pages += 1
        cut = cut or bool((page or {}).get("truncated"))
    if len(findings) >= total:
        return findings, pages, None
    why = ("a page was cut to the result cap" if cut else f"page {pages} failed" if page is None
           else f"stopped at {pages} pages" if page.get("next_cursor") else "the pages ended before the count")
    return findings, pages, f"analyze: read {len(findings)} of {total} findings ({why})"


def _whole(listed: Any) -> bool:
    return listed is None or len(listed.get("items") or []) >= int(listed.get("count", 0))


async def read_workloads(call: Call, scoped: dict[str, str], names_only: bool = False) -> tuple[dict[str, str], int]:
    """"namespace/name" -> kind for every workload, and how many could not be listed. `names_only`: the server's
    get_resources takes output=name -- the index needs nothing else, and rows of names alone are a fifth of the
    wide ones, so a 500-Deployment list fits in one result instead of being read again namespace by namespace."""
    more = {"limit": 5000, **({"output": "name"} if names_only else {})}
    lists = dict(zip(WORKLOAD_KINDS, await asyncio.gather(*[
        call("kubernetes", "get_resources", {"kind": kind, **scoped, **more}) for kind in WORKLOAD_KINDS]), strict=True))
    cut = [kind for kind, listed in lists.items() if not _whole(listed)]
    if cut and not scoped:
        namespaces = await call("kubernetes", "get_resources", {"kind": "Namespace", **more})
        names = [row["name"] for row in (namespaces or {}).get("items") or []]
        if names and _whole(namespaces):
            asks = [(kind, name) for kind in cut for name in names]
            answers = await asyncio.gather(*[call("kubernetes", "get_resources", {"kind": kind, "namespace": name, **more})
                                             for kind, name in asks])
            for kind in cut:
                per_namespace = [a for (k, _), a in zip(asks, answers, strict=True) if k == kind]
                if all(a is not None for a in per_namespace):
                    lists[kind] = {"count": sum(int(a.get("count", 0)) for a in per_namespace),
                                   "items": [row for a in per_namespace for row in a.get("items") or []]}
    index: dict[str, str] = {}
    missing = 0
    for kind, listed in lists.items():
        rows = (listed or {}).get("items") or []
        missing += max(int((listed or {}).get("count", 0)) - len(rows), 0)
        for row in rows:
            index[f"{row.get('namespace')}/{row['name']}"] = kind
    return index, missing
