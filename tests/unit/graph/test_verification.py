"""Verification's health rules, read from tool results, and the verify node's verdicts: a fake
Tools answers each call from a table and a fake clock stands for the minutes a slow alarm takes,
so both are tested without a lab or an MCP server."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from langgraph.runtime import Runtime

from sre_agent.contracts import Diagnosis, Finding, Incident, RootCauseCategory
from sre_agent.graph import verification
from sre_agent.graph.context import RunContext
from sre_agent.graph.health import alarm_reading, checked_resource, resource_healthy
from sre_agent.graph.policy import RemediationPolicy
from sre_agent.graph.state import Investigation, RemediationPlan

from .fakes import FakeTools, items

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)


RESOURCE_CASES = [
    ("all replicas ready and up to date", "shop/Deployment/api",
     {("kubernetes", "get_resources"): items({"ready": "3/3", "up_to_date": 3})}, True, "ready 3/3"),
    ("some replicas not ready", "shop/Deployment/api",
     {("kubernetes", "get_resources"): items({"ready": "1/3", "up_to_date": 3})}, False, "ready 1/3"),
    ("ready but an old revision still serves", "shop/StatefulSet/db",
     {("kubernetes", "get_resources"): items({"ready": "2/2", "up_to_date": 1})}, False, "up to date 1"),
    ("scaled to zero is not healthy", "shop/Deployment/api",
     {("kubernetes", "get_resources"): items({"ready": "0/0", "up_to_date": 0})}, False, "ready 0/0"),
    ("the workload is gone", "shop/Deployment/api", {("kubernetes", "get_resources"): items()}, False, "not found"),
    ("a tool error is not health", "shop/Deployment/api", {}, False, "not found"),
    ("node ready", "Node/n1", {("kubernetes", "get_resources"): items({"ready": "True"})}, True, "ready=True"),
    ("node not ready", "Node/n1", {("kubernetes", "get_resources"): items({"ready": "Unknown"})}, False, "ready=Unknown"),
    ("claim bound", "shop/PersistentVolumeClaim/data",
     {("kubernetes", "get_resources"): items({"phase": "Bound"})}, True, "Bound"),
    ("claim pending", "shop/PersistentVolumeClaim/data",
     {("kubernetes", "get_resources"): items({"phase": "Pending"})}, False, "Pending"),
    ("service with ready endpoints", "shop/Service/web",
     {("kubernetes", "ownership"): {"ready_endpoints": 2}}, True, "2 ready endpoints"),
    ("service without endpoints", "shop/Service/web",
     {("kubernetes", "ownership"): {"ready_endpoints": 0}}, False, "0 ready endpoints"),
    ("a cronjob whose newest run completed", "shop/CronJob/nightly", {("kubernetes", "get_resources"): items(
        {"name": "nightly-1", "cronjob": "nightly", "status": "Failed", "created": "2026-03-01T01:00:00Z"},
        {"name": "nightly-fix", "cronjob": "nightly", "status": "Complete", "created": "2026-03-01T02:00:00Z"},
        {"name": "other-9", "cronjob": "other", "status": "Failed", "created": "2026-03-01T03:00:00Z"})},
     True, "nightly-fix is Complete"),
    ("a cronjob whose newest run has not completed", "shop/CronJob/nightly", {("kubernetes", "get_resources"): items(
        {"name": "nightly-1", "cronjob": "nightly", "status": "Complete", "created": "2026-03-01T01:00:00Z"},
        {"name": "nightly-2", "cronjob": "nightly", "status": "Running", "created": "2026-03-01T02:00:00Z"})},
     False, "nightly-2 is Running"),
    ("a cronjob with no run", "shop/CronJob/nightly", {("kubernetes", "get_resources"): items()}, False, "no run yet"),
    ("other kinds: no critical findings left", "shop/ResourceQuota/q",
     {("kubernetes", "analyze"): {"findings": [{"severity": "warning"}]}}, True, "0 critical"),
    ("other kinds: a critical finding left", "shop/ResourceQuota/q",
     {("kubernetes", "analyze"): {"findings": [{"severity": "critical"}]}}, False, "1 critical"),
]


@pytest.mark.parametrize("case, resource, answers, healthy, detail", RESOURCE_CASES, ids=[c[0] for c in RESOURCE_CASES])
def test_resource_health(case, resource, answers, healthy, detail):
    ok, why = asyncio.run(resource_healthy(FakeTools(answers), resource))
    assert ok is healthy and detail in why, why


def _state(alarm: dict | None = None, diagnosis: str = "", plan: RemediationPlan | None = None) -> Investigation:
    incident = Incident(id="i", title="t", started_at=NOW, window_start=NOW, window_end=NOW, alarm=alarm)
    return Investigation(incident=incident, plan=plan,
                         diagnosis=Diagnosis(category=RootCauseCategory.QUOTA_EXCEEDED, resource=diagnosis))


@pytest.mark.parametrize("alarm, answers, ok, detail", [
    (None, {}, True, "no alarm"),
    ({"AlarmName": "web-5xx"}, {("cloudwatch", "describe_alarms"): {"alarms": [{"name": "web-5xx", "state": "OK"}]}},
     True, "is OK"),
    ({"AlarmName": "web-5xx"}, {("cloudwatch", "describe_alarms"): {"alarms": [{"name": "web-5xx", "state": "ALARM"}]}},
     False, "is ALARM"),
    ({"AlarmName": "web-5xx"}, {}, False, "is None"),
])
def test_alarm_back_to_ok(alarm, answers, ok, detail):
    reading = asyncio.run(alarm_reading(FakeTools(answers), _state(alarm)))
    assert reading.ok is ok and detail in reading.detail


@pytest.mark.parametrize("trigger, row, window", [
    ({}, {}, None),
    ({"Period": 300, "EvaluationPeriods": 3}, {}, 1200),          # the notification's own description
    ({}, {"metric": {"period": 60}, "evaluation_periods": 2}, 180),  # as CloudWatch describes it now
    ({"Period": 300, "EvaluationPeriods": 3}, {"metric": {"period": 60}, "evaluation_periods": 1}, 120),
    ({"Period": "300"}, {}, 600),
    ({"Period": "soon"}, {}, None),
])
def test_how_long_an_alarm_needs_to_see_a_fix(trigger, row, window):
    answers = {("cloudwatch", "describe_alarms"): {"alarms": [{"name": "slow", "state": "ALARM", **row}]}}
    reading = asyncio.run(alarm_reading(FakeTools(answers), _state({"AlarmName": "slow", "Trigger": trigger})))
    assert reading.clear_window_s == window


def test_a_fix_on_a_workload_is_checked_on_that_workload():
    """The quota is the root cause, but the fix scaled a Deployment: the Deployment must be healthy."""
    plan = RemediationPlan(server="kubernetes", tool="scale", args={"namespace": "shop", "name": "api", "replicas": 2},
                           risk="low")
    assert checked_resource(_state(diagnosis="shop/ResourceQuota/q", plan=plan)) == "shop/Deployment/api"
    assert checked_resource(_state(diagnosis="shop/Deployment/web", plan=plan)) == "shop/Deployment/web"
    assert checked_resource(_state(diagnosis="shop/ResourceQuota/q")) == "shop/ResourceQuota/q"


class FakeClock:
    """Time passes only when the node sleeps: a ten-minute watch takes no real time."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(verification, "time", SimpleNamespace(monotonic=fake.monotonic))
    monkeypatch.setattr(verification, "asyncio", SimpleNamespace(sleep=fake.sleep))
    return fake


WRITES = {"rollout_undo", "rollout_restart", "scale", "set_image", "delete_pod", "patch", "cordon"}
SLOW_ALARM = {"AlarmName": "api-5xx", "Trigger": {"Period": 300, "EvaluationPeriods": 1}}  # needs 600 s to clear
FIXED = RemediationPlan(server="kubernetes", tool="rollout_undo", args={"namespace": "shop", "name": "api", "to_revision": 3},
                        risk="low")


def _verify(tools: FakeTools, alarm: dict | None, world_speed: float = 1.0) -> dict:
    state = _state(alarm, diagnosis="shop/Deployment/api", plan=FIXED)
    events: list[dict] = []
    context = RunContext(brain=None, tools=tools, policy=RemediationPolicy(),  # type: ignore[arg-type]
                         verify_timeout_s=90, verify_poll_s=10, world_speed=world_speed)
    update = asyncio.run(verification.verify(state, Runtime(context=context, stream_writer=events.append)))
    return update


def _alarm(state: str) -> dict:
    return {("cloudwatch", "describe_alarms"): {"alarms": [{"name": "api-5xx", "state": state}]}}


def test_a_healthy_fix_whose_slow_alarm_stays_in_alarm_is_kept_and_escalated(clock):
    tools = FakeTools({("kubernetes", "get_resources"): items({"ready": "3/3", "up_to_date": 3}), **_alarm("ALARM")})
    update = _verify(tools, SLOW_ALARM)
    assert update["verified"] is False and "status" not in update
    reason = update["escalation_reason"]
    assert "shop/Deployment/api healthy but alarm api-5xx still ALARM after 600s" in reason, reason
    assert "not undone" in reason and "the fix is kept" in reason
    assert clock.now >= 600, "watched for the alarm's own window, not just the 90 s timeout"
    assert not {tool for tool, _ in tools.calls} & WRITES, "verification never writes"
    assert "actions" not in update and "tool_calls" not in update


def _alarm_clears_at(clock, seconds: float) -> FakeTools:
    """A healthy workload whose alarm turns OK once the fake clock reaches `seconds`."""
    answers = {("kubernetes", "get_resources"): items({"ready": "3/3", "up_to_date": 3}), **_alarm("ALARM")}
    tools = FakeTools(answers)
    original = tools.call

    async def clears(agent, server, tool, args, brain="offline"):
        if clock.now >= seconds:
            answers.update(_alarm("OK"))
        return await original(agent, server, tool, args, brain)

    tools.call = clears  # type: ignore[method-assign]
    return tools


def test_a_slow_alarm_that_clears_within_its_window_is_remediated(clock):
    update = _verify(_alarm_clears_at(clock, 300), SLOW_ALARM)
    assert update["status"] == "remediated" and update["verified"] is True
    assert 300 <= clock.now < 600


def test_an_unhealthy_resource_escalates_at_the_timeout_without_a_write(clock):
    tools = FakeTools({("kubernetes", "get_resources"): items({"ready": "0/3", "up_to_date": 3}), **_alarm("ALARM")})
    update = _verify(tools, SLOW_ALARM)
    reason = update["escalation_reason"]
    assert "shop/Deployment/api still not healthy after 90s" in reason and "ready 0/3" in reason, reason
    assert "not undone" in reason and "the fix is kept" in reason
    assert 90 <= clock.now < 600, "an unhealthy resource gets no extra watch"
    assert [tool for tool, _ in tools.calls] == ["get_resources"] * len(tools.calls), "read the resource, wrote nothing"


def test_without_the_alarm_period_the_configured_timeout_is_the_bound(clock):
    tools = FakeTools({("kubernetes", "get_resources"): items({"ready": "3/3", "up_to_date": 3}), **_alarm("ALARM")})
    update = _verify(tools, {"AlarmName": "api-5xx"})
    assert "still ALARM after 90s" in update["escalation_reason"]
    assert not {tool for tool, _ in tools.calls} & WRITES


def test_a_raised_quota_is_checked_on_the_workload_it_refused():
    plan = RemediationPlan(server="kubernetes", tool="raise_quota", risk="high",
                           args={"namespace": "shop", "name": "q", "hard": {"requests.cpu": "4"}})
    refused = Finding(agent="kubernetes", resource="shop/Deployment/frontend", signal="FailedCreate", summary="exceeded quota")
    state = _state(diagnosis="shop/ResourceQuota/q", plan=plan).model_copy(update={"findings": [refused]})
    assert checked_resource(state) == "shop/Deployment/frontend"


def test_in_a_lab_whose_clock_runs_faster_the_alarms_window_passes_sooner(clock):
    """The alarm's window is world time: at 4x (a lab clock), 600 s of it pass in 150 wall-clock seconds."""
    tools = FakeTools({("kubernetes", "get_resources"): items({"ready": "3/3", "up_to_date": 3}), **_alarm("ALARM")})
    update = _verify(tools, SLOW_ALARM, world_speed=4.0)
    assert update["verified"] is False and 150 <= clock.now < 600, clock.now


def test_a_check_that_turns_good_as_the_watch_ends_gets_its_confirmations(clock):
    """Healthy and the alarm OK only at the last check of the watch: the checks that confirm it follow -- never an
    escalation that says the alarm is 'still OK'."""
    update = _verify(_alarm_clears_at(clock, 90), {"AlarmName": "api-5xx"})
    assert update.get("status") == "remediated", update


class KindTools(FakeTools):
    """Answers get_resources by the kind asked for."""

    def __init__(self, by_kind: dict[str, dict]) -> None:
        super().__init__({("kubernetes", "get_resources"): {}})
        self.by_kind = by_kind

    async def call(self, agent, server, tool, args, brain="offline"):
        self.answers[("kubernetes", "get_resources")] = self.by_kind.get(args.get("kind"), items())
        return await super().call(agent, server, tool, args, brain)


@pytest.mark.parametrize("pods, healthy, detail", [
    ([{"name": "nightly-2-abc", "status": "Running"}], True, "its pod nightly-2-abc runs"),  # a long run, started
    ([{"name": "nightly-2-abc", "status": "CreateContainerConfigError",
       "problems": ["run: CreateContainerConfigError"]}], False, "nightly-2 is Running"),  # the run cannot start
    ([], False, "nightly-2 is Running"),  # no pod yet: nothing seen running
])
def test_a_cronjobs_running_run_is_healthy_only_while_its_pods_run(pods, healthy, detail):
    jobs = items({"name": "nightly-1", "cronjob": "nightly", "status": "Failed", "created": "2026-03-01T01:00:00Z"},
                 {"name": "nightly-2", "cronjob": "nightly", "status": "Running", "created": "2026-03-01T02:00:00Z"})
    tools = KindTools({"Job": jobs, "Pod": items(*pods)})
    ok, why = asyncio.run(resource_healthy(tools, "shop/CronJob/nightly"))
    assert ok is healthy and detail in why, why
    assert ("get_resources", {"kind": "Pod", "namespace": "shop", "label_selector": "job-name=nightly-2"}) in tools.calls


def test_a_daily_alarm_is_not_waited_out_the_escalation_says_when_it_can_clear(clock):
    """An alarm that evaluates once a day needs two days to see a fix: the run watches at most MAX_ALARM_WAIT_S of world
    time, keeps the fix and says when the alarm can clear -- never a run held open for two days."""
    tools = FakeTools({("kubernetes", "get_resources"): items({"ready": "3/3", "up_to_date": 3}), **_alarm("ALARM")})
    update = _verify(tools, {"AlarmName": "api-5xx", "Trigger": {"Period": 86400, "EvaluationPeriods": 1}})
    assert update["verified"] is False and clock.now <= verification.MAX_ALARM_WAIT_S + 10
    assert "can clear only after its next evaluations (up to 48 h" in update["escalation_reason"], update
