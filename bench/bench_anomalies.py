"""Benchmark the CloudWatch metric anomaly detector on NAB's realAWSCloudwatch corpus.

    python bench/bench_anomalies.py [OUTPUT.json] [--data-dir DIR] [--workers N]

Streams every NAB file through a fresh ``AnomalyScorer`` (one global parameter set, no labels),
scores the outputs with NAB's method (thresholds optimised per profile by the sweep), writes
the JSON result and prints a table next to NAB's published Numenta HTM outputs, scored by the
same code at NAB's published thresholds.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # runnable as a plain script, without installing the package
    sys.path.insert(0, str(REPO_ROOT))

from mcp_servers.cloudwatch.anomaly import METHOD, AnomalyScorer, DetectorParams  # noqa: E402
from sre_agent.eval import nab  # noqa: E402

PROFILE_NAMES = list(nab.PROFILES)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?", default=str(REPO_ROOT / "bench" / "results" / "anomalies.json"))
    parser.add_argument("--data-dir", default=None, help=f"NAB data dir (default: ${nab.NAB_DIR_ENV} or ../shared/nab)")
    parser.add_argument("--workers", type=int, default=2, help="files scored in parallel processes")
    args = parser.parse_args(argv)

    try:
        data_dir = nab.resolve_nab_dir(args.data_dir)
    except FileNotFoundError as exc:
        print(f"bench_anomalies: {exc}", file=sys.stderr)
        return 2

    started = time.perf_counter()
    result = nab.run_detector_benchmark(data_dir, AnomalyScorer, workers=args.workers)
    elapsed = time.perf_counter() - started
    reference = _numenta_reference(data_dir)

    payload = {
        "benchmark": "NAB realAWSCloudwatch",
        "detector": METHOD,
        "params": DetectorParams().__dict__,
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {platform.system()}, python {platform.python_version()}",
        "seconds": round(elapsed, 1),
        **result.model_dump(),
        "numenta_reference": reference.model_dump(exclude={"per_file"}) if reference else None,
    }
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(payload, indent=2) + "\n")

    _print_table(result, reference)
    print(f"\n{len(result.per_file)} files in {elapsed:.1f}s; written to {output}")
    return 0


def _numenta_reference(data_dir: Path) -> nab.NabResult | None:
    """NAB's published Numenta HTM outputs at NAB's thresholds, when the data dir ships them."""
    try:
        scores = nab.load_reference_scores(data_dir, "numenta")
        thresholds = nab.load_reference_thresholds(data_dir)["numenta"]
    except (FileNotFoundError, KeyError):
        return None
    return nab.score_detector(data_dir, scores, thresholds=thresholds)


def _print_table(result: nab.NabResult, reference: nab.NabResult | None) -> None:
    print(f"{'detector':<26}" + "".join(f"{name:>20}" for name in PROFILE_NAMES))
    rows = [("sre-agent (this)", result)] + ([("Numenta HTM (NAB)", reference)] if reference else [])
    for label, res in rows:
        print(f"{label:<26}" + "".join(f"{res.profiles[name].score:>20.2f}" for name in PROFILE_NAMES))
    std = result.profiles["standard"]
    print(f"\nstandard profile: threshold {std.threshold:.4f}, raw {std.raw:.3f} "
          f"(null {std.null:.1f}, perfect {std.perfect:.3f}), detections in windows {std.tp}, false {std.fp}")
    print(f"\n{'file (standard profile)':<44}{'raw':>8}{'windows':>10}{'false +':>9}")
    for key, profiles in result.per_file.items():
        s = profiles["standard"]
        print(f"{Path(key).name:<44}{s.raw:>8.3f}{f'{s.windows_detected}/{s.windows}':>10}{s.fp:>9}")


if __name__ == "__main__":
    sys.exit(main())
