"""A scripted model behind the OpenAI chat-completions wire protocol, on loopback.

The responder's OpenAI-compatible provider (langchain-openai, OPENAI_BASE_URL) talks real HTTP to
it: requests carry the conversation and the offered tools, answers carry text or tool calls with
JSON-encoded arguments and token usage, exactly as a local model server (vLLM, Ollama, llama.cpp)
would answer. Only the choice of answer is scripted: `respond(messages, tool_names)` -- messages as
the wire sent them (dicts with role/content/tool_calls) -- returns a `Reply`."""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    text: str = ""
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (tool name, arguments)


Respond = Callable[[list[dict[str, Any]], list[str]], Reply]


def message_text(message: dict[str, Any]) -> str:
    content = message.get("content") or ""
    if isinstance(content, list):  # content parts
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return str(content)


class ScriptedOpenAiServer:
    """`with ScriptedOpenAiServer(respond) as server:` then point OPENAI_BASE_URL at `server.base_url`."""

    def __init__(self, respond: Respond, model: str = "scripted-sre") -> None:
        self.respond = respond
        self.model = model
        self.requests: list[dict[str, Any]] = []  # every request body, for assertions
        self.errors: list[str] = []
        ids = itertools.count(1)
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    self._send(404, {"error": {"message": f"no route {self.path}", "type": "invalid_request_error"}})
                    return
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                outer.requests.append(body)
                tools = [t["function"]["name"] for t in body.get("tools") or [] if t.get("type") == "function"]
                try:
                    reply = outer.respond(body.get("messages") or [], tools)
                except Exception as exc:  # a broken script shows up as a server error and in `errors`
                    outer.errors.append(f"{type(exc).__name__}: {exc}")
                    self._send(500, {"error": {"message": str(exc), "type": "server_error"}})
                    return
                calls = [{"id": f"call_{next(ids)}", "type": "function",
                          "function": {"name": name, "arguments": json.dumps(args)}} for name, args in reply.calls]
                message: dict[str, Any] = {"role": "assistant", "content": reply.text or None}
                if calls:
                    message["tool_calls"] = calls
                prompt = sum(len(message_text(m)) for m in body.get("messages") or []) // 4
                self._send(200, {"id": f"chatcmpl-{next(ids)}", "object": "chat.completion", "created": 0,
                                 "model": body.get("model") or outer.model,
                                 "choices": [{"index": 0, "message": message,
                                              "finish_reason": "tool_calls" if calls else "stop"}],
                                 "usage": {"prompt_tokens": prompt, "completion_tokens": 50,
                                           "total_tokens": prompt + 50}})

            def _send(self, code: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True, name="scripted-openai")

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def __enter__(self) -> ScriptedOpenAiServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
