"""One `sre-agent serve`, two clusters (issue 41), over real HTTP: a fleet of two labs (lab/fleet.py; one kubeconfig
with a context per cluster, an AWS profile per cluster) configured as the service's `clusters:`. bad-image's fault
is in cluster 2, the same names healthy in cluster 1:

  * its alarm (ClusterName dimension, account) is routed to cluster 2 and the run remediates it there -- cluster 1's
    API server received no write at all, and only cluster 2's MCP servers were started;
  * an alarm that names no cluster ends escalated at once with the reason, no run, nothing written anywhere;
  * the incident list filters by cluster, in the API and in the console."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sre_agent.lab.fleet import LabFleet
from sre_agent.lab.trigger import lab_namespaces, scenario_trigger

from ...serve_process import STEPS_AT_TEST_PRIORITY, free_port, running, until

pytestmark = pytest.mark.slow
TOKEN = "clusters-test-token"
# A bound on a broken test, not a timing: a run that takes 5 s idle took over 120 s on a busy CI machine at the step
# processes' production niceness 10 (stop 53's CI), over 300 s once (stop 59's CI). Here the steps run at the test's
# priority (serve_process.STEPS_AT_TEST_PRIORITY): with four CPU hogs on two cores 7 s, against 55 s at niceness 10.
# The test's own timeout leaves room for the failure message below.
RUN_BOUND_S = 420


@pytest.fixture(scope="module")
def fleet(tmp_path_factory) -> Iterator[LabFleet]:
    fleet = LabFleet(2, history_minutes=60, state_dir=tmp_path_factory.mktemp("fleet")).start()
    try:
        fleet.load("bad-image", fault_in=1)
        fleet.run_clock(120)
        yield fleet
    finally:
        fleet.stop()


@pytest.fixture(scope="module")
def serve_log(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("serve-log") / "serve.log"


@pytest.fixture(scope="module")
def service(fleet, serve_log, tmp_path_factory) -> Iterator[str]:
    state = tmp_path_factory.mktemp("serve")
    config = state / "config.yaml"
    config.write_text(json.dumps({"clusters": fleet.clusters_config([lab_namespaces(lab) for lab in fleet.labs])}))
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "sre_agent.cli", "--config", str(config), "serve", "--port", str(port),
                             "--token", TOKEN, "--remediation", "auto", "--state-dir", str(state / "state")],
                            # a verification check every second, not every 2 s: the same two healthy checks in a row
                            env={**os.environ, **fleet.profiles_env(), "SRE_AGENT_POLICY_VERIFY_POLL_S": "1",
                                 **STEPS_AT_TEST_PRIORITY},
                            stdout=subprocess.DEVNULL,
                            stderr=serve_log.open("w"))
    url = f"http://127.0.0.1:{port}"
    with running(proc, lambda: bool(httpx.get(f"{url}/healthz", timeout=1)), timeout_s=120):
        yield url


def client() -> httpx.Client:
    return httpx.Client(headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)


def view_when(api: httpx.Client, url: str, ready, log: Path, bound_s: float = RUN_BOUND_S) -> dict:
    """The incident's view once `ready`; past the bound, an AssertionError carrying the last view (its runs' states)
    and the service's last log lines -- what a red CI run needs to tell a slow machine from a stuck run."""
    last: dict = {}

    def probe() -> dict | None:
        last.update(api.get(url).json())
        return dict(last) if ready(last) else None

    try:
        return until(f"incident {url}", probe, bound_s)
    except AssertionError as exc:
        tail = log.read_text(errors="replace").splitlines()[-40:] if log.exists() else ["(no log)"]
        raise AssertionError(f"{exc}\nlast view: {json.dumps(last)[:3000]}\nserve.log:\n" + "\n".join(tail)) from None


def test_a_chat_session_over_every_cluster_answers_per_cluster_then_follows_the_troubled_one(fleet, service):
    """Several clusters and none named: the session is over every one -- a question naming none is answered per
    cluster, and its follow-up goes to the one cluster with the problem (before the next test fixes it)."""
    writes_before = [len(lab.api.audit) for lab in fleet.labs]
    with client() as api:
        clusters = api.get(f"{service}/readyz").json()["checks"]["clusters"]
        assert not any(s["started"] for c in clusters.values() for s in c["mcp_servers"].values())  # on first use only
        session = api.post(f"{service}/v1/sessions", json={}).json()
        assert session["cluster"] == "*", session
        url = f"{service}/v1/sessions/{session['session_id']}/messages"
        everywhere = api.post(url, json={"text": "what's broken?"}, timeout=180).json()["answer"]
        assert everywhere["form"] == "fleet" and everywhere["status"] == "problems", everywhere["headline"]
        assert everywhere["headline"].startswith("problems in sre-lab-2 (1 of 2 clusters); healthy: sre-lab-1")
        follow_up = api.post(url, json={"text": "why is catalog failing?"}, timeout=180).json()["answer"]
        assert follow_up["headline"].startswith("sre-lab-2: "), follow_up["headline"]
        messages = api.get(f"{service}/v1/sessions/{session['session_id']}").json()["messages"]
        assert len(messages) == 3  # the first question asked of both clusters, the follow-up of one
    assert [len(lab.api.audit) for lab in fleet.labs] == writes_before  # chat writes nothing


@pytest.mark.timeout(RUN_BOUND_S + 120)
def test_an_alarm_from_cluster_2_is_remediated_there_and_cluster_1_gets_no_write(fleet, service, serve_log):
    alarm = scenario_trigger(fleet.labs[1]).alarm
    writes_before = [len(lab.api.audit) for lab in fleet.labs]
    started = time.monotonic()
    with client() as api:
        created = api.post(f"{service}/v1/incidents", json={"Type": "Notification", "Message": json.dumps(alarm)})
        assert created.status_code == 202 and created.json()["cluster"] == "sre-lab-2", created.text
        incident_id = created.json()["incident_id"]
        done = view_when(api, f"{service}/v1/incidents/{incident_id}", lambda v: v["result"] or v["error"],
                         serve_log)
        assert done["error"] is None and done["status"] == "remediated", done
        assert done["result"]["cluster"] == "sre-lab-2" and done["result"]["actions"][0]["tool"] == "rollout_undo"
        report = api.get(f"{service}/v1/incidents/{incident_id}/report").text
        assert "**Cluster:** sre-lab-2" in report
        ready = api.get(f"{service}/readyz").json()
    assert len(fleet.labs[0].api.audit) == writes_before[0]  # not one write reached cluster 1
    assert fleet.labs[1].api.audit[writes_before[1]:] == ["PATCH Deployment shop/catalog"]  # the rollback, there
    clusters = ready["checks"]["clusters"]
    assert all(s["started"] and s["up"] for s in clusters["sre-lab-2"]["mcp_servers"].values()), clusters
    assert ready["ready"] is True
    print(f"routed, remediated and verified in {time.monotonic() - started:.1f}s")


def test_an_alarm_that_names_no_cluster_ends_escalated_with_why_and_no_run(fleet, service):
    alarm = scenario_trigger(fleet.labs[1]).alarm
    anonymous = {**{k: v for k, v in alarm.items() if k not in ("AWSAccountId", "AlarmArn")}, "AlarmName": "nameless",
                 "Trigger": {**alarm["Trigger"], "Dimensions": [d for d in alarm["Trigger"]["Dimensions"]
                                                                if d["name"] != "ClusterName"]}}
    writes_before = [len(lab.api.audit) for lab in fleet.labs]
    with client() as api:
        answer = api.post(f"{service}/v1/incidents", json=anonymous)
        assert answer.status_code == 200 and answer.json()["disposition"] == "unrouted", answer.text
        assert answer.json()["status"] == "escalated" and answer.json()["run_id"] is None  # none was queued
        summary = answer.json()["result"]["diagnosis"]["summary"]
        assert "names no cluster" in summary and "sre-lab-1, sre-lab-2" in summary
        time.sleep(1.0)  # a worker that would take it has had its chance (they poll every second)
        view = api.get(f"{service}/v1/incidents/{answer.json()['incident_id']}").json()
    assert view["status"] == "escalated" and [r["state"] for r in view["runs"]] == ["done"] and view["cluster"] is None
    assert [len(lab.api.audit) for lab in fleet.labs] == writes_before


def test_the_incident_list_filters_by_cluster_in_the_api_and_the_console(fleet, service):
    with client() as api:
        question = api.post(f"{service}/v1/incidents", json={"question": "is shop healthy?", "cluster": "sre-lab-1"})
        assert question.status_code == 202 and question.json()["cluster"] == "sre-lab-1", question.text

        def listed(cluster: str) -> list[dict]:
            return api.get(f"{service}/v1/incidents", params={"cluster": cluster}).json()["incidents"]

        assert {i["cluster"] for i in listed("sre-lab-2")} == {"sre-lab-2"}
        assert [i["incident_id"] for i in listed("sre-lab-1")] == [question.json()["incident_id"]]
        assert listed("-") and all(i["cluster"] is None and i["status"] == "escalated" for i in listed("-"))
        everything = api.get(f"{service}/v1/incidents").json()["incidents"]
        assert len(everything) == len(listed("sre-lab-1")) + len(listed("sre-lab-2")) + len(listed("-"))
    with httpx.Client(base_url=service, timeout=30, headers={"Origin": service}) as browser:
        assert browser.post("/ui/login", data={"token": TOKEN}).status_code == 303
        page = browser.get("/ui/incidents", params={"cluster": "sre-lab-1"}).text
        assert 'id="cluster-filter"' in page and "<th>Cluster</th>" in page and "in cluster sre-lab-1" in page
        assert page.count('data-cluster="sre-lab-1"') == 1 and 'data-cluster="sre-lab-2"' not in page
        every = browser.get("/ui/incidents").text
        assert 'data-cluster="sre-lab-2"' in every and 'data-cluster=""' in every  # the unrouted one: none
