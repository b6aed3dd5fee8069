"""Cached prompt tokens are counted and priced apart; the run's budget counts what a brain spent
but has not handed over yet."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from langchain_core.messages import AIMessage

from sre_agent.brains.llm.usage import UsageMeter, load_prices
from sre_agent.contracts import Incident
from sre_agent.graph.spend import budget_spent
from sre_agent.graph.state import Budget, Investigation, Usage

SONNET = "us.anthropic.claude-sonnet-4-6"


def cached_answer(total: int, read: int, written: int, output: int = 100) -> AIMessage:
    return AIMessage("", usage_metadata={"input_tokens": total, "output_tokens": output, "total_tokens": total + output,
                                         "input_token_details": {"cache_read": read, "cache_creation": written}})


def test_cache_reads_and_writes_are_priced_at_their_own_rates():
    meter = UsageMeter()
    usage = meter.add(f"bedrock:{SONNET}", SONNET, cached_answer(10_000, read=8_000, written=1_000))
    assert (usage.uncached_input_tokens, usage.cache_read_tokens, usage.cache_write_tokens) == (1_000, 8_000, 1_000)
    # Sonnet: $3 input, $0.30 cache read, $3.75 cache write, $15 output per million tokens
    assert usage.cost_usd == pytest.approx((1_000 * 3 + 8_000 * 0.30 + 1_000 * 3.75 + 100 * 15) / 1e6)
    uncached = load_prices().cost(SONNET, 10_000, 100)
    assert usage.cost_usd < uncached / 2
    spend = meter.take()
    assert (spend.input_tokens, spend.cost_usd) == (10_000, pytest.approx(usage.cost_usd))
    assert "8000 read from the prompt cache, 1000 written to it" in meter.summary()


def test_a_model_without_cache_prices_pays_the_input_price_for_cached_tokens():
    table = load_prices().model_copy(deep=True)
    table.models[0].cache_read = None
    price = table.models[0]
    model = price.match.strip("*")
    assert table.cost(model, 1000, 0, cache_read_tokens=1000) == pytest.approx(1000 * price.input / 1e6)


def test_the_budget_counts_checkpointed_and_pending_spend():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    state = Investigation(incident=Incident(id="i", title="t", started_at=now, window_start=now, window_end=now),
                          budget=Budget(max_tokens=10_000, max_cost_usd=0.5), usage=Usage(input_tokens=6_000, cost_usd=0.1))
    assert budget_spent(state) is None
    assert budget_spent(state, pending_tokens=4_000) == "token budget spent (10000 of 10000)"
    assert budget_spent(state, pending_cost_usd=0.45) == "cost budget spent ($0.55 of $0.50)"
