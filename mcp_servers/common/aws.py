"""boto3 clients for the AWS-backed MCP servers (CloudWatch, SSM).

Every client gets explicit connect/read timeouts and botocore's `standard` retry mode: without
them a black-holed endpoint holds a tool call for a minute per attempt, and a throttled one fails
on the first 429 instead of backing off. Region and endpoint come from the standard environment
(AWS_REGION / AWS_DEFAULT_REGION, AWS_ENDPOINT_URL, profiles) unless the --region / --endpoint-url settings
override them, so a server runs unchanged against AWS, LocalStack or moto."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ProfileNotFound

from .settings import ServerSettings, environment_region


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


def clients_from_settings(settings: ServerSettings) -> AwsClients:
    """Clients for the server's settings; exits with a clear message when no region is known."""
    try:
        session = boto3.session.Session(profile_name=settings.profile, region_name=settings.region or environment_region())
    except ProfileNotFound as exc:
        raise SystemExit(f"error: {exc}: pass --profile with a profile of ~/.aws/config, or unset AWS_PROFILE") from None
    if not session.region_name:
        raise SystemExit("error: no AWS region configured; pass --region or set AWS_REGION (e.g. us-east-1)")
    config = Config(connect_timeout=settings.aws_connect_timeout, read_timeout=settings.aws_read_timeout,
                    retries={"mode": "standard", "max_attempts": max(1, settings.aws_max_attempts)},
                    user_agent_extra="sre-agent-mcp")
    return AwsClients(session=session, endpoint_url=settings.endpoint_url, config=config)


def paginate(client: Any, operation: str, limit: int, items_key: str, **kwargs: Any) -> tuple[list[dict], bool]:
    """Up to `limit` items of a paginated AWS call through boto3's paginator, and whether more
    remain. The paginator stops at `limit` items (MaxItems), so a large account is never read whole."""
    paginator = client.get_paginator(operation)
    pages = paginator.paginate(**kwargs, PaginationConfig={"MaxItems": limit})
    items: list[dict] = []
    more = False
    for page in pages:
        items.extend(page.get(items_key) or [])
    if len(items) > limit:
        items = items[:limit]
        more = True
    elif pages.resume_token:
        more = True
    return items, more


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
