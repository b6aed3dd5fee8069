"""Who is calling the lab's API server: its bearer tokens.

The lab's own kubeconfig token (and any other plain token, or none) is the one admin user, as
ever. An Amazon EKS token (`k8s-aws-v1.` + base64url of a presigned STS GetCallerIdentity URL, what
`aws eks get-token` prints) is verified as aws-iam-authenticator verifies it for EKS: the URL must be
a GET of GetCallerIdentity on the STS endpoint this server trusts, with only SigV4 query parameters,
`x-k8s-aws-id` among its signed headers and an X-Amz-Date under 15 minutes old; then the URL is
fetched from STS with `x-k8s-aws-id: <this cluster's name>` -- STS answers only when the signature
covers exactly that, so a token minted for another cluster fails there -- and the ARN STS returns
is the user. A principal of the cluster's own AWS account is an admin (system:masters, as the
cluster creator's access entry makes it); anything else, like a token that does not verify, is a
401 with kube-apiserver's body. A verified token is remembered for two minutes (the API server's
token-webhook cache), so a burst of requests costs one STS call.

This module talks to STS over plain HTTP (the lab's kube layer knows nothing of AWS but that
protocol); the lab assembly says which STS endpoint, cluster name and account to trust."""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree

from .errors import ApiError

log = logging.getLogger(__name__)

EKS_TOKEN_PREFIX = "k8s-aws-v1."
CLUSTER_ID_HEADER = "x-k8s-aws-id"
MAX_TOKEN_BYTES = 4096  # aws-iam-authenticator's limit
PRESIGNED_LIFETIME_S = 15 * 60  # STS honours a presigned GetCallerIdentity this long after X-Amz-Date
CACHE_TTL_S = 120.0  # kube-apiserver's default --authentication-token-webhook-cache-ttl
_CACHE_MAX = 256
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
# The only query parameters a token's URL may carry (aws-iam-authenticator's list).
_ALLOWED_PARAMETERS = frozenset({"action", "version", "x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-expires",
                                 "x-amz-security-token", "x-amz-signature", "x-amz-signedheaders"})

ADMIN_USERNAME = "sre-lab-admin"
ADMIN_GROUPS = ("system:masters", "system:authenticated")


@dataclass(frozen=True)
class UserInfo:
    username: str
    groups: tuple[str, ...] = ADMIN_GROUPS
    uid: str | None = None
    extra: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """As authentication.k8s.io's UserInfo spells it (SelfSubjectReview's status.userInfo)."""
        info: dict[str, Any] = {"username": self.username, "groups": list(self.groups)}
        if self.uid:
            info["uid"] = self.uid
        if self.extra:
            info["extra"] = {key: list(values) for key, values in self.extra.items()}
        return info


ADMIN = UserInfo(ADMIN_USERNAME)


def unauthorized() -> ApiError:
    """kube-apiserver's answer to a credential it does not accept: nothing about why."""
    return ApiError(401, "Unauthorized", "Unauthorized")


class TokenRejected(Exception):
    """Why an EKS token was refused (logged; the client gets a bare 401)."""


@dataclass(frozen=True)
class EksTokenVerifier:
    """Verifies EKS tokens for one cluster against one STS endpoint (aws-iam-authenticator's checks)."""

    cluster_name: str
    sts_url: str  # the STS endpoint trusted, e.g. the lab's moto server: http://127.0.0.1:<port>
    account_id: str | None = None  # principals of this account are admins; None: any verified principal
    timeout_s: float = 5.0

    def verify(self, token: str, now: float | None = None) -> tuple[UserInfo, float]:
        """The token's user and when (epoch seconds) the token stops being honoured; TokenRejected otherwise."""
        url, params = self._parse(token)
        signed = datetime.strptime(params["x-amz-date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).timestamp()
        expires_at = signed + PRESIGNED_LIFETIME_S
        if (time.time() if now is None else now) > expires_at:
            raise TokenRejected(f"X-Amz-Date {params['x-amz-date']} is more than 15 minutes old")
        identity = self._caller_identity(url)
        arn, account = identity.get("Arn"), identity.get("Account")
        if not arn or not account:
            raise TokenRejected(f"STS answered without an ARN and account: {identity}")
        if self.account_id is not None and account != self.account_id:
            raise TokenRejected(f"{arn} is not a principal of account {self.account_id} (no access entry)")
        access_key = params.get("x-amz-credential", "").split("/")[0]
        extra = {"arn": (arn,), "accessKeyId": (access_key,)}
        return UserInfo(arn, ADMIN_GROUPS, uid=f"aws-iam-authenticator:{account}:{identity.get('UserId', '')}",
                        extra=extra), expires_at

    def _parse(self, token: str) -> tuple[str, dict[str, str]]:
        if len(token) > MAX_TOKEN_BYTES:
            raise TokenRejected("token is too large")
        if not token.startswith(EKS_TOKEN_PREFIX):
            raise TokenRejected(f"token is missing the {EKS_TOKEN_PREFIX!r} prefix")
        body = token[len(EKS_TOKEN_PREFIX):]
        if "=" in body:
            raise TokenRejected("token is not unpadded base64url")
        if not _BASE64URL.fullmatch(body):
            raise TokenRejected("token is not base64url of a URL")
        try:
            url = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise TokenRejected("token is not base64url of a URL") from None
        parts, trusted = urlsplit(url), urlsplit(self.sts_url)
        if (parts.scheme, parts.netloc) != (trusted.scheme, trusted.netloc):
            raise TokenRejected(f"unexpected STS endpoint {parts.scheme}://{parts.netloc} in the presigned URL")
        if parts.path != "/":
            raise TokenRejected("unexpected path in the presigned URL")
        params: dict[str, str] = {}
        for key, values in parse_qs(parts.query, keep_blank_values=True).items():
            if key.lower() not in _ALLOWED_PARAMETERS:
                raise TokenRejected(f"non-allowed query parameter {key!r}")
            if len(values) != 1:
                raise TokenRejected("query parameter with multiple values")
            params[key.lower()] = values[0]
        if params.get("action") != "GetCallerIdentity":
            raise TokenRejected("unexpected action in the presigned URL")
        if CLUSTER_ID_HEADER not in params.get("x-amz-signedheaders", "").lower().split(";"):
            raise TokenRejected(f"the client did not sign the {CLUSTER_ID_HEADER} header")
        expires = params.get("x-amz-expires", "")
        if not expires.isdigit() or int(expires) > 900:
            raise TokenRejected(f"invalid X-Amz-Expires {expires!r}")
        try:
            datetime.strptime(params.get("x-amz-date", ""), "%Y%m%dT%H%M%SZ")
        except ValueError:
            raise TokenRejected("missing or malformed X-Amz-Date") from None
        return url, params

    def _caller_identity(self, url: str) -> dict[str, str]:
        request = urllib.request.Request(url, headers={CLUSTER_ID_HEADER: self.cluster_name, "Accept": "application/json"})
        try:
            with _NO_REDIRECTS.open(request, timeout=self.timeout_s) as response:
                body = response.read()
        except urllib.error.HTTPError as exc:
            raise TokenRejected(f"STS answered {exc.code}: {exc.read()[:300]!r}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise TokenRejected(f"STS could not be reached: {exc}") from None
        return _identity(body)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect is an answer, not somewhere to send the token


_NO_REDIRECTS = urllib.request.build_opener(_NoRedirect)


def _identity(body: bytes) -> dict[str, str]:
    """GetCallerIdentityResult from STS's JSON (asked for) or XML (what an emulator may answer)."""
    try:
        doc = json.loads(body)
        result = doc["GetCallerIdentityResponse"]["GetCallerIdentityResult"]
        return {k: str(v) for k, v in result.items() if v is not None}
    except (ValueError, KeyError, TypeError, AttributeError):
        pass
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        raise TokenRejected(f"STS answered neither JSON nor XML: {body[:200]!r}") from None
    found: dict[str, str] = {}
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag in ("Arn", "Account", "UserId") and element.text:
            found[tag] = element.text.strip()
    return found


class Authenticator:
    """The API server's authentication: `authenticate(headers)` -> the caller, or ApiError 401."""

    def __init__(self, eks: EksTokenVerifier | None = None) -> None:
        self.eks = eks
        self._cache: dict[str, tuple[UserInfo, float]] = {}  # token -> (user, monotonic deadline)
        self._lock = threading.Lock()

    def authenticate(self, headers: Mapping[str, str]) -> UserInfo:
        scheme, _, token = (headers.get("Authorization") or "").strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token.startswith(EKS_TOKEN_PREFIX):
            return ADMIN  # the lab's kubeconfig token, or none: the one admin, as the lab has always had
        if self.eks is None:
            log.info("lab API server: an EKS token, but this server verifies none: 401")
            raise unauthorized()
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(token)
        if cached is not None and now < cached[1]:
            return cached[0]
        try:
            user, expires_at = self.eks.verify(token)
        except TokenRejected as why:
            log.info("lab API server: EKS token refused for cluster %s: %s", self.eks.cluster_name, why)
            raise unauthorized() from None
        with self._lock:
            if len(self._cache) >= _CACHE_MAX:
                self._cache.clear()
            self._cache[token] = (user, now + min(CACHE_TTL_S, max(0.0, expires_at - time.time())))
        return user
