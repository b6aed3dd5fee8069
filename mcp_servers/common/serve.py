"""Running a FastMCP server: stdio by default, streamable HTTP with bearer-token auth on request.

Over HTTP a token is required (--token or the server's TOKEN env var). Without one the server
refuses to start, unless it is bound to loopback and started with --insecure-localhost -- the one
case where only local processes can reach it."""

from __future__ import annotations

import argparse
import hmac
import ipaddress
import logging
import os
import sys
from pathlib import Path

from mcp.server.fastmcp import FastMCP

from .safety import AuditLog, WritePolicy

log = logging.getLogger(__name__)


def base_parser(prog: str, description: str, *, writes: bool) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=description,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--http", action="store_true", help="serve streamable HTTP instead of stdio")
    parser.add_argument("--host", default="127.0.0.1", help="HTTP bind address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="HTTP port (default 8000; 0 = any free port)")
    parser.add_argument("--token", default=None, help="bearer token clients must send over HTTP (or env SRE_MCP_TOKEN)")
    parser.add_argument("--insecure-localhost", action="store_true",
                        help="allow HTTP without a token, only when bound to a loopback address")
    parser.add_argument("--log-level", default=os.environ.get("SRE_MCP_LOG_LEVEL", "WARNING"))
    if writes:
        parser.add_argument("--allow-writes", action="store_true", help="enable write tools (off by default)")
        parser.add_argument("--namespaces", default="",
                            help="comma-separated namespaces writes may touch ('*' = all); required with --allow-writes")
        parser.add_argument("--audit-log", type=Path, default=os.environ.get("SRE_MCP_AUDIT_LOG"),
                            help="append-only JSON-lines audit file for every write attempt")
    return parser


def policy_from_args(args: argparse.Namespace, server: str) -> tuple[WritePolicy, AuditLog]:
    namespaces = frozenset(n.strip() for n in (getattr(args, "namespaces", "") or "").split(",") if n.strip())
    policy = WritePolicy(allow_writes=bool(getattr(args, "allow_writes", False)), namespaces=namespaces)
    return policy, AuditLog(getattr(args, "audit_log", None), server)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class HttpAuthError(SystemExit):
    pass


def check_http_auth(args: argparse.Namespace) -> str | None:
    """The token to require, or None for insecure loopback; exits with a clear message otherwise."""
    token = args.token or os.environ.get("SRE_MCP_TOKEN")
    if token:
        return token
    if args.insecure_localhost and _is_loopback(args.host):
        return None
    if args.insecure_localhost:
        raise HttpAuthError(f"refusing to serve HTTP without a token on non-loopback address {args.host}: "
                            "--insecure-localhost only applies to 127.0.0.1/::1/localhost")
    raise HttpAuthError("refusing to serve HTTP without authentication: pass --token (or set SRE_MCP_TOKEN), "
                        "or bind to 127.0.0.1 with --insecure-localhost for local testing")


def bearer_middleware(app, token: str):
    """ASGI middleware: 401 unless `Authorization: Bearer <token>` matches (constant-time compare)."""
    expected = f"Bearer {token}".encode()

    async def middleware(scope, receive, send):
        if scope["type"] == "http":
            headers = dict(scope.get("headers") or [])
            if not hmac.compare_digest(headers.get(b"authorization", b""), expected):
                body = b'{"error":"unauthorized: send Authorization: Bearer <token>"}'
                await send({"type": "http.response.start", "status": 401,
                            "headers": [(b"content-type", b"application/json"), (b"www-authenticate", b"Bearer")]})
                await send({"type": "http.response.body", "body": body})
                return
        await app(scope, receive, send)

    return middleware


def preflight(args: argparse.Namespace) -> str | None:
    """Checks that must pass before a server touches its backend: logging, and HTTP auth."""
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not args.http:
        return None
    try:
        return check_http_auth(args)
    except HttpAuthError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def run(mcp: FastMCP, args: argparse.Namespace) -> None:
    """Serve until stopped. Servers call preflight() before connecting to their backend too, so a
    misconfigured HTTP server fails before it touches anything; calling it again here is harmless."""
    token = preflight(args)
    if not args.http:
        mcp.run("stdio")
        return
    import uvicorn

    app = mcp.streamable_http_app()
    if token:
        app = bearer_middleware(app, token)
    config = uvicorn.Config(app, host=args.host, port=args.port, log_level=args.log_level.lower(), lifespan="on")
    server = uvicorn.Server(config)
    # Print the bound address once listening (port 0 picks a free one): scripts and tests read it.
    original_startup = server.startup

    async def startup(sockets=None):
        await original_startup(sockets)
        for srv in server.servers:
            for sock in srv.sockets:
                host, port = sock.getsockname()[:2]
                print(f"listening on http://{host}:{port}{mcp.settings.streamable_http_path}", file=sys.stderr, flush=True)

    server.startup = startup
    server.run()

