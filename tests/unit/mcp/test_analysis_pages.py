"""analyze's pages (mcp_servers/kubernetes/analysis_pages.py): pages fit their budget and always
make progress, snapshots are bounded in number and age, a cursor is ours or refused, and the
whole-analysis summary lists each owner once. The tool itself is driven over HTTP in
tests/integration/mcp/test_mcp_kubernetes.py."""

from __future__ import annotations

import pytest

from mcp_servers.common.results import dumps
from mcp_servers.kubernetes.analysis_pages import (
    Snapshot,
    Snapshots,
    by_reason,
    decode_cursor,
    encode_cursor,
    page_budget,
    page_end,
)


def finding(resource: str, reason: str = "CrashLoopBackOff", owner: str | None = None, severity: str = "critical") -> dict:
    return {"resource": resource, "kind": resource.split("/")[-2], "severity": severity, "reason": reason,
            "message": f"{resource} is {reason}", "evidence": ["x" * 40], "owner": owner}


ROWS = [finding(f"team/Pod/api-{i}", owner="team/Deployment/api") for i in range(30)]


@pytest.mark.parametrize("budget", [1, 150, 600, 2000, 10**6])
def test_pages_cover_every_row_once_and_fit_their_budget(budget):
    start, pages = 0, []
    while start < len(ROWS):
        end = page_end(ROWS, start, budget)
        assert end > start  # progress even when one row is over the budget
        page = ROWS[start:end]
        assert len(page) == 1 or len(dumps(page)) <= budget + 2  # the brackets
        pages.append(page)
        start = end
    assert [row for page in pages for row in page] == ROWS


def test_the_budget_leaves_room_for_the_rest_of_the_result():
    envelope = {"scope": "(cluster)", "count": 30, "by_reason": by_reason(ROWS)}
    assert page_budget(24000, envelope) == int(24000 * 0.8) - len(dumps(envelope))
    assert page_budget(1000, {"filler": "y" * 5000}) == 1


def test_snapshots_expire_and_are_bounded():
    now = [0.0]
    kept = Snapshots(ttl_s=60, limit=2, clock=lambda: now[0])
    snap = Snapshot(None, None, ROWS, [], created=0.0)
    first = kept.keep(snap)
    assert kept.get(first) is snap
    second, third = kept.keep(snap), kept.keep(snap)
    assert kept.get(first) is None and kept.get(second) is snap and kept.get(third) is snap  # the oldest went first
    now[0] = 61.0
    assert kept.get(second) is None


@pytest.mark.parametrize("cursor", ["", "abc", "abc.", "abc.-1", ".5", "abc.1x"])
def test_a_cursor_that_is_not_ours_is_refused(cursor):
    with pytest.raises(ValueError, match="not a cursor"):
        decode_cursor(cursor)


def test_a_cursor_round_trips_even_when_the_id_holds_dots_or_dashes():
    assert decode_cursor(encode_cursor("a.b-c_d", 42)) == ("a.b-c_d", 42)


def test_by_reason_counts_every_finding_and_lists_each_owner_once():
    rows = [*ROWS, finding("team/Service/api", "EndpointsNotReady", severity="warning"),
            finding("Node/n1", "NodeNotReady"), finding("Node/n2", "NodeNotReady"),
            *[finding(f"web/Pod/web-{i}", owner=f"web/Deployment/web-{i % 7}") for i in range(14)]]
    summary = by_reason(rows)
    assert [(g["kind"], g["reason"], g["count"], g["objects"]) for g in summary] == [
        ("Pod", "CrashLoopBackOff", 44, 8), ("Node", "NodeNotReady", 2, 2), ("Service", "EndpointsNotReady", 1, 1)]
    assert summary[0]["examples"][:2] == ["team/Deployment/api", "web/Deployment/web-0"]
    assert len(summary[0]["examples"]) == 5
    assert sum(g["count"] for g in summary) == len(rows)
