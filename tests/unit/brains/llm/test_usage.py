"""Token and cost accounting from usage_metadata, priced from brains/prices.yaml."""

from __future__ import annotations

import pytest
from llm_fakes import answer

from sre_agent.brains.llm.usage import UsageMeter

PRIMARY_ID = "us.anthropic.claude-sonnet-4-20250514-v1:0"


def test_unpriced_models_cost_nothing_and_say_so():
    meter = UsageMeter()
    message = answer(text="x")
    meter.add("openai:my-local-model", "my-local-model", message)
    meter.add(f"bedrock:{PRIMARY_ID}", PRIMARY_ID, message)
    spend = meter.take()
    assert (spend.input_tokens, spend.output_tokens) == (2000, 200)
    assert spend.cost_usd == pytest.approx((1000 * 3.0 + 100 * 15.0) / 1e6)
    assert any("no price listed for model my-local-model" in n for n in spend.notes)
    assert meter.take().input_tokens == 0  # handed over once
