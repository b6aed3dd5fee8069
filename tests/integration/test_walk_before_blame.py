"""The walk before the blame: the alarmed caller rolled out an env-only change minutes before its 5xx began, and
its dependency one hop down released a regression at the onset. The dependency is examined before the caller's
own change is called the cause: the dependency's release is rolled back, the caller's never touched (before this,
the caller was rolled back -- a false action -- and the fault stayed). End to end over the MCP servers in the lab."""

from __future__ import annotations

from pathlib import Path

from sre_agent.eval.harness import run_scenario
from sre_agent.lab.lab import Lab

SCENARIOS = Path(__file__).resolve().parent / "scenarios"


def test_a_callers_release_is_not_blamed_before_its_dependencys_release_is_examined():
    loaded = Lab(scenario_dirs=[SCENARIOS]).find_scenario("caller-lure-rollout-dependency-regression")
    # verification ends as soon as the alarm is OK; the longer window only matters on a busy machine, where the lab's
    # alarm feed lags the clock (a 60 s window failed once under a loaded full suite)
    row = run_scenario(loaded, lab_speed=120, verify_timeout_s=150, verify_poll_s=1.0)
    assert row.error is None, row.error
    assert (row.category, row.resource) == ("bad_deploy_regression", "payments/Deployment/payments")
    assert row.false_actions == 0 and all("'name': 'checkout'" not in a for a in row.actions), row.actions
    assert row.mitigation, row.mitigation_detail
