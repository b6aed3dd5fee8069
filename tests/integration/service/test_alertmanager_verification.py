"""An incident that came in through Alertmanager ends remediated when its fix works: verification reads the
alert where it lives -- the `resolved` webhook the service receives for its fingerprint, or Alertmanager's own
API -- never a CloudWatch alarm of the same name (which, before, made every such run end escalated: "alarm
KubeContainerOOMKilled still unreadable after 91s"). The service runs in a process of its own against the
lab (oom-killed), with a real Alertmanager (Debian's) where one is read."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from alertmanager_process import alertmanager, post_alert, webhook
from serve_process import served, until

from sre_agent.app.alert_state import AlertmanagerAlerts
from sre_agent.contracts import Incident
from sre_agent.lab.lab import Lab

pytestmark = pytest.mark.slow
TOKEN = "alertmanager-verify-token"
RUN_BOUND_S = 240  # a bound on a broken test, not a timing
LABELS = {"alertname": "KubeContainerOOMKilled", "namespace": "shop", "deployment": "search", "severity": "critical"}


@pytest.fixture(scope="module")
def started_lab():
    lab = Lab().start()
    yield lab
    lab.stop()


@pytest.fixture
def lab(started_lab):
    if started_lab.scenario is not None:  # afresh: the test before rolled the Deployment back
        started_lab.reset()
    started_lab.load("oom-killed")
    started_lab.run_clock(120)
    return started_lab


def _client() -> httpx.Client:
    return httpx.Client(headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)


def _wait(client: httpx.Client, url: str, ready) -> dict:
    return until(f"{url} ready", lambda: view if ready(view := client.get(url).json()) else None, RUN_BOUND_S)


def _approve_and_finish(client: httpx.Client, service: str, body: dict, after_approval) -> dict:
    created = client.post(f"{service}/v1/alarms/alertmanager", json=body)
    assert created.status_code == 202, created.text
    incident_id = created.json()["alerts"][0]["incident_id"]
    pending = _wait(client, f"{service}/v1/incidents/{incident_id}", lambda v: v["pending_approval"] or v["result"])
    assert pending["pending_approval"], pending
    approval = pending["pending_approval"]
    answered = client.post(f"{service}/v1/incidents/{incident_id}/approval",
                           json={"decision": "approved", "by": "carol", "action_id": approval["action_id"],
                                 "approval_id": approval["approval_id"]})
    assert answered.status_code == 202, answered.text
    after_approval()
    done = _wait(client, f"{service}/v1/incidents/{incident_id}", lambda v: v["result"] or v["error"])
    done["report"] = client.get(f"{service}/v1/incidents/{incident_id}/report").text  # it quotes the verification
    return done


def test_a_resolved_webhook_for_the_alerts_fingerprint_counts_as_the_alarm_clearing(lab, tmp_path):
    alert = {"labels": LABELS, "annotations": {"summary": "search was OOM-killed"}, "fingerprint": "a1b2c3d4e5f60718",
             "startsAt": datetime.now(UTC).isoformat(), "endsAt": datetime.now(UTC).isoformat()}
    with served(lab, tmp_path / "serve", TOKEN) as service, _client() as client:
        def resolve() -> None:  # Alertmanager's `resolved` once the rule stops firing
            assert client.post(f"{service}/v1/alarms/alertmanager", json=webhook(alert, "resolved")).status_code == 200

        done = _approve_and_finish(client, service, webhook(alert, "firing"), resolve)
    assert done["error"] is None and done["status"] == "remediated", done
    assert "Alertmanager sent `resolved` for alert KubeContainerOOMKilled" in done["report"]


def test_the_alert_is_read_back_from_a_real_alertmanager(lab, tmp_path):
    with alertmanager(tmp_path / "am") as am:
        firing = post_alert(am, LABELS)
        assert firing.get("fingerprint"), firing
        env = {"SRE_AGENT_ALERTMANAGER_URL": am}
        with served(lab, tmp_path / "serve", TOKEN, env=env) as service, _client() as client:
            done = _approve_and_finish(client, service, webhook(firing, "firing"),
                                       lambda: post_alert(am, LABELS, firing=False))  # the rule stopped firing
    assert done["error"] is None and done["status"] == "remediated", done
    assert "alert KubeContainerOOMKilled is no longer active in Alertmanager" in done["report"]


def test_the_reader_says_firing_cleared_or_why_it_could_not_tell(tmp_path):
    with alertmanager(tmp_path / "am") as am:
        labels = {**LABELS, "deployment": "checkout"}
        firing = post_alert(am, labels)
        incident = Incident(id="inc-1", title="t", started_at=datetime.now(UTC), window_start=datetime.now(UTC),
                            window_end=datetime.now(UTC), correlation_key=f"alertmanager:{firing['fingerprint']}",
                            alarm={"AlarmName": "KubeContainerOOMKilled", "Source": "alertmanager", "Labels": labels})
        import asyncio

        reading = asyncio.run(AlertmanagerAlerts(am).read(incident))
        assert (reading.ok, reading.state) == (False, "ALARM") and 0 < (reading.clear_window_s or 0) <= 300
        post_alert(am, labels, firing=False)
        reading = asyncio.run(AlertmanagerAlerts(am).read(incident))
        assert (reading.ok, reading.state) == (True, "OK")
    gone = asyncio.run(AlertmanagerAlerts(am).read(incident))  # stopped: nothing answers there now
    assert gone.state is None and "could not be read" in gone.detail
