"""The SNS verifier against a real HTTPS stand-in for SNS on 127.0.0.1: a throwaway CA, a server
certificate for localhost, the signing certificate served at SigningCertURL and a SubscribeURL that
records its GETs. Proves the certificate really travels over verified TLS, is cached, and that
confirmation visits the SubscribeURL exactly once."""

from __future__ import annotations

import asyncio
import re
import ssl

import pytest
from sns_fakes import OTHER_TOPIC, TOPIC, notification, subscription_confirmation

from sre_agent.service.sources.sns import SnsRejected, SnsVerifier


def refused(verifier: SnsVerifier, body) -> str:
    with pytest.raises(SnsRejected) as caught:
        asyncio.run(verifier.verify(body))
    return str(caught.value)


@pytest.mark.parametrize("version", ["1", "2"])
def test_a_signed_notification_is_accepted(verifier, stand_in, identity, version):
    message = asyncio.run(verifier.verify(identity.sign(notification(stand_in.url("/cert.pem")), version)))
    assert message.TopicArn == TOPIC and message.SignatureVersion == version and "frontend-5xx" in message.Message
    assert stand_in.paths == ["/cert.pem"]


def test_the_certificate_is_fetched_once_for_two_messages(verifier, stand_in, identity):
    async def two():
        first = await verifier.verify(identity.sign(notification(stand_in.url("/cert.pem"), message_id="a"), "2"))
        second = await verifier.verify(identity.sign(notification(stand_in.url("/cert.pem"), message_id="b"), "1"))
        return first, second
    first, second = asyncio.run(two())
    assert (first.MessageId, second.MessageId) == ("a", "b")
    assert stand_in.paths == ["/cert.pem"] and verifier.cert_fetches == 1


def test_a_forged_message_is_refused(verifier, stand_in, identity):
    body = identity.sign(notification(stand_in.url("/cert.pem"))) | {"Message": '{"AlarmName": "rm -rf"}'}
    assert "altered or forged" in refused(verifier, body)
    assert stand_in.paths == ["/cert.pem"]  # fetched, compared, refused


def test_an_unsigned_message_is_refused(verifier, stand_in):
    assert "unsigned" in refused(verifier, notification(stand_in.url("/cert.pem")))
    assert stand_in.paths == []


def test_a_foreign_topic_is_refused(verifier, stand_in, identity):
    reason = refused(verifier, identity.sign(notification(stand_in.url("/cert.pem"), topic=OTHER_TOPIC)))
    assert OTHER_TOPIC in reason and "service.sns_topic_arns" in reason
    assert stand_in.paths == []


def test_a_wrong_signature_version_is_refused(verifier, stand_in, identity):
    body = identity.sign(notification(stand_in.url("/cert.pem"))) | {"SignatureVersion": "3"}
    assert "SignatureVersion '3' is unknown" in refused(verifier, body)
    assert stand_in.paths == []


def test_an_http_cert_url_is_refused(verifier, stand_in, identity):
    url = stand_in.url("/cert.pem").replace("https://", "http://")
    assert "is not https://" in refused(verifier, identity.sign(notification(url)))
    assert stand_in.paths == []


def test_a_cert_url_off_the_sns_host_is_refused(verifier, stand_in, identity):
    """The same server by IP: reachable and trusted by TLS, but not a host the pattern allows."""
    url = stand_in.url("/cert.pem", host="127.0.0.1")
    assert "is not on an Amazon SNS host" in refused(verifier, identity.sign(notification(url)))
    assert stand_in.paths == []


def test_tls_is_verified_a_server_the_context_does_not_trust_is_refused(stand_in, identity):
    untrusting = SnsVerifier([TOPIC], cert_host=re.compile(r"^localhost$"), ssl_context=ssl.create_default_context(),
                             ports=(stand_in.port,))
    reason = refused(untrusting, identity.sign(notification(stand_in.url("/cert.pem"))))
    assert "could not fetch the SNS signing certificate" in reason and "ConnectError" in reason
    assert untrusting.cert_fetches == 0


def test_a_missing_certificate_is_refused(verifier, stand_in, identity):
    assert "answered HTTP 404" in refused(verifier, identity.sign(notification(stand_in.url("/gone.pem"))))
    assert stand_in.paths == ["/gone.pem"]


def test_a_subscription_confirmation_gets_the_subscribe_url_once(verifier, stand_in, identity):
    subscribe = stand_in.url("/confirm?Action=ConfirmSubscription&Token=2336412f37fb687f5d51e6e2425")
    body = identity.sign(subscription_confirmation(stand_in.url("/cert.pem"), subscribe), "2")

    async def confirm():
        message = await verifier.verify(body)
        await verifier.confirm_subscription(message)
    asyncio.run(confirm())
    assert stand_in.paths == ["/cert.pem", "/confirm?Action=ConfirmSubscription&Token=2336412f37fb687f5d51e6e2425"]


def test_a_failed_confirmation_says_why(verifier, stand_in, identity):
    body = identity.sign(subscription_confirmation(stand_in.url("/cert.pem"), stand_in.url("/expired-token")))

    async def confirm():
        await verifier.confirm_subscription(await verifier.verify(body))
    with pytest.raises(SnsRejected, match="answered HTTP 404; the token may have expired"):
        asyncio.run(confirm())
    assert stand_in.paths.count("/expired-token") == 1
