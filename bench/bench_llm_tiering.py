"""Cost of an investigation tiered vs on one model, on the recorded catalog.

Each replay case (sre_agent/eval/replay_cases) is replayed twice with the Bedrock brain against the scripted
provider server (tests/provider_wire.py), in the same run: `single` -- Claude Sonnet 4.6 for every step
(llm.bedrock_model set) -- and `tiered` -- Bedrock's default with no model set: Claude Haiku 4.5 routes (the
supervisor's questions), Sonnet 4.6 investigates and concludes. The real Bedrock client sends real Converse
requests; the server counts the tokens of each request (about four characters a token), simulates prompt
caching and records which model each request named; each request is priced at its model's rates in
sre_agent/brains/prices.yaml (cache reads and writes at theirs). A scripted SRE plays both models alike, so
what differs is only what each tier costs, and the replayed diagnoses must not differ.

    python bench/bench_llm_tiering.py OUT.json [--cases DIR] [--only ID ...]
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
from sre_agent.brains.llm.usage import load_prices  # noqa: E402
from sre_agent.eval.replay import replay_case  # noqa: E402
from sre_agent.eval.replay_case import case_dirs, load_case  # noqa: E402

SONNET = "us.anthropic.claude-sonnet-4-6"
DEFAULT_CASES = ROOT / "sre_agent" / "eval" / "replay_cases"
VARIANTS = {"single": LlmSettings(bedrock_model=SONNET, retries=0), "tiered": LlmSettings(retries=0)}


def measure(case_dir: Path, variant: str) -> dict:
    loaded = load_case(case_dir)
    prices = load_prices()
    with ScriptedProviderServer(wire_sre) as server:
        saved = dict(os.environ)
        os.environ.update({"AWS_ENDPOINT_URL_BEDROCK_RUNTIME": server.base_url, "AWS_ACCESS_KEY_ID": "AKIABENCH",
                           "AWS_SECRET_ACCESS_KEY": "bench-secret", "AWS_REGION": "us-east-1"})
        try:
            row = replay_case(loaded, brain="bedrock", llm=VARIANTS[variant])
        finally:
            os.environ.clear()
            os.environ.update(saved)
        answered = [e for e in server.exchanges if e.status == 200]
    per_model: dict[str, dict] = {}
    for e in answered:
        cost = prices.cost(e.model, e.input_tokens, e.output_tokens, cache_read_tokens=e.cache_read,
                           cache_write_tokens=e.cache_write) or 0.0
        mine = per_model.setdefault(e.model, {"calls": 0, "input": 0, "output": 0, "usd": 0.0})
        mine["calls"] += 1
        mine["input"] += e.input_tokens
        mine["output"] += e.output_tokens
        mine["usd"] = round(mine["usd"] + cost, 6)
    return {"case": loaded.case.id, "variant": variant, "model_calls": len(answered),
            "input": sum(e.input_tokens for e in answered), "output": sum(e.output_tokens for e in answered),
            "usd": round(sum(m["usd"] for m in per_model.values()), 6), "per_model": per_model,
            "category": row.category, "resource": row.resource, "replay_misses": len(row.misses), "error": row.error}


def summarise(rows: list[dict]) -> dict:
    ok = [r for r in rows if not r["error"]]
    models: dict[str, dict] = {}
    for row in ok:
        for model, spend in row["per_model"].items():
            mine = models.setdefault(model, {"calls": 0, "input": 0, "output": 0, "usd": 0.0})
            for key in ("calls", "input", "output"):
                mine[key] += spend[key]
            mine["usd"] = round(mine["usd"] + spend["usd"], 6)
    return {"cases": len(ok), "errors": len(rows) - len(ok),
            "usd_per_investigation_mean": round(statistics.mean(r["usd"] for r in ok), 5) if ok else None,
            "usd_per_investigation_median": round(statistics.median(r["usd"] for r in ok), 5) if ok else None,
            "usd_total": round(sum(r["usd"] for r in ok), 5), "input_total": sum(r["input"] for r in ok),
            "output_total": sum(r["output"] for r in ok), "replay_misses": sum(r["replay_misses"] for r in ok),
            "per_model": models}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--cases", type=Path, default=DEFAULT_CASES)
    parser.add_argument("--only", nargs="*", default=None)
    args = parser.parse_args()
    directories = case_dirs(args.cases, args.only)
    results: dict = {"method": "replayed catalog cases on the Bedrock wire (scripted provider server); tokens counted "
                               "from each request, priced per request at its model's rates (prices.yaml)",
                     "variants": {"single": f"{SONNET} for every step",
                                  "tiered": "Bedrock's default: Claude Haiku 4.5 routes, Claude Sonnet 4.6 investigates"},
                     "cases": [d.name for d in directories], "summary": {}, "rows": {}}
    for variant in VARIANTS:
        rows = [measure(d, variant) for d in directories]
        results["summary"][variant], results["rows"][variant] = summarise(rows), rows
        print(f"{variant:8} {json.dumps(results['summary'][variant])}", file=sys.stderr, flush=True)
    single, tiered = results["summary"]["single"], results["summary"]["tiered"]
    if single["usd_total"]:
        results["tiered_over_single_cost"] = round(tiered["usd_total"] / single["usd_total"], 3)
    results["changed_diagnoses"] = [a["case"] for a, b in zip(results["rows"]["single"], results["rows"]["tiered"],
                                                              strict=True)
                                    if (a["category"], a["resource"]) != (b["category"], b["resource"])]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
