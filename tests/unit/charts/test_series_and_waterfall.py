"""The typed series kept in the evidence (app/evidence_series.py) and what the charts make of it --
the root cause's fetched metrics charted with their series -- and the waterfall of a run that
paused for a human: every step of its trace, the wait between them, and a time axis on which
an hour's wait does not squeeze seconds of work into a line."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest

from sre_agent.app.evidence_series import MAX_SERIES_PER_CALL, MAX_SERIES_POINTS, downsample, series_in
from sre_agent.app.step_traces import earlier_steps, forget_steps, keep_step, trace_id_of
from sre_agent.charts import charts_for
from sre_agent.charts.evidence import metric_evidence
from sre_agent.charts.metric import caption
from sre_agent.charts.models import WaterfallSpan
from sre_agent.charts.waterfall import MAX_SPANS, TimeAxis, from_trace, shown_spans, waterfall_svg
from sre_agent.contracts import Diagnosis, Finding, Incident, RootCauseCategory, ToolCallRecord
from sre_agent.graph.state import ApprovalDecision, Investigation

START = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)


def _stamps(count: int, minutes: int = 1) -> list[str]:
    return [(START + timedelta(minutes=i * minutes)).isoformat().replace("+00:00", "Z") for i in range(count)]


def _metric_data(metric: str, pod: str, values: list[float], statistics=("Maximum",)) -> dict:
    return {"namespace": "ContainerInsights", "metric": metric, "period": 300,
            "dimensions": {"ClusterName": "lab", "Namespace": "shop", "PodName": pod},
            "series": {stat: {"timestamps": _stamps(len(values), 5), "values": values} for stat in statistics}}


# --- the series kept in the evidence -------------------------------------------------------------
def test_a_short_series_is_kept_whole_and_a_long_one_keeps_each_buckets_extremes():
    [short] = series_in(_metric_data("pod_memory", "search", [1.0, 2.0, 3.0]))
    assert short.values == [1.0, 2.0, 3.0] and short.points == 3 and short.period_s == 300
    values = [math.sin(i / 9) for i in range(1000)]
    values[501] = 7.0
    values[502] = -7.0
    kept = downsample(list(enumerate(values)), MAX_SERIES_POINTS)
    assert len(kept) <= MAX_SERIES_POINTS
    assert (501, 7.0) in kept and (502, -7.0) in kept and [i for i, _ in kept] == sorted(i for i, _ in kept)


def test_only_results_shaped_like_a_series_are_kept_and_their_count_is_bounded():
    assert series_in({"alarms": []}) == [] and series_in("text") == [] and series_in(None) == []
    assert series_in({"metric": "m", "series": {"Average": {"timestamps": ["not a time"], "values": [1]}}}) == []
    stats = [f"p{n}" for n in range(10, 100, 10)]
    assert len(series_in(_metric_data("m", "p", [1.0, float("nan"), 2.0], statistics=stats))) == MAX_SERIES_PER_CALL
    [cleaned] = series_in(_metric_data("m", "p", [1.0, float("nan"), 2.0]))
    assert cleaned.values == [1.0, 2.0] and cleaned.points == 2


def _oom_run(*, fetched_for: str = "search") -> Investigation:
    alarm = {"AlarmName": "shop-search-5xx", "NewStateReason": "threshold (5.0)",
             "Trigger": {"MetricName": "5xxCount", "Namespace": "Application"}}
    incident = Incident(id="inc-1", title="5xx", started_at=START + timedelta(hours=3), window_start=START,
                        window_end=START + timedelta(hours=3), affected=["shop/Service/search"], alarm=alarm)
    memory = _metric_data("pod_memory_utilization_over_pod_limit", fetched_for, [50.0 + i for i in range(36)])
    calls = [ToolCallRecord(id="ev-1", agent="metrics", server="cloudwatch", tool="get_metric_data",
                            args={"metric_name": memory["metric"]}, excerpt="{...", series=series_in(memory))]
    findings = [Finding(agent="metrics", resource="shop/Service/search", signal="ErrorAnomaly", summary="5xx up",
                        details={"onset": "2026-11-22T17:50:00Z", "metric": "5xxCount"})]
    return Investigation(incident=incident, run_id="run-1", tool_calls=calls, findings=findings,
                         diagnosis=Diagnosis(category=RootCauseCategory.OOM_KILLED, resource="shop/Deployment/search",
                                             summary="oom", confidence=0.9))


def test_a_series_the_run_fetched_for_the_root_cause_is_charted_with_the_alarms_onset():
    alarmed, memory = metric_evidence(_oom_run())
    assert alarmed.role == "alarmed" and not alarmed.points
    assert (memory.metric, memory.role, memory.resource) == ("pod_memory_utilization_over_pod_limit", "root_cause",
                                                             "shop/Deployment/search")
    assert len(memory.points) == 36 and memory.statistic == "Maximum" and memory.evidence == ["ev-1"]
    assert memory.onset == alarmed.onset and memory.onset_of == "5xxCount"
    assert "the Maximum series the run fetched" in caption(memory) and "5xxCount's" in caption(memory)
    svg = next(c.svg for c in charts_for(_oom_run()) if c.name == "metric-1")
    assert {"series", "onset"} <= {e.get("id") for e in ET.fromstring(svg).iter()}


def test_a_series_a_finding_about_the_root_cause_cites_comes_before_the_other_fetched_series():
    run = _oom_run()
    fetched = [_metric_data(metric, "search", [1.0, 2.0]) for metric in ("net_rx", "disk_io", "cpu_throttled")]
    calls = [ToolCallRecord(id=f"ev-{n}", agent="metrics", server="cloudwatch", tool="get_metric_data", excerpt="{",
                            series=series_in(result)) for n, result in enumerate(fetched, start=2)]
    throttled = Finding(agent="metrics", resource="shop/Deployment/search", signal="CpuThrottled", summary="throttled",
                        severity="critical", evidence=["ev-4"])
    run = run.model_copy(update={"tool_calls": [*run.tool_calls, *calls], "findings": [*run.findings, throttled]})
    assert [e.metric for e in metric_evidence(run)] == ["5xxCount", "cpu_throttled", "pod_memory_utilization_over_pod_limit"]


def test_a_series_fetched_for_another_workload_is_not_the_root_causes():
    assert [e.metric for e in metric_evidence(_oom_run(fetched_for="catalog"))] == ["5xxCount"]


def test_the_alarmed_metric_draws_only_its_own_series_the_latest_fetch_first():
    run = _oom_run()
    other = {"metric": "5xxCount", "dimensions": {"Namespace": "shop", "Service": "catalog"},
             "series": {"Sum": {"timestamps": _stamps(3), "values": [9.0, 9.0, 9.0]}}}
    own = [{**other, "dimensions": {"ClusterName": "lab", "Namespace": "shop", "Service": "search"},
            "series": {"Sum": {"timestamps": _stamps(3), "values": [value] * 3}}} for value in (1.0, 2.0)]
    calls = [ToolCallRecord(id=f"ev-{n}", agent="metrics", server="cloudwatch", tool="get_metric_data", excerpt="{",
                            series=series_in(result)) for n, result in ((2, own[0]), (3, own[1]), (4, other))]
    alarmed = metric_evidence(run.model_copy(update={"tool_calls": [*run.tool_calls, *calls]}))[0]
    assert [p.value for p in alarmed.points] == [2.0] * 3 and alarmed.evidence[-1] == "ev-3"
    only_other = metric_evidence(run.model_copy(update={"tool_calls": [*run.tool_calls, calls[2]]}))[0]
    assert only_other.points == []


# --- the waterfall of a run that paused ----------------------------------------------------------
T0 = 1_795_000_000.0


def _segment(start: float, end: float, children: list[dict], status: str) -> dict:
    return {"name": "sre-agent", "trace_id": "1-abc-def", "start_time": start, "end_time": end,
            "annotations": {"status": status}, "subsegments": children}


def _node(name: str, start: float, end: float, **annotations) -> dict:
    return {"name": name, "start_time": start, "end_time": end, "annotations": annotations}


STEP_1 = _segment(T0, T0 + 12, [_node("supervisor", T0 + 1, T0 + 2), _node("remediate", T0 + 10, T0 + 11)],
                  "awaiting_approval")
STEP_2 = _segment(T0 + 3612, T0 + 3620, [_node("act", T0 + 3613, T0 + 3616),
                                         _node("kubernetes.rollout_undo", T0 + 3613.5, T0 + 3615, tool="rollout_undo")],
                  "remediated")


def test_a_stepped_run_is_one_waterfall_with_the_human_wait_between_its_steps():
    spans = from_trace([STEP_2, STEP_1], approval="approved by alice").spans  # any order: sorted by start
    assert [(s.name, s.kind) for s in spans] == [
        ("sre-agent step 1", "run"), ("supervisor", "node"), ("remediate", "node"),
        ("waiting for approval: approved by alice", "wait"),
        ("sre-agent step 2", "run"), ("act", "node"), ("kubernetes.rollout_undo", "tool")]
    wait = spans[3]
    assert (wait.start_s, wait.duration_s) == (12, 3600)


def test_a_step_that_did_not_pause_is_followed_by_a_stop_not_a_human():
    crashed = {**STEP_1, "annotations": {}}
    assert from_trace([crashed, STEP_2]).spans[3].name.startswith("not running")


def test_a_run_paused_now_shows_the_wait_so_far():
    spans = from_trace([STEP_1], now=T0 + 72).spans
    assert (spans[-1].name, spans[-1].duration_s) == ("waiting for approval (still waiting)", 60)


def test_one_process_runs_wait_span_is_drawn_as_a_wait():
    one = _segment(T0, T0 + 30, [_node("remediate", T0, T0 + 1), _node("waiting for approval", T0 + 1, T0 + 25,
                                                                          wait="approval"), _node("act", T0 + 25, T0 + 26)],
                   "remediated")
    spans = from_trace(one, approval="approved").spans
    assert [s.kind for s in spans] == ["run", "node", "wait", "node"] and spans[2].name == "waiting for approval: approved"


def test_an_hours_wait_is_drawn_short_and_the_axis_keeps_real_seconds():
    waterfall = from_trace([STEP_1, STEP_2], approval="approved")
    axis = TimeAxis(waterfall.spans)
    assert axis.cuts == [(12, 3612)]
    assert axis.shown(3620) < 60  # twenty seconds of work stay most of the drawing
    for real in (0, 5, 12, 100, 3612, 3620):
        assert axis.real(axis.shown(real)) == pytest.approx(real)
    root = ET.fromstring(waterfall_svg(waterfall))
    ids = {e.get("id") for e in root.iter() if e.get("id")}
    assert "wait-3" in ids and {"span-0", "span-4", "span-6"} <= ids
    labels = " ".join("".join(e.itertext()) for e in root.iter("{http://www.w3.org/2000/svg}text"))
    assert "60.0 min (bar not to scale)" in labels
    ticks = [float(t) for t in labels.split(" seconds since")[0].split()]
    assert 3612 in ticks and not [t for t in ticks if 12 < t < 3612]  # real seconds; none inside the wait


def test_a_long_run_keeps_every_agent_and_the_wait_before_its_tool_calls():
    spans = [WaterfallSpan(name="sre-agent", kind="run", start_s=0, duration_s=1)]
    spans += [WaterfallSpan(name=f"call-{i}", kind="tool", depth=2, start_s=i, duration_s=1) for i in range(100)]
    spans += [WaterfallSpan(name="waiting", kind="wait", start_s=100, duration_s=5),
              WaterfallSpan(name="act", kind="node", depth=1, start_s=105, duration_s=1)]
    shown = shown_spans(spans)
    assert len(shown) == MAX_SPANS and [s.name for s in shown[-2:]] == ["waiting", "act"]
    assert [s.name for s in shown[:3]] == ["sre-agent", "call-0", "call-1"]


def test_the_approval_names_who_answered_in_the_waterfall_caption():
    run = _oom_run().model_copy(update={"approval": ApprovalDecision(decision="approved", by="alice")})
    chart = next(c for c in charts_for(run, [STEP_1, STEP_2]) if c.name == "waterfall")
    assert "in 2 steps" in chart.caption and "waiting for approval: approved by alice 60.0 min" in chart.caption


# --- the steps' traces kept between steps --------------------------------------------------------
def test_step_traces_are_kept_read_back_in_order_and_forgotten(tmp_path):
    assert earlier_steps(tmp_path, "run-1") == [] and trace_id_of([]) is None
    keep_step(tmp_path, "run-1", {**STEP_1, "end_time": None}, ended=T0 + 12.5)  # taken before the tracer closed it
    with (tmp_path / "traces" / "run-1.steps.jsonl").open("a") as out:
        out.write('{"start_time": 1, "cut by a cra')  # a crash mid-write
    keep_step(tmp_path, "run-1", None)  # tracing off: nothing to keep
    [kept] = earlier_steps(tmp_path, "run-1")
    assert kept["end_time"] == T0 + 12.5 and trace_id_of([kept]) == "1-abc-def"
    forget_steps(tmp_path, "run-1")
    assert earlier_steps(tmp_path, "run-1") == []


def test_the_console_draws_a_paused_runs_waterfall_from_the_step_it_kept(tmp_path):
    import asyncio

    from sre_agent.app.options import RunOptions
    from sre_agent.console.pages import charts_of

    keep_step(tmp_path, "run-paused-console", STEP_1)
    charts = asyncio.run(charts_of("run-paused-console", _oom_run(), RunOptions(state_dir=tmp_path), finished=False))
    chart = next(c for c in charts if c.name == "waterfall")
    assert "X-Ray trace 1-abc-def" in chart.caption and "waiting for approval (still waiting)" in chart.caption


def test_tracing_off_the_action_time_and_the_waterfall_come_from_the_calls_start_times():
    from sre_agent.charts import action_time
    from sre_agent.charts.waterfall import caption as waterfall_caption
    from sre_agent.charts.waterfall import from_tool_calls
    from sre_agent.contracts import Action

    acted_at = START + timedelta(hours=3, minutes=2)
    calls = [ToolCallRecord(id="ev-1", agent="kubernetes", server="kubernetes", tool="describe", duration_ms=500,
                            started_at=acted_at - timedelta(seconds=30)),
             ToolCallRecord(id="ev-2", agent="remediation", server="kubernetes", tool="rollout_undo", duration_ms=2000,
                            started_at=acted_at)]
    run = _oom_run().model_copy(update={"tool_calls": calls, "actions": [Action(tool="rollout_undo")]})
    assert action_time(None, run) == acted_at and action_time(None, _oom_run()) is None
    timed = from_tool_calls(calls)
    assert timed.source == "tool_calls" and [(s.start_s, s.duration_s) for s in timed.spans] == [(0, 0.5), (30, 2)]
    assert "when each was made" in waterfall_caption(timed)
    older = from_tool_calls([c.model_copy(update={"started_at": None}) for c in calls])  # evidence kept before start times
    assert older.source == "tool_durations" and [s.start_s for s in older.spans] == [0, 0.5]
    assert "end to end" in waterfall_caption(older)
    svg = next(c.svg for c in charts_for(run) if c.name == "metric-0")
    assert "action" in {e.get("id") for e in ET.fromstring(svg).iter()}
