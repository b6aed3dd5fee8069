"""The offline Metrics agent asks its workload questions of Prometheus when `metrics.source` says so: the PromQL of
promql_questions.yaml over the exporters' names, judged as the CloudWatch readings are (a ramp, throttling, an
anomaly still going on, errors that only grew with the traffic). Table tests over scripted tool results (what the
Prometheus MCP server would answer), and which server each source reads."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sre_agent.brains.offline import metrics, promql_workload
from sre_agent.brains.offline.calls import Calls
from sre_agent.brains.offline.promql_workload import pods_regex, promql
from sre_agent.contracts import Incident, ToolCallRecord
from sre_agent.graph.ports import ToolOutcome
from sre_agent.graph.state import Investigation, Task

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.mark.parametrize("kind, name, pod, matches", [
    ("Deployment", "catalog", "catalog-7d9f8b6c4-x2k9q", True),
    ("Deployment", "catalog", "catalog-api-7d9f8b6c4-x2k9q", False),  # a sibling Deployment named catalog-api
    ("Deployment", "catalog", "catalog-0", False),
    ("StatefulSet", "db", "db-12", True),
    ("StatefulSet", "db", "db-replica-0", False),
    ("DaemonSet", "agent", "agent-x2k9q", True),
    ("DaemonSet", "agent", "agent-extra-x2k9q", False),
    ("Deployment", "web.v2", "web.v2-5c8d7-abcde", True),
    ("Deployment", "web.v2", "webxv2-5c8d7-abcde", False),  # the dot is a dot, not any character
    (None, "thing", "thing-anything-at-all", True),
])
def test_a_workloads_pods_are_matched_by_how_its_controller_names_them(kind, name, pod, matches):
    assert bool(re.fullmatch(pods_regex(kind, name), pod)) is matches  # Prometheus anchors =~ at both ends
    assert "\\" not in pods_regex(kind, name)  # a backslash would need escaping inside a PromQL string


@pytest.mark.parametrize("question", ["memory_percent_of_limit", "cpu_throttled_percent", "errors_per_minute",
                                      "requests_per_minute", "latency_p99_ms"])
def test_every_question_is_filled_in_whole(question):
    query = promql(question, namespace="shop", service="search", pods=pods_regex("Deployment", "search"))
    assert "$" not in query and 'namespace="shop"' in query


def points(values: list[float], step_s: int) -> dict:
    stamps = [NOW - timedelta(seconds=step_s * (len(values) - 1 - i)) for i in range(len(values))]
    return {"series": [{"labels": {}, "timestamps": [t.isoformat() for t in stamps], "values": values}]}


def anomaly(since_minutes: int | None) -> dict:
    intervals = [] if since_minutes is None else [
        {"start": (NOW - timedelta(minutes=since_minutes)).isoformat(), "end": NOW.isoformat(), "peak_score": 0.99}]
    return {"series": [{"labels": {}, "anomalous": bool(intervals), "intervals": intervals, "baseline": {}}]}


class Prometheus:
    """Answers each PromQL question by the metric it reads; None (a tool error) when Prometheus is down."""

    def __init__(self, answers: dict[str, Any] | None) -> None:
        self.answers, self.calls = answers, []

    async def call(self, agent, server, tool, args, brain="offline") -> ToolOutcome:
        self.calls.append((server, tool, args.get("query", "")))
        answer = None
        if self.answers is not None and server == "prometheus":
            answer = next((a for key, a in self.answers.items() if key in f"{tool} {args.get('query', '')}"), {"series": []})
        record = ToolCallRecord(id=f"ev-{len(self.calls)}", agent=agent, server=server, tool=tool, args=args,
                                ok=answer is not None)
        return ToolOutcome(record=record, data=answer, error=None if answer is not None else "prometheus: connection refused")


def ask(answers: dict[str, Any] | None, target: str = "shop/Deployment/search", question: str = "workload",
        source: str = "prometheus") -> tuple[dict[str, dict], Prometheus]:
    tools = Prometheus(answers)
    state = Investigation(incident=Incident(id="inc-1", title="t", started_at=NOW, window_start=NOW, window_end=NOW),
                          metrics_source=source)
    calls = Calls(tools, "metrics", "cloudwatch")
    asyncio.run(metrics.investigate(Task(agent="metrics", target=target, question=question), state, calls))
    return {f.signal: f.details for f in calls.findings}, tools


LEAK = points([40 + i * 1.6 for i in range(37)], 300)  # 40% -> 98% of the limit over 3 h, in small steps
STEP = points([40.0] * 30 + [95.0] * 7, 300)  # a new limit: one jump, then flat
THROTTLED = points([60.0] * 30, 60)


@pytest.mark.parametrize("answers, expected, absent", [
    ({"container_memory_working_set_bytes": LEAK}, {"MemoryRamp"}, {"CpuThrottled"}),
    ({"container_memory_working_set_bytes": STEP}, set(), {"MemoryRamp"}),
    ({"container_cpu_cfs_throttled_periods_total": THROTTLED}, {"CpuThrottled"}, {"MemoryRamp"}),
    ({"promql_anomalies 1000 * histogram_quantile": anomaly(25)}, {"LatencyAnomaly"}, {"ErrorAnomaly"}),
    ({"promql_anomalies 1000 * histogram_quantile": anomaly(None)}, set(), {"LatencyAnomaly"}),
])
def test_a_workloads_series_in_prometheus_are_judged_as_in_cloudwatch(answers, expected, absent):
    found, _ = ask(answers)
    assert expected <= set(found) and not absent & set(found)
    for signal in expected:
        assert "promql" in found[signal]  # the report quotes the PromQL it read


def test_errors_that_grew_with_the_traffic_are_the_traffics_not_the_services():
    errors = points([1.0] * 150 + [3.0] * 31, 60)  # three times the errors ...
    requests = points([100.0] * 150 + [300.0] * 31, 60)  # ... at three times the requests: the same 1%
    found, _ = ask({"promql_anomalies sum(increase(http_requests_total": anomaly(30),
                    "promql_range sum(increase(http_requests_total{namespace=\"shop\",service=\"search\",code": errors,
                    "promql_range sum(increase(http_requests_total{namespace=\"shop\",service=\"search\"}": requests})
    assert "ErrorsWithTraffic" in found and "ErrorAnomaly" not in found


def test_errors_at_a_higher_rate_are_the_services_own():
    errors = points([1.0] * 150 + [30.0] * 31, 60)
    requests = points([100.0] * 181, 60)
    found, _ = ask({"promql_anomalies sum(increase(http_requests_total": anomaly(30),
                    "promql_range sum(increase(http_requests_total{namespace=\"shop\",service=\"search\",code": errors,
                    "promql_range sum(increase(http_requests_total{namespace=\"shop\",service=\"search\"}": requests},
                   target="shop/Service/search", question="service")
    assert "ErrorAnomaly" in found


@pytest.mark.parametrize("source, down, servers", [
    ("cloudwatch", False, {"cloudwatch"}),
    ("prometheus", False, {"prometheus"}),
    ("prometheus", True, {"prometheus"}),  # down: its errors are the evidence, CloudWatch is not this run's source
    ("both", False, {"prometheus"}),
    ("both", True, {"prometheus", "cloudwatch"}),  # Prometheus down: CloudWatch answers
])
def test_each_source_reads_where_the_settings_say(source, down, servers):
    _, tools = ask(None if down else {}, source=source)
    assert {server for server, _, _ in tools.calls} == servers


def test_firing_alerts_are_read_from_prometheus_by_namespace():
    held = {"alerts": [{"name": "KubePodCrashLooping", "state": "firing", "labels": {"namespace": "shop"},
                        "active_at": NOW.isoformat()},
                       {"name": "Other", "state": "firing", "labels": {"namespace": "payments"}},
                       {"name": "Pending", "state": "pending", "labels": {"namespace": "shop"}}]}
    tools = Prometheus({"prometheus_alerts": held})
    calls = Calls(tools, "metrics", "prometheus")
    assert asyncio.run(promql_workload.firing("shop", calls))
    assert [f.details["alarm"] for f in calls.findings] == ["KubePodCrashLooping"]
