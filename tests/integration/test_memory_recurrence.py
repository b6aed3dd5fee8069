"""Incident memory end to end, in the lab over the real MCP servers: the same fault twice in one state dir is
recalled the second time (report and JSON `recalled`, confirmed by that run's own evidence) with fewer tool calls;
the same fault on a differently named workload in another world is recalled by its evidence; and `sre-agent memory`
lists and forgets what was remembered."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sre_agent.app.runs import run_investigation
from sre_agent.cli import app
from sre_agent.eval.harness import _approve_all, sandbox_options, scenario_in_lab
from sre_agent.lab.scenarios.loader import load_scenarios
from sre_agent.lab.world.images import load_catalog

from ..lab_servers import LabWithServers

pytestmark = pytest.mark.slow
CATALOG = load_scenarios(load_catalog())
MOVED = load_scenarios(load_catalog(), [Path(__file__).parents[2] / "sre_agent/eval/scenarios_heldout13"])


def investigate(shared: LabWithServers, loaded, state_dir: Path):
    with scenario_in_lab(loaded, 120, shared.lab) as (lab, incident):
        options = sandbox_options(lab, state_dir, remediation="auto", verify_timeout_s=45, verify_poll_s=1.0,
                                  world_speed=120, servers=shared.connections())
        return asyncio.run(run_investigation(incident, options, approver=_approve_all))


@pytest.fixture(scope="module")
def shared():
    with LabWithServers(allow_writes=True, namespaces=["*"], ssm_targets=["*"]) as lab:
        yield lab


def test_a_recurrence_is_recalled_confirmed_and_costs_fewer_tool_calls(shared, tmp_path):
    first, _ = investigate(shared, CATALOG["oom-killed"], tmp_path)
    # A lab reset puts the Deployment back at the very revision numbers the first run rolled back between, which a
    # real recurrence would not (a rollback makes a new revision): the action ledger would take the second rollback
    # for the first one's duplicate. The memory is what is under test here, not the ledger's attach window.
    (tmp_path / "actions.sqlite").unlink()
    second, state = investigate(shared, CATALOG["oom-killed"], tmp_path)
    assert first.recalled == [] and first.diagnosis.category.value == "oom_killed"
    assert [(r.run_id, r.match, r.confirmed, r.verified) for r in second.recalled] == [(first.run_id, "alarm", True, True)]
    assert second.diagnosis == first.diagnosis.model_copy(update={"evidence": second.diagnosis.evidence,
                                                                  "summary": second.diagnosis.summary})
    assert second.status == "remediated"
    assert second.tool_calls < first.tool_calls
    report = Path(second.report_path).read_text()
    assert "## Seen before" in report and first.incident_id in report and "confirmed by this run's evidence" in report


def test_the_same_fault_on_another_workload_is_recalled_by_its_evidence(shared, tmp_path):
    investigate(shared, CATALOG["oom-killed"], tmp_path)
    moved = next(item for item in MOVED.values() if item.scenario.truth.category.value == "oom_killed")
    result, _ = investigate(shared, moved, tmp_path)
    assert result.diagnosis.category.value == "oom_killed"
    assert result.diagnosis.resource == moved.scenario.truth.resource  # memory never moves the diagnosis
    by_evidence = [r for r in result.recalled if r.match == "evidence"]
    assert by_evidence and by_evidence[0].resource == "shop/Deployment/search" and "signal:OOMKilled" in by_evidence[0].shared


def test_the_memory_command_lists_and_forgets(shared, tmp_path):
    result, _ = investigate(shared, CATALOG["bad-image"], tmp_path)
    runner = CliRunner()
    listed = runner.invoke(app, ["memory", "list", "--state-dir", str(tmp_path)])
    assert listed.exit_code == 0 and result.incident_id in listed.output and "bad_image" in listed.output
    gone = runner.invoke(app, ["memory", "forget", "--resource", result.diagnosis.resource, "--state-dir", str(tmp_path)])
    assert gone.exit_code == 0 and "forgot 1 record" in gone.output
    assert "nothing remembered" in runner.invoke(app, ["memory", "list", "--state-dir", str(tmp_path)]).output


def test_a_rule_the_team_gave_stops_the_fix_and_what_it_said_travels_with_the_page(shared, tmp_path):
    from sre_agent.graph.escalation import escalation_message
    from sre_agent.memory.facts import add_team_fact
    from sre_agent.memory.store import SqliteMemory

    store = SqliteMemory(tmp_path / "memory.sqlite")
    rule = add_team_fact(store, "never roll back search", person="dana")
    owner = add_team_fact(store, "search belongs to the discovery team, page #discovery-oncall", namespace="shop",
                          person="lee")
    add_team_fact(store, "ledger-db is the primary", namespace="payments", person="lee")  # about something else
    store.close()
    result, state = investigate(shared, CATALOG["oom-killed"], tmp_path)
    assert result.status == "escalated" and result.actions == []
    assert f"the team's rule {rule.id} forbids rollout_undo on shop/Deployment/search" in state.escalation_reason
    assert {f.id for f in result.team_facts} == {rule.id, owner.id}
    assert "#discovery-oncall" in escalation_message(state)
    report = Path(result.report_path).read_text()
    assert "## What the team said" in report and "never roll back search (a rule the policy enforces)" in report
