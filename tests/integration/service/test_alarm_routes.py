"""The service's routes over real HTTP, as an attacker and an operator would try them: the FastAPI app
behind guard() with the rules `sre-agent serve` wires (commands/serve.py guard_settings), served by
uvicorn (uvicorn_config) on 127.0.0.1 in a thread; SNS signatures verified against an HTTPS stand-in
for SNS (tests/sns_fakes.py). The app's lifespan is off: no worker runs, so every run stays queued and
what is asserted is intake -- what was persisted, correlated, refused -- never an investigation."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest
from sns_fakes import OTHER_TOPIC, TOPIC, SigningIdentity, StandIn, notification, subscription_confirmation
from uvicorn_thread import ThreadedUvicorn

from sre_agent.app.options import RunOptions
from sre_agent.app.service_settings import ServiceSettings
from sre_agent.commands.serve import guard_settings
from sre_agent.service.api import build_app
from sre_agent.service.core import IncidentService
from sre_agent.service.guard import guard
from sre_agent.service.sources.sns import SnsVerifier
from sre_agent.service.timeouts import uvicorn_config

pytestmark = pytest.mark.slow

TOKEN = "routes-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TIMEOUT_S = 30.0  # generous: slow, busy machines

ALARM = {"AlarmName": "frontend-5xx", "NewStateValue": "ALARM", "NewStateReason": "threshold crossed",
         "Trigger": {"MetricName": "5xx", "Dimensions": [{"name": "Namespace", "value": "shop"},
                                                         {"name": "Service", "value": "frontend"}]}}
OK = {**ALARM, "NewStateValue": "OK", "NewStateReason": "recovered"}


def eventbridge(state: str, alarm: str = "checkout-latency") -> dict:
    return {"version": "0", "id": str(uuid.uuid4()), "detail-type": "CloudWatch Alarm State Change", "source": "aws.cloudwatch",
            "account": "123456789012", "time": "2026-03-01T12:00:00Z", "region": "eu-west-1",
            "detail": {"alarmName": alarm, "state": {"value": state, "reason": f"now {state}"},
                       "configuration": {"metrics": [{"metricStat": {"metric": {
                           "name": "p99", "namespace": "ContainerInsights",
                           "dimensions": {"Namespace": "shop", "Service": "checkout"}}}}]}}}


def alert(status: str, name: str, fingerprint: str, **labels: str) -> dict:
    return {"status": status, "labels": {"alertname": name, "namespace": "shop", "severity": "critical", **labels},
            "annotations": {"summary": f"{name} on {labels}"}, "startsAt": "2026-03-01T12:00:00Z",
            "endsAt": "2026-03-01T12:10:00Z" if status == "resolved" else "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus:9090/graph", "fingerprint": fingerprint}


def webhook(*alerts: dict) -> dict:
    return {"version": "4", "groupKey": '{}:{alertname="x"}', "truncatedAlerts": 0,
            "status": "firing" if any(a["status"] == "firing" for a in alerts) else "resolved", "receiver": "sre-agent",
            "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {}, "externalURL": "http://alertmanager:9093",
            "alerts": list(alerts)}


class Served:
    """IncidentService + build_app + guard(guard_settings(...)) on uvicorn, lifespan off (no workers)."""

    def __init__(self, service: IncidentService, verifier: SnsVerifier, *, token: str | None, agentcore: bool = False):
        self.service = service
        settings = ServiceSettings(host="127.0.0.1", token=token, insecure_localhost=token is None)
        secret = settings.token.get_secret_value() if settings.token else None
        app = guard(build_app(service, sns_verifier=verifier), guard_settings(settings, secret, agentcore=agentcore))
        self.uvicorn = ThreadedUvicorn(uvicorn_config(app, "127.0.0.1", 0, log_level="warning", lifespan="off"),
                                       name="routes-uvicorn")

    def __enter__(self) -> Served:
        port = self.uvicorn.start()
        self.client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=TIMEOUT_S)
        return self

    def __exit__(self, *exc) -> None:
        self.client.close()
        self.uvicorn.stop()


def _service(path) -> IncidentService:
    return IncidentService(RunOptions(state_dir=path), shared_servers=False, sns_topic_arns=[TOPIC])


@pytest.fixture
def served(tmp_path, verifier) -> Iterator[Served]:
    """Token configured, --agentcore off: what a production `serve --token ...` looks like."""
    with Served(_service(tmp_path / "tokened"), verifier, token=TOKEN) as served:
        yield served


@pytest.fixture
def open_served(tmp_path, verifier) -> Iterator[Served]:
    """No token (--insecure-localhost on 127.0.0.1): only the Host, Origin and content-type rules stand
    between a browser page and the service."""
    with Served(_service(tmp_path / "open"), verifier, token=None) as served:
        yield served


def persisted(service: IncidentService) -> tuple[int, int, dict[str, int]]:
    return len(service.store.notifications()), len(service.store.incidents()), service.store.counts()


def signed_alarm(identity: SigningIdentity, stand_in: StandIn, alarm: dict, **kwargs) -> dict:
    return identity.sign(notification(stand_in.url("/cert.pem"), message=json.dumps(alarm),
                                      message_id=str(uuid.uuid4()), **kwargs))


def post_sns(client: httpx.Client, body: dict) -> httpx.Response:
    # As SNS posts: text/plain, no Authorization, its own headers.
    return client.post("/v1/alarms/sns", content=json.dumps(body).encode(),
                       headers={"Content-Type": "text/plain; charset=UTF-8", "x-amz-sns-message-type": body["Type"],
                                "User-Agent": "Amazon Simple Notification Service Agent"})


# --- SNS ------------------------------------------------------------------------------------------------


def test_an_sns_subscription_is_confirmed_without_a_token(served, stand_in, identity):
    subscribe = stand_in.url("/confirm?Action=ConfirmSubscription&TopicArn=x&Token=2336412f37fb687f5d51e6e2425")
    answer = post_sns(served.client, identity.sign(subscription_confirmation(stand_in.url("/cert.pem"), subscribe)))
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"confirmed": True, "topic": TOPIC}
    assert stand_in.paths == ["/cert.pem", "/confirm?Action=ConfirmSubscription&TopicArn=x&Token=2336412f37fb687f5d51e6e2425"]
    assert persisted(served.service) == (0, 0, {})


def test_an_sns_alarm_opens_an_incident_a_repeat_joins_it_and_ok_resolves_it(served, stand_in, identity):
    opened = post_sns(served.client, signed_alarm(identity, stand_in, ALARM))
    assert opened.status_code == 202, opened.text
    body = opened.json()
    assert body["disposition"] == "opened" and body["run_id"] and body["state"] == "open"
    incident_id = body["incident_id"]

    again = post_sns(served.client, signed_alarm(identity, stand_in, ALARM))
    assert again.status_code == 200, again.text
    assert again.json()["incident_id"] == incident_id and again.json()["deduplicated"] and again.json()["run_id"] is None

    resolved = post_sns(served.client, signed_alarm(identity, stand_in, OK, subject="OK: frontend-5xx"))
    assert resolved.status_code == 200 and resolved.json()["disposition"] == "resolved"
    assert resolved.json()["incident_id"] == incident_id

    shown = served.client.get(f"/v1/incidents/{incident_id}", headers=AUTH).json()
    assert shown["state"] == "resolved" and shown["notifications"] == 2 and len(shown["runs"]) == 1
    assert [n["disposition"] for n in served.service.store.notifications()] == ["opened", "attached", "resolved"]
    assert {n["source"] for n in served.service.store.notifications()} == {"sns"}
    assert stand_in.paths == ["/cert.pem"]  # fetched once, cached for the rest


def test_a_redelivered_sns_message_changes_nothing(served, stand_in, identity):
    message = signed_alarm(identity, stand_in, ALARM)
    assert post_sns(served.client, message).status_code == 202
    again = post_sns(served.client, message)  # SNS retried: the same MessageId, the same signature
    assert again.status_code == 200 and again.json()["disposition"] == "duplicate"
    assert [n["disposition"] for n in served.service.store.notifications()] == ["opened"]


def test_insufficient_data_is_kept_and_starts_nothing(served):
    insufficient = {**ALARM, "NewStateValue": "INSUFFICIENT_DATA"}
    answer = served.client.post("/v1/incidents", json=insufficient, headers=AUTH)
    assert answer.status_code == 200 and answer.json()["disposition"] == "ignored" and answer.json()["run_id"] is None
    assert [n["disposition"] for n in served.service.store.notifications()] == ["ignored"]
    assert served.service.store.incidents() == []


def test_a_full_queue_answers_sns_503_so_that_sns_retries(tmp_path, verifier, stand_in, identity):
    service = IncidentService(RunOptions(state_dir=tmp_path), shared_servers=False, sns_topic_arns=[TOPIC], max_queue=1)
    with Served(service, verifier, token=TOKEN) as served:
        assert post_sns(served.client, signed_alarm(identity, stand_in, ALARM)).status_code == 202
        other = {**ALARM, "AlarmName": "cart-5xx"}
        full = post_sns(served.client, signed_alarm(identity, stand_in, other))
        assert full.status_code == 503 and int(full.headers["Retry-After"]) > 0, full.text
        assert len(service.store.incidents()) == 1  # nothing persisted: SNS delivers it again later


@pytest.mark.parametrize("attack", ["forged", "unsigned", "foreign_topic", "bearer_token_only"])
def test_a_forged_unsigned_or_foreign_sns_delivery_is_refused_and_nothing_persisted(served, stand_in, identity, attack):
    if attack == "forged":  # a real signature, a different alarm
        body = signed_alarm(identity, stand_in, ALARM) | {"Message": json.dumps({**ALARM, "AlarmName": "rm-rf"})}
    elif attack == "unsigned":
        body = notification(stand_in.url("/cert.pem"), message=json.dumps(ALARM))
    elif attack == "foreign_topic":  # signed, from a topic nobody allowed
        body = signed_alarm(identity, stand_in, ALARM, topic=OTHER_TOPIC)
    else:  # the service's own token does not stand in for SNS's signature
        body = notification(stand_in.url("/cert.pem"), message=json.dumps(ALARM))
    headers = {**AUTH, "Content-Type": "application/json"} if attack == "bearer_token_only" else None
    answer = (served.client.post("/v1/alarms/sns", content=json.dumps(body).encode(), headers=headers) if headers
              else post_sns(served.client, body))
    assert answer.status_code == 403, answer.text
    reason = answer.json()["error"]
    assert {"forged": "altered or forged", "unsigned": "unsigned", "foreign_topic": "service.sns_topic_arns",
            "bearer_token_only": "unsigned"}[attack] in reason
    assert persisted(served.service) == (0, 0, {})


# --- Alertmanager -----------------------------------------------------------------------------------------


def test_an_alertmanager_group_opens_the_firing_and_resolves_the_resolved(served):
    first = served.client.post("/v1/alarms/alertmanager", headers=AUTH,
                               json=webhook(alert("firing", "KubePodCrashLooping", "aaaa000000000001", pod="api-0")))
    assert first.status_code == 202, first.text
    earlier = first.json()["alerts"][0]["incident_id"]

    grouped = served.client.post("/v1/alarms/alertmanager", headers=AUTH, json=webhook(
        alert("firing", "KubePodCrashLooping", "aaaa000000000002", pod="api-1"),
        alert("firing", "KubeDeploymentReplicasMismatch", "aaaa000000000003", deployment="checkout"),
        alert("resolved", "KubePodCrashLooping", "aaaa000000000001", pod="api-0")))
    assert grouped.status_code == 202, grouped.text
    rows = grouped.json()["alerts"]
    assert [r["disposition"] for r in rows] == ["opened", "opened", "resolved"]
    assert rows[2]["incident_id"] == earlier and len({r["incident_id"] for r in rows}) == 3

    states = {i["incident_id"]: i["state"] for i in served.client.get("/v1/incidents", headers=AUTH).json()["incidents"]}
    assert states == {earlier: "resolved", rows[0]["incident_id"]: "open", rows[1]["incident_id"]: "open"}
    assert served.service.store.counts() == {"queued": 3}


def test_an_alertmanager_payload_of_another_version_is_422_naming_the_field(served):
    before = persisted(served.service)
    payload = webhook(alert("firing", "KubePodCrashLooping", "aaaa000000000001")) | {"version": "3"}
    answer = served.client.post("/v1/alarms/alertmanager", headers=AUTH, json=payload)
    assert answer.status_code == 422 and "version" in answer.json()["error"] and "'3'" in answer.json()["error"]
    missing = served.client.post("/v1/alarms/alertmanager", headers=AUTH, json={"version": "4", "status": "firing"})
    assert missing.status_code == 422 and "alerts" in missing.json()["error"]
    assert persisted(served.service) == before


# --- EventBridge ------------------------------------------------------------------------------------------


def test_an_eventbridge_alarm_then_ok_is_one_incident_resolved(served):
    opened = served.client.post("/v1/alarms/eventbridge", headers=AUTH, json=eventbridge("ALARM"))
    assert opened.status_code == 202 and opened.json()["disposition"] == "opened", opened.text
    resolved = served.client.post("/v1/alarms/eventbridge", headers=AUTH, json=eventbridge("OK"))
    assert resolved.status_code == 200 and resolved.json()["disposition"] == "resolved"
    assert resolved.json()["incident_id"] == opened.json()["incident_id"]
    incidents = served.client.get("/v1/incidents", headers=AUTH).json()["incidents"]
    assert [(i["incident_id"], i["state"]) for i in incidents] == [(opened.json()["incident_id"], "resolved")]


# --- cross-site, Host, body limit -------------------------------------------------------------------------


def _awaiting_approval(service: IncidentService) -> tuple[str, str]:
    """An incident whose run is paused on an approval, as a worker leaves it."""
    incident_id = service.receive_alarm(ALARM, "api").incident_id
    run = service.store.claim_next("test-worker", 60)
    service.store.pause(run.run_id, "test-worker", {"action_id": "act-1", "plan": {"tool": "rollout_restart"}},
                        time.time() + 300)
    return incident_id, service.pending_run(incident_id).approval["approval_id"]


def test_a_browser_page_cannot_open_incidents_or_approve_on_a_tokenless_loopback_service(open_served):
    service, client = open_served.service, open_served.client
    incident_id, approval_id = _awaiting_approval(service)
    before = persisted(service)
    answer = {"decision": "approved", "action_id": "act-1", "approval_id": approval_id, "by": "mallory"}
    attempts = [  # what a page on https://evil.example can make a browser send (a "simple" request, no preflight)
        ("/v1/incidents", {"question": "why is checkout slow?"}),
        ("/v1/incidents", ALARM),
        (f"/v1/incidents/{incident_id}/approval", answer),
    ]
    for path, body in attempts:
        for headers, status in (({"Origin": "https://evil.example", "Content-Type": "text/plain"}, 403),
                                ({"Sec-Fetch-Site": "cross-site", "Content-Type": "text/plain"}, 403),
                                ({"Content-Type": "text/plain"}, 415),  # no Origin sent (an old browser): still no JSON
                                ({"Origin": "null", "Content-Type": "application/x-www-form-urlencoded"}, 403)):
            refused = client.post(path, content=json.dumps(body).encode(), headers=headers)
            assert refused.status_code == status, (path, headers, refused.text)
    assert persisted(service) == before
    assert service.pending_run(incident_id).approval["approval_id"] == approval_id  # still waiting

    # DNS rebinding: the browser believes it talks to evil.example
    rebound = client.post("/v1/incidents", json={"question": "x"}, headers={"Host": "evil.example"})
    assert rebound.status_code == 421 and "service.allowed_hosts" in rebound.json()["error"]
    assert persisted(service) == before

    # The same approval, sent as an operator does (no browser): accepted.
    accepted = client.post(f"/v1/incidents/{incident_id}/approval", json={**answer, "by": "carol"})
    assert accepted.status_code == 202, accepted.text
    assert service.store.counts() == {"queued": 1}


def test_a_body_over_the_limit_is_413_and_nothing_persisted(served):
    before = persisted(served.service)
    big = json.dumps({"question": "x" * (2 * 1024 * 1024)}).encode()
    refused = served.client.post("/v1/incidents", content=big, headers={**AUTH, "Content-Type": "application/json"})
    assert refused.status_code == 413 and "service.max_body_bytes" in refused.json()["error"]
    assert persisted(served.service) == before
    # The connection was closed, not poisoned: the next request is served.
    assert served.client.get("/healthz").json() == {"status": "ok"}


# --- AgentCore --------------------------------------------------------------------------------------------


def test_ping_is_healthy_without_a_token(served):
    assert served.client.get("/ping").json() == {"status": "Healthy"}


def test_invocations_with_an_alarm_opens_an_incident(served):
    answer = served.client.post("/invocations", headers=AUTH, json=ALARM)
    assert answer.status_code == 202 and answer.json()["disposition"] == "opened", answer.text
    assert [n["source"] for n in served.service.store.notifications()] == ["agentcore"]


@pytest.mark.parametrize("body, field", [({"prompt": 5}, "prompt"), ({"prompt": ""}, "prompt"),
                                         ({"prompt": "why?", "namespace": ["a"]}, "namespace")])
def test_a_bad_invocations_prompt_is_422_naming_the_field_the_caller_sent(served, body, field):
    answer = served.client.post("/invocations", headers=AUTH, json=body)
    assert answer.status_code == 422 and [f["field"] for f in answer.json()["fields"]] == [field], answer.text
    assert persisted(served.service) == (0, 0, {})


def test_invocations_needs_the_token_unless_agentcore_is_set(served, tmp_path, verifier):
    refused = served.client.post("/invocations", json=ALARM)
    assert refused.status_code == 401 and refused.headers["www-authenticate"].startswith('Bearer realm="sre-agent"')
    assert persisted(served.service) == (0, 0, {})
    # --agentcore: the runtime authenticates its callers (SigV4 / JWT) and sends no bearer token.
    with Served(_service(tmp_path / "agentcore"), verifier, token=TOKEN, agentcore=True) as agentcore:
        assert agentcore.client.post("/invocations", json=ALARM).status_code == 202
        # ...but only /invocations is exempt, and browsers are still refused.
        assert agentcore.client.post("/v1/incidents", json=ALARM).status_code == 401
        assert agentcore.client.post("/invocations", json=ALARM, headers={"Origin": "https://evil.example"}).status_code == 403


# --- /metrics ---------------------------------------------------------------------------------------------


def _samples(text: str, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    found = {}
    for line in text.splitlines():
        match = re.fullmatch(rf"{name}\{{(.*)\}} (\S+)", line)
        if match:
            labels = tuple(sorted(re.findall(r'(\w+)="([^"]*)"', match[1])))
            found[labels] = float(match[2])
    return found


def test_metrics_count_notifications_by_source_and_disposition_and_rejections(served, stand_in, identity):
    client = served.client
    assert post_sns(client, signed_alarm(identity, stand_in, ALARM)).status_code == 202
    assert post_sns(client, signed_alarm(identity, stand_in, ALARM)).status_code == 200
    assert post_sns(client, signed_alarm(identity, stand_in, OK)).status_code == 200
    assert post_sns(client, notification(stand_in.url("/cert.pem"))).status_code == 403
    assert client.post("/v1/alarms/eventbridge", headers=AUTH, json=eventbridge("ALARM")).status_code == 202
    assert client.post("/v1/alarms/alertmanager", headers=AUTH,
                       json=webhook(alert("resolved", "KubePodCrashLooping", "bbbb000000000001"))).status_code == 200
    assert client.post("/v1/incidents", headers=AUTH, json={"AlarmName": 5}).status_code == 422

    text = client.get("/metrics", headers=AUTH).text
    notifications = _samples(text, "sre_agent_notifications_total")
    assert notifications == {
        (("disposition", "opened"), ("source", "sns")): 1.0,
        (("disposition", "attached"), ("source", "sns")): 1.0,
        (("disposition", "resolved"), ("source", "sns")): 1.0,
        (("disposition", "opened"), ("source", "eventbridge")): 1.0,
        (("disposition", "ignored"), ("source", "alertmanager")): 1.0,
    }
    rejected = _samples(text, "sre_agent_requests_rejected_total")
    assert rejected[(("reason", "sns_signature"),)] == 1.0 and rejected[(("reason", "invalid"),)] == 1.0
    assert _samples(text, "sre_agent_runs")[(("state", "queued"),)] == 2.0
    assert "sre_agent_queue_depth 2.0" in text


def test_a_storm_of_alarms_is_persisted_and_correlated_without_a_5xx(served):
    """300 notifications of 30 distinct alarms, 30 in flight over real sockets: every one persisted,
    30 incidents, 10 notifications each, no 5xx (bench/bench_service.py measures the rate)."""
    import asyncio as aio

    distinct = [{**ALARM, "AlarmName": f"storm-{i:02d}"} for i in range(30)]
    base = str(served.client.base_url)

    async def storm() -> list[int]:
        limit = aio.Semaphore(30)
        async with httpx.AsyncClient(base_url=base, timeout=TIMEOUT_S, headers=AUTH) as client:
            async def send(body: dict) -> int:
                async with limit:
                    return (await client.post("/v1/incidents", json=body)).status_code
            return await aio.gather(*(send(distinct[i % 30]) for i in range(300)))

    codes = aio.run(storm())
    assert all(code < 500 for code in codes) and codes.count(202) == 30 and codes.count(200) == 270, sorted(set(codes))
    incidents = served.service.store.incidents(limit=1000)
    assert len(incidents) == 30 and sorted(i.notifications for i in incidents) == [10] * 30
    assert len(served.service.store.notifications()) == 300
