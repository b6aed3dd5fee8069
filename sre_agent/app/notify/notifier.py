"""The notifier: three kinds of message to every configured channel, each channel tried a bounded
number of times, and one `Delivery` per channel saying what happened."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pydantic import BaseModel, SecretStr

from .channels import Channel, Notice, SendError, SlackChannel, SnsChannel, TeamsChannel, WebhookChannel

log = logging.getLogger(__name__)


class Delivery(BaseModel):
    """One channel's outcome. `channel` is safe to show: "slack", "teams", "sns:<topic arn>",
    "webhook:<url without its query string>"."""

    channel: str
    delivered: bool
    attempts: int
    error: str | None = None  # why not, as a sentence: "HTTP 500: ...", "connection refused", "SNS NotFound: ..."

    def __str__(self) -> str:
        return self.channel if self.delivered else f"{self.channel} ({self.error})"


def _secret(value: str | SecretStr | None) -> str | None:
    return value.get_secret_value() if isinstance(value, SecretStr) else value


class Notifier:
    """Sends to Slack, Teams, a generic webhook and SNS (whichever are configured), concurrently.

    Each channel gets up to `attempts` tries, `timeout_s` each; connection errors, timeouts, 429 and
    5xx are retried after `backoff_s`, doubling (a Retry-After header counts, up to `max_backoff_s`),
    other 4xx are not. So one call takes at most about attempts * timeout_s + the backoffs. Never
    raises: a failure is a Delivery with `delivered=False`, and is logged."""

    def __init__(self, sns_topic_arn: str | None = None, webhook_url: str | None = None, *,
                 slack_webhook_url: str | SecretStr | None = None, teams_webhook_url: str | SecretStr | None = None,
                 notify_finished: bool = False, attempts: int = 3, backoff_s: float = 0.5, max_backoff_s: float = 5.0,
                 timeout_s: float = 10.0, sns_client: Any = None, aws_env: Mapping[str, str] | None = None,
                 channels: list[Channel] | None = None) -> None:
        if channels is None:
            slack, teams = _secret(slack_webhook_url), _secret(teams_webhook_url)
            channels = [*([SlackChannel(slack)] if slack else []), *([TeamsChannel(teams)] if teams else []),
                        *([WebhookChannel(webhook_url)] if webhook_url else []),
                        *([SnsChannel(sns_topic_arn, sns_client, aws_env)] if sns_topic_arn else [])]
        self.channels = channels
        self.notify_finished = notify_finished
        self.attempts = max(1, attempts)
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.timeout_s = timeout_s

    def escalation(self, incident_id: str, title: str, message: str) -> list[Delivery]:
        """Page a human: `message` is the escalation as the graph wrote it (it names the incident)."""
        return self.send(f"Escalated: {title}", message)

    def approval_requested(self, incident_id: str, title: str, action_summary: str, action_id: str,
                           approve_hint: str) -> list[Delivery]:
        """A fix waits for a human: what it is, its id, and how to approve it (a URL and/or a command)."""
        text = "\n".join([f"[sre-agent] APPROVAL NEEDED {incident_id}: {title}",
                          f"proposed action {action_id}: {action_summary}",
                          f"to approve or reject: {approve_hint}"])
        return self.send(f"Approval needed: {title}", text)

    def finished(self, incident_id: str, title: str, status: str, summary: str) -> list[Delivery]:
        """A run ended; sent only when `notify_finished` is on (else nothing is sent and [] returned)."""
        if not self.notify_finished:
            return []
        text = f"[sre-agent] {status.upper()} {incident_id}: {title}\n{summary}"
        return self.send(f"{status.capitalize()}: {title}", text)

    def send(self, subject: str, text: str) -> list[Delivery]:
        """`subject` and `text` to every channel; one Delivery each, in channel order ([] when none is configured)."""
        notice = Notice(subject=" ".join(subject.split()), text=text)
        if len(self.channels) <= 1:
            return [self._deliver(channel, notice) for channel in self.channels]
        with ThreadPoolExecutor(max_workers=len(self.channels), thread_name_prefix="notify") as pool:
            return list(pool.map(lambda channel: self._deliver(channel, notice), self.channels))

    def _deliver(self, channel: Channel, notice: Notice) -> Delivery:
        attempt, error = 0, SendError("not tried", retryable=False)
        for attempt in range(1, self.attempts + 1):
            try:
                channel.deliver(notice, self.timeout_s)
                return Delivery(channel=channel.name, delivered=True, attempts=attempt)
            except SendError as exc:
                error = exc
            except Exception as exc:  # a bug in a channel must not lose the report; its text may hold a URL
                error = SendError(f"unexpected {type(exc).__name__} in the {channel.name} channel", retryable=False)
            if not error.retryable or attempt == self.attempts:
                break
            delay = max(self.backoff_s * 2 ** (attempt - 1), error.retry_after_s or 0.0)
            time.sleep(min(delay, self.max_backoff_s))
        log.warning("notification not delivered to %s after %d attempt(s): %s", channel.name, attempt, error)
        return Delivery(channel=channel.name, delivered=False, attempts=attempt, error=str(error))
