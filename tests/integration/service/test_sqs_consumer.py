"""The SQS consumer over the wire, against moto's SQS server on loopback: delete after handle, the
visibility extension against a second replica, transient retries, RedrivePolicy, Permanent to the
dead-letter queue, stop, and an endpoint that is down. Every wait polls a condition with a deadline."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable

import boto3
import pytest
from botocore.config import Config

from sre_agent.service.sqs import Permanent, SqsConsumer, queue_region

pytestmark = pytest.mark.slow

REGION = "us-east-1"
DEADLINE_S = 30  # generous: a slow, busy machine must not fail these; a pass takes a few seconds


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _client(endpoint_url: str, **config):
    return boto3.client("sqs", endpoint_url=endpoint_url, region_name=REGION, aws_access_key_id="testing",
                        aws_secret_access_key="testing", config=Config(**config) if config else None)


@pytest.fixture(scope="module")
def endpoint():
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one INFO line per request otherwise
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def sqs(endpoint):
    return _client(endpoint)


def _queue(sqs, **attributes) -> str:
    return sqs.create_queue(QueueName=f"alarms-{uuid.uuid4().hex[:12]}",
                            Attributes={k: str(v) for k, v in attributes.items()})["QueueUrl"]


def _in_queue(sqs, url: str) -> int:
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages",
                                                                   "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]) + int(attrs["ApproximateNumberOfMessagesNotVisible"])


async def _until(condition: Callable[[], bool], what: str, timeout: float = DEADLINE_S) -> None:
    deadline = time.monotonic() + timeout
    while not await asyncio.to_thread(condition):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def _stopped(task: asyncio.Task, stop: asyncio.Event, within: float = DEADLINE_S) -> None:
    stop.set()
    await asyncio.wait_for(task, within)


class _Recorder:
    """A boto3 client seen through: keeps the ApproximateReceiveCount of every message received."""

    def __init__(self, client) -> None:
        self._client = client
        self.receive_counts: list[int] = []

    def receive_message(self, **kwargs):
        response = self._client.receive_message(**kwargs)
        self.receive_counts += [int(m["Attributes"]["ApproximateReceiveCount"]) for m in response.get("Messages", [])]
        return response

    def __getattr__(self, name):
        return getattr(self._client, name)


def _run(test: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(test())


def test_every_message_is_handled_once_and_deleted(sqs):
    url = _queue(sqs)
    bodies = [json.dumps({"AlarmName": f"alarm-{i}", "NewStateValue": "ALARM"}) for i in range(25)]
    for body in bodies:
        sqs.send_message(QueueUrl=url, MessageBody=body)
    seen: Counter[str] = Counter()

    async def handle(body: str) -> None:
        seen[body] += 1

    async def test() -> None:
        consumer = SqsConsumer(url, handle, client=sqs, wait_time_s=1)
        stop = asyncio.Event()
        task = asyncio.create_task(consumer.run(stop))
        await _until(lambda: len(seen) == 25 and _in_queue(sqs, url) == 0, "25 handled and deleted")
        await _stopped(task, stop)
        assert consumer.stats.received == 25 and consumer.stats.handled == 25 and consumer.stats.failed == 0

    _run(test)
    assert seen == Counter(bodies)


def test_a_slow_handle_keeps_its_message_from_another_replica(sqs):
    url = _queue(sqs)
    bodies = [f"slow-{i}" for i in range(3)]
    for body in bodies:
        sqs.send_message(QueueUrl=url, MessageBody=body)
    started: Counter[str] = Counter()

    async def slow(body: str) -> None:
        started[body] += 1
        await asyncio.sleep(3)  # longer than the 2 s visibility timeout

    async def test() -> None:
        stop = asyncio.Event()
        first = SqsConsumer(url, slow, client=sqs, wait_time_s=1, visibility_timeout_s=2)
        first_task = asyncio.create_task(first.run(stop))
        await _until(lambda: len(started) == 3, "the first replica to take all three")
        # The second replica polls all the while the first one's handles run past the timeout.
        second = SqsConsumer(url, slow, client=sqs, wait_time_s=1, visibility_timeout_s=2)
        second_task = asyncio.create_task(second.run(stop))
        await _until(lambda: first.stats.handled == 3 and _in_queue(sqs, url) == 0, "handled and deleted")
        stop.set()
        await asyncio.wait_for(asyncio.gather(first_task, second_task), DEADLINE_S)
        assert second.stats.received == 0
        assert first.stats.visibility_extensions >= 3

    _run(test)
    assert started == Counter(bodies)


def test_a_transient_failure_comes_back_until_handled(sqs):
    url = _queue(sqs)
    sqs.send_message(QueueUrl=url, MessageBody="flaky")
    calls: list[str] = []
    errors: list[tuple[str, Exception]] = []

    async def flaky(body: str) -> None:
        calls.append(body)
        if len(calls) <= 2:
            raise ConnectionError("state store unavailable")

    async def test() -> None:
        client = _Recorder(sqs)
        consumer = SqsConsumer(url, flaky, client=client, wait_time_s=1, visibility_timeout_s=2,
                               on_error=lambda where, exc: errors.append((where, exc)))
        stop = asyncio.Event()
        task = asyncio.create_task(consumer.run(stop))
        await _until(lambda: consumer.stats.handled == 1 and _in_queue(sqs, url) == 0, "handled on the third try")
        await _stopped(task, stop)
        assert client.receive_counts[-1] >= 3
        assert consumer.stats.failed == 2

    _run(test)
    assert calls == ["flaky"] * 3
    assert [type(exc) for _, exc in errors] == [ConnectionError, ConnectionError]


def test_the_queue_redrive_policy_dead_letters_a_message_that_always_fails(sqs):
    # moto applies RedrivePolicy as SQS does: the receive after maxReceiveCount moves the message.
    dlq = _queue(sqs)
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    url = _queue(sqs, RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2}))
    sqs.send_message(QueueUrl=url, MessageBody="always-fails")
    calls: list[str] = []

    async def failing(body: str) -> None:
        calls.append(body)
        raise RuntimeError("bug")

    async def test() -> None:
        consumer = SqsConsumer(url, failing, client=sqs, wait_time_s=1, visibility_timeout_s=2)
        stop = asyncio.Event()
        task = asyncio.create_task(consumer.run(stop))
        await _until(lambda: _in_queue(sqs, dlq) == 1 and _in_queue(sqs, url) == 0, "the message in the DLQ")
        await _stopped(task, stop)

    _run(test)
    assert calls == ["always-fails"] * 2
    moved = sqs.receive_message(QueueUrl=dlq, WaitTimeSeconds=1)["Messages"]
    assert [m["Body"] for m in moved] == ["always-fails"]


def test_permanent_goes_to_the_dead_letter_queue_at_once(sqs):
    dlq = _queue(sqs)
    url = _queue(sqs)
    sqs.send_message(QueueUrl=url, MessageBody="not json {",
                     MessageAttributes={"origin": {"DataType": "String", "StringValue": "sns"}})
    calls: list[str] = []

    async def refuse(body: str) -> None:
        calls.append(body)
        raise Permanent("not an alarm: bad JSON")

    async def test() -> None:
        consumer = SqsConsumer(url, refuse, client=sqs, wait_time_s=1, dead_letter_queue_url=dlq)
        stop = asyncio.Event()
        task = asyncio.create_task(consumer.run(stop))
        await _until(lambda: consumer.stats.dead_lettered == 1 and _in_queue(sqs, url) == 0, "dead-lettered and deleted")
        await _stopped(task, stop)

    _run(test)
    assert calls == ["not json {"]
    moved = sqs.receive_message(QueueUrl=dlq, WaitTimeSeconds=1, MessageAttributeNames=["All"])["Messages"]
    assert [m["Body"] for m in moved] == ["not json {"]
    attributes = moved[0]["MessageAttributes"]
    assert "not an alarm: bad JSON" in attributes["sre_agent_error"]["StringValue"]
    assert attributes["origin"]["StringValue"] == "sns"


def test_permanent_without_a_dead_letter_queue_is_left_in_the_queue(sqs):
    url = _queue(sqs)
    sqs.send_message(QueueUrl=url, MessageBody="not an alarm")

    async def refuse(body: str) -> None:
        raise Permanent("not an alarm")

    async def test() -> None:
        consumer = SqsConsumer(url, refuse, client=sqs, wait_time_s=1, visibility_timeout_s=30)
        stop = asyncio.Event()
        task = asyncio.create_task(consumer.run(stop))
        await _until(lambda: consumer.stats.failed == 1, "the refusal")
        await _stopped(task, stop)
        assert consumer.stats.dead_lettered == 0

    _run(test)
    assert _in_queue(sqs, url) == 1  # for the queue's RedrivePolicy: nothing lost


def test_stop_returns_within_the_poll_and_finishes_the_message_in_flight(sqs):
    url = _queue(sqs)
    handled: list[str] = []
    started = asyncio.Event()

    async def slow(body: str) -> None:
        started.set()
        await asyncio.sleep(1.5)
        handled.append(body)

    async def test() -> None:
        consumer = SqsConsumer(url, slow, client=sqs, wait_time_s=1)
        # Idle: stop lands during a long poll.
        stop = asyncio.Event()
        task = asyncio.create_task(consumer.run(stop))
        await asyncio.sleep(0.3)
        began = time.monotonic()
        await _stopped(task, stop)
        assert time.monotonic() - began < 1 + 2
        # Busy: stop lands while handle runs; the message is finished and deleted before run returns.
        sqs.send_message(QueueUrl=url, MessageBody="in flight")
        stop = asyncio.Event()
        task = asyncio.create_task(consumer.run(stop))
        await asyncio.wait_for(started.wait(), DEADLINE_S)
        await _stopped(task, stop)
        assert handled == ["in flight"]

    _run(test)
    assert _in_queue(sqs, url) == 0


def test_an_endpoint_that_is_down_is_reported_and_retried(sqs):
    from moto.server import ThreadedMotoServer

    url = _queue(sqs)
    port = _free_port()  # nothing listens there yet
    down = _client(f"http://127.0.0.1:{port}", retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=2)
    errors: list[tuple[str, Exception]] = []
    handled: list[str] = []

    async def handle(body: str) -> None:
        handled.append(body)

    async def test() -> None:
        consumer = SqsConsumer(url, handle, client=down, wait_time_s=1,
                               on_error=lambda where, exc: errors.append((where, exc)))
        stop = asyncio.Event()
        task = asyncio.create_task(consumer.run(stop))
        await _until(lambda: len(errors) >= 2, "two failed receives")
        assert {where for where, _ in errors} == {"receive"} and not task.done()
        # The endpoint comes back (moto's backends are per process: the queue is there too).
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        try:
            sqs.send_message(QueueUrl=url, MessageBody="after the outage")
            await _until(lambda: handled == ["after the outage"], "the message after the outage")
            await _stopped(task, stop)
        finally:
            server.stop()
        assert consumer.stats.receive_errors == len(errors)

    _run(test)


def test_stop_during_an_outage_returns(sqs):
    down = _client(f"http://127.0.0.1:{_free_port()}", retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=2)
    errors: list[str] = []

    async def handle(body: str) -> None:
        raise AssertionError("nothing to handle")

    async def test() -> None:
        consumer = SqsConsumer("http://127.0.0.1/000000000000/none", handle, client=down, wait_time_s=1,
                               on_error=lambda where, exc: errors.append(where))
        stop = asyncio.Event()
        task = asyncio.create_task(consumer.run(stop))
        await _until(lambda: len(errors) >= 1, "a failed receive")
        began = time.monotonic()
        await _stopped(task, stop)  # the backoff wait ends with stop; no exception escapes run
        assert time.monotonic() - began < 3

    _run(test)


@pytest.mark.parametrize(("url", "region"), [
    ("https://sqs.eu-west-1.amazonaws.com/123456789012/alarms", "eu-west-1"),
    ("https://sqs.cn-north-1.amazonaws.com.cn/123456789012/alarms", "cn-north-1"),
    ("https://sqs.us-east-1.amazonaws.com/123456789012/alarms.fifo", "us-east-1"),
    ("http://127.0.0.1:4566/000000000000/alarms", None),
    ("https://queue.amazonaws.com/123456789012/alarms", None),
])
def test_queue_region(url, region):
    assert queue_region(url) == region
