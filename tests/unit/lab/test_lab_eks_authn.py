"""The lab API server's EKS token checks before it asks STS anything (kube/authn.py), as aws-iam-authenticator
makes them: a token whose URL is not a GetCallerIdentity on the trusted STS endpoint, does not sign
x-k8s-aws-id, carries other parameters or is over 15 minutes old is refused without a network call; anything
but an EKS token is the lab's admin, as before. STS itself is asked in
tests/integration/lab/test_lab_eks_auth.py."""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest

from sre_agent.lab.kube.apiserver import KubeApiServer
from sre_agent.lab.kube.authn import ADMIN, Authenticator, EksTokenVerifier, TokenRejected, _identity
from sre_agent.lab.kube.codec import loads
from sre_agent.lab.kube.errors import ApiError
from sre_agent.lab.kube.store import ObjectStore

STS = "http://127.0.0.1:9"  # nothing listens: a check that reached STS would fail differently


def token(url: str) -> str:
    return "k8s-aws-v1." + base64.urlsafe_b64encode(url.encode()).decode().rstrip("=")


def presigned(base: str = STS, **overrides: str | None) -> str:
    params: dict[str, str | None] = {
        "Action": "GetCallerIdentity", "Version": "2011-06-15", "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
        "X-Amz-Credential": "AKIDEXAMPLE/20300102/us-east-1/sts/aws4_request",
        "X-Amz-Date": datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"), "X-Amz-Expires": "60",
        "X-Amz-SignedHeaders": "host;x-k8s-aws-id", "X-Amz-Signature": "0" * 64}
    params.update(overrides)
    return f"{base}/?{urlencode({k: v for k, v in params.items() if v is not None})}"


VERIFIER = EksTokenVerifier("sre-lab", STS, "123456789012", timeout_s=0.5)


@pytest.mark.parametrize(("bad", "why"), [
    (token(presigned(base="http://sts.elsewhere:80")), "unexpected STS endpoint"),
    (token(presigned(base="https://127.0.0.1:9")), "unexpected STS endpoint"),  # same host, other scheme
    (token(presigned().replace("/?", "/other?")), "unexpected path"),
    (token(presigned(Action="AssumeRole")), "unexpected action"),
    (token(presigned(**{"X-Amz-SignedHeaders": "host"})), "did not sign the x-k8s-aws-id header"),
    (token(presigned(**{"X-Amz-Expires": "3600"})), "invalid X-Amz-Expires"),
    (token(presigned(**{"X-Amz-Date": None})), "X-Amz-Date"),
    (token(presigned(**{"X-Amz-Date": "20000101T000000Z"})), "more than 15 minutes old"),
    (token(presigned() + "&RoleArn=x"), "non-allowed query parameter"),
    (token(presigned() + "&Action=GetCallerIdentity"), "multiple values"),
    (token(presigned()) + "==", "not unpadded base64url"),
    ("k8s-aws-v1.%%%", "not base64url"),
    ("k8s-aws-v1." + "A" * 5000, "too large"),
    ("k8s-aws-v2.abc", "prefix"),
])
def test_malformed_or_foreign_tokens_are_refused_before_sts_is_asked(bad, why):
    with pytest.raises(TokenRejected, match=why):
        VERIFIER.verify(bad)


def test_a_well_formed_token_is_decided_by_sts():
    started = time.monotonic()
    with pytest.raises(TokenRejected, match="STS could not be reached"):
        VERIFIER.verify(token(presigned()))
    assert time.monotonic() - started < 5


def test_sts_answers_are_read_as_json_or_xml():
    json_body = (b'{"GetCallerIdentityResponse":{"GetCallerIdentityResult":{"Account":"123456789012",'
                 b'"Arn":"arn:aws:iam::123456789012:user/ops","UserId":"AIDA"},"ResponseMetadata":{}}}')
    xml_body = (b'<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>'
                b"<UserId>AIDA</UserId><Account>123456789012</Account><Arn>arn:aws:iam::123456789012:user/ops</Arn>"
                b"</GetCallerIdentityResult></GetCallerIdentityResponse>")
    expected = {"Account": "123456789012", "Arn": "arn:aws:iam::123456789012:user/ops", "UserId": "AIDA"}
    assert _identity(json_body) == expected
    assert _identity(xml_body) == expected
    with pytest.raises(TokenRejected, match="neither JSON nor XML"):
        _identity(b"<<<")


def test_plain_tokens_are_the_admin_and_eks_tokens_need_a_verifier():
    plain = Authenticator()
    assert plain.authenticate({}) == ADMIN
    assert plain.authenticate({"Authorization": "Bearer sre-lab-token"}) == ADMIN
    with pytest.raises(ApiError) as refused:
        plain.authenticate({"Authorization": "Bearer " + token(presigned())})
    assert refused.value.code == 401 and refused.value.status_body()["reason"] == "Unauthorized"
    with pytest.raises(ApiError):
        Authenticator(VERIFIER).authenticate({"Authorization": "Bearer " + token(presigned(Action="AssumeRole"))})


def test_the_api_server_answers_a_refused_token_with_kube_apiservers_401_on_any_path():
    server = KubeApiServer(ObjectStore(lambda: datetime.now(UTC)), authenticator=Authenticator(VERIFIER))
    try:
        bad = {"Authorization": "Bearer k8s-aws-v1.garbled"}
        for path in ("/version", "/api/v1/namespaces"):
            response = server.handle("GET", path, bad, b"")
            assert response.status == 401
            assert loads(response.body) == {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                                            "message": "Unauthorized", "reason": "Unauthorized", "code": 401}
        assert server.handle("GET", "/api/v1/namespaces", {"Authorization": "Bearer sre-lab-token"}, b"").status == 200
    finally:
        server.stop()
