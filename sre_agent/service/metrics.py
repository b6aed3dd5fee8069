"""The service's /metrics (Prometheus text format), on a registry of its own so two services in one
process (tests) never share counters. Gauges that the store knows (runs by state, the backlog, the
LLM spend against its caps) are read from it at scrape time, so every replica reports the shared truth."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

from .spend_caps import PERIODS, Spend, SpendCaps, SpendGate

RUN_STATES = ("queued", "running", "awaiting_approval", "done", "failed")


class _StoreCollector:
    def __init__(self, store: Any, workers: Any, spend: SpendGate) -> None:
        self.store, self.workers, self.spend = store, workers, spend

    def collect(self):
        runs = GaugeMetricFamily("sre_agent_runs", "Runs by state (all replicas sharing the store)", labels=["state"])
        counts = self.store.counts()
        for state in RUN_STATES:
            runs.add_metric([state], counts.get(state, 0))
        yield runs
        yield GaugeMetricFamily("sre_agent_queue_depth", "Runs waiting for a worker", value=self.store.backlog())
        if self.workers is not None:
            yield GaugeMetricFamily("sre_agent_workers_busy", "Workers of this replica running a step",
                                    value=self.workers.busy)
        yield from _spend_gauges(self.spend.spend(), self.spend.caps)


def _spend_gauges(spend: Spend, caps: SpendCaps) -> Iterator[GaugeMetricFamily]:
    spent = GaugeMetricFamily("sre_agent_llm_spend_usd", "LLM spend of all runs since the start of this UTC day / "
                              "month (a run counts at its last step)", labels=["period"])
    capped = GaugeMetricFamily("sre_agent_llm_spend_cap_usd", "The LLM spend caps that are set (budget.daily_cost_usd, "
                               "budget.monthly_cost_usd)", labels=["period"])
    reached = GaugeMetricFamily("sre_agent_llm_spend_cap_reached", "1 while the period's LLM spend cap is reached: new "
                                "runs use the offline brain", labels=["period"])
    for period in PERIODS:
        spent.add_metric([period], spend.of(period))
        reached.add_metric([period], 1 if period in spend.reached(caps) else 0)
        if (cap := caps.of(period)) is not None:
            capped.add_metric([period], cap)
    yield from (spent, capped, reached)


class ServiceMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.notifications = Counter("sre_agent_notifications", "Alarm notifications and questions received, by source "
                                     "and what became of them", ["source", "disposition"], registry=self.registry)
        self.rejected = Counter("sre_agent_requests_rejected", "Requests refused, by reason", ["reason"],
                                registry=self.registry)
        self.guard_refusals = Counter("sre_agent_guard_refusals", "Requests the HTTP guard refused before the app, by "
                                      "reason (guard.REFUSAL_REASONS)", ["reason"], registry=self.registry)
        self.finished = Counter("sre_agent_incident_runs_finished", "Runs finished, by final status", ["status"],
                                registry=self.registry)
        self.run_seconds = Histogram("sre_agent_run_step_seconds", "Duration of one run step (to its end or its approval pause)",
                                     buckets=(1, 2, 5, 10, 20, 30, 60, 120, 300, 600), registry=self.registry)
        self.tool_calls = Counter("sre_agent_tool_calls", "MCP tool calls by server, tool and outcome",
                                  ["server", "tool", "outcome"], registry=self.registry)
        self.llm_tokens = Counter("sre_agent_llm_tokens", "LLM tokens used by runs", ["kind"], registry=self.registry)
        self.llm_cost = Counter("sre_agent_llm_cost_usd", "Estimated LLM cost of runs in USD", registry=self.registry)
        self.capped_runs = Counter("sre_agent_llm_capped_runs", "Runs given the offline brain because an LLM spend cap "
                                   "was reached, by the cap's period", ["period"], registry=self.registry)

    def watch(self, store: Any, workers: Any, spend: SpendGate) -> None:
        self.registry.register(_StoreCollector(store, workers, spend))

    def observe_step(self, step: Any) -> None:
        """Tool calls of one run step (by outcome) and, when it finished, the run's LLM spend."""
        for server, tool, ok in step.tool_calls:
            self.tool_calls.labels(server, tool, "ok" if ok else "error").inc()
        if step.result is not None:
            usage = step.result.llm
            self.llm_tokens.labels("input").inc(usage.input_tokens)
            self.llm_tokens.labels("output").inc(usage.output_tokens)
            self.llm_cost.inc(usage.cost_usd)

    def render(self) -> bytes:
        return generate_latest(self.registry)
