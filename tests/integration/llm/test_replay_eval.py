"""Replay evals on the recorded catalog (sre_agent/eval/replay_cases): the offline brain replayed on
its own recordings reaches the diagnosis it reached live, on every case; an LLM brain replays end to
end over each provider's real wire (the scripted provider server), with the tool calls it makes
answered from the recording and its tokens counted as sent."""

from __future__ import annotations

import pytest
from provider_wire import ScriptedProviderServer

from sre_agent.brains.llm.settings import LlmSettings
from sre_agent.eval.replay import replay_all, replay_case
from sre_agent.eval.replay_case import CATALOG_CASES, case_dirs, load_case
from sre_agent.lab.scenarios.loader import load_scenarios
from sre_agent.lab.world.images import load_catalog

from .wire_sre import wire_sre

CASES = case_dirs(CATALOG_CASES)


def test_the_recorded_cases_cover_the_catalog():
    assert sorted(d.name for d in CASES) == sorted(load_scenarios(load_catalog()))


def test_the_offline_brain_replayed_on_its_recordings_reaches_its_live_diagnosis_on_every_case():
    report = replay_all(CASES, brain="offline")
    different = [(r.id, r.error or f"{r.category} {r.resource} (live: {r.live_category} {r.live_resource})")
                 for r in report.cases if r.error or not r.same_as_live]
    assert different == []
    assert report.same_as_live == 1.0
    assert report.misses == 0  # every call it makes was recorded: nothing it saw was made up or missing
    # Writes are never executed in a replay; the ones it attempted land where a correct fix may.
    assert report.false_writes == 0


@pytest.mark.parametrize("provider", ["bedrock", "anthropic", "openai"])
def test_an_llm_brain_replays_a_case_over_its_providers_wire(provider, monkeypatch):
    loaded = load_case(next(d for d in CASES if d.name == "bad-image"))
    with ScriptedProviderServer(wire_sre) as server:
        for name, value in {"AWS_ENDPOINT_URL_BEDROCK_RUNTIME": server.base_url, "AWS_ACCESS_KEY_ID": "AKIAREPLAY",
                            "AWS_SECRET_ACCESS_KEY": "replay-secret", "AWS_REGION": "us-east-1",
                            "ANTHROPIC_API_KEY": server.anthropic_key, "ANTHROPIC_BASE_URL": server.base_url,
                            "OPENAI_API_KEY": server.openai_key, "OPENAI_BASE_URL": server.openai_url}.items():
            monkeypatch.setenv(name, value)
        llm = LlmSettings(openai_model="gpt-4o", retries=0)
        row = replay_case(loaded, brain=provider, llm=llm)
    answered = [e for e in server.exchanges if e.status == 200]
    assert row.error is None and not server.errors
    assert {e.protocol for e in server.exchanges} == {provider}
    assert row.input_tokens == sum(e.input_tokens for e in answered) > 0  # what was sent is what is counted
    assert row.tool_calls > 0
    # The scripted SRE's calls are answered from the recording, or honestly missed -- never invented.
    assert row.tool_calls > len(row.misses)
    assert row.category == "bad_image"
    offered = {name for e in answered for name in _tool_names(e.protocol, e.body)}
    assert "rollout_undo" not in offered  # writes are never offered to a model, recorded or not


def _tool_names(protocol: str, body: dict) -> list[str]:
    if protocol == "bedrock":
        return [t["toolSpec"]["name"] for t in (body.get("toolConfig") or {}).get("tools") or [] if "toolSpec" in t]
    if protocol == "anthropic":
        return [t["name"] for t in body.get("tools") or []]
    return [t["function"]["name"] for t in body.get("tools") or []]
