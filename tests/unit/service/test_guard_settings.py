"""GuardSettings validation and the guard's Host matching, without a server (the guard over real
sockets: tests/integration/service/test_guard.py)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from sre_agent.service.guard import GuardSettings, _host_allowed
from sre_agent.service.timeouts import uvicorn_config


def test_the_token_never_shows_in_repr_and_may_not_be_empty():
    settings = GuardSettings(token="s3cret", allowed_hosts=["localhost"])
    assert "s3cret" not in repr(settings) and "s3cret" not in str(settings)
    with pytest.raises(ValidationError, match="token is empty"):
        GuardSettings(token=" ", allowed_hosts=["localhost"])
    assert GuardSettings(token=None, allowed_hosts=["localhost"]).token is None


def test_hosts_must_be_listed_and_limits_positive():
    for bad in ({"allowed_hosts": []}, {"allowed_hosts": ["x"], "max_body_bytes": 0}, {"allowed_hosts": ["x"], "body_timeout_s": 0}):
        with pytest.raises(ValidationError):
            GuardSettings(token="t", **bad)


def test_host_entries_match_with_or_without_a_port():
    hosts = frozenset(GuardSettings(token=None, allowed_hosts=["LocalHost", "127.0.0.1:8080", "::1"]).allowed_hosts)
    assert hosts == {"localhost", "127.0.0.1:8080", "[::1]"}
    for value in ("localhost", "localhost:9", "127.0.0.1:8080", "[::1]", "[::1]:8080"):
        assert _host_allowed(value, hosts), value
    refused = ("127.0.0.1", "127.0.0.1:9", "evil.example", "localhost.evil.example", "evil.example:localhost", "localhost:",
               "[::1]evil", "")
    for value in refused:
        assert not _host_allowed(value, hosts), value


def test_origins_are_compared_normalised():
    assert GuardSettings(token=None, allowed_hosts=["*"], allowed_origins=[" https://Ops.Example/ "]).allowed_origins == [
        "https://ops.example"]


def test_uvicorn_config_picks_its_own_protocol():
    config = uvicorn_config(lambda scope, receive, send: None, "127.0.0.1", 0, header_timeout_s=3)
    assert config.http.header_timeout_s == 3.0 and config.h11_max_incomplete_event_size == 16 * 1024
    with pytest.raises(TypeError, match="http="):
        uvicorn_config(None, "127.0.0.1", 0, http="h11")
    with pytest.raises(ValueError):
        uvicorn_config(None, "127.0.0.1", 0, header_timeout_s=0)
