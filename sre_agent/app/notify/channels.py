"""One class per channel, behind one interface: `deliver(notice, timeout_s)` returns when the channel
took the notice and raises `SendError` (a sentence, and whether trying again may help) when it did
not. A channel's `name` is what reports show: never a token-bearing URL in full."""

from __future__ import annotations

import json
import os
import re
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

EXCERPT_CHARS = 200
SNS_SUBJECT_CHARS = 99  # SNS: "less than 100 characters", ASCII, no line breaks
SLACK_HEADER_CHARS = 150  # Slack: a header block's plain_text
SLACK_SECTION_CHARS = 3000  # Slack: a section block's text
TEAMS_TEXT_CHARS = 20_000  # Teams: the whole payload must stay under ~28 KB


@dataclass(frozen=True)
class Notice:
    """What is said, before any channel formats it: a one-line subject and a plain-text body."""

    subject: str
    text: str


class SendError(Exception):
    """The channel did not take the notice. `str()` is a sentence safe to show (no secrets)."""

    def __init__(self, sentence: str, *, retryable: bool, retry_after_s: float | None = None) -> None:
        super().__init__(sentence)
        self.retryable = retryable
        self.retry_after_s = retry_after_s


class Channel(Protocol):
    name: str

    def deliver(self, notice: Notice, timeout_s: float) -> None:
        """Send once; raise SendError when the channel did not take it."""


def safe_url(url: str) -> str:
    """The URL without its query string and fragment (where tokens and signatures usually sit)."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def _excerpt(raw: bytes, secrets: tuple[str, ...]) -> str:
    text = " ".join(raw.decode("utf-8", "replace").split())
    for secret in secrets:
        if secret:
            text = text.replace(secret, "<redacted>")
    return text[:EXCERPT_CHARS] + ("..." if len(text) > EXCERPT_CHARS else "")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # urllib turns a redirected POST into a GET without the body: that must not count as delivered.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def _retry_after(headers: Any) -> float | None:
    try:
        return float(headers.get("Retry-After")) if headers and headers.get("Retry-After") else None
    except (TypeError, ValueError):
        return None  # an HTTP date: ignored, the backoff applies


def post_json(url: str, body: dict[str, Any], timeout_s: float) -> None:
    """POST `body` as JSON; any 2xx is delivered. Errors never quote the URL itself."""
    parts = urllib.parse.urlsplit(url)  # Slack's token is in the path, Teams' signature in the query
    secrets = (url, f"{parts.path}?{parts.query}", parts.query, parts.path if len(parts.path) > 1 else "")
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", "User-Agent": "sre-agent"})
    try:
        with _OPENER.open(request, timeout=timeout_s) as response:
            response.read(4096)
    except urllib.error.HTTPError as exc:  # before URLError: it is one
        excerpt = _excerpt(exc.read(2048) if exc.fp else b"", secrets)
        retryable = exc.code == 429 or exc.code >= 500
        raise SendError(f"HTTP {exc.code}: {excerpt or exc.reason or 'no body'}", retryable=retryable,
                        retry_after_s=_retry_after(exc.headers)) from None
    except urllib.error.URLError as exc:
        raise SendError(_connection_sentence(exc.reason, timeout_s), retryable=True) from None
    except TimeoutError:  # a read that timed out (socket.timeout is TimeoutError)
        raise SendError(f"timed out after {timeout_s:g} s", retryable=True) from None
    except (ConnectionError, OSError) as exc:  # reset mid-response, a malformed status line (http.client)
        raise SendError(_connection_sentence(exc, timeout_s), retryable=True) from None
    except ValueError:
        raise SendError("the URL is not a valid http(s) URL", retryable=False) from None


def _connection_sentence(reason: object, timeout_s: float) -> str:
    if isinstance(reason, TimeoutError):
        return f"timed out after {timeout_s:g} s"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, ConnectionResetError):
        return "connection reset by the server"
    if isinstance(reason, socket.gaierror):
        return f"host name not resolved ({reason.strerror or reason})"
    text = getattr(reason, "strerror", None) or str(reason)
    return f"connection failed: {text}"


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


class SlackChannel:
    """A Slack incoming webhook: a header block and a mrkdwn section (`text` is the notification fallback)."""

    name = "slack"

    def __init__(self, url: str) -> None:
        self._url = url

    @staticmethod
    def body(notice: Notice) -> dict[str, Any]:
        text = _slack_escape(notice.text)
        return {"text": _clip(f"{_slack_escape(notice.subject)}\n{text}", SLACK_SECTION_CHARS),
                "blocks": [{"type": "header", "text": {"type": "plain_text", "text": _clip(notice.subject, SLACK_HEADER_CHARS)}},
                           {"type": "section", "text": {"type": "mrkdwn", "text": _clip(text, SLACK_SECTION_CHARS)}}]}

    def deliver(self, notice: Notice, timeout_s: float) -> None:
        post_json(self._url, self.body(notice), timeout_s)


class TeamsChannel:
    """A Microsoft Teams Workflows webhook: a message with one Adaptive Card (title, then one line per TextBlock)."""

    name = "teams"

    def __init__(self, url: str) -> None:
        self._url = url

    @staticmethod
    def body(notice: Notice) -> dict[str, Any]:
        lines = [line for line in _clip(notice.text, TEAMS_TEXT_CHARS).splitlines() if line.strip()]
        blocks = [{"type": "TextBlock", "text": notice.subject, "weight": "Bolder", "size": "Medium", "wrap": True},
                  *({"type": "TextBlock", "text": line, "wrap": True, "spacing": "Small"} for line in lines)]
        card = {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard",
                "version": "1.4", "body": blocks}
        return {"type": "message",
                "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None,
                                 "content": card}]}

    def deliver(self, notice: Notice, timeout_s: float) -> None:
        post_json(self._url, self.body(notice), timeout_s)


class WebhookChannel:
    """Any URL that takes `{"text": ...}` as JSON (Mattermost, Rocket.Chat, a Slack-compatible relay, your own)."""

    def __init__(self, url: str) -> None:
        self._url = url
        self.name = f"webhook:{safe_url(url)}"

    @staticmethod
    def body(notice: Notice) -> dict[str, Any]:
        return {"text": f"*{notice.subject}*\n{notice.text}"}

    def deliver(self, notice: Notice, timeout_s: float) -> None:
        post_json(self._url, self.body(notice), timeout_s)


# SNS error codes worth another try; any other client error (NotFound, AuthorizationError,
# InvalidParameter, ...) will not change by asking again.
_SNS_RETRYABLE = {"Throttling", "ThrottlingException", "ThrottledException", "RequestThrottled",
                  "InternalError", "InternalFailure", "ServiceUnavailable", "KMSThrottling"}


def sns_subject(subject: str) -> str:
    """ASCII, one line, under 100 characters: what SNS accepts as a Subject."""
    ascii_line = re.sub(r"[^\x20-\x7e]", " ", subject.encode("ascii", "replace").decode()).strip() or "sre-agent"
    return ascii_line if len(ascii_line) <= SNS_SUBJECT_CHARS else ascii_line[: SNS_SUBJECT_CHARS - 3] + "..."


class SnsChannel:
    """An SNS topic (email, SMS, chatbot subscriptions...): boto3 `publish`, botocore's own retries off
    so the notifier's retry policy is the only one."""

    def __init__(self, topic_arn: str, client: Any = None, aws_env: Mapping[str, str] | None = None) -> None:
        self.topic_arn = topic_arn
        self.name = f"sns:{topic_arn}"
        self._client = client
        # The run's AWS environment (endpoint, credentials, region, profile): a run pointed at another account
        # than the process's -- the lab's moto, a sandbox -- pages through that account, as its tools read it.
        self._env = aws_env

    def _sns(self, timeout_s: float) -> Any:
        if self._client is None:
            import boto3
            from botocore.config import Config

            env = self._env if self._env is not None else os.environ
            parts = self.topic_arn.split(":")
            region = parts[3] if len(parts) > 3 and parts[3] else None  # the topic's own region
            region = region or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or None
            session = boto3.session.Session(profile_name=env.get("AWS_PROFILE") or None)  # not the shared default
            self._client = session.client(
                "sns", region_name=region, endpoint_url=env.get("AWS_ENDPOINT_URL_SNS") or env.get("AWS_ENDPOINT_URL"),
                aws_access_key_id=env.get("AWS_ACCESS_KEY_ID"), aws_secret_access_key=env.get("AWS_SECRET_ACCESS_KEY"),
                aws_session_token=env.get("AWS_SESSION_TOKEN"),
                config=Config(connect_timeout=timeout_s, read_timeout=timeout_s, retries={"total_max_attempts": 1}))
        return self._client

    def deliver(self, notice: Notice, timeout_s: float) -> None:
        from botocore.exceptions import BotoCoreError, ClientError
        from botocore.exceptions import ConnectionError as BotoConnectionError

        try:
            self._sns(timeout_s).publish(TopicArn=self.topic_arn, Subject=sns_subject(notice.subject), Message=notice.text)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code = error.get("Code") or "unknown error"
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
            message = " ".join(str(error.get("Message") or "").split())[:EXCERPT_CHARS]
            raise SendError(f"SNS {code}: {message}" if message else f"SNS {code}",
                            retryable=code in _SNS_RETRYABLE or status >= 500) from None
        except BotoConnectionError as exc:  # endpoint unreachable, connect/read timeouts
            raise SendError(f"SNS unreachable: {exc}", retryable=True) from None
        except BotoCoreError as exc:  # no credentials, no region, a parameter SNS would refuse
            raise SendError(f"SNS not called: {exc}", retryable=False) from None
