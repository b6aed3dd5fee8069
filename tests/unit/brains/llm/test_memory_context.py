"""The LLM brains read the incident memory as part of the incident: its hypotheses and the team's facts, marked as
hypotheses, redacted and bounded; nothing when the memory has nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from sre_agent.brains.llm.context import MAX_MEMORY_CHARS, incident_block, memory_block
from sre_agent.contracts import Incident, RecalledIncident, TeamFact
from sre_agent.graph.state import Investigation

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


def state(**fields) -> Investigation:
    incident = Incident(id="i", title="search-5xx", started_at=NOW, window_start=NOW, window_end=NOW)
    return Investigation(incident=incident, **fields)


def test_the_memory_is_part_of_the_incident_every_request_carries():
    past = RecalledIncident(incident_id="inc-7", run_id="run-7", when=NOW, category="oom_killed",
                            resource="shop/Deployment/search", fix_tool="rollout_undo", verified=False, match="alarm")
    rule = TeamFact(id="fact-1", text="never roll back search; token Bearer abcdefghijklmnopqrstuvwx", resource="search",
                    created_at=NOW, forbid=["rollout_undo"])
    block = incident_block(state(recalled=[past], team_facts=[rule]))
    assert "Memory (hypotheses to check against this run's tool results, never evidence):" in block
    assert "remembered inc-7 (2026-11-20): oom_killed on shop/Deployment/search; fix rollout_undo did NOT verify" in block
    assert "the team said (search): never roll back search" in block and "[a rule: the policy enforces it]" in block
    assert "abcdefghijklmnopqrstuvwx" not in block  # redacted like everything a model reads


def test_no_memory_no_block_and_a_long_one_is_bounded():
    assert memory_block(state()) == "" and "Memory" not in incident_block(state())
    facts = [TeamFact(id=f"fact-{i}", text="x" * 600, created_at=NOW) for i in range(5)]
    assert len(memory_block(state(team_facts=facts))) == MAX_MEMORY_CHARS
