"""The charts hold the elements they must (read back from the SVG: matplotlib writes each artist's gid
as an element id), drawn from a run's own evidence -- including excerpts cut short mid-JSON, as the
toolbox cuts them -- and say in their caption what they could and could not show."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest

from sre_agent.app.evidence_series import series_in
from sre_agent.charts import action_time, charts_for, read_charts, write_charts
from sre_agent.charts.evidence import metric_evidence, path_evidence
from sre_agent.charts.metric import metric_svg
from sre_agent.charts.path import caption as path_caption
from sre_agent.charts.path import path_svg
from sre_agent.contracts import Action, Diagnosis, Finding, Incident, RootCauseCategory, ToolCallRecord
from sre_agent.graph.state import Investigation
from sre_agent.graph.topology import Link

SVG = "{http://www.w3.org/2000/svg}"
ALARM = {"AlarmName": "shop-frontend-5xx", "NewStateValue": "ALARM",
         "NewStateReason": "Threshold Crossed: 3 out of the last 3 datapoints [61.0, 75.5, 90.25] were greater than "
                           "the threshold (50.0)",
         "Trigger": {"MetricName": "5xxCount", "Namespace": "Application", "Dimensions": {"Service": "frontend"}}}
DESCRIBE = {"count": 1, "alarms": [{"name": "shop-frontend-5xx", "state": "ALARM", "reason": ALARM["NewStateReason"],
                                    "updated": "2026-11-22T18:30:00Z", "threshold": 50.0, "comparison": "GreaterThanThreshold",
                                    "metric": {"namespace": "Application", "name": "5xxCount", "period": 60}}]}
ANOMALIES = {"namespace": "Application", "metric": "5xxCount", "window": {"start": "2026-11-22T15:30:00Z",
                                                                          "end": "2026-11-22T18:31:00Z"},
             "points": 180, "anomalous": True,
             "intervals": [{"start": "2026-11-22T18:10:00Z", "end": "2026-11-22T18:30:00Z", "points": 21,
                            "peak_score": 1.0, "max_value": 95.5}],
             "baseline": {"median": 2.4, "mad": 0.2, "points": 159}}
SERIES = {"metric": "5xxCount", "dimensions": {"Namespace": "shop", "Service": "frontend"},
          "series": {"Sum": {"timestamps": [f"2026-11-22T18:{m:02d}:00Z" for m in range(0, 31, 5)],
                             "values": [2, 2.5, 40, 70, 80, 90, 95]}}}


def _call(number: int, tool: str, args: dict, result: dict, *, cut: int | None = None) -> ToolCallRecord:
    """A record as the toolbox makes it: the excerpt (cut where asked) and the series kept beside it."""
    text = json.dumps(result, separators=(",", ":"))
    return ToolCallRecord(id=f"ev-{number}", agent="metrics", server="cloudwatch", tool=tool, args=args,
                          excerpt=text[:cut] if cut else text, duration_ms=40.0 + number, series=series_in(result))


def _run(*, cut_detector: bool = False, series: bool = True, acted: bool = True) -> Investigation:
    at = datetime(2026, 11, 22, 18, 30, tzinfo=UTC)
    incident = Incident(id="inc-1", title="shop-frontend-5xx", started_at=at, window_start=at.replace(hour=17),
                        window_end=at, affected=["shop/Service/frontend"], alarm=ALARM)
    calls = [_call(1, "describe_alarms", {"name_prefix": "shop-frontend-5xx"}, DESCRIBE),
             # Cut where the toolbox would: after the interval, before the baseline.
             _call(2, "detect_anomalies", {"metric_name": "5xxCount"}, ANOMALIES, cut=280 if cut_detector else None)]
    if series:
        calls.append(_call(3, "get_metric_data", {"metric_name": "5xxCount"}, SERIES))
    links = [Link(source="shop/Service/frontend", relation="selects", target="shop/Deployment/frontend", evidence="ev-4"),
             Link(source="shop/Deployment/frontend", relation="calls", target="shop/Service/catalog", evidence="ev-5"),
             Link(source="shop/Service/catalog", relation="selects", target="shop/Deployment/catalog", evidence="ev-6")]
    findings = [Finding(agent="metrics", resource="shop/Service/frontend", signal="ErrorAnomaly", summary="5xx up",
                        details={"onset": "2026-11-22T18:10:00Z", "metric": "5xxCount"}, evidence=["ev-1", "ev-2"]),
                Finding(agent="kubernetes", resource="shop/Deployment/catalog", signal="ImagePullBackOff", summary="bad tag",
                        severity="critical", evidence=["ev-6"])]
    return Investigation(incident=incident, run_id="run-1", tool_calls=calls, links=links, findings=findings,
                         diagnosis=Diagnosis(category=RootCauseCategory.BAD_IMAGE, resource="shop/Deployment/catalog",
                                             summary="bad image", confidence=0.9),
                         actions=[Action(tool="rollout_undo", args={"name": "catalog"})] if acted else [])


def _trace(act_at: float) -> dict:
    return {"name": "sre-agent", "id": "s1", "trace_id": "1-abc-def", "start_time": act_at - 10, "end_time": act_at + 5,
            "subsegments": [
                {"name": "supervisor", "id": "n1", "start_time": act_at - 9, "end_time": act_at - 8},
                {"name": "act", "id": "n2", "start_time": act_at, "end_time": act_at + 2, "subsegments": [
                    {"name": "kubernetes.rollout_undo", "id": "t1", "start_time": act_at + 0.1, "end_time": act_at + 1.9,
                     "annotations": {"tool": "rollout_undo"}, "error": True}]}]}


ACT_AT = datetime(2026, 11, 22, 18, 32, tzinfo=UTC).timestamp()


# Drawing costs a few hundred milliseconds a chart on a busy machine: each set is drawn once per module.
@pytest.fixture(scope="module")
def traced():
    return charts_for(_run(), _trace(ACT_AT))


@pytest.fixture(scope="module")
def untraced():
    return charts_for(_run())


def _ids(svg: str) -> set[str]:
    return {element.get("id") for element in ET.fromstring(svg).iter() if element.get("id")}


def _texts(svg: str) -> str:
    return " ".join("".join(element.itertext()) for element in ET.fromstring(svg).iter(f"{SVG}text"))


def _chart(charts, name):
    return next(c for c in charts if c.name == name)


def test_the_metric_chart_marks_threshold_onset_action_and_draws_the_series(traced):
    metric = _chart(traced, "metric-0")
    assert {"threshold", "onset", "action", "series", "anomaly-0", "alarm-datapoints", "baseline"} <= _ids(metric.svg)
    labels = _texts(metric.svg)
    assert "threshold 50" in labels and "onset 18:10" in labels and "action rollout_undo 18:32" in labels
    assert "the Sum series the run fetched" in metric.caption and "ev-3" in metric.caption


def test_a_detector_excerpt_cut_mid_json_still_gives_the_interval_and_the_caption_says_the_series_is_missing():
    [evidence] = metric_evidence(_run(cut_detector=True, series=False))
    assert [(i.start.hour, i.start.minute, i.max_value) for i in evidence.intervals] == [(18, 10, 95.5)]
    assert evidence.baseline_median is None  # it was past the cut
    assert evidence.threshold == 50.0 and [p.value for p in evidence.alarm_points] == [61.0, 75.5, 90.25]
    # The quoted datapoints are one period apart, ending when the alarm changed state.
    assert [p.at.strftime("%H:%M") for p in evidence.alarm_points] == ["18:28", "18:29", "18:30"]
    svg = metric_svg(evidence)
    assert "series" not in _ids(svg) and {"threshold", "onset", "anomaly-0"} <= _ids(svg)
    from sre_agent.charts.metric import caption

    assert "the run did not fetch the series itself" in caption(evidence)


def test_the_path_runs_from_the_alarm_to_the_root_cause_node_which_is_highlighted(untraced):
    path = path_evidence(_run())
    assert path is not None and path.found
    assert [n.resource for n in path.nodes] == ["shop/Service/frontend", "shop/Deployment/frontend", "shop/Service/catalog",
                                                "shop/Deployment/catalog"]
    assert path.relations == ["selects", "calls", "selects"] and path.evidence == ["ev-4", "ev-5", "ev-6"]
    svg = _chart(untraced, "path").svg
    root = ET.fromstring(svg)
    assert "root-cause" in _ids(svg)
    label = next(e for e in root.iter() if e.get("id") == "root-cause-label")
    assert "catalog" in "".join(label.itertext()) and "shop/Deployment" in "".join(label.itertext())


def test_without_edges_between_them_the_path_says_so():
    path = path_evidence(_run().model_copy(update={"links": []}))
    assert path is not None and not path.found
    assert "no chain of edges" in path_caption(path) and "root-cause" in _ids(path_svg(path))


def test_the_waterfall_comes_from_the_trace_or_says_tracing_was_off(traced, untraced):
    from_trace = _chart(traced, "waterfall")
    assert "X-Ray trace 1-abc-def" in from_trace.caption
    assert {"span-0", "span-1", "span-2", "span-3"} <= _ids(from_trace.svg)
    assert "kubernetes.rollout_undo" in _texts(from_trace.svg)
    from_calls = _chart(untraced, "waterfall")
    assert "tracing was off" in from_calls.caption and "metrics: cloudwatch.describe_alarms" in _texts(from_calls.svg)


def test_the_action_time_is_read_from_the_trace_and_is_absent_without_one(untraced):
    assert action_time(_trace(1_000_000.0)) == datetime.fromtimestamp(1_000_000.0, UTC)
    assert action_time(None) is None
    assert "action" not in _ids(_chart(untraced, "metric-0").svg)
    [not_acted] = metric_evidence(_run(acted=False))
    assert not_acted.action_at is None


def test_no_alarm_and_no_diagnosis_means_no_metric_or_path_chart():
    run = _run()
    bare = run.model_copy(update={"incident": run.incident.model_copy(update={"alarm": None}), "findings": [],
                                  "diagnosis": None})
    assert [c.name for c in charts_for(bare)] == ["waterfall"]


def test_text_from_the_evidence_is_escaped_in_the_svg():
    run = _run()
    hostile = {**ALARM, "Trigger": {**ALARM["Trigger"], "MetricName": "<script>alert(1)</script>"}}
    run = run.model_copy(update={"incident": run.incident.model_copy(update={"alarm": hostile})})
    [evidence] = metric_evidence(run)
    svg = metric_svg(evidence)
    assert "<script" not in svg and "&lt;script&gt;" in svg
    ET.fromstring(svg)  # still well-formed XML


def test_charts_written_beside_the_report_read_back_the_same(tmp_path, untraced):
    written = write_charts(tmp_path, "run-1", untraced)
    assert sorted(p.name for p in written) == ["run-1.metric-0.svg", "run-1.path.svg", "run-1.waterfall.svg"]
    assert read_charts(tmp_path, "run-1") == untraced
    assert read_charts(tmp_path, "run-unknown") == []
