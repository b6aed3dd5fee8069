"""Tokens per investigation of the LLM brains, counted on each provider's wire format.

Each replay case (sre_agent/eval/replay_cases: the catalog, recorded from the lab) is replayed with
the bedrock, anthropic and openai brains against the scripted provider server (tests/provider_wire.py):
the real provider clients send real requests over HTTP; the server counts what each request carries
(system, tool definitions, messages: about 4 characters a token) and answers with the provider's
usage fields, prompt caching included. A scripted SRE (tests/integration/llm/wire_sre.py) plays the
model, so what is measured is what the brain sends, not how well a model reasons.

Variants in the same run: the brain as it is, with prompt caching on (every provider) and off, and
`before`: the brain (sre_agent/ and prompts/) at BEFORE_REF -- the commit before the current round
of token cuts -- extracted with `git archive` and replayed by this same script (`--code DIR`), so
both are measured with the same scripted server, scripted SRE and cases. Each row also keeps the
case's replayed diagnosis (category, resource, root-cause hits), so a cut that changed a conclusion
shows up case by case.

    python bench/bench_llm_tokens.py OUT.json [--cases DIR] [--only ID ...] [--providers bedrock,anthropic,openai]
        [--variants cached,uncached,before] [--before-ref REF] [--code DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _code_dir(argv: list[str]) -> Path:
    """The tree whose brain is measured (`--code DIR`; this one by default), read before the imports below."""
    return Path(argv[argv.index("--code") + 1]).resolve() if "--code" in argv else ROOT


CODE = _code_dir(sys.argv)
sys.path[:0] = [str(CODE), str(ROOT / "tests"), str(ROOT / "tests" / "integration" / "llm")]

from provider_wire import ScriptedProviderServer  # noqa: E402
from wire_sre import wire_sre  # noqa: E402

from sre_agent.brains.llm.settings import LlmSettings  # noqa: E402
from sre_agent.eval.replay import replay_case  # noqa: E402
from sre_agent.eval.replay_case import case_dirs, load_case  # noqa: E402

MODELS = {"bedrock": "us.anthropic.claude-sonnet-4-6", "anthropic": "claude-sonnet-4-6", "openai": "gpt-4o"}
DEFAULT_CASES = ROOT / "sre_agent" / "eval" / "replay_cases"
# The brain before this round of token cuts (issue 12's aim: under 20k input, half of it cached).
BEFORE_REF = "f1da6e7b8b39dbb2ca2716665a5a70c4927ba5ad"
VARIANTS = ("cached", "uncached", "before")


def provider_environment(server: ScriptedProviderServer) -> dict[str, str]:
    return {"AWS_ENDPOINT_URL_BEDROCK_RUNTIME": server.base_url, "AWS_ACCESS_KEY_ID": "AKIABENCH",
            "AWS_SECRET_ACCESS_KEY": "bench-secret", "AWS_REGION": "us-east-1",
            "ANTHROPIC_API_KEY": server.anthropic_key, "ANTHROPIC_BASE_URL": server.base_url,
            "OPENAI_API_KEY": server.openai_key, "OPENAI_BASE_URL": server.openai_url}


def measure(case_dir: Path, provider: str, caching: bool) -> dict:
    loaded = load_case(case_dir)
    with ScriptedProviderServer(wire_sre) as server:
        saved = dict(os.environ)
        os.environ.update(provider_environment(server))
        try:
            llm = LlmSettings(bedrock_model=MODELS["bedrock"], anthropic_model=MODELS["anthropic"],
                              openai_model=MODELS["openai"], prompt_caching=caching, retries=0,
                              prompts_dir=CODE / "prompts")
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
            "category": row.category, "resource": row.resource, "root_cause_category": row.root_cause_category,
            "root_cause_resource": row.root_cause_resource, "error": row.error}


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


def before(args: argparse.Namespace, directories: list[Path]) -> dict:
    """The cached variant of the brain at --before-ref, replayed by this script in a fresh process."""
    with tempfile.TemporaryDirectory(prefix="llm-tokens-before-") as tmp:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.before_ref, "sre_agent", "prompts"],
                                 capture_output=True, check=False)
        if archive.returncode != 0:
            raise SystemExit(f"before: cannot read {args.before_ref}: {archive.stderr.decode().strip()}")
        subprocess.run(["tar", "-x", "-C", tmp], input=archive.stdout, check=True)
        out = Path(tmp) / "before.json"
        only = ["--only", *[d.name for d in directories]]
        subprocess.run([sys.executable, __file__, str(out), "--code", tmp, "--variants", "cached", "--cases",
                        str(args.cases), "--providers", args.before_providers, *only], check=True)
        return json.loads(out.read_text())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--cases", type=Path, default=DEFAULT_CASES)
    parser.add_argument("--only", nargs="*", default=None)
    parser.add_argument("--providers", default="bedrock,anthropic,openai")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--uncached-providers", default="bedrock", help="providers for the uncached variant")
    parser.add_argument("--before-providers", default="bedrock,anthropic,openai", help="providers for the before variant")
    parser.add_argument("--before-ref", default=BEFORE_REF)
    parser.add_argument("--code", type=Path, default=ROOT, help="measure the brain of this tree (read at start-up)")
    args = parser.parse_args()
    wanted = args.variants.split(",")
    directories = case_dirs(args.cases, args.only)
    results: dict = {"method": "replayed catalog cases; tokens counted by the scripted provider server from the bytes "
                               "of each request (about 4 characters a token); a scripted SRE plays the model",
                     "cases": [d.name for d in directories], "aim": "under 20k input tokens per investigation, "
                     "at least half of them cached after the first call", "summary": {}, "rows": {}}
    for name, caching, providers in (("cached", True, args.providers), ("uncached", False, args.uncached_providers)):
        if name not in wanted:
            continue
        for provider in providers.split(","):
            rows = [measure(d, provider, caching) for d in directories]
            key = f"{name} {provider}"
            results["summary"][key], results["rows"][key] = summarise(rows), rows
            print(f"{key:20} {json.dumps(results['summary'][key])}", file=sys.stderr, flush=True)
    if "before" in wanted:
        old = before(args, directories)
        results["before_ref"] = args.before_ref
        for key in old["summary"]:
            renamed = key.replace("cached", "before", 1)
            results["summary"][renamed], results["rows"][renamed] = old["summary"][key], old["rows"][key]
        results["changed_diagnoses"] = changed_diagnoses(results["rows"])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))


def changed_diagnoses(rows: dict[str, list[dict]]) -> list[str]:
    """Cases whose replayed diagnosis differs between the brain now and before, per provider."""
    changed = []
    for key, now in rows.items():
        if not key.startswith("cached "):
            continue
        then = {r["case"]: r for r in rows.get(key.replace("cached", "before", 1), [])}
        for row in now:
            old = then.get(row["case"])
            if old is not None and (old["category"], old["resource"]) != (row["category"], row["resource"]):
                changed.append(f"{key.split()[1]} {row['case']}: {old['category']} {old['resource']} -> "
                               f"{row['category']} {row['resource']}")
    return changed


if __name__ == "__main__":
    main()
