"""The SNS verifier without a network: the string to sign, and every reason a delivery is refused.
Certificates are served by an httpx MockTransport standing in for SNS's HTTPS; the integration test
does the same over real TLS."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sns_fakes import OTHER_TOPIC, TOPIC, SigningIdentity, notification, pem, subscription_confirmation

from sre_agent.service.sources.sns import (
    CERT_CACHE_SIZE,
    SnsMessage,
    SnsRejected,
    SnsVerifier,
    parse_message,
    string_to_sign,
)

CERT_URL = "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem"
SUBSCRIBE_URL = "https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=x&Token=2336412f37fb687f5d51e6e2425"


@pytest.fixture(scope="module")
def identity() -> SigningIdentity:
    return SigningIdentity.new()


class OfflineVerifier(SnsVerifier):
    """Serves `certificate` at every URL through a MockTransport and records each request."""

    def __init__(self, certificate_pem: bytes, topics=(TOPIC,), **kwargs):
        super().__init__(list(topics), **kwargs)
        self.pem, self.requests = certificate_pem, []

    def _client(self) -> httpx.AsyncClient:
        def answer(request: httpx.Request) -> httpx.Response:
            self.requests.append(str(request.url))
            return httpx.Response(200, content=self.pem)
        return httpx.AsyncClient(transport=httpx.MockTransport(answer))


def verify(verifier: SnsVerifier, body) -> SnsMessage:
    return asyncio.run(verifier.verify(body))


def rejected(verifier: SnsVerifier, body) -> str:
    with pytest.raises(SnsRejected) as caught:
        verify(verifier, body)
    return str(caught.value)


# -- the string to sign ---------------------------------------------------------------------------------------------

BASE = {"MessageId": "m-1", "TopicArn": TOPIC, "Message": "hello\nworld", "Timestamp": "2026-03-01T12:00:00.000Z",
        "SignatureVersion": "1", "Signature": "c2ln", "SigningCertURL": CERT_URL}


@pytest.mark.parametrize("body, expected", [
    ({**BASE, "Type": "Notification", "Subject": "ALARM"},
     f"Message\nhello\nworld\nMessageId\nm-1\nSubject\nALARM\nTimestamp\n2026-03-01T12:00:00.000Z\nTopicArn\n{TOPIC}\nType\nNotification\n"),
    ({**BASE, "Type": "Notification"},  # no Subject: the key is left out, not signed empty
     f"Message\nhello\nworld\nMessageId\nm-1\nTimestamp\n2026-03-01T12:00:00.000Z\nTopicArn\n{TOPIC}\nType\nNotification\n"),
    ({**BASE, "Type": "Notification", "Subject": "s", "UnsubscribeURL": "https://x", "Token": "ignored"},  # unsigned extras
     f"Message\nhello\nworld\nMessageId\nm-1\nSubject\ns\nTimestamp\n2026-03-01T12:00:00.000Z\nTopicArn\n{TOPIC}\nType\nNotification\n"),
    ({**BASE, "Type": "SubscriptionConfirmation", "SubscribeURL": "https://s", "Token": "t", "Subject": "not signed"},
     "Message\nhello\nworld\nMessageId\nm-1\nSubscribeURL\nhttps://s\nTimestamp\n2026-03-01T12:00:00.000Z\nToken\nt\n"
     f"TopicArn\n{TOPIC}\nType\nSubscriptionConfirmation\n"),
    ({**BASE, "Type": "UnsubscribeConfirmation", "SubscribeURL": "https://s", "Token": "t"},
     "Message\nhello\nworld\nMessageId\nm-1\nSubscribeURL\nhttps://s\nTimestamp\n2026-03-01T12:00:00.000Z\nToken\nt\n"
     f"TopicArn\n{TOPIC}\nType\nUnsubscribeConfirmation\n"),
], ids=["notification", "notification-no-subject", "notification-extras", "subscription", "unsubscribe"])
def test_string_to_sign(body, expected):
    assert string_to_sign(parse_message(body)) == expected


def test_a_confirmation_without_its_token_cannot_be_signed():
    with pytest.raises(SnsRejected, match="has no Token"):
        string_to_sign(parse_message({**BASE, "Type": "SubscriptionConfirmation", "SubscribeURL": "https://s"}))


# -- the envelope ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("body, field", [
    ({**BASE, "Type": "Notification", "Message": 42}, "Message"),
    ({**BASE, "Type": "Notification", "Subject": ["a"]}, "Subject"),
    ({k: v for k, v in BASE.items() if k != "MessageId"} | {"Type": "Notification"}, "MessageId"),
    ({**BASE, "Type": "Publish"}, "Type"),
    ({**BASE, "Type": "Notification", "SignatureVersion": 2}, "SignatureVersion"),
])
def test_a_malformed_envelope_names_the_field(body, field):
    with pytest.raises(SnsRejected, match=rf"not an SNS message envelope -- {field}:"):
        parse_message(body)


@pytest.mark.parametrize("body, words", [("not json", "not JSON"), ("[1, 2]", "JSON list, not an object"), (b"{", "not JSON")])
def test_a_body_that_is_not_an_envelope_is_refused(body, words):
    with pytest.raises(SnsRejected, match=words):
        parse_message(body)


def test_a_json_string_body_is_parsed(identity):
    verifier = OfflineVerifier(pem(identity.certificate))
    body = identity.sign(notification(CERT_URL), "2")
    assert verify(verifier, json.dumps(body)).Message == body["Message"]


# -- acceptance -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("version", ["1", "2"])
@pytest.mark.parametrize("subject", ["ALARM: frontend-5xx", None])
def test_a_signed_notification_is_accepted(identity, version, subject):
    verifier = OfflineVerifier(pem(identity.certificate))
    message = verify(verifier, identity.sign(notification(CERT_URL, subject=subject), version))
    assert (message.Type, message.TopicArn, message.Subject) == ("Notification", TOPIC, subject)
    assert json.loads(message.Message)["AlarmName"] == "frontend-5xx"
    assert verifier.requests == [CERT_URL]


def test_the_china_partition_host_is_an_sns_host(identity):
    url = "https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-x.pem"
    verifier = OfflineVerifier(pem(identity.certificate))
    assert verify(verifier, identity.sign(notification(url))).SigningCertURL == url


# -- rejections -----------------------------------------------------------------------------------------------------

def test_an_empty_allow_list_refuses_everything_and_says_to_configure_it(identity):
    verifier = OfflineVerifier(pem(identity.certificate), topics=())
    assert "service.sns_topic_arns is empty" in rejected(verifier, identity.sign(notification(CERT_URL)))
    assert verifier.requests == []


def test_a_foreign_topic_is_refused_before_any_fetch(identity):
    verifier = OfflineVerifier(pem(identity.certificate))
    reason = rejected(verifier, identity.sign(notification(CERT_URL, topic=OTHER_TOPIC)))
    assert reason == f"topic {OTHER_TOPIC} is not in service.sns_topic_arns; add it to accept its notifications"
    assert verifier.requests == []


@pytest.mark.parametrize("missing", ["Signature", "SignatureVersion", "SigningCertURL"])
def test_an_unsigned_message_is_refused(identity, missing):
    verifier = OfflineVerifier(pem(identity.certificate))
    body = identity.sign(notification(CERT_URL))
    del body[missing]
    assert "unsigned" in rejected(verifier, body)
    assert verifier.requests == []


@pytest.mark.parametrize("version", ["3", "0", "2.0"])
def test_an_unknown_signature_version_is_refused(identity, version):
    verifier = OfflineVerifier(pem(identity.certificate))
    body = identity.sign(notification(CERT_URL)) | {"SignatureVersion": version}
    assert f"SignatureVersion '{version}' is unknown" in rejected(verifier, body)


def test_a_signature_of_the_other_version_does_not_verify(identity):
    """Signed over SHA1, labelled SHA256: the version is part of what is checked."""
    verifier = OfflineVerifier(pem(identity.certificate))
    body = identity.sign(notification(CERT_URL), "1") | {"SignatureVersion": "2"}
    assert "does not match its contents" in rejected(verifier, body)


@pytest.mark.parametrize("field, value", [
    ("Message", '{"AlarmName": "frontend-5xx", "NewStateValue": "OK"}'),
    ("MessageId", "9f6b0c1e-0000-4000-8000-000000000002"),
    ("Subject", "OK: frontend-5xx"),
    ("Timestamp", (datetime.now(UTC) - timedelta(seconds=5)).strftime("%Y-%m-%dT%H:%M:%S.000Z")),
    ("TopicArn", OTHER_TOPIC),  # also allowed, so only the signature can catch it
], ids=["Message", "MessageId", "Subject", "Timestamp", "TopicArn"])
def test_changing_any_signed_field_breaks_the_signature(identity, field, value):
    verifier = OfflineVerifier(pem(identity.certificate), topics=(TOPIC, OTHER_TOPIC))
    body = identity.sign(notification(CERT_URL), "2") | {field: value}
    assert "altered or forged" in rejected(verifier, body)


def test_adding_a_subject_breaks_the_signature(identity):
    verifier = OfflineVerifier(pem(identity.certificate))
    body = identity.sign(notification(CERT_URL, subject=None)) | {"Subject": "injected"}
    assert "altered or forged" in rejected(verifier, body)


def test_a_signature_by_another_key_is_refused(identity):
    verifier = OfflineVerifier(pem(identity.certificate))
    impostor = SigningIdentity.new()
    assert "altered or forged" in rejected(verifier, impostor.sign(notification(CERT_URL)))


def test_a_signature_that_is_not_base64_is_refused(identity):
    verifier = OfflineVerifier(pem(identity.certificate))
    assert "not base64" in rejected(verifier, identity.sign(notification(CERT_URL)) | {"Signature": "!!not base64!!"})


@pytest.mark.parametrize("url, words", [
    ("http://sns.eu-west-1.amazonaws.com/cert.pem", "is not https://"),
    ("https://evil.example.com/cert.pem", "is not on an Amazon SNS host"),
    ("https://sns.eu-west-1.amazonaws.com.evil.example.com/cert.pem", "is not on an Amazon SNS host"),
    ("https://evil.example.com/sns.eu-west-1.amazonaws.com/cert.pem", "is not on an Amazon SNS host"),
    ("https://sqs.eu-west-1.amazonaws.com/cert.pem", "is not on an Amazon SNS host"),
    ("https://user:pw@sns.eu-west-1.amazonaws.com/cert.pem", "carries user info"),
    ("https://sns.eu-west-1.amazonaws.com@evil.example.com/cert.pem", "carries user info"),
    ("https://sns.eu-west-1.amazonaws.com:8443/cert.pem", "names port 8443"),
    ("https://sns.eu-west-1.amazonaws.com:99999/cert.pem", "is not a valid URL"),
    ("file:///etc/passwd", "is not https://"),
])
def test_a_cert_url_off_an_sns_host_is_never_fetched(identity, url, words):
    verifier = OfflineVerifier(pem(identity.certificate))
    reason = rejected(verifier, identity.sign(notification(url)))
    assert words in reason and reason.startswith("SigningCertURL")
    assert verifier.requests == []


def test_a_stale_message_is_refused_as_a_possible_replay(identity):
    verifier = OfflineVerifier(pem(identity.certificate), max_age_s=3600)
    old = identity.sign(notification(CERT_URL, timestamp=datetime.now(UTC) - timedelta(hours=2)))
    assert "older than the 3600 s accepted" in rejected(verifier, old)
    assert verifier.requests == []
    # max_age_s=None: no freshness limit (e.g. replaying a captured delivery on purpose)
    assert verify(OfflineVerifier(pem(identity.certificate), max_age_s=None), old).Timestamp == old["Timestamp"]


def test_a_message_from_the_future_is_refused(identity):
    verifier = OfflineVerifier(pem(identity.certificate))
    future = identity.sign(notification(CERT_URL, timestamp=datetime.now(UTC) + timedelta(hours=1)))
    assert "in the future" in rejected(verifier, future)


def test_an_unreadable_timestamp_is_refused(identity):
    verifier = OfflineVerifier(pem(identity.certificate))
    assert "not an ISO 8601 time" in rejected(verifier, identity.sign(notification(CERT_URL) | {"Timestamp": "yesterday"}))


@pytest.mark.parametrize("validity", [
    {"not_before": datetime.now(UTC) - timedelta(days=30), "not_after": datetime.now(UTC) - timedelta(days=1)},
    {"not_before": datetime.now(UTC) + timedelta(days=1), "not_after": datetime.now(UTC) + timedelta(days=30)},
], ids=["expired", "not-yet-valid"])
def test_a_certificate_outside_its_validity_period_is_refused(validity):
    signer = SigningIdentity.new(**validity)
    verifier = OfflineVerifier(pem(signer.certificate))
    assert "is valid only from" in rejected(verifier, signer.sign(notification(CERT_URL)))


def test_a_response_that_is_not_a_certificate_is_refused(identity):
    verifier = OfflineVerifier(b"<html>hello</html>")
    assert "did not serve a PEM certificate" in rejected(verifier, identity.sign(notification(CERT_URL)))


# -- the certificate cache ------------------------------------------------------------------------------------------

def test_the_certificate_is_fetched_once_per_url(identity):
    verifier = OfflineVerifier(pem(identity.certificate))

    async def twice():
        await verifier.verify(identity.sign(notification(CERT_URL, message_id="a")))
        await verifier.verify(identity.sign(notification(CERT_URL, message_id="b"), "1"))
    asyncio.run(twice())
    assert verifier.requests == [CERT_URL] and verifier.cert_fetches == 1


def test_the_cache_is_bounded_and_forgets_the_least_recently_used(identity):
    verifier = OfflineVerifier(pem(identity.certificate))
    urls = [f"https://sns.eu-west-1.amazonaws.com/cert-{n}.pem" for n in range(CERT_CACHE_SIZE + 1)]

    async def each():
        for url in urls:
            await verifier.verify(identity.sign(notification(url)))
        await verifier.verify(identity.sign(notification(urls[0])))  # evicted: fetched again
        await verifier.verify(identity.sign(notification(urls[-1])))  # still cached
    asyncio.run(each())
    assert len(verifier._certs) == CERT_CACHE_SIZE
    assert verifier.requests == urls + [urls[0]]


def test_a_cached_certificate_expires_after_a_day(identity, monkeypatch):
    verifier = OfflineVerifier(pem(identity.certificate))
    verify(verifier, identity.sign(notification(CERT_URL)))
    fetched_at, certificate = verifier._certs[CERT_URL]
    verifier._certs[CERT_URL] = (fetched_at - 24 * 3600 - 1, certificate)
    verify(verifier, identity.sign(notification(CERT_URL)))
    assert verifier.requests == [CERT_URL, CERT_URL]


# -- subscription confirmation --------------------------------------------------------------------------------------

def test_only_a_subscription_confirmation_is_confirmed(identity):
    verifier = OfflineVerifier(pem(identity.certificate))
    message = verify(verifier, identity.sign(notification(CERT_URL)))
    with pytest.raises(SnsRejected, match="not a subscription confirmation"):
        asyncio.run(verifier.confirm_subscription(message))
    assert verifier.requests == [CERT_URL]


@pytest.mark.parametrize("url", ["http://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription",
                                 "https://evil.example.com/?Action=ConfirmSubscription"])
def test_a_signed_confirmation_is_still_not_sent_off_an_sns_host(identity, url):
    verifier = OfflineVerifier(pem(identity.certificate))
    message = verify(verifier, identity.sign(subscription_confirmation(CERT_URL, url)))
    with pytest.raises(SnsRejected, match="^SubscribeURL"):
        asyncio.run(verifier.confirm_subscription(message))
    assert verifier.requests == [CERT_URL]  # the certificate only; never the SubscribeURL


def test_an_unverified_confirmation_is_never_followed(identity):
    """confirm_subscription verifies again: a message built by hand cannot make the service GET a URL."""
    verifier = OfflineVerifier(pem(identity.certificate))
    forged = parse_message(SigningIdentity.new().sign(subscription_confirmation(CERT_URL, SUBSCRIBE_URL)))
    with pytest.raises(SnsRejected, match="altered or forged"):
        asyncio.run(verifier.confirm_subscription(forged))
    assert SUBSCRIBE_URL not in verifier.requests


def test_a_signed_confirmation_gets_its_subscribe_url(identity):
    verifier = OfflineVerifier(pem(identity.certificate))
    message = verify(verifier, identity.sign(subscription_confirmation(CERT_URL, SUBSCRIBE_URL), "1"))
    asyncio.run(verifier.confirm_subscription(message))
    assert verifier.requests == [CERT_URL, SUBSCRIBE_URL]

