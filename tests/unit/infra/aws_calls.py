"""The AWS API operations the deployed code calls, found in its source: every botocore operation of the
services it uses whose method is called (`.op(`), passed as a callable (`.op,`) or paginated
(`get_paginator("op")`, `paginate(client, "op", ...)`). The IAM tests hold the templates' grants to this
set; a new boto3 call without a grant fails them."""

from __future__ import annotations

import functools
import re

import boto3

from .manifests import ROOT

# What runs in the deployed responder. `sre-agent runbooks publish` (ssm/publish.py, ssm/admin.py) is
# an operator's one-off with the operator's credentials, not the service's.
SOURCES = {
    "mcp servers": [*sorted((ROOT / "mcp_servers" / "cloudwatch").rglob("*.py")),
                    *sorted(p for p in (ROOT / "mcp_servers" / "ssm").rglob("*.py") if p.name not in ("publish.py", "admin.py")),
                    *sorted((ROOT / "mcp_servers" / "common").rglob("*.py"))],
    "service": [ROOT / "sre_agent" / "service" / "sqs.py", ROOT / "sre_agent" / "app" / "notify" / "channels.py",
                ROOT / "sre_agent" / "tracing" / "emitters.py"],
}
SERVICES = ("cloudwatch", "logs", "xray", "ssm", "sqs", "sns")
# Matches that are not AWS calls, and why.
NOT_AWS_CALLS = {
    "logs:ListLogGroups": "reads.list_log_groups is the CloudWatch server's own function (it pages DescribeLogGroups)",
}


@functools.cache
def operations(service: str) -> dict[str, str]:
    """snake_case method -> API operation name, from botocore's model (no network)."""
    return boto3.session.Session().client(service, region_name="us-east-1").meta.method_to_api_mapping


CALLED = [re.compile(r"\.(\w+)(?=[(,])"), re.compile(r'get_paginator\("(\w+)"\)'), re.compile(r'paginate\(\w+, "(\w+)"')]


def called_actions(part: str) -> set[str]:
    """IAM actions (`service:Operation`) the `part` of the deployment calls."""
    text = "\n".join(path.read_text() for path in SOURCES[part])
    names = {name for pattern in CALLED for name in pattern.findall(text)}
    found = {f"{service}:{operation}" for service in SERVICES for method, operation in operations(service).items()
             if method in names}
    return found - set(NOT_AWS_CALLS)
