"""Notifications against real endpoints: an HTTP server on 127.0.0.1 that records what it was sent
and answers as it is told, and SNS in moto. Every outcome is a Delivery that says what happened,
and no Delivery ever quotes a token-bearing URL."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest
from moto import mock_aws
from pydantic import SecretStr

from sre_agent.app.notify import Delivery, Notice, Notifier
from sre_agent.app.notify.channels import SlackChannel, sns_subject

SECRET_QUERY = "sig=s3cr3t-signature&token=t0ken"


class Hook:
    """A webhook endpoint: records (path, body) of every request; `answers` are status codes to
    return first, in order (then 200)."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict]] = []
        self.answers: list[int] = []
        self.delay_s = 0.0
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                hook.requests.append((self.path, body))
                time.sleep(hook.delay_s)
                status = hook.answers.pop(0) if hook.answers else 200
                payload = b"ok" if status == 200 else f"error {status}: echo {self.path}".encode()
                self.send_response(status)
                if status == 429:
                    self.send_header("Retry-After", "0")
                if 300 <= status < 400:
                    self.send_header("Location", "/elsewhere")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args) -> None:
                pass

        class QuietServer(ThreadingHTTPServer):
            def handle_error(self, request, client_address) -> None:
                pass  # the timeout tests hang up on purpose: a broken pipe here is expected, not news

        self.server = QuietServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hook():
    server = Hook()
    yield server
    server.close()


def fast(**kwargs) -> Notifier:
    return Notifier(backoff_s=0, timeout_s=2, **kwargs)


def test_slack_gets_a_header_and_a_mrkdwn_section(hook):
    url = f"{hook.base}/services/T000/B000/XXXX"
    [delivery] = fast(slack_webhook_url=SecretStr(url)).escalation("inc-1", "api down", "why: x < y & z\ndiagnosis: ...")
    assert delivery == Delivery(channel="slack", delivered=True, attempts=1)
    path, body = hook.requests[0]
    assert path == "/services/T000/B000/XXXX"
    assert body["text"].startswith("Escalated: api down\n")
    header, section = body["blocks"]
    assert header == {"type": "header", "text": {"type": "plain_text", "text": "Escalated: api down"}}
    assert section["type"] == "section" and section["text"]["type"] == "mrkdwn"
    assert section["text"]["text"] == "why: x &lt; y &amp; z\ndiagnosis: ..."  # Slack's three escapes


def test_slack_keeps_to_its_block_limits():
    body = SlackChannel.body(Notice("s" * 400, "t" * 5000))
    assert len(body["blocks"][0]["text"]["text"]) == 150 and len(body["blocks"][1]["text"]["text"]) == 3000


def test_teams_gets_an_adaptive_card_in_a_message(hook):
    [delivery] = fast(teams_webhook_url=f"{hook.base}/workflows/run?{SECRET_QUERY}").approval_requested(
        "inc-1", "api down", "rollout_restart shop/api", "act-1234", "sre-agent incidents approve inc-1 act-1234")
    assert delivery.delivered and delivery.channel == "teams"
    path, body = hook.requests[0]
    assert path == f"/workflows/run?{SECRET_QUERY}"
    assert body["type"] == "message"
    [attachment] = body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] and card["$schema"].startswith("http")
    texts = [block["text"] for block in card["body"]]
    assert all(block["type"] == "TextBlock" for block in card["body"])
    assert texts[0] == "Approval needed: api down"
    assert "proposed action act-1234: rollout_restart shop/api" in texts
    assert "to approve or reject: sre-agent incidents approve inc-1 act-1234" in texts


def test_the_generic_webhook_keeps_its_text_body_and_is_named_without_its_query(hook):
    [delivery] = fast(webhook_url=f"{hook.base}/hook?{SECRET_QUERY}").escalation("inc-1", "api down", "line 1\nline 2")
    assert delivery.delivered and delivery.channel == f"webhook:{hook.base}/hook"
    assert hook.requests[0][1] == {"text": "*Escalated: api down*\nline 1\nline 2"}


@pytest.mark.parametrize("status", [500, 503, 429])
def test_5xx_and_429_are_retried(hook, status):
    hook.answers = [status, status]
    [delivery] = fast(slack_webhook_url=f"{hook.base}/s").escalation("inc-1", "t", "m")
    assert delivery.delivered and delivery.attempts == 3 and len(hook.requests) == 3


def test_a_channel_that_keeps_failing_is_reported_with_status_and_body(hook):
    hook.answers = [500] * 5
    [delivery] = fast(webhook_url=f"{hook.base}/hook?{SECRET_QUERY}").escalation("inc-1", "t", "m")
    assert not delivery.delivered and delivery.attempts == 3 and len(hook.requests) == 3
    assert delivery.error == "HTTP 500: error 500: echo <redacted>"
    assert "s3cr3t" not in delivery.model_dump_json(), "the body echoed the URL: its query is redacted"


def test_404_is_not_retried(hook):
    hook.answers = [404]
    [delivery] = fast(slack_webhook_url=f"{hook.base}/s").escalation("inc-1", "t", "m")
    assert not delivery.delivered and delivery.attempts == 1 and len(hook.requests) == 1
    assert delivery.error.startswith("HTTP 404")


def test_a_redirect_is_not_followed_as_a_bodiless_get_nor_counted_as_delivered(hook):
    hook.answers = [302]
    [delivery] = fast(webhook_url=f"{hook.base}/hook").escalation("inc-1", "t", "m")
    assert not delivery.delivered and delivery.attempts == 1 and delivery.error.startswith("HTTP 302")
    assert [path for path, _ in hook.requests] == ["/hook"]


def test_attempts_are_configurable(hook):
    hook.answers = [500] * 5
    [delivery] = Notifier(webhook_url=f"{hook.base}/h", attempts=1, backoff_s=0).escalation("inc-1", "t", "m")
    assert delivery.attempts == 1 and len(hook.requests) == 1


def test_a_refused_connection_is_reported_and_retried():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    [delivery] = fast(webhook_url=f"http://127.0.0.1:{port}/hook?{SECRET_QUERY}").escalation("inc-1", "t", "m")
    assert delivery == Delivery(channel=f"webhook:http://127.0.0.1:{port}/hook", delivered=False, attempts=3,
                                error="connection refused")


def test_a_slow_endpoint_times_out_within_the_bound(hook):
    hook.delay_s = 1.0
    started = time.monotonic()
    [delivery] = Notifier(webhook_url=f"{hook.base}/h", timeout_s=0.2, attempts=2, backoff_s=0).escalation("i", "t", "m")
    assert not delivery.delivered and delivery.attempts == 2 and delivery.error == "timed out after 0.2 s"
    assert time.monotonic() - started < 2


def test_every_channel_gets_the_message_and_reports_alone(hook):
    hook.answers = [404]  # whichever channel asks first is refused
    deliveries = fast(slack_webhook_url=f"{hook.base}/slack", teams_webhook_url=f"{hook.base}/teams",
                      webhook_url=f"{hook.base}/hook").escalation("inc-1", "t", "m")
    assert [d.channel for d in deliveries] == ["slack", "teams", f"webhook:{hook.base}/hook"]
    assert sorted(d.delivered for d in deliveries) == [False, True, True]
    assert len(hook.requests) == 3


def test_no_channel_configured_is_an_empty_list():
    assert Notifier().escalation("inc-1", "t", "m") == []


def test_finished_is_sent_only_when_asked_for(hook):
    assert fast(webhook_url=f"{hook.base}/h").finished("inc-1", "api down", "remediated", "restarted api") == []
    assert not hook.requests
    [delivery] = fast(webhook_url=f"{hook.base}/h", notify_finished=True).finished("inc-1", "api down", "remediated",
                                                                                  "restarted api")
    assert delivery.delivered
    assert hook.requests[0][1]["text"] == "*Remediated: api down*\n[sre-agent] REMEDIATED inc-1: api down\nrestarted api"


def test_no_delivery_ever_shows_a_secret_url(hook):
    hook.answers = [500] * 10
    slack, teams = f"{hook.base}/services/T/B/slacksecret", f"{hook.base}/run?{SECRET_QUERY}"
    deliveries = fast(slack_webhook_url=slack, teams_webhook_url=teams).escalation("inc-1", "t", "m")
    dumped = json.dumps([d.model_dump() for d in deliveries]) + " ".join(str(d) for d in deliveries)
    assert "slacksecret" not in dumped and "s3cr3t" not in dumped


@pytest.fixture
def aws(monkeypatch):
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SNS", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        yield


def test_sns_publishes_with_a_subject_sns_accepts(aws):
    sns, sqs = boto3.client("sns", region_name="eu-west-1"), boto3.client("sqs", region_name="eu-west-1")
    topic = sns.create_topic(Name="pages")["TopicArn"]
    queue = sqs.create_queue(QueueName="pages")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    title = "api down – é " + "x" * 200  # non-ASCII, and far over SNS's limit
    [delivery] = fast(sns_topic_arn=topic).escalation("inc-1", title, "the escalation")  # region from the ARN
    assert delivery == Delivery(channel=f"sns:{topic}", delivered=True, attempts=1)
    [message] = sqs.receive_message(QueueUrl=queue)["Messages"]
    published = json.loads(message["Body"])
    assert published["Message"] == "the escalation"
    assert published["Subject"] == sns_subject(f"Escalated: {title}")
    assert len(published["Subject"]) < 100 and published["Subject"].isascii()


def test_a_missing_topic_is_reported_with_its_aws_error_code_and_not_retried(aws):
    arn = "arn:aws:sns:us-east-1:123456789012:no-such-topic"
    [delivery] = fast(sns_topic_arn=arn).escalation("inc-1", "t", "m")
    assert not delivery.delivered and delivery.channel == f"sns:{arn}" and delivery.attempts == 1
    assert delivery.error.startswith("SNS NotFound")


def test_sns_subject_is_one_ascii_line_under_100():
    assert sns_subject("a\nb\tc") == "a b c"
    assert len(sns_subject("é" * 300)) == 99
