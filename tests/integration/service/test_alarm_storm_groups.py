"""Alarms about one root cause are one incident, over the real service: six differently named alarms on one broken
Deployment (six correlation keys, six incidents) end with one approval card -- the group's leader -- and five
incidents joined to it; one human answer remediates the fault, and every alarm ends with that outcome."""

from __future__ import annotations

import dataclasses
import time

import httpx
import pytest

from sre_agent.lab.lab import Lab
from sre_agent.lab.trigger import alarm_payload

from ...serve_process import served

pytestmark = pytest.mark.slow
TOKEN = "storm-token"
ALARMS = 6


@pytest.fixture(scope="module")
def lab():
    lab = Lab().start()
    lab.load("bad-image")
    real = lab.scenario.scenario.alarm.name
    spec = lab.feed.alarms[real]
    for i in range(1, ALARMS):  # the same metric, other names: how a storm of differently named alarms looks
        lab.feed.add_alarm(dataclasses.replace(spec, name=f"{real}-view{i}", description=f"{spec.description} ({i})"))
    lab.run_clock(120)
    yield lab
    lab.stop()


@pytest.fixture(scope="module")
def service(lab, tmp_path_factory):
    # a verification check every second, not every 2 s: the same two healthy checks in a row before "remediated"
    with served(lab, tmp_path_factory.mktemp("storm"), TOKEN, env={"SRE_AGENT_POLICY_VERIFY_POLL_S": "1"}) as url:
        yield url


def _views(client: httpx.Client, url: str, ids: list[str]) -> list[dict]:
    return [client.get(f"{url}/v1/incidents/{i}").json() for i in ids]


def _until(client, url, ids, ready, timeout: float = 240) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        views = _views(client, url, ids)
        if ready(views):
            return views
        time.sleep(1)
    raise AssertionError(f"not settled after {timeout}s: {[(v['incident_id'], v['status']) for v in views]}")


def test_a_storm_about_one_root_cause_asks_one_approval_and_ends_as_one(lab, service):
    real = lab.scenario.scenario.alarm.name
    names = [real, *(f"{real}-view{i}" for i in range(1, ALARMS))]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and any(alarm_payload(lab, n)["NewStateValue"] != "ALARM" for n in names):
        time.sleep(0.5)
    with httpx.Client(headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30) as client:
        ids = [client.post(f"{service}/v1/incidents", json=alarm_payload(lab, n)).json()["incident_id"] for n in names]
        assert len(set(ids)) == ALARMS  # six names, six correlation keys: six incidents at intake
        # settled: every incident waits or has joined, and the leader's group lists them all (a member records its join
        # before the leader's view of the group is read again: the two are not one write)
        settled = _until(client, service, ids, lambda vs: all(v["status"] in ("awaiting_approval", "joined") for v in vs)
                         and any(len((v.get("group") or {}).get("members") or []) == ALARMS - 1
                                 for v in vs if v["status"] == "awaiting_approval"))
        waiting = [v for v in settled if v["status"] == "awaiting_approval"]
        assert len(waiting) == 1, [(v["incident_id"], v["status"]) for v in settled]  # one approval card
        leader = waiting[0]
        assert sorted(leader["group"]["members"]) == sorted(i for i in ids if i != leader["incident_id"])
        member = next(v for v in settled if v["status"] == "joined")
        refused = client.post(f"{service}/v1/incidents/{member['incident_id']}/approval",
                              json={"decision": "approved", "by": "carol", "action_id": "act-x", "approval_id": "apr-x"})
        assert refused.status_code == 409 and leader["incident_id"] in refused.json()["error"]
        pending = leader["pending_approval"]
        answered = client.post(f"{service}/v1/incidents/{leader['incident_id']}/approval",
                               json={"decision": "approved", "by": "carol", "action_id": pending["action_id"],
                                     "approval_id": pending["approval_id"]})
        assert answered.status_code == 202
        ended = _until(client, service, ids, lambda vs: all(v["result"] or v["error"] for v in vs))
        assert {v["status"] for v in ended} == {"remediated"}, [(v["incident_id"], v["status"], v["error"]) for v in ended]
        assert all(v["result"]["incident_id"] == v["incident_id"] for v in ended)
        actions = [a for v in ended if v["incident_id"] == leader["incident_id"] for a in v["result"]["actions"]]
        assert [a["approved_by"] for a in actions] == ["carol"]
        report = client.get(f"{service}/v1/incidents/{member['incident_id']}/report").text
        assert f"joined {leader['incident_id']}" in report
