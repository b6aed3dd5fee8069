"""The intent classifier chat falls back on (chat/understand/intent_model.py): what it costs to learn from its data in a
fresh process (the time the session's background thread spends, and what the first unread question would wait
without it), the memory it holds, and one guess -- each against a baseline measured in the same run: loading the
data alone (yaml), so the ratio says what the learning adds.

    python bench/bench_intent_model.py bench/results/intent_model.json [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# One fresh interpreter per sample: what a new chat session pays, with no module cached.
PROBE = r"""
import json, resource, sys, time, tracemalloc
sys.path.insert(0, {root!r})
i0 = time.perf_counter()
from sre_agent.chat.understand import intent_model
t0 = time.perf_counter()
data = intent_model.labelled() + intent_model.labelled_follow_ups()
t1 = time.perf_counter()
model = intent_model.IntentModel(data) if {learn} else None
t2 = time.perf_counter()
guesses = []
if model is not None:
    for q, previous in (("why is ledger-api down", None), ("whats the mem limit on it", "status"),
                        ("anything broken in shop", None), ("exit code?", "why_failing")):
        g0 = time.perf_counter(); intent_model.read(model, q, previous); guesses.append(time.perf_counter() - g0)
tracemalloc.start()  # memory on a second pass: tracing slows what it traces, so the times above are untraced
again = intent_model.IntentModel(data) if {learn} else list(data)
peak = tracemalloc.get_traced_memory()[1]
print(json.dumps({{"import_s": t0 - i0, "load_s": t1 - t0, "learn_s": t2 - t1, "guess_ms": [g * 1000 for g in guesses],
                  "phrasings": len(data), "peak_mib": peak / 2**20,
                  "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def sample(learn: bool) -> dict:
    out = subprocess.run([sys.executable, "-c", PROBE.format(root=str(ROOT), learn=learn)], capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    base, learned = [], []
    for _ in range(args.repeat):  # alternated, so a busy moment hits both sides
        base.append(sample(False))
        learned.append(sample(True))
    med = statistics.median
    result = {
        "machine": f"{platform.machine()}, {platform.python_version()}, {platform.system()}",
        "phrasings": learned[0]["phrasings"],
        "import_s": med(s["import_s"] for s in learned),
        "baseline_load_s": med(b["load_s"] for b in base),
        "learn_s": med(s["learn_s"] for s in learned),
        "load_and_learn_s": med(s["load_s"] + s["learn_s"] for s in learned),
        "ratio_to_baseline": med(s["load_s"] + s["learn_s"] for s in learned) / med(b["load_s"] for b in base),
        "guess_ms_median": med(g for s in learned for g in s["guess_ms"]),
        "peak_traced_mib": med(s["peak_mib"] for s in learned),
        "baseline_peak_traced_mib": med(b["peak_mib"] for b in base),
        "rss_mib": med(s["rss_mib"] for s in learned),
        "baseline_rss_mib": med(b["rss_mib"] for b in base),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
