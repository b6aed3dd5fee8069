"""The honesty rule, end to end: the full graph over the three MCP servers (stdio) against the lab.
"Healthy" needs evidence from kubernetes and cloudwatch; when either cannot be reached the run ends
`unknown` and says which backend could not be checked and why -- never "healthy". A root cause found
on one backend stands when the other is down, with the hole named beside it."""

from __future__ import annotations

import asyncio

import pytest

from sre_agent.app.intake import incident_for_trigger
from sre_agent.app.options import RunOptions
from sre_agent.app.runs import run_investigation
from sre_agent.lab.lab import Lab
from sre_agent.lab.scenarios.loader import load_scenarios
from sre_agent.lab.trigger import scenario_trigger
from sre_agent.lab.world.images import load_catalog

STOPPED = {"everything": ("kubernetes", "aws"), "kubernetes": ("kubernetes",), "aws": ("aws",)}
SERVER_OF = {"kubernetes": "kubernetes", "aws": "cloudwatch"}


def investigate(lab: Lab, tmp_path, stop: tuple[str, ...] = ()):
    """The scenario's own trigger (its alarm or its question), investigated with `stop` backends down."""
    trigger = scenario_trigger(lab)
    incident = incident_for_trigger(trigger.alarm, trigger.question)
    for backend in stop:
        lab.stop_backend(backend)  # type: ignore[arg-type]
    options = RunOptions(env=lab.env(), state_dir=tmp_path, remediation="off", tracing_mode="off")
    return asyncio.run(run_investigation(incident, options))


def coverage(result) -> dict[str, str]:
    return {check.backend: check.status for check in result.coverage}


def test_with_every_backend_up_the_verdict_rests_on_both(lab_factory, tmp_path):
    lab = lab_factory()
    lab.load("healthy-baseline")
    result, state = investigate(lab, tmp_path)
    assert result.status in ("answered", "healthy"), state.answer
    assert coverage(result) == {"kubernetes": "checked", "cloudwatch": "checked"}
    assert "could not check" not in state.answer.lower()
    assert "## Coverage" in open(result.report_path).read()


@pytest.mark.parametrize("down", sorted(STOPPED))
def test_a_backend_that_cannot_be_reached_makes_the_answer_unknown(down, lab_factory, tmp_path):
    lab = lab_factory()
    lab.load("healthy-baseline")
    result, state = investigate(lab, tmp_path, STOPPED[down])
    answer = state.answer or ""
    assert result.status == "unknown", answer
    assert "healthy" not in answer.lower()
    assert "every check came back healthy" not in result.diagnosis.summary
    seen = coverage(result)
    for backend in STOPPED[down]:
        server = SERVER_OF[backend]
        assert seen[server] == "could_not_check"
        assert f"could not check {server}: " in answer.lower()
        assert "unreachable" in next(c.reason for c in result.coverage if c.backend == server)
    for backend in {"kubernetes", "aws"} - set(STOPPED[down]):  # what *was* checked is said too
        assert seen[SERVER_OF[backend]] == "checked"
        assert f"Checked: {SERVER_OF[backend]} (" in answer
    report = open(result.report_path).read()
    assert "## Coverage" in report and "could not check" in report and "Restore access to" in report


def test_a_root_cause_found_stands_when_aws_is_down_and_the_hole_is_named(lab_factory, tmp_path):
    scenario = "bad-image"
    truth = load_scenarios(load_catalog())[scenario].scenario.truth  # read only to score
    lab = lab_factory()
    lab.load(scenario)
    result, state = investigate(lab, tmp_path, ("aws",))
    assert (result.diagnosis.category, result.diagnosis.resource) == (truth.category, truth.resource)
    assert result.status == "escalated"  # remediation off: the diagnosis goes to a human
    assert coverage(result)["kubernetes"] == "checked" and coverage(result)["cloudwatch"] == "could_not_check"
    assert "Could not check cloudwatch: " in (state.answer or "")
