"""`sre-agent bench`: run the benchmarks (not timed tests) and publish docs/benchmarks.md."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Optional

import typer

REPO_ROOT = Path(__file__).resolve().parents[2]
BENCH_DIR = REPO_ROOT / "bench"
RESULTS = BENCH_DIR / "results"
# name -> (script, extra args, what it measures)
BENCHMARKS: dict[str, tuple[str, list[str], str]] = {
    "lab": ("bench_lab.py", [], "lab start and scenario load time"),
    "lab_api": ("bench_lab_api.py", [], "5,000 pods on 200 nodes: full-cluster pod list latency and memory"),
    "mcp_roundtrip": ("bench_mcp_roundtrip.py", [], "MCP tool round trip over stdio and HTTP, server start"),
    "analyze": ("bench_analyze.py", [], "the kubernetes server's analyze tool on a 5,000-pod cluster"),
    "log_patterns": ("bench_log_patterns.py", [], "log template mining throughput"),
    "anomalies": ("bench_anomalies.py", [], "anomaly detector on NAB realAWSCloudwatch"),
    "graph": ("bench_graph.py", [], "graph overhead per node transition, peak memory"),
    "cli_startup": ("bench_cli_startup.py", [], "sre-agent --help / --version / a command's --help, fresh process each"),
    "redaction": ("bench_redaction.py", [], "the redaction layer: what it masks per catalog scenario, cost per tool call"),
    "chat": ("bench_chat.py", [], "chat: time to first answer and warm answer time per question form"),
    "intent_model": ("bench_intent_model.py", [], "the chat's intent classifier -- learning cost, memory, one guess"),
    "chat_llm": ("bench_chat_llm.py", [], "chat with an LLM brain over each provider's wire (scripted model): time, tokens, cache"),
    "sweep": ("bench_sweep.py", [], "sre-agent sweep over the real MCP servers at 100 / 1,000 / 5,000 pods"),
    "sweep_fleet": ("bench_sweep_fleet.py", [], "sre-agent sweep --all-contexts over 1 / 2 / 3 clusters of 5,000 pods: "
                    "time (server start-up included) against one cluster, peak RSS of the process tree"),
    "service": ("bench_service.py", [], "sre-agent serve: a 1,000-alarm intake storm, memory, runs/min over shared vs per-run servers"),
    "service_clusters": ("bench_service_clusters.py", [], "sre-agent serve with no / 1 / 3 clusters configured (own "
                         "vs shared AWS profile): RSS and PSS of the process tree idle and after a run per cluster, "
                         "MCP servers, the marginal cost of one more cluster"),
    "oidc": ("bench_oidc.py", [], "OIDC bearer tokens: verify cost per call with the JWKS cached, and intake p99 through "
             "sre-agent serve with a static vs an OIDC token"),
    "charts": ("bench_charts.py", [], "charts: evidence bytes with and without the kept metric series, render time per chart"),
    "llm_tokens": ("bench_llm_tokens.py", [], "LLM brains: input/output/cached tokens per investigation on each provider's wire, "
                   "replayed catalog cases, caching on/off and the brain before/after the latest token cuts"),
    "llm_tiering": ("bench_llm_tiering.py", [], "model tiering: cost per investigation with Haiku routing and Sonnet "
                    "investigating vs Sonnet for every step, replayed catalog cases on the Bedrock wire"),
    "alert_chain": ("bench_alert_chain.py", [], "a Prometheus rule firing -> Alertmanager -> the service's webhook -> "
                    "remediated, real Prometheus and Alertmanager over the lab: seconds per stage (3 rounds)"),
    "memory_store": ("bench_memory_store.py", [], "the incident memory at 10,000 and 100,000 incidents: store size, recall "
                     "latency against an empty store"),
    "storm": ("bench_storm.py", [], "25 differently named alarms about one root cause through the service: incidents, "
              "approval cards, joined, ended; 100 distinct faults in two clusters: none merged"),
    "recurrence": ("bench_recurrence.py", [], "the catalog run twice in one state dir: tool calls and time to diagnosis, "
                   "first vs second occurrence; moved faults; a different fault on a remembered object (~25 min)"),
}

app = typer.Typer(help="Benchmarks: write bench/results/*.json and docs/benchmarks.md.", no_args_is_help=True)


def machine() -> str:
    cpus = os.cpu_count()
    try:
        mem_kib = int(next(line for line in Path("/proc/meminfo").read_text().splitlines()
                           if line.startswith("MemTotal")).split()[1])
        memory = f"{mem_kib / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration, ValueError):
        memory = "unknown memory"
    return f"{platform.machine()}, {cpus} cores, {memory}, Python {platform.python_version()}, {platform.system()}"


def run_one(name: str) -> dict | None:
    script, extra, _ = BENCHMARKS[name]
    out = RESULTS / f"{name}.json"
    RESULTS.mkdir(parents=True, exist_ok=True)
    typer.echo(f"== {name}: {BENCHMARKS[name][2]}", err=True)
    proc = subprocess.run([sys.executable, str(BENCH_DIR / script), str(out), *extra], cwd=REPO_ROOT)
    if proc.returncode != 0 or not out.exists():
        typer.secho(f"   {name} failed (exit {proc.returncode})", fg=typer.colors.RED, err=True)
        return None
    return json.loads(out.read_text())


SUMMARY = REPO_ROOT / "docs" / "benchmarks-summary.md"


def render(results: dict[str, dict | None]) -> str:
    lines = ["# Benchmarks", "", f"Machine: {machine()}  ", f"Date: {datetime.now(UTC).date().isoformat()}  ",
             "Generated by `sre-agent bench all` (or `make bench`); raw results in `bench/results/`.", ""]
    if SUMMARY.exists():  # the human-written reading of the figures, kept with every regeneration
        lines += [SUMMARY.read_text().strip(), ""]
    for name, data in results.items():
        lines += [f"## {name}: {BENCHMARKS[name][2]}", ""]
        if data is None:
            lines += ["(did not run; see the command output)", ""]
            continue
        lines += ["```json", json.dumps(data, indent=2)[:4000], "```", ""]
    return "\n".join(lines)


def _sections(text: str) -> tuple[str, dict[str, str]]:
    """(the part before the first bench section, {bench name: its section text})."""
    head, sections, current = [], {}, None
    for line in text.splitlines(keepends=True):
        name = line[3:].split(":", 1)[0] if line.startswith("## ") and ":" in line else None
        if name in BENCHMARKS:
            current = name
            sections[current] = ""
        if current is None:
            head.append(line)
        else:
            sections[current] += line
    return "".join(head), sections


def merge_sections(old: str, new: str) -> str:
    """The old document with the re-run benches' sections replaced: their fresh JSON after the
    reading someone wrote above the old JSON (the prose stays; the figures are new)."""
    old_head, old_sections = _sections(old)
    new_head, new_sections = _sections(new)
    merged = dict(old_sections)
    for name, section in new_sections.items():
        prose = old_sections.get(name, "").split("```json", 1)[0] if "```json" in old_sections.get(name, "") else ""
        merged[name] = (prose + "```json" + section.split("```json", 1)[1]) if prose else section
    return new_head + "".join(merged[name] for name in BENCHMARKS if name in merged)


@app.command("all")
def run_all(only: Annotated[Optional[list[str]], typer.Option("--only", help=f"Subset of: {', '.join(BENCHMARKS)}")] = None,
            markdown: Annotated[Path, typer.Option(help="Where to write the summary.")] = REPO_ROOT / "docs" / "benchmarks.md") -> None:
    """Run every benchmark (a few minutes) and write docs/benchmarks.md with the machine and date."""
    names = only or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        typer.secho(f"unknown benchmarks {unknown}; choose from {list(BENCHMARKS)}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    results = {name: run_one(name) for name in names}
    markdown.parent.mkdir(parents=True, exist_ok=True)
    fresh = render(results)
    if only and markdown.exists():  # a subset re-run replaces its own sections, never the others'
        fresh = merge_sections(markdown.read_text(), fresh)
    markdown.write_text(fresh)
    typer.echo(f"wrote {markdown}")


@app.command()
def anomalies(nab: Annotated[Path, typer.Option(help="NAB data dir (realAWSCloudwatch/, combined_windows.json).")],
              json_out: Annotated[Optional[Path], typer.Option(
                  "--json", help="Write {standard, reward_low_FP_rate, reward_low_FN_rate, per_file}.")] = None) -> None:
    """Score the CloudWatch server's anomaly detector with NAB's own scoring."""
    # The detector lives in the CloudWatch server; sre_agent never imports the servers, so the
    # benchmark script (which may) does the scoring.
    out = json_out or RESULTS / "anomalies.json"
    if not (nab / "combined_windows.json").exists():
        typer.secho(f"{nab} is not a NAB data dir: combined_windows.json is missing", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    code = subprocess.run([sys.executable, str(BENCH_DIR / "bench_anomalies.py"), str(out), "--data-dir", str(nab)],
                          cwd=REPO_ROOT).returncode
    raise typer.Exit(code)

