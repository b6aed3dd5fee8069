"""Chat: time to first answer for each question form, and the answer time of each form in a warm
session, against the lab's bad-deploy-regression world through the real MCP servers over stdio.

Time to first answer = `sre-agent chat "question"` as a user pays it minus the interpreter start:
the three MCP servers starting, the checkpointer opening, and the answer. Warm = the same question
asked again in a session that is already up (the REPL's case). why_failing also starts the
investigation's own servers (run_investigation), which is why it stands apart.

    python bench/bench_chat.py bench/results/chat.json [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sre_agent.app.options import RunOptions  # noqa: E402
from sre_agent.chat.conversation.session import ChatSession  # noqa: E402
from sre_agent.lab.lab import Lab  # noqa: E402

SCENARIO = "bad-deploy-regression"
QUESTIONS = {  # form -> a question of that form
    "broken_now": "what's broken right now?",
    "alarms": "are any alarms firing?",
    "pod_problems": "any pods crashlooping?",
    "changes": "what changed in the last hour?",
    "status": "is checkout healthy?",
    "logs": "show me the logs of checkout",
    "events": "events for checkout",
    "dependencies": "what does checkout depend on?",
    "dependents": "what depends on checkout?",
    "rollback_safe": "is it safe to roll back checkout?",
    "rollback_request": "roll back checkout",
    "runbook": "which runbook applies?",
    "why_failing": "why is checkout failing?",
    "unrecognised": "tell me a story about checkout",
}


async def first_answer(options: RunOptions, question: str) -> dict:
    started = time.monotonic()
    async with ChatSession(options) as chat:
        up = time.monotonic() - started
        answer = await chat.ask(question)
        total = time.monotonic() - started
        warm = []
        for _ in range(options_repeat):
            t = time.monotonic()
            await chat.ask(question)
            warm.append(time.monotonic() - t)
    return {"form": answer.form, "status": answer.status, "servers_up_s": round(up, 3),
            "time_to_first_answer_s": round(total, 3), "first_answer_only_s": round(total - up, 3),
            "warm_median_s": round(statistics.median(warm), 3) if warm else None, "tool_calls": len(answer.evidence)}


options_repeat = 3


def main() -> None:
    global options_repeat
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--repeat", type=int, default=3, help="warm repetitions per form")
    args = parser.parse_args()
    options_repeat = args.repeat
    lab = Lab().start()
    lab.load(SCENARIO)
    results = {}
    try:
        with tempfile.TemporaryDirectory() as state:
            options = RunOptions(env=lab.env(), state_dir=Path(state), tracing_mode="off")
            for form, question in QUESTIONS.items():
                results[form] = {"question": question, **asyncio.run(first_answer(options, question))}
                print(f"{form:18} {results[form]}", file=sys.stderr)
    finally:
        lab.stop()
    firsts = [r["time_to_first_answer_s"] for f, r in results.items() if f != "why_failing"]
    data = {"scenario": SCENARIO, "python": platform.python_version(), "warm_repeat": options_repeat,
            "median_time_to_first_answer_s": round(statistics.median(firsts), 3),
            "max_time_to_first_answer_s": round(max(firsts), 3), "forms": results}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(data, indent=2))


if __name__ == "__main__":
    main()
