"""Scoring a sweep against a scenario's truth: found, rank, category, false problems on no-fault worlds."""

from __future__ import annotations

from datetime import UTC, datetime

from sre_agent.eval.sweep_eval import score_sweep, sweep_markdown, sweep_totals
from sre_agent.lab.scenarios.loader import load_scenarios
from sre_agent.lab.world.images import load_catalog
from sre_agent.sweep.models import Problem, SweepReport

CATALOG = load_scenarios(load_catalog())


def report(*resources: tuple[str, str]) -> SweepReport:
    return SweepReport(scope="(cluster)", started_at=datetime(2030, 1, 1, tzinfo=UTC), status="problems" if resources else "healthy",
                       problems=[Problem(resource=r, severity="critical", category=c, summary="") for r, c in resources])


def test_truth_found_at_its_rank_with_its_category():
    loaded = CATALOG["bad-image"]
    row = score_sweep(loaded, report(("shop/Deployment/other", ""), ("shop/Deployment/catalog", "bad_image")))
    assert (row.found, row.rank, row.category_ok, row.false_problems) == (True, 2, True, 0)
    assert score_sweep(loaded, report(("shop/Deployment/other", ""))).found is False


def test_every_problem_on_a_healthy_world_is_false():
    row = score_sweep(CATALOG["healthy-baseline"], report(("a/Deployment/x", "")))
    assert (row.found, row.false_problems) == (None, 1)
    rows = [row, score_sweep(CATALOG["bad-image"], report(("shop/Deployment/catalog", "bad_image")))]
    totals = sweep_totals(rows)
    assert (totals.found, totals.ranked_first, totals.false_problems_on_healthy) == (1.0, 1.0, 1)
    assert "1 false problem(s)" in sweep_markdown(rows)
