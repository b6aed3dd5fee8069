"""Incremental prompt caching on the providers' wire, over a replayed catalog case (bad-image) with
the scripted SRE: every turn of a specialist's tool loop reads back all the turn before it sent,
and every supervisor call after the first reads back the incident and the findings the previous
one sent -- counted by the scripted provider server, which caches by prefix as Anthropic and
Bedrock do (marks, block boundaries, the 1,024-token minimum)."""

from __future__ import annotations

from pathlib import Path

import pytest
from provider_wire import ScriptedProviderServer

from sre_agent.brains.llm.settings import LlmSettings
from sre_agent.eval.replay import replay_case
from sre_agent.eval.replay_case import CATALOG_CASES, case_dirs, load_case

from .wire_sre import wire_sre

PROMPTS = Path(__file__).resolve().parents[3] / "prompts"  # this tree's (the package may be another checkout's)


def _step(protocol: str, body: dict) -> tuple[tuple[str, ...], str | None]:
    """(the tools offered, the tool forced): the requests of one step share both."""
    if protocol == "bedrock":
        config = body.get("toolConfig") or {}
        names = tuple(t["toolSpec"]["name"] for t in config.get("tools") or [] if "toolSpec" in t)
        return names, ((config.get("toolChoice") or {}).get("tool") or {}).get("name")
    return tuple(t["name"] for t in body.get("tools") or []), (body.get("tool_choice") or {}).get("name")


def _replay(provider: str, monkeypatch) -> list:
    loaded = load_case(next(d for d in case_dirs(CATALOG_CASES) if d.name == "bad-image"))
    with ScriptedProviderServer(wire_sre) as server:
        for name, value in {"AWS_ENDPOINT_URL_BEDROCK_RUNTIME": server.base_url, "AWS_ACCESS_KEY_ID": "AKIAREPLAY",
                            "AWS_SECRET_ACCESS_KEY": "replay-secret", "AWS_REGION": "us-east-1",
                            "ANTHROPIC_API_KEY": server.anthropic_key, "ANTHROPIC_BASE_URL": server.base_url}.items():
            monkeypatch.setenv(name, value)
        row = replay_case(loaded, brain=provider, llm=LlmSettings(retries=0, prompts_dir=PROMPTS))
    assert row.error is None and not server.errors
    return [e for e in server.exchanges if e.status == 200]


@pytest.mark.parametrize("provider", ["bedrock", "anthropic"])
def test_each_turn_of_a_tool_loop_reads_all_the_turn_before_it_sent(provider, monkeypatch):
    exchanges = _replay(provider, monkeypatch)
    loops: dict[tuple, list] = {}
    for exchange in exchanges:
        tools, forced = _step(exchange.protocol, exchange.body)
        if forced is None:  # a specialist's turn (a structured answer forces its tool)
            loops.setdefault(tools, []).append(exchange)
    assert len(loops) == 4 and sum(map(len, loops.values())) == 9  # the four specialists' 9 turns
    checked = 0
    for turns in loops.values():
        for before, after in zip(turns, turns[1:]):
            if before.input_tokens >= 1024:  # the providers' minimum cacheable prefix (Sonnet)
                assert after.cache_read == before.input_tokens  # the whole previous request, read back
                checked += 1
    assert checked >= 4


@pytest.mark.parametrize("provider", ["bedrock", "anthropic"])
def test_every_supervisor_call_after_the_first_reads_the_incident_and_findings_already_sent(provider, monkeypatch):
    supervisor = [e for e in _replay(provider, monkeypatch) if _step(e.protocol, e.body)[1] == "RouteDecision"]
    assert len(supervisor) == 3
    assert supervisor[0].cache_read == 0 and supervisor[0].cache_write > 0
    for before, after in zip(supervisor, supervisor[1:]):
        # At least what the previous call wrote (its prompt, the incident, the findings it was sent).
        assert after.cache_read >= before.cache_read + before.cache_write > 0
