"""Tokens per investigation on the catalog, counted on each provider's wire (what is actually sent),
with and without prompt caching. A scripted SRE (wire_sre.py) plays the model; the lab, the three
MCP servers and the whole graph are real.

    PYTHONPATH=. python tests/integration/llm/measure_tokens.py [scenario ...] [--providers bedrock,anthropic,openai]

Prints one markdown row per (scenario, provider, caching): calls, input tokens (of which read from
and written to the cache), output tokens, cost, and the cached share of input after the first call."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parents[1])]  # wire_sre, provider_wire

from provider_wire import ScriptedProviderServer  # noqa: E402
from wire_sre import wire_sre  # noqa: E402

from sre_agent.brains.llm.settings import LlmSettings  # noqa: E402
from sre_agent.brains.llm.usage import load_prices  # noqa: E402
from sre_agent.eval.harness import run_scenario  # noqa: E402
from sre_agent.lab.scenarios.loader import load_scenarios  # noqa: E402
from sre_agent.lab.world.images import load_catalog  # noqa: E402

MODELS = {"bedrock": "us.anthropic.claude-sonnet-4-6", "anthropic": "claude-sonnet-4-6",
          "openai": "gpt-4o"}


def provider_environment(server: ScriptedProviderServer) -> dict[str, str]:
    return {"AWS_ENDPOINT_URL_BEDROCK_RUNTIME": server.base_url, "AWS_ACCESS_KEY_ID": "AKIAMEASURE",
            "AWS_SECRET_ACCESS_KEY": "measure-secret", "ANTHROPIC_API_KEY": server.anthropic_key,
            "ANTHROPIC_BASE_URL": server.base_url, "OPENAI_API_KEY": server.openai_key, "OPENAI_BASE_URL": server.openai_url}


def measure(scenario_id: str, provider: str, caching: bool) -> dict:
    loaded = load_scenarios(load_catalog())[scenario_id]
    with ScriptedProviderServer(wire_sre) as server:
        saved = dict(os.environ)
        os.environ.update(provider_environment(server))
        os.environ.setdefault("AWS_REGION", "us-east-1")
        try:
            llm = LlmSettings(bedrock_model=MODELS["bedrock"], anthropic_model=MODELS["anthropic"],
                              openai_model=MODELS["openai"], prompt_caching=caching, retries=0,
                              prompts_dir=HERE.parents[2] / "prompts")  # this checkout's prompts
            row = run_scenario(loaded, brain=provider, llm=llm, lab_speed=120, verify_timeout_s=20)
        finally:
            os.environ.clear()
            os.environ.update(saved)
        answered = [e for e in server.exchanges if e.status == 200]
    sent = sum(e.input_tokens for e in answered)
    read = sum(e.cache_read for e in answered)
    later = answered[1:]
    prices = load_prices()
    cost = sum(prices.cost(MODELS[provider], e.input_tokens, e.output_tokens, cache_read_tokens=e.cache_read,
                           cache_write_tokens=e.cache_write) or 0 for e in answered)
    return {"scenario": scenario_id, "provider": provider, "caching": caching, "calls": len(answered),
            "input": sent, "cache_read": read, "cache_write": sum(e.cache_write for e in answered),
            "output": sum(e.output_tokens for e in answered), "cost": cost, "tool_calls": row.tool_calls,
            "cached_after_first": (sum(e.cache_read for e in later) / max(1, sum(e.input_tokens for e in later))),
            "error": row.error}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("scenarios", nargs="*", default=["bad-image", "oom-killed", "upstream-dependency-down"])
    parser.add_argument("--providers", default="bedrock,anthropic,openai")
    args = parser.parse_args()
    print("| scenario | provider | caching | model calls | tool calls | input tokens | cache read | cache write | "
          "output tokens | cached share after 1st call | cost USD |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for scenario in args.scenarios:
        for provider in args.providers.split(","):
            for caching in ((True, False) if provider == "bedrock" else (True,)):
                r = measure(scenario, provider, caching)
                print(f"| {r['scenario']} | {r['provider']} | {'on' if r['caching'] else 'off'} | {r['calls']} | "
                      f"{r['tool_calls']} | {r['input']} | {r['cache_read']} | {r['cache_write']} | {r['output']} | "
                      f"{r['cached_after_first']:.0%} | {r['cost']:.4f} |" + (f" error: {r['error']}" if r["error"] else ""),
                      flush=True)


if __name__ == "__main__":
    main()
