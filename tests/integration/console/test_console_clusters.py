"""The console of a service configured with several clusters: every incident shows its cluster (the list and the
incident page, the approval it waits on), the list filters by cluster with links (?cluster=NAME, ?cluster=- for
the ones investigated in none), and a new chat conversation names its cluster. A single-cluster service's console
shows no cluster column and no filter. The real IncidentService behind the real guard, in-process (no lab)."""

from __future__ import annotations

import re
import time

import pytest
from starlette.testclient import TestClient

from sre_agent.app.clusters import ClusterSettings
from sre_agent.app.options import RunOptions
from sre_agent.service.api import build_app
from sre_agent.service.core import IncidentService
from sre_agent.service.guard import GuardSettings, guard

from .standin import BASE, TOKEN

CLUSTERS = [ClusterSettings(name="prod-eu"), ClusterSettings(name="prod-us")]


def alarm(name: str, cluster: str | None) -> dict:
    dims = [{"name": "Namespace", "value": "shop"}, {"name": "Service", "value": name}]
    return {"AlarmName": f"{name}-5xx", "NewStateValue": "ALARM", "StateChangeTime": "2026-03-01T12:00:00Z",
            "Trigger": {"Dimensions": dims + ([{"name": "ClusterName", "value": cluster}] if cluster else [])}}


def console(service: IncidentService):
    app = guard(build_app(service), GuardSettings(token=TOKEN, allowed_hosts=["127.0.0.1"]))
    client = TestClient(app, base_url=BASE, follow_redirects=False)  # no lifespan: no workers, nothing runs
    assert client.post("/ui/login", data={"token": TOKEN}, headers={"Origin": BASE}).status_code == 303
    return client


@pytest.fixture
def several(tmp_path):
    service = IncidentService(RunOptions(state_dir=tmp_path), shared_servers=False, clusters=CLUSTERS)
    ids = {name: service.receive_alarm(alarm(name, cluster), "sns").incident_id
           for name, cluster in (("catalog", "prod-eu"), ("cart", "prod-us"), ("search", None))}
    yield console(service), service, ids
    service.intake_writer.stop()


def rows(page: str) -> dict[str, str]:
    """incident id -> the cluster its row shows."""
    return dict(re.findall(r'data-incident="([^"]+)" data-cluster="([^"]*)"', page))


def test_the_list_shows_each_incidents_cluster_and_filters_by_it(several):
    client, _, ids = several
    page = client.get("/ui/incidents").text
    assert "<th>Cluster</th>" in page
    assert rows(page) == {ids["catalog"]: "prod-eu", ids["cart"]: "prod-us", ids["search"]: ""}
    links = re.findall(r'href="/ui/incidents\?cluster=([^"]+)"', page.split('id="cluster-filter"')[1].split("</nav>")[0])
    assert links == ["prod-eu", "prod-us", "-"]
    assert rows(client.get("/ui/incidents", params={"cluster": "prod-us"}).text) == {ids["cart"]: "prod-us"}
    unrouted = client.get("/ui/incidents", params={"cluster": "-"}).text
    assert rows(unrouted) == {ids["search"]: ""} and "investigated in no cluster" in unrouted
    assert "No incidents in cluster staging" in client.get("/ui/incidents", params={"cluster": "staging"}).text


def test_the_incident_page_and_its_approval_name_the_cluster(several):
    client, service, ids = several
    run = service.store.claim_next("test-worker", 600)
    assert run is not None and run.incident_id == ids["catalog"]
    pending = {"action_id": "act-1", "cluster": "prod-eu", "why": "needs a human",
               "plan": {"tool": "rollout_undo", "risk": "medium", "args": {}},
               "pinned": {"tool": "rollout_undo", "args": {}, "precondition": {}}}
    service.store.pause(run.run_id, "test-worker", pending, time.time() + 300)
    page = client.get(f"/ui/incidents/{ids['catalog']}").text
    assert '<strong id="incident-cluster">prod-eu</strong>' in page
    assert "<dt>Cluster</dt><dd><strong>prod-eu</strong>" in page
    unrouted = client.get(f"/ui/incidents/{ids['search']}").text
    assert 'id="incident-cluster"' not in unrouted and "names no cluster" in unrouted and "escalated" in unrouted


def test_a_new_chat_conversation_names_its_cluster(several):
    client, _, _ = several
    page = client.get("/ui/chat").text
    # every cluster by default (each question to the cluster it names, else to all), or one chosen
    assert '<option value="*">every cluster</option>' in page and '<option value="prod-us">' in page
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    refused = client.post("/ui/chat", data={"question": "is shop ok?", "cluster": "prod-ap", "csrf_token": csrf},
                          headers={"Origin": BASE})
    assert refused.status_code == 422 and "prod-ap" in refused.text and "is not one of them" in refused.text


def test_a_single_cluster_console_has_no_cluster_column_or_filter(tmp_path):
    service = IncidentService(RunOptions(state_dir=tmp_path), shared_servers=False)
    try:
        service.receive_alarm(alarm("catalog", "prod-eu"), "sns")
        page = console(service).get("/ui/incidents", params={"cluster": "prod-eu"}).text
        assert "Cluster" not in page and "cluster-filter" not in page and "data-cluster" not in page
        assert len(re.findall(r'data-incident="', page)) == 1  # the parameter is ignored: there are no clusters
        assert 'name="cluster"' not in console(service).get("/ui/chat").text
    finally:
        service.intake_writer.stop()
