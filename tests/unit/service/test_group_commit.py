"""Group commit (service/group_commit.py) and the intake's hot path: notifications arriving together
share one transaction, yet correlate, dedupe and meet backpressure exactly as one at a time; an
intake that fails undoes only its own writes; a commit that fails acknowledges nothing."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from contextlib import contextmanager

import httpx
import pytest

from sre_agent.app.options import RunOptions
from sre_agent.service.api import build_app
from sre_agent.service.core import IncidentService
from sre_agent.service.group_commit import GroupCommit

ALARM = {"AlarmName": "frontend-5xx", "NewStateValue": "ALARM", "NewStateReason": "threshold crossed",
         "StateChangeTime": "2026-03-01T12:00:00Z",
         "Trigger": {"MetricName": "5xx", "Dimensions": [{"name": "Namespace", "value": "shop"},
                                                         {"name": "Service", "value": "frontend"}]}}


def _alarm(name: str) -> dict:
    return {**ALARM, "AlarmName": name}


def _service(tmp_path, **kwargs) -> IncidentService:
    return IncidentService(RunOptions(state_dir=tmp_path), shared_servers=False, **kwargs)


async def _post_all(service: IncidentService, bodies: list[dict]) -> list[httpx.Response]:
    transport = httpx.ASGITransport(app=build_app(service))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        return await asyncio.gather(*(client.post("/v1/incidents", json=body) for body in bodies))


def test_a_storm_of_repeats_becomes_one_incident_and_one_run_per_alarm(tmp_path):
    service = _service(tmp_path)
    bodies = [_alarm(f"alarm-{i % 5}") for i in range(60)]
    answers = asyncio.run(_post_all(service, bodies))
    assert sorted({a.status_code for a in answers}) == [200, 202]
    by_disposition: dict[str, int] = {}
    for answer in answers:
        by_disposition[answer.json()["disposition"]] = by_disposition.get(answer.json()["disposition"], 0) + 1
    assert by_disposition == {"opened": 5, "attached": 55}
    incidents = service.store.incidents()
    assert len(incidents) == 5 and sum(i.notifications for i in incidents) == 60
    assert sum(len(service.store.runs_of(i.incident_id)) for i in incidents) == 5
    assert len(service.store.notifications()) == 60  # every acknowledged notification is in the store
    # The acknowledgement is the incident as it stood right after that notification was written.
    opened = next(a.json() for a in answers if a.json()["disposition"] == "opened")
    assert opened["status"] == "investigating" and opened["notifications"] == 1 and len(opened["runs"]) == 1
    assert service.intake_writer.intakes == 60 and 1 <= service.intake_writer.batches <= 60


def test_backpressure_inside_a_batch_admits_exactly_the_queue_limit(tmp_path):
    service = _service(tmp_path, max_queue=3)
    answers = asyncio.run(_post_all(service, [_alarm(f"distinct-{i}") for i in range(8)]))
    codes = sorted(a.status_code for a in answers)
    assert codes == [202, 202, 202, 429, 429, 429, 429, 429]
    assert all(a.headers["retry-after"].isdigit() for a in answers if a.status_code == 429)
    assert len(service.store.incidents()) == 3 and len(service.store.notifications()) == 3  # refused: nothing kept


def test_the_hot_path_refuses_bad_bodies_as_fastapi_did(tmp_path):
    service = _service(tmp_path)
    transport_app = build_app(service)

    async def post(raw: bytes, path: str = "/v1/incidents") -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=transport_app), base_url="http://x") as client:
            return await client.post(path, content=raw, headers={"content-type": "application/json"})

    not_json = asyncio.run(post(b"{nope"))
    assert not_json.status_code == 422 and "not JSON" in not_json.json()["error"]
    wrong_type = asyncio.run(post(json.dumps({**ALARM, "NewStateValue": "MAYBE"}).encode()))
    assert wrong_type.status_code == 422 and wrong_type.json()["fields"][0]["field"] == "NewStateValue"
    not_eventbridge = asyncio.run(post(json.dumps(ALARM).encode(), "/v1/alarms/eventbridge"))
    assert not_eventbridge.status_code == 422 and "detail-type" in not_eventbridge.json()["error"]
    assert service.store.notifications() == []
    assert 'sre_agent_requests_rejected_total{reason="invalid"} 3.0' in service.metrics.render().decode()


def test_a_failing_intake_undoes_only_its_own_writes(tmp_path):
    service = _service(tmp_path)
    store = service.store
    release, holding = threading.Event(), threading.Event()
    from sre_agent.app.intake import incident_from_alarm

    def first():
        holding.set()
        release.wait(30)  # holds the writer while the next two queue up: they commit together
        return store.intake(incident_from_alarm(_alarm("kept-1")), {}, "test")

    def failing():
        store.intake(incident_from_alarm(_alarm("undone")), {}, "test")
        raise RuntimeError("after its writes")

    def second():
        return store.intake(incident_from_alarm(_alarm("kept-2")), {}, "test")

    async def main():
        writer = GroupCommit(store)
        one = asyncio.ensure_future(writer.submit(first))
        while not holding.is_set():  # the writer is inside the first batch (however busy the machine is)
            await asyncio.sleep(0.01)
        rest = [asyncio.ensure_future(writer.submit(w)) for w in (failing, second)]
        await asyncio.sleep(0)
        release.set()
        results = await asyncio.gather(one, *rest, return_exceptions=True)
        writer.stop()
        return writer, results

    writer, (kept_1, error, kept_2) = asyncio.run(main())
    assert kept_1.disposition == kept_2.disposition == "opened"
    assert isinstance(error, RuntimeError)
    assert sorted(i.title.split(":")[0] for i in store.incidents()) == ["kept-1", "kept-2"]
    assert len(store.notifications()) == 2
    assert (writer.batches, writer.intakes) == (2, 3)  # the two queued behind the first shared one commit


class _FailingCommitStore:
    """A store whose outermost transaction fails to commit (a full disk): savepoints succeed."""

    group_commit_limit = 8

    def __init__(self) -> None:
        self.depth = 0
        self.done = 0

    @contextmanager
    def atomic(self):
        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1
        if self.depth == 0:
            raise sqlite3.OperationalError("database or disk is full")


def test_a_failed_commit_acknowledges_none_of_its_batch():
    store = _FailingCommitStore()

    def work():
        store.done += 1
        return "persisted?"

    async def main():
        writer = GroupCommit(store)
        results = await asyncio.gather(*(writer.submit(work) for _ in range(5)), return_exceptions=True)
        writer.stop()
        return results

    results = asyncio.run(main())
    assert store.done == 5
    assert all(isinstance(r, sqlite3.OperationalError) for r in results), results


@pytest.mark.parametrize("limit", [1, 3])
def test_the_store_sets_how_many_share_a_commit(limit):
    store = _FailingCommitStore()
    store.group_commit_limit = limit
    assert GroupCommit(store).limit == limit
