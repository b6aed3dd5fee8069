"""A traffic surge moves every service's error *count*; a failing service moves its error *rate*. The offline
metrics specialist reads an error-count anomaly against the service's requests before calling it degraded, and
the supervisor walks the most degraded dependency first (the alarm's own kind of symptom, then how many kinds),
each with its workload's saturation -- so a bounded walk is not spent on siblings that only look alike."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from sre_agent.app.intake import incident_from_alarm
from sre_agent.brains.offline.calls import Calls
from sre_agent.brains.offline.metrics import _error_rate_steady
from sre_agent.brains.offline.supervisor import next_task
from sre_agent.contracts import Finding
from sre_agent.graph.state import Investigation, Task
from tests.unit.brains.test_offline_kubernetes_targets import Scripted

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
ONSET = NOW - timedelta(minutes=30)


def series(before: float, since: float) -> dict:
    stamps = [NOW - timedelta(minutes=5 * i) for i in range(24, 0, -1)]
    return {"series": {"Sum": {"timestamps": [t.isoformat() for t in stamps],
                               "values": [before if t < ONSET else since for t in stamps]}}}


@pytest.mark.parametrize("errors, requests, steady", [
    ((10, 30), (1000, 3000), True),    # three times the traffic, the same 1% failing: the surge's
    ((10, 300), (1000, 3000), False),  # the rate went from 1% to 10%: the service's own failure
    ((0, 40), (1000, 1000), False),    # no traffic change, errors from nothing
])
def test_an_error_count_anomaly_is_the_services_only_when_its_error_rate_rose(errors, requests, steady):
    answers = {"5xxCount": series(*errors), "RequestCount": series(*requests)}

    class Metrics(Scripted):  # get_metric_data answered per metric name
        async def call(self, agent, server, tool, args, brain="offline"):
            self.answers = {tool: answers[args["metric_name"]]}
            return await super().call(agent, server, tool, args, brain)

    tools = Metrics({})
    said, evidence = asyncio.run(_error_rate_steady({"Service": "api"}, {"Service": "api"}, ONSET.isoformat(),
                                                    Calls(tools, "metrics", "cloudwatch")))
    assert bool(said) == steady and len(evidence) == 2
    if steady:
        assert "1.00%" in said


def finding(resource: str, signal: str, **details) -> Finding:
    return Finding(agent="kubernetes" if signal in ("DependsOn", "Backs") else "metrics", resource=resource, signal=signal,
                   summary=signal, severity="info" if signal in ("DependsOn", "Backs") else "warning", details=details)


def test_the_dependency_showing_the_alarms_symptom_is_triaged_first_with_its_workload():
    alarm = {"AlarmName": "gw-latency", "NewStateValue": "ALARM",
             "Trigger": {"MetricName": "LatencyP99", "Dimensions": [{"name": "Namespace", "value": "edge"},
                                                                   {"name": "Service", "value": "gw"}]}}
    state = Investigation(incident=incident_from_alarm(alarm, NOW))
    gateway = state.incident.affected[0]
    findings = [finding("edge/Deployment/gw", "Backs", service=gateway),
                finding(gateway, "LatencyAnomaly"), finding("edge/Deployment/gw", "LatencyAnomaly"),
                *[finding("edge/Deployment/gw", "DependsOn", dependency=f"edge/Service/{d}") for d in ("a", "b", "c")],
                finding("edge/Service/a", "ErrorAnomaly"),
                finding("edge/Service/b", "ErrorAnomaly"), finding("edge/Service/c", "LatencyAnomaly"),
                finding("edge/Deployment/c", "Backs", service="edge/Service/c")]
    checked = [Task(agent="metrics", target=f"edge/Service/{d}", question="service", reason="r") for d in ("a", "b", "c")]
    state = state.model_copy(update={"findings": findings, "tasks": [
        Task(agent="kubernetes", target=gateway, question="triage", reason="r"),
        Task(agent="metrics", target=gateway, question="alarm", reason="r"),
        Task(agent="metrics", target="edge/Deployment/gw", question="workload", reason="r"), *checked]})
    first = next_task(state)
    assert (first.agent, first.target, first.question) == ("kubernetes", "edge/Service/c", "triage")
    state = state.model_copy(update={"tasks": [*state.tasks, first]})
    second = next_task(state)
    assert (second.agent, second.target, second.question) == ("metrics", "edge/Deployment/c", "workload")


@pytest.mark.parametrize("steps_used, first_agent", [(14, "metrics"), (15, "runbooks")])
def test_the_last_question_the_budget_allows_goes_to_the_leading_hypothesiss_runbook(steps_used, first_agent):
    from sre_agent.graph.state import Usage

    alarm = {"AlarmName": "api-latency", "NewStateValue": "ALARM",
             "Trigger": {"MetricName": "LatencyP99", "Dimensions": [{"name": "Namespace", "value": "a"},
                                                                   {"name": "Service", "value": "api"}]}}
    state = Investigation(incident=incident_from_alarm(alarm, NOW))
    throttled = Finding(agent="metrics", resource="a/Deployment/api", signal="CpuThrottled", summary="s", severity="critical")
    state = state.model_copy(update={"findings": [throttled], "usage": Usage(steps=steps_used), "tasks": [
        Task(agent="kubernetes", target=state.incident.affected[0], question="triage", reason="r")]})
    assert next_task(state).agent == first_agent
