"""The sweep reads answers whole (sweep/whole_reads.py): every page of a paged analysis (analyze's
next_cursor), a read it could not finish is a hole in the verdict that says how much was missed --
never a shorter list of problems reported as the whole picture -- and a workload list cut at the
result cap is read again namespace by namespace. The tool's paging: tests/unit/mcp/test_analysis_pages.py."""

from __future__ import annotations

import asyncio
from typing import Any

from sre_agent.contracts import ToolCallRecord
from sre_agent.graph.ports import ToolOutcome
from sre_agent.sweep.engine import run_sweep
from sre_agent.sweep.whole_reads import read_workloads


def node_down(name: str) -> dict[str, Any]:
    return {"resource": f"Node/{name}", "kind": "Node", "severity": "critical", "reason": "NodeNotReady",
            "message": f"{name} has condition of type Ready, status False", "evidence": [], "owner": None}


PAGES = {  # cursor (None: the first call) -> the page analyze answers
    None: {"scope": "(cluster)", "count": 3, "offset": 0, "findings": [node_down("n1")], "next_cursor": "snap.1"},
    "snap.1": {"scope": "(cluster)", "count": 3, "offset": 1, "findings": [node_down("n2")], "next_cursor": "snap.2"},
    "snap.2": {"scope": "(cluster)", "count": 3, "offset": 2, "findings": [node_down("n3")]},
}
EMPTY = {
    "events": {"count": 0, "events": []},
    "get_resources": {"kind": "Deployment", "namespace": "(all)", "count": 0, "items": []},
    "describe_alarms": {"count": 0, "alarms": []},
    "describe_log_groups": {"count": 0, "more": False, "log_groups": []},
    "list_runbooks": {"count": 0, "sources": {}, "runbooks": []},
}


class PagedTools:
    """The Tools port answering analyze page by page; `failing` cursors answer an MCP error."""

    def __init__(self, failing: set[str] = frozenset(), pages: dict[str | None, dict[str, Any]] | None = None) -> None:
        self.failing = failing
        self.pages = pages or PAGES
        self.analyze_args: list[dict[str, Any]] = []

    async def call(self, agent: str, server: str, tool: str, args: dict[str, Any], brain: str = "offline") -> ToolOutcome:
        error, data = None, EMPTY.get(tool, {})
        if tool == "analyze":
            self.analyze_args.append(args)
            cursor = args.get("cursor")
            if cursor in self.failing:
                error, data = "McpError: Connection closed", None
            else:
                data = self.pages[cursor]
        record = ToolCallRecord(id=f"ev-{len(self.analyze_args)}-{tool}", agent=agent, server=server, tool=tool,
                                args=args, ok=error is None, excerpt=error or "{}")
        return ToolOutcome(record=record, data=data, error=error)


def test_the_sweep_follows_the_cursor_to_the_last_page():
    tools = PagedTools()
    report = asyncio.run(run_sweep(tools))
    assert [a.get("cursor") for a in tools.analyze_args] == [None, "snap.1", "snap.2"]
    assert tools.analyze_args[1] == {"cursor": "snap.1"}  # a cursor carries the analysis' own arguments
    assert {p.resource for p in report.problems} == {"Node/n1", "Node/n2", "Node/n3"}
    assert report.counts["findings"] == 3 and report.counts["analysis_pages"] == 3
    assert report.status == "problems"


def test_a_page_that_fails_makes_kubernetes_a_hole_that_says_what_was_missed():
    tools = PagedTools(failing={"snap.2"})
    report = asyncio.run(run_sweep(tools))
    assert report.status == "unknown"
    kube = next(c for c in report.coverage if c.backend == "kubernetes")
    assert kube.status == "could_not_check"
    assert {p.resource for p in report.problems} == {"Node/n1", "Node/n2"}  # what was read is still reported


def test_pages_that_end_short_of_the_count_are_a_hole_not_a_smaller_cluster():
    short = {**PAGES, "snap.1": {k: v for k, v in PAGES["snap.1"].items() if k != "next_cursor"}}
    report = asyncio.run(run_sweep(PagedTools(pages=short)))
    assert report.status == "unknown"
    kube = next(c for c in report.coverage if c.backend == "kubernetes")
    assert kube.status == "could_not_check" and kube.reason.startswith("analyze: read 2 of 3 findings")


def deployments(namespace: str, count: int) -> list[dict[str, Any]]:
    return [{"name": f"app-{i}", "namespace": namespace} for i in range(count)]


class Listing:
    """get_resources as the server answers it: `count` is every object, `items` what fit under the cap."""

    def __init__(self, cap: int, per_namespace: dict[str, int], failing: set[str] = frozenset()) -> None:
        self.cap, self.per_namespace, self.failing = cap, per_namespace, failing
        self.asked: list[dict[str, Any]] = []

    async def __call__(self, server: str, tool: str, args: dict[str, Any]) -> Any:
        self.asked.append(args)
        if args["kind"] == "Namespace":
            return {"count": len(self.per_namespace), "items": [{"name": n} for n in self.per_namespace]}
        if args.get("namespace") in self.failing:
            return None
        if args["kind"] != "Deployment":
            return {"count": 0, "items": []}
        names = [args["namespace"]] if args.get("namespace") else list(self.per_namespace)
        rows = [row for n in names for row in deployments(n, self.per_namespace[n])]
        return {"count": len(rows), "items": rows[:self.cap]}


def test_a_workload_list_cut_at_the_cap_is_read_again_per_namespace():
    listing = Listing(cap=30, per_namespace={"a": 25, "b": 25, "c": 10})
    index, missing = asyncio.run(read_workloads(listing, {}))
    assert len(index) == 60 and missing == 0 and index["c/app-9"] == "Deployment"
    assert {a.get("namespace") for a in listing.asked if a["kind"] == "Deployment"} == {None, "a", "b", "c"}
    assert not any(a.get("namespace") for a in listing.asked if a["kind"] == "StatefulSet")  # only the cut kind


def test_what_still_does_not_fit_is_counted_not_hidden():
    index, missing = asyncio.run(read_workloads(Listing(cap=30, per_namespace={"a": 45, "b": 5}), {}))
    assert len(index) == 35 and missing == 15
    failed = asyncio.run(read_workloads(Listing(cap=30, per_namespace={"a": 25, "b": 25}, failing={"b"}), {}))
    assert failed == ({f"a/app-{i}": "Deployment" for i in range(25)} | {f"b/app-{i}": "Deployment" for i in range(5)}, 20)


def test_a_list_that_fits_is_read_once():
    listing = Listing(cap=100, per_namespace={"a": 25, "b": 25})
    index, missing = asyncio.run(read_workloads(listing, {}))
    assert len(index) == 50 and missing == 0 and len(listing.asked) == len(("Deployment", "StatefulSet", "DaemonSet", "Job"))


def test_a_server_that_lists_names_alone_answers_the_index_in_one_read_each():
    """output=name (a fifth of a wide row) is asked only of a server that declares it; the per-namespace reads
    stay for what is still cut."""

    class Names(Listing):  # rows of names alone: five times as many fit under the cap
        async def __call__(self, server: str, tool: str, args: dict[str, Any]) -> Any:
            self.cap = 150 if args.get("output") == "name" else 30
            return await super().__call__(server, tool, args)

    wide = Names(cap=30, per_namespace={"a": 25, "b": 25, "c": 10})
    assert asyncio.run(read_workloads(wide, {}))[1] == 0 and len(wide.asked) == 4 + 1 + 3  # cut: read per namespace
    names = Names(cap=30, per_namespace={"a": 25, "b": 25, "c": 10})
    index, missing = asyncio.run(read_workloads(names, {}, names_only=True))
    assert len(index) == 60 and missing == 0 and index["c/app-9"] == "Deployment"
    assert len(names.asked) == 4 and all(a["output"] == "name" for a in names.asked)

    from sre_agent.sweep.collect import Collector

    class Declared:
        parameters = {("kubernetes", "get_resources"): {"kind", "namespace", "limit", "output"}}

    assert Collector(Declared(), None).accepts("kubernetes", "get_resources", "output")
    assert not Collector(Declared(), None).accepts("kubernetes", "events", "output")
    assert not Collector(object(), None).accepts("kubernetes", "get_resources", "output")  # not listed: not sent
