"""Tokens and dollars: every model answer's usage_metadata is added up per model and priced from
the table in brains/prices.yaml (data, so a new model is a line, not a release).

LangChain reports `input_tokens` including the cached part, and the cached part apart in
`input_token_details` (cache_read: a prefix read from the provider's prompt cache; cache_creation:
written to it). Each is priced at its own rate."""

from __future__ import annotations

import fnmatch
from functools import lru_cache
from pathlib import Path

import yaml
from langchain_core.messages import AIMessage
from pydantic import BaseModel, Field

from ...contracts import ModelSpend, merge_model_spend
from ...graph.ports import BrainSpend

PRICES_FILE = Path(__file__).resolve().parent.parent / "prices.yaml"


class Price(BaseModel):
    match: str
    input: float = Field(ge=0, description="USD per million input tokens")
    output: float = Field(ge=0, description="USD per million output tokens")
    cache_read: float | None = Field(None, ge=0, description="USD per million input tokens read from the prompt cache")
    cache_write: float | None = Field(None, ge=0, description="USD per million input tokens written to the prompt cache")


class CallUsage(BaseModel):
    """One model answer's tokens (input includes the cached parts) and what it cost (None: unpriced)."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cost_usd: float | None = None

    @classmethod
    def of(cls, message: AIMessage | None) -> CallUsage:
        usage = getattr(message, "usage_metadata", None) or {}
        details = usage.get("input_token_details") or {}
        return cls(input_tokens=int(usage.get("input_tokens") or 0), output_tokens=int(usage.get("output_tokens") or 0),
                   cache_read_tokens=int(details.get("cache_read") or 0),
                   cache_write_tokens=int(details.get("cache_creation") or 0))

    @property
    def uncached_input_tokens(self) -> int:
        return max(0, self.input_tokens - self.cache_read_tokens - self.cache_write_tokens)


class PriceTable(BaseModel):
    models: list[Price]

    def price_of(self, model_id: str) -> Price | None:
        return next((p for p in self.models if fnmatch.fnmatchcase(model_id, p.match)), None)

    def cost(self, model_id: str, input_tokens: int, output_tokens: int, *, cache_read_tokens: int = 0,
             cache_write_tokens: int = 0) -> float | None:
        """USD for one answer; `input_tokens` includes the cached parts, which are priced at their own rates."""
        price = self.price_of(model_id)
        if price is None:
            return None
        uncached = max(0, input_tokens - cache_read_tokens - cache_write_tokens)
        read = price.input if price.cache_read is None else price.cache_read
        write = price.input if price.cache_write is None else price.cache_write
        return (uncached * price.input + cache_read_tokens * read + cache_write_tokens * write
                + output_tokens * price.output) / 1_000_000


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
        self.total = CallUsage(cost_usd=0.0)  # the whole run's, cached tokens included (for notes and benchmarks)
        self.by_model: list[ModelSpend] = []  # the whole run's, model by model
        self.calls = 0

    @property
    def pending(self) -> BrainSpend:
        """Spent since the graph last took it: not yet in the run's checkpointed usage."""
        return self._pending

    def add(self, label: str, model_id: str, message: AIMessage | None, step: str = "") -> CallUsage:
        """Count one answer of model `label` to `step` ("kubernetes agent", "supervisor", ...)."""
        usage = CallUsage.of(message)
        pending = self._pending
        pending.input_tokens += usage.input_tokens
        pending.output_tokens += usage.output_tokens
        usage.cost_usd = self.prices.cost(model_id, usage.input_tokens, usage.output_tokens,
                                          cache_read_tokens=usage.cache_read_tokens,
                                          cache_write_tokens=usage.cache_write_tokens)
        if usage.cost_usd is None:
            if model_id not in self._unpriced:
                self._unpriced.add(model_id)
                pending.notes.append(f"no price listed for model {model_id}: its tokens are counted at $0 "
                                     "(add it to sre_agent/brains/prices.yaml)")
        else:
            pending.cost_usd += usage.cost_usd
        kind = step.split()[0] if step else ""  # "kubernetes agent" and "kubernetes report" are one step's
        one = ModelSpend(model=label, steps=[kind] if kind else [], calls=1, input_tokens=usage.input_tokens,
                         output_tokens=usage.output_tokens, cost_usd=usage.cost_usd or 0.0)
        pending.by_model = merge_model_spend(pending.by_model, [one])
        self.by_model = merge_model_spend(self.by_model, [one])
        total = self.total
        self.total = CallUsage(input_tokens=total.input_tokens + usage.input_tokens,
                               output_tokens=total.output_tokens + usage.output_tokens,
                               cache_read_tokens=total.cache_read_tokens + usage.cache_read_tokens,
                               cache_write_tokens=total.cache_write_tokens + usage.cache_write_tokens,
                               cost_usd=(total.cost_usd or 0.0) + (usage.cost_usd or 0.0))
        self.calls += 1
        return usage

    def summary(self) -> str:
        t = self.total
        text = (f"llm usage: {self.calls} call(s), {t.input_tokens} input tokens ({t.cache_read_tokens} read from the "
                f"prompt cache, {t.cache_write_tokens} written to it), {t.output_tokens} output tokens, "
                f"${t.cost_usd or 0.0:.4f}")
        if len(self.by_model) > 1:  # tiered: which model answered what
            text += "; " + "; ".join(f"{m.model} for {', '.join(m.steps)}: {m.calls} call(s), "
                                     f"{m.input_tokens + m.output_tokens} tokens, ${m.cost_usd:.4f}" for m in self.by_model)
        return text

    def note(self, text: str) -> None:
        self._pending.notes.append(text)

    def take(self) -> BrainSpend:
        spent, self._pending = self._pending, BrainSpend()
        return spent
