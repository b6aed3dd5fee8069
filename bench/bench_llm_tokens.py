"""Tokens per investigation of the LLM brains, counted on each provider's wire format.

Each replay case (sre_agent/eval/replay_cases: the catalog, recorded from the lab) is replayed with
the bedrock, anthropic and openai brains against the scripted provider server (tests/provider_wire.py):
the real provider clients send real requests over HTTP; the server counts what each request carries
(system, tool definitions, messages: about 4 characters a token) and answers with the provider's
usage fields, prompt caching included. A scripted SRE (tests/integration/llm/wire_sre.py) plays the
model, so what is measured is what the brain sends, not how well a model reasons.

Variants in the same run: the tool binding as it is (each specialist its part of its server, compact
schemas, compact results) with prompt caching on and off, and the binding as it was before
(`--variants` ... `before`: every read-only tool of the server, schemas and results as served),
restored in this process only by swapping the three binding functions back.

    python bench/bench_llm_tokens.py OUT.json [--cases DIR] [--only ID ...] [--providers bedrock,anthropic,openai]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "tests" / "integration" / "llm")]

from provider_wire import ScriptedProviderServer  # noqa: E402
from wire_sre import wire_sre  # noqa: E402

from sre_agent.brains.llm.settings import LlmSettings  # noqa: E402
from sre_agent.eval.replay import replay_case  # noqa: E402
from sre_agent.eval.replay_case import case_dirs, load_case  # noqa: E402

MODELS = {"bedrock": "us.anthropic.claude-sonnet-4-6", "anthropic": "claude-sonnet-4-6", "openai": "gpt-4o"}
DEFAULT_CASES = ROOT / "sre_agent" / "eval" / "replay_cases"
# (name, prompt caching, compact binding)
VARIANTS = [("cached", True, True), ("uncached", False, True), ("before", True, False)]


def provider_environment(server: ScriptedProviderServer) -> dict[str, str]:
    return {"AWS_ENDPOINT_URL_BEDROCK_RUNTIME": server.base_url, "AWS_ACCESS_KEY_ID": "AKIABENCH",
            "AWS_SECRET_ACCESS_KEY": "bench-secret", "AWS_REGION": "us-east-1",
            "ANTHROPIC_API_KEY": server.anthropic_key, "ANTHROPIC_BASE_URL": server.base_url,
            "OPENAI_API_KEY": server.openai_key, "OPENAI_BASE_URL": server.openai_url}


def uncompacted_binding() -> None:
    """The binding before the token cuts: all of a server's read-only tools, as served, results as plain JSON."""
    from sre_agent.brains.llm import specialist

    specialist.offered_tools = lambda agent, tools: tools
    specialist.compact_tool = lambda tool: tool
    specialist.render_result = _plain_result


def _plain_result(data: object, limit: int) -> str:
    text = data if isinstance(data, str) else json.dumps(data, default=str)
    return text if len(text) <= limit else text[:limit] + f" ... [truncated, {len(text) - limit} more chars]"


def compact_binding() -> None:
    from sre_agent.brains.llm import specialist, tool_binding

    specialist.offered_tools = tool_binding.offered_tools
    specialist.compact_tool = tool_binding.compact_tool
    specialist.render_result = tool_binding.render_result


def measure(case_dir: Path, provider: str, caching: bool) -> dict:
    loaded = load_case(case_dir)
    with ScriptedProviderServer(wire_sre) as server:
        saved = dict(os.environ)
        os.environ.update(provider_environment(server))
        try:
            llm = LlmSettings(bedrock_model=MODELS["bedrock"], anthropic_model=MODELS["anthropic"],
                              openai_model=MODELS["openai"], prompt_caching=caching, retries=0,
                              prompts_dir=ROOT / "prompts")
            row = replay_case(loaded, brain=provider, llm=llm)
        finally:
            os.environ.clear()
            os.environ.update(saved)
        answered = [e for e in server.exchanges if e.status == 200]
    later = answered[1:]
    return {"case": loaded.case.id, "provider": provider, "model_calls": len(answered),
            "tool_calls": row.tool_calls, "replay_misses": len(row.misses),
            "input": sum(e.input_tokens for e in answered), "cache_read": sum(e.cache_read for e in answered),
            "cache_write": sum(e.cache_write for e in answered), "output": sum(e.output_tokens for e in answered),
            "cached_share_after_first": round(sum(e.cache_read for e in later) / max(1, sum(e.input_tokens for e in later)), 3),
            "largest_request": max((e.input_tokens for e in answered), default=0),
            "error": row.error}


def summarise(rows: list[dict]) -> dict:
    ok = [r for r in rows if not r["error"]]
    if not ok:
        return {"cases": 0, "errors": len(rows)}
    return {"cases": len(ok), "errors": len(rows) - len(ok),
            "input_per_investigation_mean": round(statistics.mean(r["input"] for r in ok)),
            "input_per_investigation_median": round(statistics.median(r["input"] for r in ok)),
            "input_per_investigation_max": max(r["input"] for r in ok),
            "output_per_investigation_mean": round(statistics.mean(r["output"] for r in ok)),
            "cache_read_mean": round(statistics.mean(r["cache_read"] for r in ok)),
            "cached_share_after_first": round(sum(r["cache_read"] for r in ok) and
                                              statistics.mean(r["cached_share_after_first"] for r in ok), 3),
            "model_calls_mean": round(statistics.mean(r["model_calls"] for r in ok), 1),
            "replay_misses": sum(r["replay_misses"] for r in ok)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--cases", type=Path, default=DEFAULT_CASES)
    parser.add_argument("--only", nargs="*", default=None)
    parser.add_argument("--providers", default="bedrock,anthropic,openai")
    parser.add_argument("--variants", default=",".join(v[0] for v in VARIANTS))
    parser.add_argument("--variant-providers", default="bedrock",
                        help="providers for the uncached and before variants (cached runs on every provider)")
    args = parser.parse_args()
    wanted = args.variants.split(",")
    directories = case_dirs(args.cases, args.only)
    results: dict = {"method": "replayed catalog cases; tokens counted by the scripted provider server from the bytes "
                               "of each request (about 4 characters a token); a scripted SRE plays the model",
                     "cases": [d.name for d in directories], "aim": "under 20k input tokens per investigation, "
                     "at least half of them cached after the first call", "summary": {}, "rows": {}}
    for name, caching, compact in VARIANTS:
        if name not in wanted:
            continue
        compact_binding() if compact else uncompacted_binding()
        providers = args.providers if name == "cached" else args.variant_providers
        for provider in providers.split(","):
            rows = [measure(d, provider, caching) for d in directories]
            key = f"{name} {provider}"
            results["summary"][key], results["rows"][key] = summarise(rows), rows
            print(f"{key:20} {json.dumps(results['summary'][key])}", file=sys.stderr, flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
