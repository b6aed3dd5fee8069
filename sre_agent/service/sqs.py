"""`sre-agent serve`'s SQS consumer: several replicas share one queue that an SNS topic or an
EventBridge rule feeds with alarm notifications.

Delivery is at least once: a message is deleted only after `handle(body)` returned (it persisted the
alarm), so a crash between the two redelivers it and intake's deduplication absorbs the repeat. The
body is passed through untouched -- an SNS envelope, an EventBridge event or a raw alarm is handle's
to tell apart.

Failures, and who moves what to a dead-letter queue:
  - handle raises `Permanent` (not an alarm, bad JSON): retrying cannot help. With
    `dead_letter_queue_url` the body goes there now, with `sre_agent_error` saying why, and is deleted.
    Without it the message is left (not deleted) for the queue's own RedrivePolicy.
  - handle raises anything else: the message is not deleted and comes back after a short backoff.
    After maxReceiveCount receives SQS itself moves it to the RedrivePolicy's dead-letter queue. That
    policy is the operator's (infra, on the source queue); this consumer does not count attempts.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any

log = logging.getLogger(__name__)

_RECEIVE_BACKOFF_S = (1.0, 30.0)
_TRANSIENT_BACKOFF_PER_RECEIVE_S = 5
_QUEUE_URL = re.compile(r"^https://sqs\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/\d+/[^/]+$")


class Permanent(Exception):
    """The message can never be handled (not an alarm, bad JSON): dead-letter it now."""


@dataclass
class ConsumerStats:
    received: int = 0
    handled: int = 0  # handle returned (the message is persisted), whether or not the delete then worked
    failed: int = 0  # handle raised (Permanent or not), or a Permanent could not be dead-lettered
    dead_lettered: int = 0  # sent to dead_letter_queue_url by this consumer (not SQS's own redrive)
    visibility_extensions: int = 0
    receive_errors: int = 0


def queue_region(queue_url: str) -> str | None:
    """`https://sqs.<region>.amazonaws.com/<account>/<name>` -> region; None for any other form
    (an emulator's URL, the legacy `<region>.queue.amazonaws.com`): the AWS environment decides."""
    match = _QUEUE_URL.match(queue_url.strip())
    return match.group(1) if match else None


class SqsConsumer:
    def __init__(self, queue_url: str, handle: Callable[[str], Awaitable[None]], *, client: Any = None,
                 wait_time_s: int = 20, visibility_timeout_s: int = 60, batch_size: int = 10,
                 dead_letter_queue_url: str | None = None, on_error: Callable[[str, Exception], None] | None = None) -> None:
        """`on_error(where, exc)`: `where` is "receive" or the message's MessageId. `client`: a boto3 SQS
        client; by default one from the AWS environment (AWS_ENDPOINT_URL, region, profile)."""
        # SQS's own limits: refusing here beats a ClientError on every poll.
        if not 0 <= wait_time_s <= 20:
            raise ValueError(f"wait_time_s must be 0..20, not {wait_time_s}")
        if not 1 <= batch_size <= 10:
            raise ValueError(f"batch_size must be 1..10, not {batch_size}")
        if not 2 <= visibility_timeout_s <= 43200:
            raise ValueError(f"visibility_timeout_s must be 2..43200, not {visibility_timeout_s}")
        if client is None:
            import os

            import boto3

            # boto3 reads AWS_DEFAULT_REGION, not AWS_REGION (which the AWS CLI v2 and other SDKs read first).
            client = boto3.client("sqs", region_name=os.environ.get("AWS_REGION") or None)
        self.queue_url = queue_url
        self.handle = handle
        self.client = client
        self.wait_time_s = wait_time_s
        self.visibility_timeout_s = visibility_timeout_s
        self.batch_size = batch_size
        self.dead_letter_queue_url = dead_letter_queue_url
        self.on_error = on_error
        self.stats = ConsumerStats()
        self._pool: ThreadPoolExecutor | None = None

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until `stop` is set; the messages being handled are finished first. Returns within about
        wait_time_s of `stop` (a long poll in progress is not abandoned: it may hold messages)."""
        # A pool of our own, not the loop's default: the long poll holds a thread for up to 20 s, and
        # a visibility extension must not queue behind the rest of the service's blocking work. Each
        # message has at most one call in flight, and the poll never overlaps a batch.
        self._pool = ThreadPoolExecutor(max_workers=self.batch_size, thread_name_prefix="sqs-consumer")
        backoff = _RECEIVE_BACKOFF_S[0]
        try:
            while not stop.is_set():
                try:
                    response = await self._call(
                        self.client.receive_message, QueueUrl=self.queue_url, MaxNumberOfMessages=self.batch_size,
                        WaitTimeSeconds=self.wait_time_s, VisibilityTimeout=self.visibility_timeout_s,
                        AttributeNames=["ApproximateReceiveCount"], MessageAttributeNames=["All"])
                    messages = response.get("Messages", [])
                    backoff = _RECEIVE_BACKOFF_S[0]
                except Exception as exc:  # endpoint down, credentials, throttling: wait and try again
                    self.stats.receive_errors += 1
                    self._report("receive", exc)
                    await _wait(stop, backoff)
                    backoff = min(backoff * 2, _RECEIVE_BACKOFF_S[1])
                    continue
                self.stats.received += len(messages)
                if stop.is_set():
                    # Received while stopping: hand them straight back to the other replicas rather
                    # than start work this one is about to leave.
                    await asyncio.gather(*(self._set_visibility(m, 0) for m in messages))
                    break
                await asyncio.gather(*(self._process(m) for m in messages))
        finally:
            self._pool.shutdown(wait=False)

    async def _process(self, message: dict[str, Any]) -> None:
        message_id = message.get("MessageId", "?")
        done = asyncio.Event()
        extender = asyncio.create_task(self._extend_visibility(message, done))
        try:
            try:
                await self.handle(message.get("Body", ""))
                outcome: Exception | None = None
            except Exception as exc:  # never lets one message end the loop
                outcome = exc
            # The extender stops between calls (never mid-call), so no extension lands after the
            # delete or the backoff below and undoes it.
            done.set()
            await extender
            if outcome is None:
                self.stats.handled += 1
                await self._delete(message)
            elif isinstance(outcome, Permanent):
                self.stats.failed += 1
                await self._permanent(message, outcome)
            else:
                self.stats.failed += 1
                self._report(message_id, outcome)
                await self._set_visibility(message, self._backoff_s(message))
        except Exception as exc:  # a bug above must not take the batch, or the loop, with it
            self._report(message_id, exc)
        finally:
            done.set()
            if not extender.done():
                extender.cancel()

    async def _permanent(self, message: dict[str, Any], error: Permanent) -> None:
        message_id = message.get("MessageId", "?")
        if not self.dead_letter_queue_url:
            # Nothing is lost: the queue's RedrivePolicy moves it after maxReceiveCount receives.
            log.warning("SQS message %s cannot be handled (%s); no dead_letter_queue_url, left to the queue's "
                        "RedrivePolicy", message_id, error)
            self._report(message_id, error)
            await self._set_visibility(message, self._backoff_s(message))
            return
        reason = f"{type(error).__name__}: {error}"[:1000]
        attributes = {"sre_agent_error": {"DataType": "String", "StringValue": reason},
                      "sre_agent_source_message_id": {"DataType": "String", "StringValue": message_id}}
        # SQS allows 10 message attributes: keep the original ones that fit beside ours.
        for name, value in list(message.get("MessageAttributes", {}).items())[:8]:
            attributes.setdefault(name, {k: v for k, v in value.items() if k in ("DataType", "StringValue", "BinaryValue")})
        extra: dict[str, str] = {}
        if self.dead_letter_queue_url.endswith(".fifo"):  # a FIFO queue's dead-letter queue is FIFO too
            extra = {"MessageGroupId": "sre-agent-dead-letter", "MessageDeduplicationId": message_id}
        try:
            await self._call(self.client.send_message, QueueUrl=self.dead_letter_queue_url,
                             MessageBody=message.get("Body", ""), MessageAttributes=attributes, **extra)
        except Exception as exc:  # not dead-lettered: keep it in the queue, it comes back and is tried again
            self._report(message_id, exc)
            await self._set_visibility(message, self._backoff_s(message))
            return
        self.stats.dead_lettered += 1
        log.warning("SQS message %s dead-lettered: %s", message_id, reason)
        await self._delete(message)

    async def _extend_visibility(self, message: dict[str, Any], done: asyncio.Event) -> None:
        # Half the timeout between extensions: a late or failed call still leaves the other half.
        interval = self.visibility_timeout_s / 2
        while not await _wait(done, interval):
            if await self._set_visibility(message, self.visibility_timeout_s):
                self.stats.visibility_extensions += 1

    async def _delete(self, message: dict[str, Any]) -> None:
        try:
            await self._call(self.client.delete_message, QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
        except Exception as exc:  # it will be redelivered; intake's deduplication absorbs the repeat
            self._report(message.get("MessageId", "?"), exc)

    async def _set_visibility(self, message: dict[str, Any], seconds: int) -> bool:
        try:
            await self._call(self.client.change_message_visibility, QueueUrl=self.queue_url,
                             ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=seconds)
            return True
        except Exception as exc:
            self._report(message.get("MessageId", "?"), exc)
            return False

    def _backoff_s(self, message: dict[str, Any]) -> int:
        try:
            count = int(message.get("Attributes", {}).get("ApproximateReceiveCount", 1))
        except ValueError:
            count = 1
        return min(self.visibility_timeout_s, _TRANSIENT_BACKOFF_PER_RECEIVE_S * max(count, 1))

    async def _call(self, method: Callable[..., Any], **kwargs: Any) -> Any:
        # boto3 blocks: every call runs in a thread (the pool when run() set it up, else to_thread).
        if self._pool is None:
            return await asyncio.to_thread(method, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(self._pool, partial(method, **kwargs))

    def _report(self, where: str, exc: Exception) -> None:
        log.warning("SQS consumer (%s): %s: %s", where, type(exc).__name__, exc)
        if self.on_error is not None:
            try:
                self.on_error(where, exc)
            except Exception:  # the caller's callback must not stop the consumer either
                log.exception("SQS consumer: on_error raised")


async def _wait(event: asyncio.Event, seconds: float) -> bool:
    """True when `event` is set within `seconds`."""
    try:
        await asyncio.wait_for(event.wait(), seconds)
    except TimeoutError:
        return False
    return True
