"""Incident memory at work: every catalog scenario run twice in one state dir (each run in a fresh lab, as a fault that
comes back), the same fault on a differently named workload in another world (a moved fault), and a different fault
on an object the memory remembers (the memory must not mislead). For each: tool calls and time to diagnosis of the
first and the second run (the investigation's own calls: remediation and verification polls follow the lab's clock),
root cause right or not, and what was recalled. The baseline is the first run of the same
scenario in the same sitting: the ratio says what the memory saves.

    python bench/bench_recurrence.py bench/results/recurrence.json [--only oom-killed ...] [--moved 6]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sre_agent.eval.harness import run_scenario  # noqa: E402
from sre_agent.lab.scenarios.loader import load_scenarios  # noqa: E402
from sre_agent.lab.world.images import load_catalog  # noqa: E402

OTHER_WORLDS = sorted((ROOT / "sre_agent" / "eval").glob("scenarios_heldout*"))


def last_result(state_dir: Path) -> dict:
    reports = sorted((state_dir / "reports").glob("run-*.json"), key=lambda p: p.stat().st_mtime)
    return json.loads(reports[-1].read_text())


SPECIALISTS = {"kubernetes", "metrics", "logs", "runbooks"}


def run(loaded, state_dir: Path) -> dict:
    """One run in a fresh lab, in `state_dir`. Its investigation's tool calls are counted apart from remediation and
    verification, whose polls follow the lab's clock rather than what the brain chose to read."""
    kept = state_dir / "kept"
    row = run_scenario(loaded, state_dir=state_dir, prove=False, out_dir=kept)
    result = last_result(state_dir) if row.error is None else {}
    calls_file = kept / loaded.scenario.id / "tool_calls.json"
    calls = json.loads(calls_file.read_text()) if calls_file.exists() else []
    investigation = sum(call.get("agent") in SPECIALISTS for call in calls)
    if calls_file.exists():
        calls_file.unlink()  # the second run of a pair writes its own
    return {"scenario": loaded.scenario.id, "rc": bool(row.root_cause_category and row.root_cause_resource),
            "status": row.status, "tool_calls": investigation, "all_tool_calls": row.tool_calls,
            "ttd_s": row.time_to_diagnosis_s, "error": row.error,
            "recalled": [{"match": r["match"], "category": r["category"], "resource": r["resource"],
                          "confirmed": r["confirmed"]} for r in result.get("recalled", [])]}


def pair(first, second) -> dict:
    with tempfile.TemporaryDirectory(prefix="sre-recur-") as state_dir:
        one = run(first, Path(state_dir))
        two = run(second, Path(state_dir))
    print(f"{first.scenario.id} -> {second.scenario.id}: calls {one['tool_calls']} -> {two['tool_calls']}, "
          f"rc {one['rc']}/{two['rc']}, recalled {[(r['match'], r['confirmed']) for r in two['recalled']]}", flush=True)
    return {"first": one, "second": two}


def moved_pairs(catalog: dict, limit: int) -> list[tuple]:
    """For each catalog fault, the first scenario of another world with the same category on another object."""
    others = load_scenarios(load_catalog(), OTHER_WORLDS)
    pairs = []
    for loaded in catalog.values():
        truth = loaded.scenario.truth
        if truth.category.value == "none":
            continue
        match = next((o for o in others.values() if o.scenario.truth.category == truth.category
                      and o.scenario.truth.resource != truth.resource and o.scenario.alarm is not None), None)
        if match is not None:
            pairs.append((loaded, match))
    return pairs[:limit]


def cause_differs_pairs(catalog: dict) -> list[tuple]:
    """Catalog faults on the same object with different categories: the second must not be taken for the first."""
    items = sorted(catalog.values(), key=lambda item: item.scenario.id)
    return [(a, b) for a in items for b in items if a is not b and a.scenario.truth.resource
            and a.scenario.truth.resource == b.scenario.truth.resource and a.scenario.truth.category != b.scenario.truth.category]


def summary(rows: list[dict]) -> dict:
    firsts = [r["first"]["tool_calls"] for r in rows]
    seconds = [r["second"]["tool_calls"] for r in rows]
    ratios = [b / a for a, b in zip(firsts, seconds) if a]
    ttd = [(r["first"]["ttd_s"], r["second"]["ttd_s"]) for r in rows if r["first"]["ttd_s"] and r["second"]["ttd_s"]]
    return {"pairs": len(rows), "tool_calls_first": sum(firsts), "tool_calls_second": sum(seconds),
            "median_ratio_second_over_first": round(statistics.median(ratios), 3) if ratios else None,
            "fewer_in_second": sum(b < a for a, b in zip(firsts, seconds)),
            "median_ttd_first_s": round(statistics.median(a for a, _ in ttd), 3) if ttd else None,
            "median_ttd_second_s": round(statistics.median(b for _, b in ttd), 3) if ttd else None,
            "rc_first": sum(r["first"]["rc"] for r in rows), "rc_second": sum(r["second"]["rc"] for r in rows),
            "recalled_second": sum(bool(r["second"]["recalled"]) for r in rows),
            "errors": sum(bool(r["first"]["error"] or r["second"]["error"]) for r in rows)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--only", nargs="*", default=None)
    parser.add_argument("--moved", type=int, default=6, help="moved-fault pairs to run")
    args = parser.parse_args()
    catalog = load_scenarios(load_catalog())
    chosen = {k: v for k, v in catalog.items() if not args.only or k in args.only}
    recurrence = [pair(loaded, loaded) for loaded in chosen.values()]
    moved = [pair(a, b) for a, b in moved_pairs(chosen, args.moved)]
    differs = [pair(a, b) for a, b in cause_differs_pairs(chosen)]
    result = {"machine": f"{platform.machine()}, {platform.python_version()}", "date": datetime.now(UTC).isoformat(),
              "recurrence": {"summary": summary(recurrence), "rows": recurrence},
              "moved": {"summary": {**summary(moved), "recalled_by_evidence": sum(
                  any(r["match"] == "evidence" for r in row["second"]["recalled"]) for row in moved)}, "rows": moved},
              "cause_differs": {"summary": {**summary(differs), "misled": sum(
                  not row["second"]["rc"] for row in differs)}, "rows": differs}}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(json.dumps({k: v["summary"] for k, v in result.items() if isinstance(v, dict) and "summary" in v}, indent=2))


if __name__ == "__main__":
    main()
