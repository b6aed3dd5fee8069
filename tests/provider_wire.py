"""A scripted model behind the providers' own wire protocols, on loopback: OpenAI Chat Completions
(/v1/chat/completions), Anthropic Messages (/v1/messages) and Bedrock Converse
(/model/{modelId}/converse, SigV4-signed). The responder's real clients (langchain-openai,
langchain-anthropic, langchain-aws over botocore) talk HTTP to it exactly as to the provider.

Only the choice of answer is scripted: `respond(messages, tool_names)` gets the conversation in one
shape whatever the protocol (dicts with role system/user/assistant/tool, text content, tool_calls)
and returns a `Reply`. A request that forces one tool (tool_choice) offers the script only that tool.

What the server checks and reports, as the providers do:
- auth: Bedrock requests must carry a SigV4 Authorization for service `bedrock`; Anthropic its key
  (x-api-key, or a bearer token as its SDK sends it now); OpenAI a Bearer key. Every request's protocol, model, region and body is kept.
- tool pairing (Anthropic, Bedrock): every tool call answered by one result in the next user turn,
  else 400 / ValidationException -- the rejection the brain must repair, not give up on.
- usage counted from what was actually sent (about 4 characters a token over system, tool
  definitions and messages), with prompt caching: a prefix up to a cache mark (cache_control / cachePoint) of at
  least 1,024 tokens is written once and read by later requests; OpenAI caches the longest prefix
  seen before on its own, at message and content-part boundaries (its cache is by token prefix;
  1,024 tokens or more, in 128-token steps).
- failure injection: `fail_next(status, times)` answers the next requests with that status."""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from wire_formats import UNCOUNTED, WireError, check_pairing, message_text, read_anthropic, read_bedrock, read_openai

__all__ = ["Exchange", "Reply", "ScriptedProviderServer", "WireError", "check_pairing", "count_tokens", "message_text"]

READERS = {"openai": read_openai, "anthropic": read_anthropic, "bedrock": read_bedrock}
MIN_CACHEABLE_TOKENS = 1024
BEDROCK_ERRORS = {400: "ValidationException", 403: "AccessDeniedException", 404: "ResourceNotFoundException",
                  429: "ThrottlingException", 500: "InternalServerException", 503: "ServiceUnavailableException"}
ANTHROPIC_ERRORS = {400: "invalid_request_error", 401: "authentication_error", 429: "rate_limit_error",
                    500: "api_error", 529: "overloaded_error"}


def count_tokens(text: str) -> int:
    """About four characters a token: the providers' own rule of thumb (no tokenizer files offline)."""
    return 0 if text.startswith(UNCOUNTED) else -(-len(text) // 4)


@dataclass
class Reply:
    text: str = ""
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (tool name, arguments)


Respond = Callable[[list[dict[str, Any]], list[str]], Reply]


@dataclass
class Exchange:
    """One request as the server saw it, and the usage it answered with."""

    protocol: str  # openai | anthropic | bedrock
    model: str
    body: dict[str, Any]
    headers: dict[str, str]
    status: int = 200
    input_tokens: int = 0  # everything sent, cached parts included
    cache_read: int = 0
    cache_write: int = 0
    output_tokens: int = 0


class PromptCache:
    """Prefix caching by content hash, as the providers do it (the cache outlives a run)."""

    def __init__(self, min_cacheable: int = MIN_CACHEABLE_TOKENS) -> None:
        self.min_cacheable = min_cacheable
        self.prefixes: set[str] = set()
        self.lock = threading.Lock()

    def usage(self, segments: list[tuple[str, bool]], automatic: bool) -> tuple[int, int, int]:
        """(tokens sent, read from the cache, written to it). As Anthropic and Bedrock do it, a mark
        writes the prefix up to it, and a lookup also finds a prefix written earlier at any block
        boundary before the last mark (up to 20 blocks back from it): last turn's mark is found from
        this turn's."""
        counts = [count_tokens(text) for text, _ in segments]
        total = sum(counts)
        digest = hashlib.sha256()
        boundaries: list[tuple[str, int, bool]] = []  # (prefix hash, tokens up to here, marked here)
        running = 0
        for (text, marked), tokens in zip(segments, counts, strict=True):
            digest.update(text.encode())
            running += tokens
            boundaries.append((digest.copy().hexdigest(), running, marked or automatic))
        marked_at = [i for i, (_, _, marked) in enumerate(boundaries) if marked]
        if not marked_at:
            return total, 0, 0
        lookable = {i for m in marked_at for i in range(max(0, m - 20), m + 1)}
        with self.lock:
            read = max((boundaries[i][1] for i in lookable if boundaries[i][0] in self.prefixes), default=0)
            if automatic:
                read = read // 128 * 128 if read >= self.min_cacheable else 0
                self.prefixes.update(key for key, _, _ in boundaries)
                return total, read, 0
            written = 0
            for i in marked_at:
                key, tokens, _ = boundaries[i]
                if tokens >= self.min_cacheable and tokens > read and key not in self.prefixes:
                    self.prefixes.add(key)
                    written = max(written, tokens - read)
            return total, read, written


class ScriptedProviderServer:
    """`with ScriptedProviderServer(respond) as server:` then point the provider at it:
    OPENAI_BASE_URL=server.openai_url, ANTHROPIC_BASE_URL=server.base_url (key `anthropic_key`),
    AWS_ENDPOINT_URL_BEDROCK_RUNTIME=server.base_url (any SigV4 credentials)."""

    anthropic_key = "sk-ant-wire-test"
    openai_key = "sk-openai-wire-test"

    def __init__(self, respond: Respond, model: str = "scripted-sre", min_cacheable: int = MIN_CACHEABLE_TOKENS) -> None:
        self.respond = respond
        self.model = model
        self.exchanges: list[Exchange] = []
        self.errors: list[str] = []
        self.cache = PromptCache(min_cacheable)
        self._plan: list[int | None] = []  # the next requests' injected statuses (None: answer normally)
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                outer._serve(self, urllib.parse.unquote(self.path), body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True, name="scripted-provider")

    # --- addresses and failure injection -----------------------------------------------------------
    @property
    def root_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def base_url(self) -> str:
        """Anthropic's base URL and Bedrock's endpoint URL."""
        return self.root_url

    @property
    def openai_url(self) -> str:
        return f"{self.root_url}/v1"

    @property
    def requests(self) -> list[dict[str, Any]]:
        """Every request body (kept for the OpenAI-only tests written before the other protocols)."""
        return [e.body for e in self.exchanges]

    def fail_next(self, status: int, times: int = 1, after: int = 0) -> None:
        """Answer `times` requests with `status`, after letting `after` requests through."""
        with self._lock:
            self._plan += [None] * after + [status] * times

    def __enter__(self) -> ScriptedProviderServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- one request ---------------------------------------------------------------------------------
    def _serve(self, handler: BaseHTTPRequestHandler, path: str, body: dict[str, Any]) -> None:
        headers = {k.lower(): v for k, v in handler.headers.items()}
        if path.rstrip("/").endswith("/chat/completions"):
            protocol, model = "openai", body.get("model") or self.model
        elif path.rstrip("/").endswith("/v1/messages"):
            protocol, model = "anthropic", body.get("model") or self.model
        elif path.startswith("/model/") and path.endswith("/converse"):
            protocol, model = "bedrock", path[len("/model/"):-len("/converse")]
        else:
            self._send(handler, "openai", WireError(404, f"no route {path}"))
            return
        exchange = Exchange(protocol, model, body, headers)
        with self._lock:
            self.exchanges.append(exchange)
            injected = self._plan.pop(0) if self._plan else None
        try:
            self._authorize(protocol, headers)
            if injected:
                raise WireError(injected, f"injected failure {injected}")
            conversation, segments, tools, forced = READERS[protocol](body)
            if protocol != "openai":
                check_pairing(conversation)
            sent, read, written = self.cache.usage(segments, automatic=protocol == "openai")
            try:
                reply = self.respond(conversation, [forced] if forced in tools else tools)
            except Exception as exc:  # a broken script shows up as a server error and in `errors`
                self.errors.append(f"{type(exc).__name__}: {exc}")
                raise WireError(500, str(exc)) from None
        except WireError as exc:
            exchange.status = exc.status
            self._send(handler, protocol, exc)
            return
        output = count_tokens(reply.text + json.dumps([args for _, args in reply.calls])) + 5
        exchange.input_tokens, exchange.cache_read, exchange.cache_write, exchange.output_tokens = sent, read, written, output
        self._send(handler, protocol, self._answer(protocol, model, reply, sent, read, written, output))

    def _authorize(self, protocol: str, headers: dict[str, str]) -> None:
        if protocol == "bedrock":
            auth = headers.get("authorization", "")
            if not auth.startswith("AWS4-HMAC-SHA256 Credential=") or "x-amz-date" not in headers:
                raise WireError(403, "missing SigV4 signature")
            scope = auth.split("Credential=")[1].split(",")[0].split("/")
            if len(scope) < 4 or scope[3] != "bedrock":
                raise WireError(403, f"SigV4 scope {scope} is not for the bedrock service")
        elif protocol == "anthropic" and self.anthropic_key not in (
                headers.get("x-api-key"), headers.get("authorization", "").removeprefix("Bearer ")):
            raise WireError(401, "invalid API key (x-api-key or Authorization: Bearer)")
        elif protocol == "openai" and headers.get("authorization", "").removeprefix("Bearer ") == "":
            raise WireError(401, "missing bearer key")

    def _answer(self, protocol: str, model: str, reply: Reply, sent: int, read: int, written: int,
                output: int) -> dict[str, Any]:
        ids = self._ids
        if protocol == "openai":
            calls = [{"id": f"call_{next(ids)}", "type": "function",
                      "function": {"name": name, "arguments": json.dumps(args)}} for name, args in reply.calls]
            message: dict[str, Any] = {"role": "assistant", "content": reply.text or None}
            if calls:
                message["tool_calls"] = calls
            return {"id": f"chatcmpl-{next(ids)}", "object": "chat.completion", "created": 0, "model": model,
                    "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls" if calls else "stop"}],
                    "usage": {"prompt_tokens": sent, "completion_tokens": output, "total_tokens": sent + output,
                              "prompt_tokens_details": {"cached_tokens": read}}}
        if protocol == "anthropic":
            content: list[dict[str, Any]] = [{"type": "text", "text": reply.text}] if reply.text else []
            content += [{"type": "tool_use", "id": f"toolu_{next(ids)}", "name": name, "input": args}
                        for name, args in reply.calls]
            return {"id": f"msg_{next(ids)}", "type": "message", "role": "assistant", "model": model, "content": content,
                    "stop_reason": "tool_use" if reply.calls else "end_turn", "stop_sequence": None,
                    "usage": {"input_tokens": sent - read - written, "output_tokens": output,
                              "cache_creation_input_tokens": written, "cache_read_input_tokens": read}}
        blocks: list[dict[str, Any]] = [{"text": reply.text}] if reply.text else []
        blocks += [{"toolUse": {"toolUseId": f"tooluse_{next(ids)}", "name": name, "input": args}}
                   for name, args in reply.calls]
        return {"output": {"message": {"role": "assistant", "content": blocks}},
                "stopReason": "tool_use" if reply.calls else "end_turn",
                "usage": {"inputTokens": sent - read - written, "outputTokens": output,
                          "totalTokens": sent + output, "cacheReadInputTokens": read, "cacheWriteInputTokens": written},
                "metrics": {"latencyMs": 1}}

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, protocol: str, payload: dict[str, Any] | WireError) -> None:
        code, extra = 200, {}
        if isinstance(payload, WireError):
            code = payload.status
            if protocol == "bedrock":
                kind = BEDROCK_ERRORS.get(code, "InternalServerException")
                extra = {"x-amzn-ErrorType": kind}
                payload = {"message": str(payload), "__type": kind}
            elif protocol == "anthropic":
                payload = {"type": "error", "error": {"type": ANTHROPIC_ERRORS.get(code, "api_error"), "message": str(payload)}}
            else:
                payload = {"error": {"message": str(payload), "type": "invalid_request_error" if code < 500 else "server_error"}}
        data = json.dumps(payload).encode()
        handler.send_response(code)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        for name, value in extra.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)
