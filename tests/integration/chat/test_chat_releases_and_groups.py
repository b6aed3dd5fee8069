"""A release asked about by its version after it was rolled back, and nodes asked about by their group, on a
held-out world (tamarack's tm20: partner-feed-api's 2.8.0 rolled back after its pods crashed on a missing
setting; a realtime node cordoned), through the real MCP servers."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from sre_agent.lab.lab import Lab

from .conftest import Chat, text_of

HELD_OUT = Path(str(resources.files("sre_agent.eval").joinpath("scenarios_heldout10")))


@pytest.fixture(scope="module")
def chat(tmp_path_factory):
    lab = Lab(scenario_dirs=[HELD_OUT]).start()
    lab.load("tm20-why-position-ingest-pending")
    session = Chat(lab, tmp_path_factory.mktemp("tm20"))
    yield session
    session.close()
    lab.stop()


def test_a_rolled_back_release_is_explained_by_what_its_pods_left(chat):
    answer = chat.ask("why did 2.8.0 crash")
    assert answer.form == "release_why" and answer.resources == ["rider-edge/Deployment/partner-feed-api"]
    assert "revision 2, no longer live" in answer.headline and "PARTNER_QUOTA_TABLE" in answer.headline
    assert "it is now at revision 3" in text_of(answer)
    unknown = chat.ask("why did 9.9.9 crash")
    assert unknown.headline.startswith("No workload revision runs an image tagged 9.9.9")


def test_a_node_group_and_a_node_state_are_answered_from_the_nodes(chat):
    cordoned = chat.ask("which nodes are cordoned")
    assert cordoned.headline.endswith("node(s) cordoned (SchedulingDisabled): tt-realtime-c7i-1")
    group = chat.ask("what taints do the realtime nodes have")
    assert group.headline.startswith("2 realtime node(s): tt-realtime-c7i-0, tt-realtime-c7i-1")
    assert "tamarack.transit/dedicated=realtime:NoSchedule" in group.headline
