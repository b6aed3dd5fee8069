"""The charts of real runs over the lab, read back from the SVG files written beside their reports:

- a catalog run's metric charts draw the series the run fetched (the root cause's memory and CPU
  series come back from get_metric_data far longer than a tool excerpt), not only markers;
- a run the service steps around a human's approval (app/runs.py step_run: up to the pause, then on
  from the checkpoint when the answer comes) gets one waterfall of the whole run: the investigation
  before the pause, the wait for the human, and the action after it -- in one X-Ray trace."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest

from sre_agent.app.intake import incident_for_trigger
from sre_agent.app.options import RunOptions
from sre_agent.app.runs import run_investigation, step_run
from sre_agent.app.step_traces import earlier_steps
from sre_agent.lab.lab import Lab
from sre_agent.lab.trigger import lab_namespaces, scenario_trigger


@pytest.fixture
def lab_of(request):
    labs: list[Lab] = []

    def start(scenario: str) -> Lab:
        lab = Lab().start()
        labs.append(lab)
        lab.load(scenario)
        lab.run_clock(120)
        return lab

    yield start
    for lab in labs:
        lab.stop()


def _options(lab: Lab, state_dir: Path, remediation: str) -> RunOptions:
    # verify_poll_s: a check every second, not every 2 s -- the same two healthy checks in a row, half the waiting
    return RunOptions(remediation=remediation, namespaces=lab_namespaces(lab), state_dir=state_dir, env=lab.env(),
                      verify_timeout_s=45, verify_poll_s=1.0)


def _ids(svg: str) -> set[str]:
    return set(re.findall(r'\bid="([^"]+)"', svg))


def _charts(reports: Path, run_id: str) -> dict[str, tuple[str, str]]:
    """name -> (caption, svg) of the charts written beside the run's report."""
    index = json.loads((reports / f"{run_id}.charts.json").read_text())
    return {c["name"]: (c["caption"], (reports / c["file"]).read_text()) for c in index}


async def _approve(request: dict) -> dict:
    return {"decision": "approved", "by": "chart-test", "action_id": request.get("action_id")}


@pytest.mark.parametrize("scenario", ["oom-killed", "bad-deploy-regression"])
def test_a_catalog_run_draws_the_series_it_fetched(lab_of, tmp_path, scenario):
    lab = lab_of(scenario)
    trigger = scenario_trigger(lab)
    result, state = asyncio.run(run_investigation(incident_for_trigger(trigger.alarm, trigger.question),
                                                  _options(lab, tmp_path, "auto"), approver=_approve))
    fetched = [c for c in state.tool_calls if c.tool == "get_metric_data" and c.ok]
    assert fetched and all(c.series for c in fetched)  # kept typed beside the excerpt
    charts = _charts(tmp_path / "reports", result.run_id)
    with_series = {name: caption for name, (caption, svg) in charts.items() if name.startswith("metric-") and "series" in _ids(svg)}
    assert with_series, {name: caption for name, (caption, _) in charts.items()}
    drawn = {c.series[0].metric for c in fetched} & {caption.split(" ")[0] for caption in with_series.values()}
    assert drawn, with_series  # a series on a chart is one the run fetched
    assert all("series the run fetched" in caption for caption in with_series.values())
    assert all("root cause" in caption for name, caption in with_series.items() if name != "metric-0")
    alarmed = charts["metric-0"]  # the alarmed metric: its own series, its threshold and its onset
    assert {"series", "threshold", "onset"} <= _ids(alarmed[1]) and "(alarmed)" in alarmed[0], alarmed[0]


def test_an_approved_run_has_one_waterfall_from_both_sides_of_the_pause(lab_of, tmp_path):
    lab = lab_of("bad-image")
    trigger = scenario_trigger(lab)
    incident = incident_for_trigger(trigger.alarm, trigger.question)
    options = _options(lab, tmp_path, "approve")
    run_id = "run-approved-waterfall"

    paused = asyncio.run(step_run(run_id, options, incident=incident))
    assert paused.approval_request is not None, paused
    [before] = earlier_steps(tmp_path, run_id)  # the first step's segment, kept for the report
    assert before["end_time"] >= before["start_time"]

    answer = {"decision": "approved", "by": "chart-test", "action_id": paused.approval_request["action_id"]}
    finished = asyncio.run(step_run(run_id, options, resume=answer))
    assert finished.result is not None and finished.result.status == "remediated", finished.result
    assert finished.result.trace_id == before["trace_id"]  # one trace for the whole run
    assert earlier_steps(tmp_path, run_id) == []  # forgotten once the report is written

    caption, svg = _charts(tmp_path / "reports", run_id)["waterfall"]
    assert "in 2 steps" in caption and "waiting for approval: approved by chart-test" in caption, caption
    assert any(i.startswith("wait-") for i in _ids(svg))
    labels = [label.strip() for label in re.findall(r">([^<>]+)</text>", svg) if re.search(r"\d (ms|s|min)\b", label)]
    second = next(i for i, label in enumerate(labels) if label.startswith("sre-agent step 2"))
    waited = next(i for i, label in enumerate(labels) if label.startswith("waiting for approval"))
    # The investigation before the pause, the wait, and the action after it, on one axis.
    assert labels[0].startswith("sre-agent step 1") and waited < second, labels
    assert any(label.startswith("supervisor") for label in labels[:waited]), labels
    assert any(label.startswith("act ") for label in labels[second:]), labels
