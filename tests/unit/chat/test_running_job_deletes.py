"""A delete of a running Job whose investigation found no fault (a planned reindex heating its node) loses its work for
nothing: said, not pinned ('anyway' pins it). A CronJob's run active for over twice its earlier runs' median time is
overrunning -- hung or slowed -- and its delete is left to the usual checks."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from sre_agent.chat.act.guards import healthy_run_killed
from sre_agent.chat.ask import Ask
from sre_agent.chat.understand.forms import recognise
from sre_agent.contracts import ToolCallRecord
from sre_agent.graph.ports import ToolOutcome


def run(name, started_min_ago, took_min=None, cronjob="groom", active=0, failed=0):
    # times are made when the rows are read, never at collection: a busy machine may run this test many minutes later
    return {"name": name, "namespace": "g", "cronjob": cronjob, "active": active, "failed": failed,
            "started_min_ago": started_min_ago, "took_min": took_min}


def _timed(row: dict) -> dict:
    start = datetime.now(UTC) - timedelta(minutes=row["started_min_ago"])
    took = row["took_min"]
    return {**{k: v for k, v in row.items() if k not in ("started_min_ago", "took_min")}, "started": start.isoformat(),
            "completed": (start + timedelta(minutes=took)).isoformat() if took else None}


class Jobs:
    parameters: dict = {}

    def __init__(self, rows):
        self.rows = rows

    async def call(self, agent, server, tool, args, brain="offline"):
        return ToolOutcome(record=ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True),
                           data={"items": [_timed(r) for r in self.rows]})


async def no_fault(question, resource):
    return {"diagnosis": {"category": "none", "resource": resource}}


@pytest.mark.parametrize("rows, question, refused", [
    ([run("reindex", 20, cronjob=None, active=2)], "kill the reindex job its hogging cpu", True),
    ([run("reindex", 20, cronjob=None, active=2)], "delete the reindex job anyway", False),  # said so
    ([run("reindex", 20, cronjob=None, active=1, failed=2)], "delete the reindex job", False),  # failing: not healthy
    ([run("groom-3", 130, active=1), run("groom-1", 200, 10), run("groom-2", 170, 12)], "delete the groom-3 job", False),
    ([run("groom-3", 15, active=1), run("groom-1", 200, 10), run("groom-2", 170, 12)], "delete the groom-3 job", True),
])
def test_a_running_job_with_no_fault_is_not_killed_on_a_passing_request(rows, question, refused):
    ask = Ask(question=question, recognised=recognise(question), tools=Jobs(rows), investigate=no_fault)
    said = asyncio.run(healthy_run_killed(ask, f"g/Job/{rows[0]['name']}"))
    assert (said is not None and said.headline.startswith("Not pinned:")) is refused
