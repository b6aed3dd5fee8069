"""The incident memory as it grows: store size on disk and recall latency (before an investigation: by the alarm; after
its diagnosis: by the root cause, and by the fault's fingerprints for a moved fault) at 10,000 and 100,000 remembered
incidents, on SQLite (the default). The baseline in the same run is the same recall on an empty store.

    python bench/bench_memory_store.py bench/results/memory_store.json [--sizes 10000 100000] [--recalls 200]
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sre_agent.contracts import Diagnosis, Finding, Incident, RootCauseCategory  # noqa: E402
from sre_agent.graph.state import Investigation  # noqa: E402
from sre_agent.memory.models import PastIncident  # noqa: E402
from sre_agent.memory.recall import IncidentRecall  # noqa: E402
from sre_agent.memory.store import SqliteMemory  # noqa: E402

CATEGORIES = [c.value for c in RootCauseCategory if c.value != "none"]
SIGNALS = ["OOMKilled", "CrashLoopBackOff", "ImagePullBackOff", "FailedScheduling", "NodeNotReady", "Unhealthy",
           "DependencyDown", "ConfigErrorLog", "PVCPending", "QuotaExceeded", "ProbeFailed", "CpuThrottled"]
NOW = datetime.now(UTC)


def record(i: int, rng: random.Random) -> PastIncident:
    namespace, workload = f"ns-{rng.randrange(40)}", f"svc-{rng.randrange(400)}"
    prints = sorted({f"signal:{s}" for s in rng.sample(SIGNALS, 3)} | {"changed:image"} if rng.random() < .5 else
                    {f"signal:{s}" for s in rng.sample(SIGNALS, 3)})
    return PastIncident(run_id=f"run-{i}", incident_id=f"inc-{i}", recorded_at=NOW - timedelta(minutes=i),
                        cluster="prod", alarm=f"{workload}-5xx", affected=[f"{namespace}/Service/{workload}"],
                        resource=f"{namespace}/Deployment/{workload}", category=rng.choice(CATEGORIES),
                        status="remediated", fingerprints=prints, fault_fingerprints=prints, fix_tool="rollout_undo",
                        fix_applied=True, verified=True, summary="x" * 200)


def query(rng: random.Random) -> Investigation:
    namespace, workload = f"ns-{rng.randrange(40)}", f"svc-{rng.randrange(400)}"
    incident = Incident(id="inc-now", title="t", started_at=NOW, window_start=NOW, window_end=NOW,
                        affected=[f"{namespace}/Service/{workload}"], alarm={"AlarmName": f"{workload}-5xx"})
    findings = [Finding(agent="kubernetes", resource=f"{namespace}/Deployment/{workload}", signal=s, summary=s)
                for s in rng.sample(SIGNALS, 3)]
    diagnosis = Diagnosis(category=RootCauseCategory(rng.choice(CATEGORIES)), resource=f"{namespace}/Deployment/{workload}")
    return Investigation(incident=incident, run_id="run-now", findings=findings, diagnosis=diagnosis, recalled=[])


def p95(samples: list[float]) -> float:
    return round(sorted(samples)[int(len(samples) * 0.95) - 1] * 1000, 3)


def measure(size: int, recalls: int) -> dict:
    rng = random.Random(size)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "memory.sqlite"
        store = SqliteMemory(path)
        started = time.perf_counter()
        for i in range(size):
            store.remember(record(i, rng), ttl_s=None)
        write_s = time.perf_counter() - started
        recall = IncidentRecall(store, "prod")
        before, after = [], []
        for _ in range(recalls):
            state = query(rng)
            t0 = time.perf_counter()
            recall.recall_before(state)
            t1 = time.perf_counter()
            recall.recall_after(state)
            t2 = time.perf_counter()
            before.append(t1 - t0)
            after.append(t2 - t1)
        store.close()
        size_mib = sum(p.stat().st_size for p in Path(tmp).glob("memory.sqlite*")) / 2**20
    return {"incidents": size, "store_mib": round(size_mib, 1), "remember_ms_each": round(write_s / max(size, 1) * 1000, 3),
            "recall_before_p50_ms": round(statistics.median(before) * 1000, 3), "recall_before_p95_ms": p95(before),
            "recall_after_p50_ms": round(statistics.median(after) * 1000, 3), "recall_after_p95_ms": p95(after)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--sizes", nargs="*", type=int, default=[10_000, 100_000])
    parser.add_argument("--recalls", type=int, default=200)
    args = parser.parse_args()
    baseline = measure(0, args.recalls)
    rows = [measure(size, args.recalls) for size in args.sizes]
    for row in rows:
        row["recall_after_p95_vs_empty"] = round(row["recall_after_p95_ms"] / max(baseline["recall_after_p95_ms"], 1e-6), 1)
    result = {"machine": f"{platform.machine()}, Python {platform.python_version()}", "date": NOW.isoformat(),
              "baseline_empty": baseline, "rows": rows}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
