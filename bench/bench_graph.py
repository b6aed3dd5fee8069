"""Graph overhead per node transition, with the brain and the tools stubbed out.

What LangGraph, our state model and the checkpointer cost per step, separate from tool latency:
a stub brain asks N questions and concludes; each question is one supervisor -> specialist ->
supervisor round trip. Reported per transition (median and p99 over runs), without a checkpointer
and with the default SQLite one. Also the peak memory (RSS) of the process."""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from sre_agent.contracts import Diagnosis, Incident  # noqa: E402
from sre_agent.graph.builder import build_graph  # noqa: E402
from sre_agent.graph.context import RunContext  # noqa: E402
from sre_agent.graph.policy import RemediationPolicy  # noqa: E402
from sre_agent.graph.state import Investigation, Task  # noqa: E402


class StubResult:
    records: list = []
    findings: list = []


class StubBrain:
    name = "bench"

    def __init__(self, steps: int) -> None:
        self.steps = steps

    async def next_task(self, state):
        if len(state.tasks) >= self.steps:
            return None
        return Task(agent="kubernetes", target=f"ns/Deployment/w{len(state.tasks)}", question="triage")

    async def investigate(self, task, state, tools):
        return StubResult()

    async def diagnose(self, state):
        return Diagnosis(), []

    async def plan_remediation(self, state):
        return None


class StubTools:
    parameters: dict = {}

    def start_numbering_at(self, count: int) -> None:
        pass

    def read_only_tools(self, server: str) -> list:
        return []


def incident() -> Incident:
    now = datetime.now(UTC)
    return Incident(id=f"bench-{time.monotonic_ns()}", title="bench", started_at=now, window_start=now, window_end=now)


async def run_once(graph, steps: int) -> float:
    context = RunContext(brain=StubBrain(steps), tools=StubTools(), policy=RemediationPolicy())
    inc = incident()
    config = {"configurable": {"thread_id": inc.id}, "recursion_limit": 10 * steps + 20}
    started = time.perf_counter()
    await graph.ainvoke(Investigation(incident=inc, started_epoch=time.time()), config, context=context)
    transitions = 2 * steps + 2  # supervisor/specialist per step, the final supervisor and finish
    return (time.perf_counter() - started) / transitions * 1000


async def measure(checkpointed: bool, runs: int, steps: int) -> dict:
    if checkpointed:
        import aiosqlite
        from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

        directory = tempfile.mkdtemp(prefix="bench-graph-")
        conn = await aiosqlite.connect(str(Path(directory) / "checkpoints.sqlite"))
        graph = build_graph(AsyncSqliteSaver(conn))
    else:
        graph = build_graph()
    await run_once(graph, steps)  # warm-up
    per_transition = [await run_once(graph, steps) for _ in range(runs)]
    if checkpointed:
        await conn.close()
    ordered = sorted(per_transition)
    return {"median_ms": round(statistics.median(ordered), 3),
            "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 3), "runs": runs, "steps": steps}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?", default=str(REPO_ROOT / "bench" / "results" / "graph.json"))
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--steps", type=int, default=10)
    args = parser.parse_args()
    result = {
        "no_checkpointer": asyncio.run(measure(False, args.runs, args.steps)),
        "sqlite_checkpointer": asyncio.run(measure(True, args.runs, args.steps)),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(result, indent=2))
    print(f"per node transition: {result['no_checkpointer']['median_ms']} ms median, {result['no_checkpointer']['p99_ms']} ms p99 "
          f"(no checkpointer); {result['sqlite_checkpointer']['median_ms']} ms / {result['sqlite_checkpointer']['p99_ms']} ms "
          f"with SQLite checkpoints; peak RSS {result['peak_rss_mib']} MiB")


if __name__ == "__main__":
    main()
