"""Amazon SNS HTTP/S delivery: verify a message's signature before anything reads it, and confirm
subscriptions. Follows AWS's "Verifying the signatures of Amazon SNS messages": only allow-listed
topics, the signing certificate fetched over verified HTTPS from an SNS host, SignatureVersion 1
(RSA PKCS#1 v1.5 over SHA1) or 2 (over SHA256) on the documented string to sign."""

from __future__ import annotations

import base64
import binascii
import json
import re
import ssl
import time
from collections import OrderedDict
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from pydantic import BaseModel, ConfigDict, ValidationError

from ...contracts import parse_time

SNS_CERT_HOST = re.compile(r"^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$")
CERT_CACHE_SIZE = 32
CERT_CACHE_TTL_S = 24 * 3600
MAX_CERT_BYTES = 64 * 1024  # a PEM certificate is ~2 KB; anything far bigger is not one
FUTURE_SKEW_S = 300  # clocks drift; a Timestamp minutes ahead is skew, hours ahead is not SNS

# What SNS signs, in this order ("Key\nValue\n" each). Subject only when the notification has one.
SIGNED_FIELDS: dict[str, tuple[str, ...]] = {
    "Notification": ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    "SubscriptionConfirmation": ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"),
    "UnsubscribeConfirmation": ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"),
}
_HASHES = {"1": hashes.SHA1, "2": hashes.SHA256}


class SnsRejected(ValueError):
    """An SNS delivery that is not processed; the message says what was wrong and what to do."""


class SnsMessage(BaseModel):
    """The JSON envelope SNS POSTs. Strings stay exactly as sent: the signature covers them."""

    model_config = ConfigDict(strict=True, extra="ignore")  # SNS adds fields (MessageAttributes...) over time

    Type: Literal["Notification", "SubscriptionConfirmation", "UnsubscribeConfirmation"]
    MessageId: str
    TopicArn: str
    Subject: str | None = None
    Message: str
    Timestamp: str
    # Missing signature fields are rejected by the verifier with their own message, not as a schema error.
    SignatureVersion: str = ""
    Signature: str = ""
    SigningCertURL: str = ""
    SubscribeURL: str | None = None
    Token: str | None = None
    UnsubscribeURL: str | None = None


def parse_message(body: dict[str, Any] | str | bytes) -> SnsMessage:
    """The envelope, or SnsRejected naming the field that is missing or of the wrong type."""
    if isinstance(body, str | bytes):
        try:
            body = json.loads(body)
        except ValueError:
            raise SnsRejected("the SNS delivery body is not JSON; expected the SNS HTTP/S message envelope") from None
    if not isinstance(body, dict):
        raise SnsRejected(f"the SNS delivery body is a JSON {type(body).__name__}, not an object (the SNS message envelope)")
    try:
        return SnsMessage.model_validate(body)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise SnsRejected(f"not an SNS message envelope -- {problems}") from None


def string_to_sign(message: SnsMessage) -> str:
    parts = []
    for key in SIGNED_FIELDS[message.Type]:
        value = getattr(message, key)
        if value is None:
            if key == "Subject":
                continue
            raise SnsRejected(f"the {message.Type} has no {key}, which SNS signs: it cannot be verified")
        parts.append(f"{key}\n{value}\n")
    return "".join(parts)


def _checked_url(url: str, cert_host: re.Pattern[str], ports: Collection[int], what: str) -> str:
    """The URL if it is https:// on an SNS host, without userinfo or an unexpected port; else SnsRejected.
    Fetching from anywhere else would let the sender pick the key that 'verifies' its own message."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise SnsRejected(f"{what} {url!r} is not a valid URL") from None
    if parts.scheme != "https":
        raise SnsRejected(f"{what} {url!r} is not https://; SNS serves certificates and confirmations only over https")
    if parts.username is not None or parts.password is not None:
        raise SnsRejected(f"{what} {url!r} carries user info; an SNS URL never does")
    if not parts.hostname or not cert_host.fullmatch(parts.hostname):
        raise SnsRejected(f"{what} {url!r} is not on an Amazon SNS host (sns.<region>.amazonaws.com); refusing to fetch it")
    if port is not None and port not in ports:
        raise SnsRejected(f"{what} {url!r} names port {port}; SNS uses the https default")
    return url


class SnsVerifier:
    def __init__(self, topic_arns: list[str], *, cert_host: re.Pattern[str] = SNS_CERT_HOST,
                 ssl_context: ssl.SSLContext | None = None, timeout_s: float = 5.0, max_age_s: float | None = 3600,
                 ports: Collection[int] = (443,)) -> None:
        self.topic_arns = frozenset(topic_arns)
        self.cert_host, self.ssl_context, self.timeout_s, self.max_age_s = cert_host, ssl_context, timeout_s, max_age_s
        self.ports = frozenset(ports)  # 443 in production; a test stand-in listens on a free port
        self._certs: OrderedDict[str, tuple[float, x509.Certificate]] = OrderedDict()
        self.cert_fetches = 0  # how many times a certificate was downloaded (the cache's hit rate, for tests and metrics)

    async def verify(self, body: dict[str, Any] | str | bytes) -> SnsMessage:
        """The message, once its topic, freshness and signature check out; SnsRejected otherwise."""
        message = parse_message(body)
        await self._verify(message)
        return message

    async def confirm_subscription(self, message: SnsMessage) -> None:
        """Visit the SubscribeURL of a SubscriptionConfirmation -- re-verified here, so an unverified
        message can never make this service GET a URL of the sender's choosing."""
        if message.Type != "SubscriptionConfirmation":
            raise SnsRejected(f"a {message.Type} is not a subscription confirmation; there is nothing to confirm")
        await self._verify(message)
        url = _checked_url(message.SubscribeURL or "", self.cert_host, self.ports, "SubscribeURL")
        try:
            async with self._client() as client:
                answer = await client.get(url)
        except httpx.HTTPError as exc:
            raise SnsRejected(f"could not confirm the subscription to {message.TopicArn}: {type(exc).__name__} {exc}; "
                              "SNS resends the confirmation, or confirm it in the SNS console") from None
        if answer.status_code != 200:
            raise SnsRejected(f"confirming the subscription to {message.TopicArn} answered HTTP {answer.status_code}; "
                              "the token may have expired -- request a new confirmation from SNS")

    async def _verify(self, message: SnsMessage) -> None:
        if not self.topic_arns:
            raise SnsRejected("no SNS topic is accepted: service.sns_topic_arns is empty; list the topics whose "
                              "notifications this service should take")
        if message.TopicArn not in self.topic_arns:
            raise SnsRejected(f"topic {message.TopicArn} is not in service.sns_topic_arns; add it to accept its notifications")
        if not message.Signature or not message.SignatureVersion or not message.SigningCertURL:
            raise SnsRejected("the SNS message is unsigned (no Signature, SignatureVersion or SigningCertURL); "
                              "SNS signs every delivery, so this did not come from SNS")
        algorithm = _HASHES.get(message.SignatureVersion)
        if algorithm is None:
            raise SnsRejected(f"SignatureVersion {message.SignatureVersion!r} is unknown; only 1 (SHA1) and 2 (SHA256) exist "
                              "-- set the topic's SignatureVersion attribute to 2")
        url = _checked_url(message.SigningCertURL, self.cert_host, self.ports, "SigningCertURL")
        self._check_fresh(message)
        try:
            signature = base64.b64decode(message.Signature, validate=True)
        except (binascii.Error, ValueError):
            raise SnsRejected("the Signature is not base64; the message was altered or did not come from SNS") from None
        data = string_to_sign(message).encode()
        key = (await self._certificate(url)).public_key()
        if not isinstance(key, rsa.RSAPublicKey):
            raise SnsRejected(f"the certificate at {url} has no RSA key; SNS signs with RSA")
        try:
            key.verify(signature, data, padding.PKCS1v15(), algorithm())
        except InvalidSignature:
            raise SnsRejected(f"the signature of SNS message {message.MessageId} does not match its contents: "
                              "it was altered or forged; it is dropped") from None

    def _check_fresh(self, message: SnsMessage) -> None:
        sent = parse_time(message.Timestamp)
        if sent is None:
            raise SnsRejected(f"Timestamp {message.Timestamp!r} is not an ISO 8601 time")
        age = (datetime.now(UTC) - sent).total_seconds()
        # An old message could be a captured one replayed; the signature alone cannot tell.
        if self.max_age_s is not None and age > self.max_age_s:
            raise SnsRejected(f"SNS message {message.MessageId} was sent at {message.Timestamp}, {age:.0f} s ago -- older "
                              f"than the {self.max_age_s:.0f} s accepted (a replay?); check this host's clock if it is current")
        if age < -FUTURE_SKEW_S:
            raise SnsRejected(f"SNS message {message.MessageId} is dated {message.Timestamp}, in the future; "
                              "check this host's clock")

    async def _certificate(self, url: str) -> x509.Certificate:
        cached = self._certs.get(url)
        if cached and time.monotonic() - cached[0] < CERT_CACHE_TTL_S:
            self._certs.move_to_end(url)
            certificate = cached[1]
        else:
            certificate = await self._fetch_certificate(url)
            self._certs[url] = (time.monotonic(), certificate)
            self._certs.move_to_end(url)
            while len(self._certs) > CERT_CACHE_SIZE:
                self._certs.popitem(last=False)
        now = datetime.now(UTC)
        if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
            raise SnsRejected(f"the signing certificate at {url} is valid only from {certificate.not_valid_before_utc:%Y-%m-%d} "
                              f"to {certificate.not_valid_after_utc:%Y-%m-%d}; SNS rotates it -- a message signed "
                              "with an expired certificate is not accepted")
        return certificate

    async def _fetch_certificate(self, url: str) -> x509.Certificate:
        try:
            async with self._client() as client:
                answer = await client.get(url)
        except httpx.HTTPError as exc:
            raise SnsRejected(f"could not fetch the SNS signing certificate {url}: {type(exc).__name__} {exc}; "
                              "check this host's outbound HTTPS to SNS") from None
        if answer.status_code != 200 or len(answer.content) > MAX_CERT_BYTES:
            raise SnsRejected(f"the SNS signing certificate {url} answered HTTP {answer.status_code} "
                              f"({len(answer.content)} bytes), not a certificate")
        self.cert_fetches += 1
        try:
            return x509.load_pem_x509_certificate(answer.content)
        except ValueError:
            raise SnsRejected(f"{url} did not serve a PEM certificate") from None

    def _client(self) -> httpx.AsyncClient:
        # No redirects: a redirect could lead off the SNS host the URL was checked against.
        return httpx.AsyncClient(verify=self.ssl_context or True, timeout=self.timeout_s, follow_redirects=False)
