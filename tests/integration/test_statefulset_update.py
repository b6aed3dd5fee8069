"""A StatefulSet replaces no member while one is not Ready (OrderedReady), so a fix to the template of a
StatefulSet whose members all crash would never land by itself. The run deletes the members still on the old
revision and not Ready, each pinned to its uid, after the write -- end to end over the MCP servers in the lab,
scored by the harness's world check (tamarack's broker, OOMKilled under today's load)."""

from __future__ import annotations

from pathlib import Path

from sre_agent.eval.harness import run_scenario
from sre_agent.lab.lab import Lab

SET = Path(__file__).resolve().parents[2] / "sre_agent" / "eval" / "scenarios_heldout10"


def test_a_statefulset_template_fix_lands_on_members_that_were_crashing():
    loaded = Lab(scenario_dirs=[SET]).find_scenario("tm02-avl-broker-restarts")
    row = run_scenario(loaded, lab_speed=120, verify_timeout_s=60, verify_poll_s=1.0)
    assert row.error is None, row.error
    assert (row.category, row.resource) == ("oom_killed", "realtime/StatefulSet/avl-broker")
    assert row.status == "remediated" and row.mitigation, row.mitigation_detail
    writes = [a.split(" ", 1)[0] for a in row.actions]
    assert writes[0] == "set_resources" and set(writes[1:]) == {"delete_pod"}, row.actions
    assert all("expect_uid" in a for a in row.actions[1:])  # each member pinned to the pod that was seen
    assert row.false_actions == 0
