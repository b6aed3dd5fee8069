"""The service's LLM spend caps (budget.daily_cost_usd, budget.monthly_cost_usd): what all runs spent this UTC day
and this UTC month, and which brain a new run gets -- the configured one, or the offline brain with the reason when
a cap is reached. A run keeps the brain it was given at its first step, whatever the spend does afterwards.

Each run's brain and LLM spend live in a table of their own (store.py mixes these methods in), so an existing store
needs no migration. The spend is the run's total so far, written at the end of each of its steps (paused or
finished) and dated then: a run counts on the day of its last step, once. The totals are read from the store, not
kept in this process, so replicas sharing a PostgreSQL store see each other's spend and a restart forgets nothing;
that costs one range query per new run, answered from an index that holds both the date and the cost, and none at
all when no cap is set or the configured brain is offline."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel

SPEND_SCHEMA = [
    "CREATE TABLE IF NOT EXISTS sre_run_brains (run_id TEXT PRIMARY KEY, brain TEXT NOT NULL, reason TEXT, "
    "cost_usd DOUBLE PRECISION NOT NULL DEFAULT 0, spent_at DOUBLE PRECISION)",
    "CREATE INDEX IF NOT EXISTS sre_run_brains_by_spend ON sre_run_brains (spent_at, cost_usd)",
]
SPEND_QUERY = ("SELECT COALESCE(SUM(CASE WHEN spent_at >= ? THEN cost_usd ELSE 0 END), 0), COALESCE(SUM(cost_usd), 0) "
               "FROM sre_run_brains WHERE spent_at >= ?")

Period = Literal["day", "month"]
PERIODS: tuple[Period, ...] = ("day", "month")
CAP_NAMES = {"day": "daily", "month": "monthly"}


def period_start(now: datetime, period: Period) -> datetime:
    now = now.astimezone(UTC)
    return now.replace(day=now.day if period == "day" else 1, hour=0, minute=0, second=0, microsecond=0)


def period_end(now: datetime, period: Period) -> datetime:
    start = period_start(now, period)
    return start + timedelta(days=1) if period == "day" else (start + timedelta(days=32)).replace(day=1)


class SpendCaps(BaseModel):
    """budget.daily_cost_usd and budget.monthly_cost_usd, in US dollars; None: no cap."""

    day: float | None = None
    month: float | None = None

    def of(self, period: Period) -> float | None:
        return self.day if period == "day" else self.month


class Spend(BaseModel):
    """The LLM spend of all runs since the start of `now`'s UTC day and of its UTC month."""

    now: datetime
    day: float = 0.0
    month: float = 0.0

    def of(self, period: Period) -> float:
        return self.day if period == "day" else self.month

    def reached(self, caps: SpendCaps) -> list[Period]:
        return [p for p in PERIODS if (cap := caps.of(p)) is not None and self.of(p) >= cap]


class BrainChoice(BaseModel):
    """The brain of a run, and why it is not the configured one (None: it is)."""

    brain: str
    reason: str | None = None
    capped_by: Period | None = None


def choose_brain(configured: str, caps: SpendCaps, spend: Spend) -> BrainChoice:
    """The brain of a new run: the configured one, or the offline brain once a cap is reached."""
    reached = spend.reached(caps)
    if configured == "offline" or not reached:
        return BrainChoice(brain=configured)
    period = reached[-1]  # both reached: the month's cap, which holds the longer (until the month ends)
    cap = caps.of(period) or 0.0
    reason = (f"the {CAP_NAMES[period]} LLM spend cap ({_usd(cap)}) is reached: {_usd(spend.of(period))} spent since "
              f"{_minute(period_start(spend.now, period))}; this run uses the offline brain, as new runs will until "
              f"{_minute(period_end(spend.now, period))} unless the cap is raised")
    return BrainChoice(brain="offline", reason=reason, capped_by=period)


def _usd(amount: float) -> str:
    # cents, unless that would show a cap or a spend under a cent as $0.00
    return f"${amount:.2f}" if amount >= 1 or round(amount, 2) == amount else f"${amount:.6f}".rstrip("0")


def _minute(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%MZ")


class RunBrainRows:
    """The sre_run_brains table, over the store's connection and lock."""

    _sql: Any
    _lock: Any

    def give_brain(self, run_id: str, choice: BrainChoice) -> None:
        """The brain of `run_id`, chosen at its first step (a run that never started may be given another)."""
        with self._lock:
            self._sql("INSERT INTO sre_run_brains (run_id, brain, reason) VALUES (?, ?, ?) ON CONFLICT (run_id) "
                      "DO UPDATE SET brain=excluded.brain, reason=excluded.reason", (run_id, choice.brain, choice.reason))

    def run_brain(self, run_id: str) -> BrainChoice | None:
        with self._lock:
            row = self._sql("SELECT brain, reason FROM sre_run_brains WHERE run_id=?", (run_id,)).fetchone()
        return BrainChoice(brain=row[0], reason=row[1]) if row else None

    def record_spend(self, run_id: str, brain: str, cost_usd: float, at: float) -> None:
        """`run_id` has spent `cost_usd` on LLM calls so far (its total, not this step's), as of `at` (epoch seconds)."""
        with self._lock:
            self._sql("INSERT INTO sre_run_brains (run_id, brain, cost_usd, spent_at) VALUES (?, ?, ?, ?) "
                      "ON CONFLICT (run_id) DO UPDATE SET cost_usd=excluded.cost_usd, spent_at=excluded.spent_at",
                      (run_id, brain, cost_usd, at))

    def llm_spend(self, now: datetime) -> Spend:
        day, month = (period_start(now, p).timestamp() for p in PERIODS)
        with self._lock:
            row = self._sql(SPEND_QUERY, (day, month)).fetchone()
        return Spend(now=now, day=float(row[0]), month=float(row[1]))


class SpendGate:
    """The caps over the store: the brain of a run's next step, and the spend /metrics shows."""

    def __init__(self, store: Any, caps: SpendCaps, clock: Callable[[], float] = time.time) -> None:
        self.store, self.caps, self.clock = store, caps, clock

    def spend(self) -> Spend:
        return self.store.llm_spend(datetime.fromtimestamp(self.clock(), UTC))

    def record(self, run_id: str, brain: str, cost_usd: float) -> None:
        """A step of `run_id` ended with the run's LLM spend at `cost_usd` in all."""
        self.store.record_spend(run_id, brain, cost_usd, self.clock())

    def brain_for(self, run_id: str, started: bool, configured: str) -> tuple[BrainChoice, bool]:
        """The brain of run `run_id`'s next step, and whether it was chosen now (a new run). A run that started keeps
        the brain it was given; one started before brains were recorded keeps the configured one, as it did then."""
        if started:
            return self.store.run_brain(run_id) or BrainChoice(brain=configured), False
        may_cap = configured != "offline" and (self.caps.day is not None or self.caps.month is not None)
        choice = choose_brain(configured, self.caps, self.spend()) if may_cap else BrainChoice(brain=configured)
        self.store.give_brain(run_id, choice)
        return choice, True
