"""How to reach the three MCP servers (stdio child processes or streamable HTTP), and what a child
server may inherit. Kept apart from the toolbox so that options and settings -- read by every
command, even for `--help` -- do not import the MCP client."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, Field


class ServerConnection(BaseModel):
    """How to reach one MCP server."""

    transport: str = "stdio"  # stdio | streamable_http
    module: str | None = None  # stdio: python -m <module>
    args: list[str] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict)
    url: str | None = None  # streamable_http
    token: str | None = None

    def adapter_config(self) -> dict[str, Any]:
        if self.transport == "stdio":
            return {"transport": "stdio", "command": sys.executable, "args": ["-m", self.module, *self.args],
                    "env": {**server_environment(os.environ, self.module), **self.env}}
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return {"transport": "streamable_http", "url": self.url, "headers": headers,
                "httpx_client_factory": mcp_http_client}


@functools.cache
def _ssl_context() -> Any:
    import httpx

    return httpx.create_ssl_context()  # what httpx builds for verify=True (certifi; SSL_CERT_FILE/DIR honoured)


def mcp_http_client(headers: dict[str, str] | None = None, timeout: Any = None, auth: Any = None) -> Any:
    """The MCP client's httpx.AsyncClient (mcp.shared._httpx_utils.create_mcp_http_client: same timeouts,
    no redirects) with one TLS context for the process. httpx builds a fresh one per client -- it loads
    the CA bundle, 30-70 ms of CPU on the event loop -- and every run opens a client per server: in
    `serve` that stalled intake and the other runs ~0.2 s per run (bench/bench_service.py)."""
    import httpx
    from mcp.shared._httpx_utils import MCP_DEFAULT_SSE_READ_TIMEOUT, MCP_DEFAULT_TIMEOUT

    return httpx.AsyncClient(headers=headers, auth=auth, verify=_ssl_context(),
                             timeout=timeout or httpx.Timeout(MCP_DEFAULT_TIMEOUT, read=MCP_DEFAULT_SSE_READ_TIMEOUT))


# What a child server may inherit from the responder's environment: an allow-list, so that LLM keys,
# sre-agent's own settings and anything else a shell holds are none of a server's business.
# SRE_MCP_* is never passed (SRE_MCP_ALLOW_WRITES=true in a shell must not turn on writes that policy
# left off: the responder passes the flags it chose).
PROCESS_VARIABLES = ("PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "TZ", "TMPDIR", "TEMP", "TMP", "SYSTEMROOT",
                     "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "VIRTUAL_ENV")
PROCESS_PREFIXES = ("LC_", "PYTHON", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy")
# AWS_* for the AWS servers -- and for Kubernetes, whose kubeconfig exec plugins (aws eks get-token)
# sign with the same credentials -- except what only the Bedrock brain uses.
AWS_PREFIX = "AWS_"
BRAIN_ONLY_AWS = ("AWS_ENDPOINT_URL_BEDROCK", "AWS_BEARER_TOKEN_BEDROCK")
SERVER_PREFIXES = {
    "mcp_servers.kubernetes": ("KUBECONFIG", "KUBERNETES_SERVICE_", AWS_PREFIX),
    "mcp_servers.cloudwatch": (AWS_PREFIX,),
    "mcp_servers.ssm": (AWS_PREFIX,),
}
EVERY_SERVER_PREFIXES = tuple(dict.fromkeys(p for prefixes in SERVER_PREFIXES.values() for p in prefixes))


def server_environment(environ: Mapping[str, str], module: str | None = None) -> dict[str, str]:
    """What the stdio server `module` inherits (None: what any of the three may): the process basics
    (PATH, HOME, locale, CA bundles, proxies, Python's own) and the variables of its backend."""
    prefixes = (*PROCESS_PREFIXES, *SERVER_PREFIXES.get(module or "", EVERY_SERVER_PREFIXES))
    return {name: value for name, value in environ.items()
            if (name in PROCESS_VARIABLES or name.startswith(prefixes)) and not name.startswith(BRAIN_ONLY_AWS)}


def stdio_servers(env: dict[str, str], *, allow_writes: bool, namespaces: list[str], ssm_targets: list[str] | None = None,
                  audit_log: str | None = None, runbooks_dir: str | None = None,
                  extra_args: dict[str, list[str]] | None = None, node_writes: bool = False,
                  prometheus: list[str] | None = None) -> dict[str, ServerConnection]:
    """The three servers as child processes, with writes gated by the servers' own flags: Kubernetes
    writes limited to `namespaces` (and node writes when `node_writes`), SSM writes to `ssm_targets`
    (instance ids; none = no SSM writes)."""

    def writes(allowed: list[str]) -> list[str]:
        if not allow_writes or not allowed:
            return []
        return ["--allow-writes", "--namespaces", ",".join(allowed), *(["--audit-log", audit_log] if audit_log else [])]

    extra = extra_args or {}
    ssm_args = ["--runbooks-dir", runbooks_dir] if runbooks_dir else []
    # Prometheus, when it is a metrics source: its own server (read-only), beside the three.
    more = {"prometheus": ServerConnection(module="mcp_servers.prometheus", args=prometheus, env=env)} if prometheus else {}
    return {
        "kubernetes": ServerConnection(module="mcp_servers.kubernetes", env=env, args=[
            *extra.get("kubernetes", []), *writes(namespaces),
            *(["--allow-node-writes"] if node_writes and writes(namespaces) else [])]),
        "cloudwatch": ServerConnection(module="mcp_servers.cloudwatch", args=extra.get("cloudwatch", []), env=env),
        "ssm": ServerConnection(module="mcp_servers.ssm",
                                args=[*extra.get("ssm", []), *ssm_args, *writes(ssm_targets or [])], env=env),
        **more,
    }
