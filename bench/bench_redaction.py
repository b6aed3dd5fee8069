"""The redaction layer (mcp_servers/common/redaction.py): what it masks in each catalog scenario,
and what it costs per tool call.

Counts: for every catalog scenario, a lab, the kubernetes and cloudwatch servers over stdio (as an
investigation runs them), and the reads an investigation makes of that world -- list pods,
workloads, ConfigMaps and Secrets; describe every workload, ConfigMap and Secret; all events; the
previous logs of every pod that is not running; every log group's recent events and templates.
Each result's `redacted` is summed per scenario, and the text before every mask is kept (the
`masked` list), so a false positive shows up by name.

Cost: the same calls' raw results (a server with --allow-sensitive-data-access) are redacted again
in this process, cold (caches cleared before each result) and warm, and compared with the MCP
round trip of the call that produced them.

    python bench/bench_redaction.py bench/results/redaction.json [--scenario bad-image ...]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout
sys.path.insert(0, str(ROOT / "tests"))

from mcp_harness import SyncMcpClient, stdio_client_for  # noqa: E402

from mcp_servers.common import redaction  # noqa: E402
from sre_agent.lab.lab import Lab  # noqa: E402
from sre_agent.lab.scenarios.loader import load_scenarios  # noqa: E402
from sre_agent.lab.world.images import load_catalog  # noqa: E402

MASKED = re.compile(r".{0,48}\*\*\*redacted\*\*\*")
WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet", "ConfigMap", "Secret")


def _calls(k8s: SyncMcpClient, cloudwatch: SyncMcpClient) -> list[tuple[str, str, dict[str, Any]]]:
    """(server, tool, args) of the reads an investigation of this world could make."""
    calls: list[tuple[str, str, dict[str, Any]]] = [("kubernetes", "get_resources", {"kind": "pods", "limit": 5000}),
                                                    ("kubernetes", "events", {"warnings_only": False, "limit": 1000})]
    for kind in WORKLOADS:
        calls.append(("kubernetes", "get_resources", {"kind": kind}))
        for item in k8s.call("get_resources", {"kind": kind}).json()["items"]:
            calls.append(("kubernetes", "describe", {"kind": kind, "name": item["name"], "namespace": item["namespace"]}))
    for pod in k8s.call("get_resources", {"kind": "pods", "limit": 5000}).json()["items"]:
        if pod["status"] != "Running":
            calls.append(("kubernetes", "pod_logs", {"namespace": pod["namespace"], "name": pod["name"], "previous": True}))
    groups = [g["name"] for g in cloudwatch.call("describe_log_groups", {"max_results": 50}).json()["log_groups"]]
    calls += [("cloudwatch", "filter_log_events", {"log_group": g, "limit": 200}) for g in groups]
    calls.append(("cloudwatch", "log_patterns", {"log_groups": groups[:10]}))
    return calls


def _servers(lab: Lab, args: list[str]) -> dict[str, SyncMcpClient]:
    return {name: stdio_client_for(f"mcp_servers.{name}", args, lab.env()) for name in ("kubernetes", "cloudwatch")}


def scenario_counts(scenario: str, raw_samples: list[tuple[float, dict[str, Any]]]) -> dict[str, Any]:
    lab = Lab().start()
    try:
        lab.load(scenario)
        redacting, raw = _servers(lab, []), _servers(lab, ["--allow-sensitive-data-access"])
        try:
            calls = _calls(redacting["kubernetes"], redacting["cloudwatch"])
            per_tool: dict[str, int] = {}
            masked: set[str] = set()
            for server, tool, args in calls:
                result = redacting[server].call(tool, args)
                if result.is_error:
                    continue
                per_tool[tool] = per_tool.get(tool, 0) + result.json()["redacted"]
                masked.update(m.group(0) for m in MASKED.finditer(result.text))
                started = time.perf_counter()
                unredacted = raw[server]._run(raw[server].session.call_tool(tool, args))
                round_trip = time.perf_counter() - started
                if unredacted.structuredContent is not None:
                    raw_samples.append((round_trip, unredacted.structuredContent))
        finally:
            for client in [*redacting.values(), *raw.values()]:
                client.close()
    finally:
        lab.stop()
    return {"calls": len(calls), "redacted": sum(per_tool.values()),
            "by_tool": {k: v for k, v in sorted(per_tool.items()) if v}, "masked": sorted(masked)[:20]}


def cost(samples: list[tuple[float, dict[str, Any]]]) -> dict[str, Any]:
    cold, warm, per_kb, trips = [], [], [], []
    for round_trip, payload in samples:
        size_kb = len(json.dumps(payload)) / 1024
        redaction._text_cache.clear()
        redaction._name_cache.clear()
        started = time.perf_counter()
        redaction.redact_payload(payload)
        cold.append(time.perf_counter() - started)
        started = time.perf_counter()
        redaction.redact_payload(payload)
        warm.append(time.perf_counter() - started)
        per_kb.append(cold[-1] / max(size_kb, 0.01))
        trips.append(round_trip)

    def ms(values: list[float], q: float) -> float:
        ordered = sorted(values)
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 3)

    return {"results": len(samples), "payload_kb_median": round(statistics.median(len(json.dumps(p)) / 1024 for _, p in samples), 1),
            "cold_ms": {"median": ms(cold, 0.5), "p99": ms(cold, 0.99), "max": ms(cold, 1.0)},
            "warm_ms": {"median": ms(warm, 0.5), "p99": ms(warm, 0.99)},
            "cold_us_per_kb_median": round(statistics.median(per_kb) * 1e6, 1),
            "round_trip_ms_median": ms(trips, 0.5),
            "share_of_round_trip_median": round(statistics.median(c / t for c, t in zip(cold, trips, strict=True)), 4)}


def lines_per_second(samples: list[tuple[float, dict[str, Any]]]) -> float:
    """redact_lines (run on raw lines before log template mining) over every log line seen, cold."""
    lines = [(0, e["message"]) for _, p in samples for e in p.get("events") or [] if isinstance(e, dict) and "message" in e]
    lines = (lines * (20_000 // max(len(lines), 1) + 1))[:20_000] if lines else []
    redaction._text_cache.clear()
    started = time.perf_counter()
    redaction.redact_lines(lines)
    return round(len(lines) / (time.perf_counter() - started)) if lines else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--scenario", action="append", help="only these scenarios (default: the whole catalog)")
    args = parser.parse_args()
    scenarios = args.scenario or sorted(load_scenarios(load_catalog()))
    samples: list[tuple[float, dict[str, Any]]] = []
    counts = {}
    for scenario in scenarios:
        counts[scenario] = scenario_counts(scenario, samples)
        print(f"{scenario}: {counts[scenario]['redacted']} redacted in {counts[scenario]['calls']} calls", file=sys.stderr)
    result = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "date": datetime.now(UTC).date().isoformat(),
        "per_scenario": counts,
        "total_redacted": sum(c["redacted"] for c in counts.values()),
        "total_calls": sum(c["calls"] for c in counts.values()),
        "cost_per_call": cost(samples),
        "redact_lines_per_s": lines_per_second(samples),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "per_scenario"}, indent=2))


if __name__ == "__main__":
    main()
