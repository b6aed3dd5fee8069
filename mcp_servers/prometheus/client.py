"""Prometheus' HTTP API (v1), read-only and bounded, over plain HTTP or Amazon Managed Service for Prometheus.

Every request carries Prometheus' own `timeout` (the server's evaluation deadline: a careless query stops
there instead of loading the server) and is made with the same deadline on our side. Amazon Managed Service
for Prometheus is the same API under a workspace URL, signed with SigV4 for the service `aps` by botocore's
signer and the standard credential chain -- no other client library."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx

AMP_SERVICE = "aps"


class PrometheusError(RuntimeError):
    """Prometheus answered with an error (a bad query, a timeout) or could not be reached; the message says which."""


@dataclass
class PrometheusClient:
    base_url: str  # http://prometheus:9090, or an AMP workspace: https://aps-workspaces.<region>.amazonaws.com/workspaces/<id>
    timeout_s: float = 15.0
    sigv4_region: str | None = None  # set: sign each request for Amazon Managed Service for Prometheus
    bearer_token: str | None = None
    aws_profile: str | None = None

    def get(self, path: str, params: list[tuple[str, str]]) -> Any:
        """The `data` of a GET /api/v1/<path> answer; PrometheusError on any failure."""
        url = f"{self.base_url.rstrip('/')}/api/v1/{path}"
        query = [*params, ("timeout", f"{max(1, int(self.timeout_s))}s")] if path in ("query", "query_range") else params
        full = f"{url}?{urlencode(query)}" if query else url
        try:
            response = httpx.get(full, headers=self._headers(full), timeout=self.timeout_s + 2)
        except httpx.HTTPError as exc:
            raise PrometheusError(f"Prometheus at {self.base_url} could not be reached ({type(exc).__name__}: {exc})") \
                from None
        try:
            body = response.json()
        except ValueError:
            raise PrometheusError(f"Prometheus answered {response.status_code} without JSON: {response.text[:200]}") \
                from None
        if body.get("status") != "success":
            kind = body.get("errorType") or f"HTTP {response.status_code}"
            raise PrometheusError(f"Prometheus refused it ({kind}): {body.get('error') or response.text[:200]}")
        return body.get("data")

    def _headers(self, url: str) -> dict[str, str]:
        if self.bearer_token:
            return {"Authorization": f"Bearer {self.bearer_token}"}
        if self.sigv4_region:
            return sigv4_headers(url, self.sigv4_region, self.aws_profile)
        return {}


def sigv4_headers(url: str, region: str, profile: str | None = None) -> dict[str, str]:
    """The SigV4 headers of a GET to Amazon Managed Service for Prometheus (service `aps`)."""
    import boto3
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    credentials = boto3.Session(profile_name=profile).get_credentials()
    if credentials is None:
        raise PrometheusError("Amazon Managed Service for Prometheus needs AWS credentials: set AWS_PROFILE, or "
                              "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run with a role allowed aps:QueryMetrics")
    request = AWSRequest(method="GET", url=url)
    SigV4Auth(credentials.get_frozen_credentials(), AMP_SERVICE, region).add_auth(request)
    return dict(request.headers.items())
