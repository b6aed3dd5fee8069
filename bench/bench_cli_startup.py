"""How long `sre-agent` takes to answer before it does anything: `--help`, `--version`, and a
command's own `--help` (which imports that command's module and everything it needs).

Each is a fresh `python -m sre_agent.cli ...` process, `--repeat` times (default 5); the median and
the slowest run are reported in wall time. `python -c "import typer"` is measured the same way as
the floor (the interpreter plus the CLI library). On a shared machine other processes inflate wall
time, so read the floor beside the figures.

    python bench/bench_cli_startup.py bench/results/cli_startup.json [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
TARGET_HELP_S = 1.0  # `sre-agent --help` must print in well under a second

CASES: dict[str, list[str]] = {
    "floor: python -c 'import typer'": ["-c", "import typer"],
    "sre-agent --help": ["-m", "sre_agent.cli", "--help"],
    "sre-agent --version": ["-m", "sre_agent.cli", "--version"],
    "sre-agent investigate --help": ["-m", "sre_agent.cli", "investigate", "--help"],
}


def timed(args: list[str]) -> float:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))}
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, cwd=REPO_ROOT)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"{args} failed ({proc.returncode}): {proc.stderr[-1000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    results = {}
    for name, case in CASES.items():
        runs = [timed(case) for _ in range(args.repeat)]
        results[name] = {"median_s": round(statistics.median(runs), 3), "max_s": round(max(runs), 3),
                         "runs_s": [round(r, 3) for r in runs]}
        print(f"{name:<40} median {results[name]['median_s']:.2f} s, max {results[name]['max_s']:.2f} s", file=sys.stderr)
    help_s = results["sre-agent --help"]["median_s"]
    data = {"benchmark": "cli_startup", "python": platform.python_version(), "repeat": args.repeat,
            "load_average": os.getloadavg()[0] if hasattr(os, "getloadavg") else None, "cases": results,
            "target_help_s": TARGET_HELP_S, "help_meets_target": help_s < TARGET_HELP_S}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(data, indent=2))


if __name__ == "__main__":
    main()
