"""The service's LLM spend caps (service/spend_caps.py): which brain a new run gets against the UTC day's and month's
spend, the spend as the store sums it (SQLite, and PostgreSQL when SRE_AGENT_TEST_POSTGRES_DSN is set), runs that
keep their brain, and what the workers, the report and /metrics make of a cap."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone

import pytest

from sre_agent.app.intake import incident_from_question
from sre_agent.app.options import RunOptions
from sre_agent.app.runs import RunStep
from sre_agent.contracts import InvestigationResult, LlmUsage
from sre_agent.graph.report import render_markdown, to_result
from sre_agent.graph.state import Investigation
from sre_agent.service.core import IncidentService
from sre_agent.service.spend_caps import SPEND_QUERY, BrainChoice, Spend, SpendCaps, SpendGate, choose_brain, period_end
from sre_agent.service.store import SqliteStore

NOW = datetime(2026, 11, 26, 12, 30, tzinfo=UTC)


def utc(*parts: int) -> float:
    return datetime(*parts, tzinfo=UTC).timestamp()


@pytest.mark.parametrize("configured, caps, day, month, brain, capped_by", [
    ("bedrock", SpendCaps(), 50.0, 900.0, "bedrock", None),  # no cap
    ("bedrock", SpendCaps(day=5.0), 4.99, 4.99, "bedrock", None),  # under
    ("bedrock", SpendCaps(day=5.0), 5.0, 5.0, "offline", "day"),  # at
    ("bedrock", SpendCaps(day=5.0), 5.12, 5.12, "offline", "day"),  # over
    ("bedrock", SpendCaps(month=100.0), 5.0, 99.99, "bedrock", None),  # the month's spend, under its cap
    ("bedrock", SpendCaps(day=5.0, month=100.0), 1.0, 100.0, "offline", "month"),  # the month's cap, not the day's
    ("bedrock", SpendCaps(day=5.0, month=100.0), 6.0, 100.0, "offline", "month"),  # both: the one that holds longer
    ("openai", SpendCaps(day=0.0), 0.0, 0.0, "offline", "day"),  # a zero cap: no LLM at all
    ("offline", SpendCaps(day=5.0), 9.0, 9.0, "offline", None),  # the offline brain is never "capped"
])
def test_a_new_run_gets_the_configured_brain_until_a_cap_is_reached(configured, caps, day, month, brain, capped_by):
    choice = choose_brain(configured, caps, Spend(now=NOW, day=day, month=month))
    assert (choice.brain, choice.capped_by) == (brain, capped_by)
    assert (choice.reason is None) == (capped_by is None)


def test_the_reason_names_the_cap_the_spend_since_when_and_until_when():
    day = choose_brain("bedrock", SpendCaps(day=5.0), Spend(now=NOW, day=5.12, month=5.12))
    assert day.reason == ("the daily LLM spend cap ($5.00) is reached: $5.12 spent since 2026-11-26T00:00Z; this run "
                          "uses the offline brain, as new runs will until 2026-11-27T00:00Z unless the cap is raised")
    month = choose_brain("bedrock", SpendCaps(month=0.001), Spend(now=NOW, day=0.0, month=0.00123))
    assert month.reason is not None
    assert month.reason.startswith("the monthly LLM spend cap ($0.001) is reached: $0.00123 spent since "
                                   "2026-11-01T00:00Z;")  # under a cent: not rounded to $0.00
    assert month.reason.endswith("until 2026-12-01T00:00Z unless the cap is raised")


@pytest.mark.parametrize("now, period, end", [
    (datetime(2026, 11, 26, 23, 59, 59, tzinfo=UTC), "day", datetime(2026, 11, 27, tzinfo=UTC)),
    (datetime(2026, 11, 30, 12, tzinfo=UTC), "day", datetime(2026, 12, 1, tzinfo=UTC)),
    (datetime(2026, 12, 31, 23, 59, tzinfo=UTC), "month", datetime(2027, 1, 1, tzinfo=UTC)),  # the year rolls over
    (datetime(2026, 2, 1, tzinfo=UTC), "month", datetime(2026, 3, 1, tzinfo=UTC)),
    # 01:30 on December 1st in UTC+2 is still November 30th in UTC: periods are UTC whatever the clock's zone
    (datetime(2026, 11, 30, 23, 30, tzinfo=UTC).astimezone(timezone(timedelta(hours=2))), "month",
     datetime(2026, 12, 1, tzinfo=UTC)),
])
def test_periods_end_at_the_next_utc_midnight_or_first_of_the_month(now, period, end):
    assert period_end(now, period) == end


def test_the_store_sums_each_runs_spend_in_the_utc_day_and_month_it_was_last_counted(store):
    store.record_spend("run-last-month", "bedrock", 4.0, at=utc(2026, 10, 31, 23, 59, 59))
    store.record_spend("run-yesterday", "bedrock", 2.0, at=utc(2026, 11, 25, 23, 59, 59))
    store.record_spend("run-at-midnight", "bedrock", 1.0, at=utc(2026, 11, 26))
    store.record_spend("run-this-morning", "bedrock", 8.0, at=utc(2026, 11, 26, 11))
    spend = store.llm_spend(NOW)
    assert (spend.day, spend.month) == pytest.approx((9.0, 11.0))
    # a run's figure is its total so far: counted again at its next step, it replaces (and re-dates) the first
    store.record_spend("run-yesterday", "bedrock", 2.5, at=utc(2026, 11, 26, 12))
    spend = store.llm_spend(NOW)
    assert (spend.day, spend.month) == pytest.approx((11.5, 11.5))
    # the month rolls over at its first UTC midnight: November's spend counts for neither period of December 1st
    store.record_spend("run-in-december", "openai", 0.25, at=utc(2026, 12, 1))
    december = store.llm_spend(datetime(2026, 12, 1, 0, 0, 1, tzinfo=UTC))
    assert (december.day, december.month) == pytest.approx((0.25, 0.25))


def test_a_run_keeps_the_brain_it_was_given_and_its_spend_does_not_change_it(store):
    assert store.run_brain("run-1") is None
    store.give_brain("run-1", BrainChoice(brain="offline", reason="the daily LLM spend cap ..."))
    store.give_brain("run-1", BrainChoice(brain="bedrock"))  # a run that never started may be given another
    store.give_brain("run-2", BrainChoice(brain="offline", reason="capped"))
    store.record_spend("run-1", "bedrock", 0.5, at=utc(2026, 11, 26, 1))
    store.record_spend("run-2", "offline", 0.0, at=utc(2026, 11, 26, 1))
    assert store.run_brain("run-1") == BrainChoice(brain="bedrock")
    assert store.run_brain("run-2") == BrainChoice(brain="offline", reason="capped")


def test_the_spend_query_is_answered_from_its_index_alone(tmp_path):
    store = SqliteStore(tmp_path / "service.sqlite")
    plan = " ".join(str(row[-1]) for row in store._sql("EXPLAIN QUERY PLAN " + SPEND_QUERY, (0.0, 0.0)).fetchall())
    assert "USING COVERING INDEX sre_run_brains_by_spend (spent_at>?)" in plan, plan


class CountingStore(SqliteStore):
    def __init__(self, path) -> None:
        super().__init__(path)
        self.spend_queries = 0

    def llm_spend(self, now: datetime) -> Spend:
        self.spend_queries += 1
        return super().llm_spend(now)


def test_runs_that_started_keep_their_brain_and_only_new_runs_switch(tmp_path):
    store = CountingStore(tmp_path / "service.sqlite")
    gate = SpendGate(store, SpendCaps(day=1.0), clock=NOW.timestamp)
    before, new = gate.brain_for("run-early", started=False, configured="bedrock")
    assert (before.brain, new) == ("bedrock", True)
    store.record_spend("run-early", "bedrock", 1.2, at=NOW.timestamp() - 60)
    assert gate.brain_for("run-early", started=True, configured="bedrock") == (BrainChoice(brain="bedrock"), False)
    late, new = gate.brain_for("run-late", started=False, configured="bedrock")
    assert (late.brain, late.capped_by, new) == ("offline", "day", True) and "$1.20 spent" in (late.reason or "")
    assert store.spend_queries == 2  # one per new run, none for a run's later steps
    raised = SpendGate(store, SpendCaps(day=10.0), clock=NOW.timestamp)  # the cap raised (a restart): still offline
    assert raised.brain_for("run-late", started=True, configured="bedrock")[0] == store.run_brain("run-late")
    assert raised.brain_for("run-late", started=True, configured="bedrock")[0].brain == "offline"
    # started before brains were recorded: the configured brain, as before
    assert gate.brain_for("run-from-before", started=True, configured="bedrock")[0] == BrainChoice(brain="bedrock")
    uncapped = SpendGate(store, SpendCaps(), clock=NOW.timestamp)
    assert uncapped.brain_for("run-free", started=False, configured="bedrock")[0].brain == "bedrock"
    assert SpendGate(store, SpendCaps(day=0.0)).brain_for("run-x", started=False, configured="offline")[0].brain == "offline"
    assert store.spend_queries == 2  # no cap set, or the offline brain configured: no query at all


def test_a_capped_runs_report_and_result_say_why():
    reason = "the daily LLM spend cap ($5.00) is reached: $5.12 spent since 2026-11-26T00:00Z; ..."
    state = Investigation(incident=incident_from_question("is shop healthy?"), run_id="run-1", brain="offline",
                          brain_reason=reason, status="healthy")
    result = to_result(state, duration_s=1.0, trace_id=None, report_path=None)
    assert result.llm.brain == "offline" and result.llm.brain_reason == reason
    assert f"**Brain:** offline -- {reason}" in render_markdown(state, result)


class RecordingSteps:
    """The workers' step runner, standing in for the graph: each step finishes, having spent `cost` in all."""

    def __init__(self, cost: float) -> None:
        self.cost, self.requests = cost, []

    async def run(self, request) -> RunStep:
        self.requests.append(request)
        spent = self.cost if request.options.brain != "offline" else 0.0
        result = InvestigationResult(incident_id="inc", run_id=request.run_id, status="healthy",
                                     llm=LlmUsage(brain=request.options.brain, cost_usd=spent))
        return RunStep(result=result, report_markdown="# report", llm_cost_usd=spent)


def test_the_workers_switch_a_new_run_once_the_cap_is_reached_and_metrics_say_so(tmp_path):
    service = IncidentService(RunOptions(state_dir=tmp_path, brain="bedrock"), shared_servers=False,
                              spend_caps=SpendCaps(day=0.05, month=10.0))
    service.spend.clock = NOW.timestamp  # the workers' and /metrics' clock: no UTC midnight between the two runs
    steps = service.workers.steps = RecordingSteps(cost=0.06)

    def next_run():
        queued = service.store.intake(incident_from_question("is shop healthy?"), {}, "api")
        run = service.store.claim_next(service.workers.owner, 30)
        assert run is not None and run.run_id == queued.run_id
        asyncio.run(service.workers._step(run))
        return service.store.run(run.run_id)

    first, second = next_run(), next_run()
    assert [r.options.brain for r in steps.requests] == ["bedrock", "offline"]
    assert steps.requests[0].options.brain_reason is None
    assert steps.requests[1].options.brain_reason.startswith("the daily LLM spend cap ($0.05) is reached: $0.06 spent")
    assert first.state == second.state == "done"
    assert service.store.run_brain(second.run_id).reason == steps.requests[1].options.brain_reason
    metrics = service.metrics.render().decode()
    assert 'sre_agent_llm_spend_usd{period="day"} 0.06' in metrics
    assert 'sre_agent_llm_spend_usd{period="month"} 0.06' in metrics
    assert 'sre_agent_llm_spend_cap_usd{period="day"} 0.05' in metrics
    assert 'sre_agent_llm_spend_cap_reached{period="day"} 1.0' in metrics
    assert 'sre_agent_llm_spend_cap_reached{period="month"} 0.0' in metrics
    assert 'sre_agent_llm_capped_runs_total{period="day"} 1.0' in metrics
