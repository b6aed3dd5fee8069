"""The OpenAI chat-completions side of tests/provider_wire.py, under the names the first wire tests
used: `ScriptedOpenAiServer(respond)`, point OPENAI_BASE_URL at `server.base_url`."""

from __future__ import annotations

from provider_wire import Reply, ScriptedProviderServer, message_text

__all__ = ["Reply", "ScriptedOpenAiServer", "message_text"]


class ScriptedOpenAiServer(ScriptedProviderServer):
    @property
    def base_url(self) -> str:
        return self.openai_url
