"""boto3 clients for the AWS-backed MCP servers (CloudWatch, SSM).

Every client gets explicit connect/read timeouts and botocore's `standard` retry mode: without
them a black-holed endpoint holds a tool call for a minute per attempt, and a throttled one fails
on the first 429 instead of backing off. Region and endpoint come from the standard environment
(AWS_REGION / AWS_DEFAULT_REGION, AWS_ENDPOINT_URL, profiles) unless --region / --endpoint-url
override them, so a server runs unchanged against AWS, LocalStack or moto."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config


def add_aws_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--region", default=None, help="AWS region (default: AWS_REGION / AWS_DEFAULT_REGION / profile)")
    parser.add_argument("--endpoint-url", default=None,
                        help="AWS endpoint override, e.g. a moto or LocalStack URL (default: AWS_ENDPOINT_URL if set)")
    parser.add_argument("--profile", default=None, help="AWS profile name (default: AWS_PROFILE)")
    parser.add_argument("--connect-timeout", type=float, default=float(os.environ.get("SRE_MCP_AWS_CONNECT_TIMEOUT", "3")),
                        help="seconds to wait for a TCP connection to AWS (default 3)")
    parser.add_argument("--read-timeout", type=float, default=float(os.environ.get("SRE_MCP_AWS_READ_TIMEOUT", "15")),
                        help="seconds to wait for an AWS response (default 15)")
    parser.add_argument("--max-attempts", type=int, default=3,
                        help="attempts per AWS call, with standard retry backoff (default 3)")
    parser.add_argument("--call-timeout", type=float, default=float(os.environ.get("SRE_MCP_CALL_TIMEOUT", "30")),
                        help="hard deadline in seconds for one tool's backend call, retries included (default 30)")


@dataclass
class AwsClients:
    """Creates (and caches) one client per service with the server's timeouts and retries."""

    session: Any
    endpoint_url: str | None
    config: Config

    def __post_init__(self) -> None:
        self._clients: dict[str, Any] = {}

    @property
    def region(self) -> str:
        return self.session.region_name

    def client(self, service: str) -> Any:
        found = self._clients.get(service)
        if found is None:
            # endpoint_url=None lets boto3 apply AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> itself.
            found = self._clients[service] = self.session.client(service, endpoint_url=self.endpoint_url,
                                                                  config=self.config)
        return found


def clients_from_args(args: argparse.Namespace) -> AwsClients:
    """Clients for the server's command line; exits with a clear message when no region is known."""
    session = boto3.session.Session(profile_name=args.profile, region_name=args.region)
    if not session.region_name:
        raise SystemExit("error: no AWS region configured; pass --region or set AWS_REGION (e.g. us-east-1)")
    config = Config(connect_timeout=args.connect_timeout, read_timeout=args.read_timeout,
                    retries={"mode": "standard", "max_attempts": max(1, args.max_attempts)},
                    user_agent_extra="sre-agent-mcp")
    return AwsClients(session=session, endpoint_url=args.endpoint_url, config=config)


def unsupported(exc: Exception) -> bool:
    """True when an AWS endpoint answered that it does not implement the call (moto and other
    emulators return a bare 500/501) -- a limit of the endpoint, not the caller's mistake."""
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return False
    error = response.get("Error", {})
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    text = f"{error.get('Code', '')} {error.get('Message', '')}".lower()
    return status in (500, 501) and ("not implemented" in text or error.get("Code") in ("500", "501", "NotImplemented"))
