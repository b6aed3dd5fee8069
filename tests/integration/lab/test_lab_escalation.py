"""A lab run's escalation reaches the lab's own SNS topic on a machine with no AWS credentials of its own: the
notifier pages through the run's AWS environment (the lab's moto endpoint and keys), as `investigate --scenario`
wires it, not through whatever the process would find (nothing, on a fresh machine: "Unable to locate credentials")."""

from __future__ import annotations

import json

import pytest

from sre_agent.app.options import RunOptions
from sre_agent.app.wiring import make_notifier
from sre_agent.commands.investigate import _sandboxed
from sre_agent.lab.aws.server import client
from sre_agent.lab.lab import Lab


@pytest.fixture
def fresh_machine(monkeypatch, tmp_path):
    """No AWS variables and a HOME without ~/.aws: the process itself has no way into any account."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL",
                 "AWS_ENDPOINT_URL_SNS", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_CONFIG_FILE",
                 "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no instance role to fall back on either


def test_an_escalation_in_a_lab_run_reaches_the_labs_topic(fresh_machine, tmp_path):
    lab = Lab().start()
    try:
        sqs = client("sqs", lab.moto.url, lab.account)
        queue = sqs.create_queue(QueueName="pages")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        client("sns", lab.moto.url, lab.account).subscribe(TopicArn=lab.feed.topic_arn, Protocol="sqs", Endpoint=queue_arn)
        options = RunOptions(state_dir=tmp_path)
        _sandboxed(options, lab, keep_namespaces=False)  # what `investigate --scenario` does to a run's options
        [delivery] = make_notifier(options).escalation("inc-1", "checkout crash-looping", "escalated: fix by hand")
        assert delivery.delivered, delivery.error
        assert delivery.channel == f"sns:{lab.feed.topic_arn}"
        [message] = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1)["Messages"]
        assert json.loads(message["Body"])["Message"] == "escalated: fix by hand"
    finally:
        lab.stop()


def test_without_the_runs_environment_the_same_page_is_not_delivered(fresh_machine, tmp_path):
    """The failure the run's environment cures, shown on the same machine: nothing to sign the request with."""
    options = RunOptions(state_dir=tmp_path, escalation_sns_topic_arn="arn:aws:sns:us-east-1:123456789012:sre-lab-alarms")
    [delivery] = make_notifier(options).escalation("inc-1", "t", "m")
    assert not delivery.delivered and "credentials" in (delivery.error or "").lower()
