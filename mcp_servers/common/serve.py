"""Running a FastMCP server: stdio by default, streamable HTTP with bearer-token auth on request.

Over HTTP a token is required (--token or SRE_MCP_TOKEN). Without one the server
refuses to start, unless it is bound to loopback and started with --insecure-localhost -- the one
case where only local processes can reach it."""

from __future__ import annotations

import argparse
import hmac
import ipaddress
import logging
import sys
from collections.abc import Callable

from mcp.server.fastmcp import FastMCP

from .redaction import set_allow_sensitive_data
from .results import set_max_chars
from .safety import AuditLog, WritePolicy
from .settings import USED_BY, ServerSettings, cli_flags, settings_from_args

log = logging.getLogger(__name__)


def server_parser(server: str, description: str) -> argparse.ArgumentParser:
    """The server's command line: one flag per setting it uses, each defaulting to its SRE_MCP_*
    environment variable (see settings.py); a server adds its own flags before parsing."""
    parser = argparse.ArgumentParser(prog=f"sre-mcp-{server}", description=description,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    cli_flags(parser, USED_BY[server], ServerSettings())
    return parser


def policy_from_settings(settings: ServerSettings, server: str) -> tuple[WritePolicy, AuditLog]:
    """The write policy and audit log from the server's own settings (never from a tool argument).
    Exits with a clear message when writes are allowed without an allow-list."""
    namespaces = frozenset(n.strip() for n in settings.namespaces.split(",") if n.strip())
    if settings.allow_writes and not namespaces:
        what = ("the instance ids writes may target (comma-separated), or '*' for any" if server == "ssm"
                else "the namespaces writes may touch (comma-separated), or '*' for all")
        raise SystemExit(f"error: --allow-writes needs --namespaces: {what}")
    policy = WritePolicy(allow_writes=settings.allow_writes, namespaces=namespaces,
                         cluster_scoped=server == "kubernetes" and settings.allow_node_writes)
    if settings.allow_writes and settings.audit_log is not None:
        # Found out now, not after a write has been applied and its record cannot be kept.
        try:
            settings.audit_log.parent.mkdir(parents=True, exist_ok=True)
            settings.audit_log.open("a").close()
        except OSError as exc:
            raise SystemExit(f"error: --audit-log {settings.audit_log} cannot be appended to ({exc.strerror}); "
                             "choose a writable path or fix its permissions") from None
    return policy, AuditLog(settings.audit_log, server, actor=settings.actor)


def serve_main(server: str, description: str, argv: list[str] | None,
               build: Callable[[ServerSettings], FastMCP],
               add_arguments: Callable[[argparse.ArgumentParser], None] | None = None) -> None:
    """Every server's main(): parse flags over the environment, check logging and HTTP auth before
    touching a backend, build the server from the settings, serve until stopped."""
    parser = server_parser(server, description)
    if add_arguments is not None:
        add_arguments(parser)
    settings = settings_from_args(parser.parse_args(argv))
    preflight(settings)
    set_max_chars(settings.max_result_chars)
    set_allow_sensitive_data(settings.allow_sensitive_data_access)
    if settings.allow_sensitive_data_access:
        log.warning("sre-mcp-%s: --allow-sensitive-data-access: tool results are NOT redacted", server)
    run(build(settings), settings)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class HttpAuthError(SystemExit):
    pass


def check_http_auth(args: ServerSettings) -> str | None:
    """The token to require, or None for insecure loopback; exits with a clear message otherwise."""
    token = args.token
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


def preflight(args: ServerSettings) -> str | None:
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


def run(mcp: FastMCP, args: ServerSettings) -> None:
    """Serve until stopped (preflight() has run: a misconfigured HTTP server fails before it touches
    its backend)."""
    token = check_http_auth(args) if args.http else None
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

