"""Amazon EKS bearer tokens, minted the way `aws eks get-token` mints them, and a kubeconfig exec
credential plugin that needs no AWS CLI.

A token is `k8s-aws-v1.` followed by the base64url (unpadded) of a presigned STS GetCallerIdentity
URL whose SigV4 signature covers an `x-k8s-aws-id: <cluster name>` header. The cluster's
authenticator (aws-iam-authenticator, EKS) GETs that URL from STS sending its own cluster name in
that header: STS answers with the caller's ARN only when the signature holds, so a token opens the
one cluster it names. STS honours a presigned GetCallerIdentity for 15 minutes after it was signed
(whatever X-Amz-Expires says; the URL carries the CLI's 60 s), so `TokenSource` mints a new token
once the one it holds is 10 minutes old, and the exec plugin tells kubectl its token expires after
14 minutes, as the CLI does.

The STS client comes from a boto3 Session: profiles, AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_STS,
and the regional STS endpoint (sts.<region>.amazonaws.com) are botocore's own handling.

    python -m mcp_servers.kubernetes.eks_token --cluster-name prod --region eu-west-1   # prints an ExecCredential
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

TOKEN_PREFIX = "k8s-aws-v1."
CLUSTER_ID_HEADER = "x-k8s-aws-id"
PRESIGN_EXPIRES_S = 60  # what `aws eks get-token` signs; STS itself honours the URL for 15 minutes
TOKEN_LIFETIME_S = 15 * 60
REFRESH_AFTER_S = 10 * 60  # mint a new token well before STS stops honouring the old one
EXEC_EXPIRY = timedelta(minutes=14)  # the expirationTimestamp the CLI reports to kubectl

BETA_API = "client.authentication.k8s.io/v1beta1"
EXEC_API_VERSIONS = ("client.authentication.k8s.io/v1", BETA_API)


class TokenError(Exception):
    """A token cannot be minted (no region, no credentials); the message says what to do."""


def sts_client(session: Any, endpoint_url: str | None = None, config: Any = None) -> Any:
    """An STS client of `session` that signs an `x-k8s-aws-id` header into GetCallerIdentity, as the CLI's
    does: the header's value travels as a request parameter and is put on the request just before signing."""
    if not session.region_name:
        raise TokenError("no AWS region: pass --region or set AWS_REGION (an EKS token is signed for the "
                         "cluster's regional STS endpoint)")
    client = session.client("sts", endpoint_url=endpoint_url, config=config)

    def take_cluster_id(params: dict, context: dict, **_: Any) -> None:
        if CLUSTER_ID_HEADER in params:
            context[CLUSTER_ID_HEADER] = params.pop(CLUSTER_ID_HEADER)

    def add_cluster_id_header(request: Any, **_: Any) -> None:
        if CLUSTER_ID_HEADER in request.context:
            request.headers[CLUSTER_ID_HEADER] = request.context[CLUSTER_ID_HEADER]

    client.meta.events.register("provide-client-params.sts.GetCallerIdentity", take_cluster_id)
    client.meta.events.register("before-sign.sts.GetCallerIdentity", add_cluster_id_header)
    return client


def presigned_url(sts: Any, cluster_name: str) -> str:
    """The presigned GET of STS GetCallerIdentity with `x-k8s-aws-id: cluster_name` among its signed headers."""
    from botocore.exceptions import NoCredentialsError

    try:
        return sts.generate_presigned_url("get_caller_identity", Params={CLUSTER_ID_HEADER: cluster_name},
                                          ExpiresIn=PRESIGN_EXPIRES_S, HttpMethod="GET")
    except NoCredentialsError:
        raise TokenError("no AWS credentials to sign an EKS token: set AWS_PROFILE (or --profile), or "
                         "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where an instance or pod role "
                         "applies") from None


def encode(url: str) -> str:
    return TOKEN_PREFIX + base64.urlsafe_b64encode(url.encode()).decode().rstrip("=")


def decode(token: str) -> str:
    """The presigned URL inside a token (ValueError when it is not a `k8s-aws-v1.` token)."""
    if not token.startswith(TOKEN_PREFIX):
        raise ValueError(f"not an EKS token: it does not start with {TOKEN_PREFIX!r}")
    body = token[len(TOKEN_PREFIX):]
    return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()


def mint(sts: Any, cluster_name: str) -> str:
    """A fresh token for `cluster_name`."""
    return encode(presigned_url(sts, cluster_name))


class TokenSource:
    """The token a long-running client sends: minted on first use and again once it is `refresh_after`
    seconds old (thread-safe: tool calls run on worker threads). `install` hands it to a kubernetes client
    Configuration, whose `refresh_api_key_hook` runs before every request -- the same hook the client's
    kubeconfig loader uses for exec plugins."""

    def __init__(self, sts: Any, cluster_name: str, refresh_after: float = REFRESH_AFTER_S,
                 clock: Callable[[], float] = time.time) -> None:
        self._sts = sts
        self.cluster_name = cluster_name
        self.refresh_after = refresh_after
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self.minted_at = 0.0

    def token(self) -> str:
        with self._lock:
            now = self._clock()
            if self._token is None or now - self.minted_at >= self.refresh_after:
                self._token = mint(self._sts, self.cluster_name)
                self.minted_at = now
            return self._token

    def install(self, configuration: Any) -> None:
        def refresh(conf: Any) -> None:
            conf.api_key["BearerToken"] = "Bearer " + self.token()

        refresh(configuration)  # the client sends a bearer token only when one is already set
        configuration.refresh_api_key_hook = refresh


def exec_credential(token: str, expires: datetime, api_version: str = BETA_API) -> dict[str, Any]:
    """The ExecCredential a kubeconfig `exec:` plugin prints (client.authentication.k8s.io)."""
    return {"kind": "ExecCredential", "apiVersion": api_version, "spec": {},
            "status": {"expirationTimestamp": expires.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                       "token": token}}


def exec_api_version(raw: str) -> str:
    """The API version kubectl asked for in KUBERNETES_EXEC_INFO (v1 or v1beta1; v1beta1 when absent or unknown)."""
    try:
        asked = json.loads(raw).get("apiVersion") if raw else None
    except (ValueError, AttributeError):
        asked = None
    return asked if asked in EXEC_API_VERSIONS else BETA_API


_EPILOG = """\
A kubeconfig user that runs it (no AWS CLI needed, only this project's Python):

  users:
  - name: prod-eks
    user:
      exec:
        apiVersion: client.authentication.k8s.io/v1beta1
        command: python
        args: [-m, mcp_servers.kubernetes.eks_token, --cluster-name, prod, --region, eu-west-1]
        interactiveMode: Never

Credentials, profiles and endpoints are the AWS SDK's: AWS_PROFILE, AWS_ACCESS_KEY_ID /
AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, AWS_ENDPOINT_URL or AWS_ENDPOINT_URL_STS. The token is
good for 15 minutes; kubectl runs the plugin again when the reported expiry (14 minutes) passes.
The token proves who you are to the cluster; what you may do there is the cluster's access
entries' (or aws-auth's) business."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m mcp_servers.kubernetes.eks_token", epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Print an ExecCredential holding an Amazon EKS bearer token for CLUSTER, as "
                    "`aws eks get-token --cluster-name CLUSTER` does: a presigned STS GetCallerIdentity URL "
                    "with the cluster's name signed in.")
    parser.add_argument("--cluster-name", required=True, metavar="CLUSTER",
                        help="the EKS cluster's name (what `aws eks list-clusters` shows)")
    parser.add_argument("--region", help="the cluster's region (default: AWS_REGION / AWS_DEFAULT_REGION / the profile's)")
    parser.add_argument("--profile", help="AWS profile whose credentials sign the token (default: AWS_PROFILE)")
    args = parser.parse_args(argv)
    import boto3
    from botocore.exceptions import BotoCoreError

    from ..common.settings import environment_region, kubernetes_exec_info

    region = args.region or environment_region()
    try:
        session = boto3.session.Session(profile_name=args.profile, region_name=region)
        token = mint(sts_client(session), args.cluster_name)
    except (TokenError, BotoCoreError) as exc:  # a missing profile is a BotoCoreError too
        print(f"error: {exc}", file=sys.stderr)
        return 1
    credential = exec_credential(token, datetime.now(UTC) + EXEC_EXPIRY, exec_api_version(kubernetes_exec_info()))
    print(json.dumps(credential))
    return 0


if __name__ == "__main__":
    sys.exit(main())
