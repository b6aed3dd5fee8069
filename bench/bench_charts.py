"""The charts' cost: what keeping metric series in the evidence adds to a run, and how long drawing
a run's charts takes.

Evidence size: catalog runs of the offline brain over the lab (remediation auto, every proposal
approved); for each, the bytes of the run's tool-call evidence as JSON as a record held it before
(the kept series and start times left out), with the series (ToolCallRecord.series), and now (with
ToolCallRecord.started_at too), the checkpointed state's bytes, and the result JSON's bytes (it
holds counts, not evidence).

Render time: the same runs' charts drawn again from their state and trace, each chart REPEAT times
(median and max, seconds), and the whole set -- plus a run stepped around an approval (bad-image,
remediation approve: step_run to the pause, then on with "approved"), whose waterfall covers both
steps and the wait.

    python bench/bench_charts.py bench/results/charts.json [--scenario oom-killed ...]
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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout

from sre_agent.app import runs  # noqa: E402
from sre_agent.app.intake import incident_for_trigger  # noqa: E402
from sre_agent.app.options import RunOptions  # noqa: E402
from sre_agent.charts import action_time, charts_for, metric, path, waterfall  # noqa: E402
from sre_agent.charts.evidence import metric_evidence, path_evidence  # noqa: E402
from sre_agent.lab.lab import Lab  # noqa: E402
from sre_agent.lab.trigger import lab_namespaces, scenario_trigger  # noqa: E402

SCENARIOS = ["oom-killed", "bad-deploy-regression", "memory-leak", "cpu-throttling"]
REPEAT = 5


class Captured:
    """What app/runs.py hands its report writer when a run ends: the state and the trace documents."""

    def __init__(self) -> None:
        self.state: Any = None
        self.trace: Any = None
        self._original = runs._finished

    def __enter__(self) -> Captured:
        def keeping(state, run_id, started, tracer, options, trace=None):
            self.state, self.trace = state, trace
            return self._original(state, run_id, started, tracer, options, trace)

        runs._finished = keeping
        return self

    def __exit__(self, *exc: object) -> None:
        runs._finished = self._original


async def _approve(request: dict[str, Any]) -> dict[str, Any]:
    return {"decision": "approved", "by": "bench", "action_id": request.get("action_id")}


def _timed(draw, repeat: int = REPEAT) -> dict[str, float]:
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        draw()
        seconds.append(time.perf_counter() - started)
    return {"median_s": round(statistics.median(seconds), 4), "max_s": round(max(seconds), 4)}


def _render_times(state, trace) -> dict[str, Any]:
    steps = [trace] if isinstance(trace, dict) else list(trace or [])
    times: dict[str, Any] = {}
    acted = action_time(steps) if state.actions else None
    for index, evidence in enumerate(metric_evidence(state, acted)):
        times[f"metric-{index} ({evidence.metric}, {len(evidence.points)} points)"] = _timed(lambda e=evidence: metric.metric_svg(e))
    route = path_evidence(state)
    if route is not None:
        times["path"] = _timed(lambda: path.path_svg(route))
    spans = waterfall.from_trace(steps, now=time.time()) if steps else waterfall.from_tool_calls(state.tool_calls)
    times[f"waterfall ({len(spans.spans)} spans, {spans.steps} step(s))"] = _timed(lambda: waterfall.waterfall_svg(spans))
    times["all charts (charts_for)"] = _timed(lambda: charts_for(state, steps, now=time.time()))
    return times


def _sizes(state, result) -> dict[str, int]:
    def size(exclude: set[str]) -> int:
        return len(json.dumps([c.model_dump(mode="json", exclude=exclude) for c in state.tool_calls], separators=(",", ":")))

    kept = [s for c in state.tool_calls for s in c.series]
    return {"tool_calls": len(state.tool_calls), "calls_with_series": sum(1 for c in state.tool_calls if c.series),
            "series_kept": len(kept), "points_kept": sum(len(s.values) for s in kept),
            "points_returned": sum(s.points for s in kept),
            "evidence_bytes_before": size({"series", "started_at"}),  # what a record held before these fields
            "evidence_bytes_with_series": size({"started_at"}),
            "evidence_bytes_now": size(set()),
            "state_bytes": len(state.model_dump_json()), "result_json_bytes": len(result.model_dump_json(indent=2))}


def _lab(scenario: str) -> Lab:
    lab = Lab().start()
    lab.load(scenario)
    lab.run_clock(120)
    return lab


def catalog_run(scenario: str) -> dict[str, Any]:
    lab = _lab(scenario)
    try:
        trigger = scenario_trigger(lab)
        with tempfile.TemporaryDirectory(prefix="bench-charts-") as state_dir, Captured() as captured:
            options = RunOptions(remediation="auto", namespaces=lab_namespaces(lab), state_dir=Path(state_dir), env=lab.env(),
                                 verify_timeout_s=45)
            result, state = asyncio.run(runs.run_investigation(incident_for_trigger(trigger.alarm, trigger.question),
                                                               options, approver=_approve))
            return {"scenario": scenario, "status": result.status, **_sizes(state, result),
                    "render": _render_times(captured.state, captured.trace)}
    finally:
        lab.stop()


def approved_run() -> dict[str, Any]:
    lab = _lab("bad-image")
    try:
        trigger = scenario_trigger(lab)
        with tempfile.TemporaryDirectory(prefix="bench-charts-") as state_dir, Captured() as captured:
            options = RunOptions(remediation="approve", namespaces=lab_namespaces(lab), state_dir=Path(state_dir),
                                 env=lab.env(), verify_timeout_s=45)
            incident = incident_for_trigger(trigger.alarm, trigger.question)
            paused = asyncio.run(runs.step_run("run-bench-approved", options, incident=incident))
            answer = {"decision": "approved", "by": "bench", "action_id": (paused.approval_request or {}).get("action_id")}
            step_bytes = (Path(state_dir) / "traces" / "run-bench-approved.steps.jsonl").stat().st_size
            finished = asyncio.run(runs.step_run("run-bench-approved", options, resume=answer))
            assert finished.result is not None
            return {"scenario": "bad-image (approved in 2 steps)", "status": finished.result.status,
                    "kept_step_trace_bytes": step_bytes, **_sizes(captured.state, finished.result),
                    "render": _render_times(captured.state, captured.trace)}
    finally:
        lab.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--scenario", action="append", help=f"catalog scenarios (default: {', '.join(SCENARIOS)})")
    args = parser.parse_args()
    runs_measured = [catalog_run(s) for s in args.scenario or SCENARIOS] + [approved_run()]
    report = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "python": platform.python_version(),
              "repeat": REPEAT, "runs": runs_measured}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
