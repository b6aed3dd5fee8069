"""Tokens and dollars: every model answer's usage_metadata is added up per model and priced from
the table in brains/prices.yaml (data, so a new model is a line, not a release)."""

from __future__ import annotations

import fnmatch
from functools import lru_cache
from pathlib import Path

import yaml
from langchain_core.messages import AIMessage
from pydantic import BaseModel, Field

from ...graph.ports import BrainSpend

PRICES_FILE = Path(__file__).resolve().parent.parent / "prices.yaml"


class Price(BaseModel):
    match: str
    input: float = Field(ge=0, description="USD per million input tokens")
    output: float = Field(ge=0, description="USD per million output tokens")


class PriceTable(BaseModel):
    models: list[Price]

    def price_of(self, model_id: str) -> Price | None:
        return next((p for p in self.models if fnmatch.fnmatchcase(model_id, p.match)), None)

    def cost(self, model_id: str, input_tokens: int, output_tokens: int) -> float | None:
        price = self.price_of(model_id)
        if price is None:
            return None
        return (input_tokens * price.input + output_tokens * price.output) / 1_000_000


@lru_cache(maxsize=4)
def load_prices(path: Path = PRICES_FILE) -> PriceTable:
    try:
        return PriceTable.model_validate(yaml.safe_load(path.read_text()))
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot read the LLM price table {path}: {exc}") from None


class UsageMeter:
    """Counts one run's tokens; `take()` hands over what accumulated since the previous take."""

    def __init__(self, prices: PriceTable | None = None) -> None:
        self.prices = prices or load_prices()
        self._pending = BrainSpend()
        self._unpriced: set[str] = set()

    def add(self, label: str, model_id: str, message: AIMessage | None) -> None:
        usage = getattr(message, "usage_metadata", None) or {}
        tokens_in, tokens_out = int(usage.get("input_tokens") or 0), int(usage.get("output_tokens") or 0)
        pending = self._pending
        pending.input_tokens += tokens_in
        pending.output_tokens += tokens_out
        if label not in pending.models:
            pending.models.append(label)
        cost = self.prices.cost(model_id, tokens_in, tokens_out)
        if cost is None:
            if model_id not in self._unpriced:
                self._unpriced.add(model_id)
                pending.notes.append(f"no price listed for model {model_id}: its tokens are counted at $0 "
                                     "(add it to sre_agent/brains/prices.yaml)")
        else:
            pending.cost_usd += cost

    def note(self, text: str) -> None:
        self._pending.notes.append(text)

    def take(self) -> BrainSpend:
        spent, self._pending = self._pending, BrainSpend()
        return spent
