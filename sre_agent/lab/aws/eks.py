"""The lab's cluster as Amazon EKS knows it, and the STS answer that EKS tokens rest on.

`register_cluster` creates the lab's cluster in its account's EKS (moto's, through the public API)
and points its endpoint at the lab's API server, so `aws eks describe-cluster` -- and anything that
reaches a cluster by name (the Kubernetes MCP server's --eks-cluster, `aws eks update-kubeconfig`)
-- finds the lab, with the lab API's CA as its certificateAuthority when it serves HTTPS (no CA over
plain HTTP; moto's own is random text, not a certificate).

`serve_presigned_caller_identity` teaches moto's server a presigned STS GetCallerIdentity -- the URL
inside an EKS token, which the lab's API server GETs to learn who sent the token (kube/authn.py).
moto routes a request by its Authorization header and does not check signatures; real STS reads the
credential scope from the query (X-Amz-Credential), honours a presigned GetCallerIdentity for 15
minutes after X-Amz-Date, and answers 403 SignatureDoesNotMatch unless the SigV4 signature covers
exactly the request it gets -- which is what binds a token to its cluster: the API server sends its
own cluster's name in `x-k8s-aws-id`, and a token signed for another name fails. So the lab's moto
does the same: requests are routed to STS by their credential scope, the caller is the access key in
X-Amz-Credential, and the signature is recomputed with botocore's SigV4 signer from the key's secret
(moto's IAM keys, or credentials the lab trusts, such as moto's default "testing" pair). Requests
signed in the Authorization header are untouched."""

from __future__ import annotations

import base64
import hmac
import threading
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from werkzeug.exceptions import HTTPException

from .moto_backend import REGION, LabAccount

PRESIGNED_LIFETIME_S = 15 * 60
_STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"
_trusted: dict[str, str] = {}  # access key id -> secret, beyond moto's IAM keys
_lock = threading.Lock()


def register_cluster(endpoint_url: str, account: LabAccount, name: str, api_url: str, *, ca_pem: bytes | None = None,
                     region: str = REGION) -> None:
    """The lab's cluster in its account's EKS, reached at `api_url` whose certificate `ca_pem` signed (created once;
    the endpoint follows the API)."""
    from moto.eks.models import eks_backends

    from .server import client

    clusters = eks_backends[account.account_id][region].clusters
    if name not in clusters:
        client("eks", endpoint_url, account).create_cluster(
            name=name, roleArn=f"arn:aws:iam::{account.account_id}:role/{name}-cluster",
            resourcesVpcConfig={"subnetIds": [], "endpointPublicAccess": True})
    cluster = clusters[name]
    cluster.endpoint = api_url
    # base64 of the PEM, as EKS reports it; plain HTTP has no CA to trust
    cluster.certificate_authority = {"data": base64.b64encode(ca_pem).decode()} if ca_pem else {}


def trust_credentials(account: LabAccount) -> None:
    """Let presigned STS requests signed with this account's key verify (its secret, for the signature check)."""
    with _lock:
        _trusted[account.access_key_id] = account.secret_access_key


def serve_presigned_caller_identity() -> None:
    """Teach moto's server presigned GetCallerIdentity (idempotent; moto's own code is untouched)."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication
    from moto.sts.responses import TokenResponse

    with _lock:
        if getattr(TokenResponse.get_caller_identity, "_sre_lab", False):
            return
        infer, access_key, caller_identity = (DomainDispatcherApplication.infer_service_region_host,
                                              TokenResponse.get_access_key, TokenResponse.get_caller_identity)

        def infer_service_region_host(self: Any, wsgi: dict[str, Any], path: str) -> str | None:
            if not wsgi.get("HTTP_AUTHORIZATION"):  # the WSGI request, not the process environment
                scope = _scope(parse_qs(wsgi.get("QUERY_STRING", "")).get("X-Amz-Credential", [""])[0])
                if scope and scope[3] == "sts":
                    return f"sts.{scope[2]}.amazonaws.com"
            return infer(self, wsgi, path)

        def get_access_key(self: Any) -> str:
            credential = self.querystring.get("X-Amz-Credential")
            if "Authorization" not in self.headers and credential:
                return credential[0].split("/")[0]
            return access_key(self)

        def get_caller_identity(self: Any) -> Any:
            if "Authorization" not in self.headers and "X-Amz-Signature" in self.querystring:
                _check_presigned(self)
            return caller_identity(self)

        get_caller_identity._sre_lab = True  # type: ignore[attr-defined]
        DomainDispatcherApplication.infer_service_region_host = infer_service_region_host
        TokenResponse.get_access_key = get_access_key
        TokenResponse.get_caller_identity = get_caller_identity


def _scope(credential: str) -> list[str] | None:
    """X-Amz-Credential's parts: access key, date, region, service, 'aws4_request'."""
    parts = credential.split("/")
    return parts if len(parts) == 5 and parts[4] == "aws4_request" else None


def _secret(access_key_id: str) -> str | None:
    from moto.iam.models import iam_backends

    with _lock:
        if access_key_id in _trusted:
            return _trusted[access_key_id]
    for account in list(iam_backends.values()):
        for backend in list(account.values()):
            key = backend.access_keys.get(access_key_id)
            if key is not None:
                return key.secret_access_key
    return None


def _check_presigned(response: Any) -> None:
    """What STS checks of a presigned request before it answers; raises the error STS would send."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    params = {key: values[0] for key, values in response.querystring.items()}
    scope = _scope(params.get("X-Amz-Credential", ""))
    if scope is None or params.get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256" or "X-Amz-Date" not in params:
        raise StsError("IncompleteSignature", "The request signature does not conform to AWS standards.")
    secret = _secret(scope[0])
    if secret is None:
        raise StsError("InvalidClientTokenId", "The security token included in the request is invalid.")
    try:
        signed_at = datetime.strptime(params["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).timestamp()
    except ValueError:
        raise StsError("IncompleteSignature", "X-Amz-Date is not an ISO 8601 basic timestamp.") from None
    now = time.time()
    if now > signed_at + PRESIGNED_LIFETIME_S:
        raise StsError("SignatureDoesNotMatch", f"Signature expired: {params['X-Amz-Date']} is now earlier than "
                       f"{datetime.fromtimestamp(now - PRESIGNED_LIFETIME_S, UTC):%Y%m%dT%H%M%SZ}")
    if signed_at > now + PRESIGNED_LIFETIME_S:
        raise StsError("SignatureDoesNotMatch", f"Signature not yet current: {params['X-Amz-Date']}")
    headers = {}
    for name in params.get("X-Amz-SignedHeaders", "").split(";"):
        value = response.headers.get(name)
        if not name or value is None:
            raise StsError("SignatureDoesNotMatch", f"The request lacks the signed header {name!r}.")
        headers[name] = value
    request = AWSRequest(method=response.method, url=f"http://{headers.get('host', '')}{response.path}",
                         params={k: v for k, v in params.items() if k != "X-Amz-Signature"}, headers=headers)
    request.context["timestamp"] = params["X-Amz-Date"]
    signer = SigV4Auth(Credentials(scope[0], secret), scope[3], scope[2])
    expected = signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)
    if not hmac.compare_digest(expected, params.get("X-Amz-Signature", "")):
        raise StsError("SignatureDoesNotMatch", "The request signature we calculated does not match the signature "
                       "you provided. Check your AWS Secret Access Key and signing method.")


class StsError(HTTPException):
    """STS's 403 for a presigned request it refuses, as moto's server sends a raised HTTPException."""

    code = 403

    def __init__(self, error_code: str, message: str) -> None:
        body = (f'<ErrorResponse xmlns="{_STS_NS}"><Error><Type>Sender</Type><Code>{error_code}</Code>'
                f"<Message>{escape(message)}</Message></Error><RequestId>sre-lab</RequestId></ErrorResponse>")
        super().__init__(description=body)
        self.error_code = error_code

    def get_headers(self, *args: Any, **kwargs: Any) -> list[tuple[str, str]]:
        return [("Content-Type", "text/xml")]
