"""Verification's health rules, read from tool results: a fake Tools answers each call from a
table, so the rules are tested without a lab or an MCP server."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from sre_agent.contracts import Diagnosis, Incident, RootCauseCategory
from sre_agent.graph.state import Investigation, RemediationPlan
from sre_agent.graph.verification import _alarm_ok, _checked_resource, _resource_healthy

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
    ("other kinds: no critical findings left", "shop/ResourceQuota/q",
     {("kubernetes", "analyze"): {"findings": [{"severity": "warning"}]}}, True, "0 critical"),
    ("other kinds: a critical finding left", "shop/ResourceQuota/q",
     {("kubernetes", "analyze"): {"findings": [{"severity": "critical"}]}}, False, "1 critical"),
]


@pytest.mark.parametrize("case, resource, answers, healthy, detail", RESOURCE_CASES, ids=[c[0] for c in RESOURCE_CASES])
def test_resource_health(case, resource, answers, healthy, detail):
    ok, why = asyncio.run(_resource_healthy(FakeTools(answers), resource))
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
    got, why = asyncio.run(_alarm_ok(FakeTools(answers), _state(alarm)))
    assert got is ok and detail in why


def test_a_fix_on_a_workload_is_checked_on_that_workload():
    """The quota is the root cause, but the fix scaled a Deployment: the Deployment must be healthy."""
    plan = RemediationPlan(server="kubernetes", tool="scale", args={"namespace": "shop", "name": "api", "replicas": 2},
                           risk="low")
    assert _checked_resource(_state(diagnosis="shop/ResourceQuota/q", plan=plan)) == "shop/Deployment/api"
    assert _checked_resource(_state(diagnosis="shop/Deployment/web", plan=plan)) == "shop/Deployment/web"
    assert _checked_resource(_state(diagnosis="shop/ResourceQuota/q")) == "shop/ResourceQuota/q"
