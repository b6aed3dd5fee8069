"""How long the offline lab takes to come up and to load each scenario.

Measures `Lab().start()` (the Kubernetes API emulator plus the process's shared moto server; the
first start in a process also pays for importing and starting moto, reported separately) and
`lab.load(id)` for every scenario in the catalog (three hours of history replayed minute by
minute: controllers, kubelets, traffic model, CloudWatch samples, logs, alarm evaluation), each in
a fresh lab, `--repeat` times; the median is reported, in wall time and in CPU time (on a shared
machine other processes inflate wall time; CPU time shows what the code costs).

    python bench/bench_lab.py bench/results/lab.json [--repeat 3] [--scenario bad-image ...]
    python bench/bench_lab.py out.json --scenarios sre_agent/eval/scenarios_heldout10 --scenario tm02-avl-broker-restarts
"""

from __future__ import annotations

import argparse
import functools
import json
import logging
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

from sre_agent.lab.lab import Lab  # noqa: E402
from sre_agent.lab.scenarios.loader import load_scenarios  # noqa: E402
from sre_agent.lab.world.images import load_catalog  # noqa: E402

TARGET_LOAD_S = 1.0  # a scenario should load in about a second (the test suite loads every one)


def timed(action) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    action()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("output", nargs="?", default="bench/results/lab.json", help="where to write JSON")
    parser.add_argument("--repeat", type=int, default=3, help="loads per scenario; the median is reported")
    parser.add_argument("--scenario", action="append", help="only these scenario ids (repeatable)")
    parser.add_argument("--scenarios", action="append", type=Path, metavar="DIR",
                        help="scenario directories beside the catalog (repeatable): a held-out set's bigger worlds")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's per-request access log

    dirs = args.scenarios or None
    scenario_ids = args.scenario or sorted(load_scenarios(load_catalog(), dirs))
    first_start = {}
    starts: list[tuple[float, float]] = []
    loads: dict[str, list[tuple[float, float]]] = {sid: [] for sid in scenario_ids}
    for _ in range(args.repeat):
        for sid in scenario_ids:
            lab = Lab(scenario_dirs=dirs)
            wall, cpu = timed(lab.start)
            if not first_start:
                first_start = {"wall_s": round(wall, 3), "cpu_s": round(cpu, 3)}
            else:
                starts.append((wall, cpu))
            try:
                loads[sid].append(timed(functools.partial(lab.load, sid)))
            finally:
                lab.stop()

    def median(pairs: list[tuple[float, float]], index: int) -> float:
        return round(statistics.median(p[index] for p in pairs), 3) if pairs else 0.0

    per_scenario = {sid: {"wall_s": median(runs, 0), "cpu_s": median(runs, 1)} for sid, runs in loads.items()}
    all_loads = [run for runs in loads.values() for run in runs]
    result = {
        "benchmark": "lab",
        "first_start": first_start,
        "start": {"wall_s": median(starts, 0), "cpu_s": median(starts, 1), "runs": len(starts)},
        "load": per_scenario,
        "load_median": {"wall_s": median(all_loads, 0), "cpu_s": median(all_loads, 1)},
        "load_max_cpu_s": round(max((p[1] for p in all_loads), default=0.0), 3),
        "target_load_s": TARGET_LOAD_S,
        "repeat": args.repeat,
        "history_minutes": Lab().history_minutes,
        "load_average_1m": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
    }
    width = max(len(sid) for sid in scenario_ids)
    print(f"{'scenario':<{width}}  load wall s  load CPU s")
    for sid, figures in per_scenario.items():
        print(f"{sid:<{width}}  {figures['wall_s']:>11.2f}  {figures['cpu_s']:>10.2f}")
    print(f"{'(median)':<{width}}  {result['load_median']['wall_s']:>11.2f}  {result['load_median']['cpu_s']:>10.2f}")
    print(f"lab start: {result['start']['wall_s']:.2f}s wall, {result['start']['cpu_s']:.2f}s CPU "
          f"(first in a process, with moto: {first_start['wall_s']:.2f}s); target load {TARGET_LOAD_S:.1f}s; "
          f"load average {result['load_average_1m']:.1f} on {os.cpu_count()} CPUs")
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
