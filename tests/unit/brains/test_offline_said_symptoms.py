"""A question that says a symptom and names nothing found ("bookings spin and then time out"): the metrics specialist
reads each service's series for that symptom against its own baseline and locates the one whose rise is strongest and
still going on (brains/offline/metrics._symptoms); the supervisor asks that before sweeping for static findings."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sre_agent.app.intake import incident_from_question
from sre_agent.brains.offline.calls import Calls
from sre_agent.brains.offline.metrics import investigate
from sre_agent.brains.offline.supervisor import next_task
from sre_agent.contracts import ToolCallRecord
from sre_agent.graph.ports import ToolOutcome
from sre_agent.graph.state import Investigation, Task
from sre_agent.metric_kinds import said_symptom_metrics

NOW = datetime.now(UTC)
RISING = {"start": (NOW - timedelta(minutes=40)).isoformat(), "end": None, "peak_score": 1.0, "direction": "up", "points": 40,
          "ongoing": True}


def _report(rise: float | None) -> dict:
    """A detector report whose ongoing interval peaks at `rise` times the baseline median (None: nothing rising)."""
    intervals = [] if rise is None else [{**RISING, "max_value": 100.0 * rise}]
    return {"baseline": {"median": 100.0}, "intervals": intervals}


class Tools:
    """CloudWatch as the lab serves it: `latency` / `errors` -> service -> its ongoing rise over its baseline (None: none)."""

    def __init__(self, latency: dict[str, float | None], errors: dict[str, float | None] | None = None) -> None:
        self.series = {"LatencyP99": latency, "5xxCount": errors or {}}
        self.calls: list[tuple[str, dict]] = []

    async def call(self, agent, server, tool, args, brain="offline"):
        self.calls.append((tool, args))
        data: dict = {}
        if tool == "list_metrics" and "metric_name" in args:
            data = {"metrics": [{"metric": args["metric_name"], "dimensions": {"Namespace": ns, "Service": name}}
                                for ns, name in (key.split("/") for key in self.series[args["metric_name"]])]}
        elif tool == "list_metrics":  # one service's own metrics, as _app_anomalies asks
            service = f"{args['dimensions']['Namespace']}/{args['dimensions']['Service']}"
            data = {"metrics": [{"metric": m, "dimensions": args["dimensions"]} for m, s in self.series.items() if service in s]}
        elif tool == "detect_anomalies":
            service = f"{args['dimensions']['Namespace']}/{args['dimensions']['Service']}"
            data = _report(self.series[args["metric_name"]].get(service))
        return ToolOutcome(record=ToolCallRecord(id=f"ev-{len(self.calls)}", agent=agent, server=server, tool=tool, ok=True),
                           data=data)


def _located(question: str, tools: Tools, target: str = "cluster") -> list[str]:
    state = Investigation(incident=incident_from_question(question, NOW))
    calls = Calls(tools, "metrics", "cloudwatch")  # type: ignore[arg-type]
    asyncio.run(investigate(Task(agent="metrics", target=target, question="symptoms", reason="r"), state, calls))
    return [f.resource for f in calls.findings if f.signal == "Located"]


def test_the_service_whose_own_latency_rose_most_is_located():
    tools = Tools({"front/web": 9.0, "scheduling/appointments-api": 14.0, "billing/invoices": None})
    assert _located("patients say booking spins for ages then times out, why?", tools) == ["scheduling/Service/appointments-api"]


def test_nothing_rising_locates_nothing():
    assert _located("why is everything so slow", Tools({"front/web": None, "billing/invoices": None})) == []


def test_a_namespace_scopes_the_services_read():
    tools = Tools({"front/web": 9.0, "scheduling/appointments-api": 14.0})
    assert _located("why is it slow", tools, target="front") == ["front/Service/web"]


def test_failures_read_the_5xx_count_and_slowness_the_latency():
    assert said_symptom_metrics("checkout erroring, 502s everywhere") == ["5xxCount"]
    assert said_symptom_metrics("pages crawl since 9") == ["LatencyP99"]
    assert said_symptom_metrics("requests timing out") == ["LatencyP99", "5xxCount"]
    assert said_symptom_metrics("did the nightly backup fail") == []  # a run that failed is a Job's question
    # data late or not arriving is work not done: slow requests, or failing ones retried later -- both are read
    assert said_symptom_metrics("why are the batch records late?") == ["LatencyP99", "5xxCount"]
    assert said_symptom_metrics("prices on the site are stale") == ["LatencyP99", "5xxCount"]
    assert said_symptom_metrics("what changed in the last release") == []


def test_a_symptom_question_reads_the_telemetry_before_sweeping():
    state = Investigation(incident=incident_from_question("bookings have been timing out for 40 minutes", NOW))
    first = next_task(state)
    assert first is not None and first.question.startswith("locate")
    symptoms = next_task(state.model_copy(update={"tasks": [first]}))
    assert symptoms is not None and (symptoms.agent, symptoms.target, symptoms.question) == ("metrics", "cluster", "symptoms")
    sweep = next_task(state.model_copy(update={"tasks": [first, symptoms]}))
    assert sweep is not None and (sweep.agent, sweep.question) == ("kubernetes", "triage")
