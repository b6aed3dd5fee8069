"""Recall: the past incidents of an alarm before the investigation; after the diagnosis, recurrences on the same
object and the same evidence on another object (a moved fault) -- each marked confirmed by this run or not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sre_agent.contracts import Diagnosis, Finding, Incident, RootCauseCategory
from sre_agent.graph.state import Investigation
from sre_agent.memory.models import PastIncident
from sre_agent.memory.recall import IncidentRecall
from sre_agent.memory.store import SqliteMemory

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
OOM_PRINTS = ["signal:OOMKilled", "signal:CrashLoopBackOff", "changed:resources", "metric:ErrorAnomaly:5xxCount"]


@pytest.fixture
def memory(tmp_path):
    store = SqliteMemory(tmp_path / "memory.sqlite")
    yield store
    store.close()


def remember(store, n: int, *, resource="shop/Deployment/search", category="oom_killed", alarm="shop-search-5xx",
             cluster="sre-lab", prints=OOM_PRINTS, days_ago: float = 1.0, verified=True) -> PastIncident:
    record = PastIncident(run_id=f"run-{n}", incident_id=f"inc-{n}", recorded_at=NOW - timedelta(days=days_ago),
                          cluster=cluster, alarm=alarm, affected=[f"shop/Service/{resource.rsplit('/', 1)[-1]}"],
                          resource=resource, category=category, status="remediated", fingerprints=list(prints),
                          fault_fingerprints=[p for p in prints if not p.startswith("metric:")],
                          fix="rollout_undo on ...", fix_tool="rollout_undo", fix_resource=resource, fix_applied=True,
                          verified=verified, runbook=category)
    store.remember(record, ttl_s=None)
    return record


def state(alarm="shop-search-5xx", affected="shop/Service/search", diagnosis: Diagnosis | None = None,
          findings: list[Finding] | None = None, recalled=None) -> Investigation:
    incident = Incident(id="inc-now", title="t", started_at=NOW, window_start=NOW, window_end=NOW,
                        affected=[affected], alarm={"AlarmName": alarm})
    return Investigation(incident=incident, run_id="run-now", diagnosis=diagnosis, findings=findings or [],
                         recalled=recalled)


def oom(resource: str) -> list[Finding]:
    return [Finding(agent="kubernetes", resource=resource, signal=s, summary=s) for s in ("OOMKilled", "CrashLoopBackOff")] + [
        Finding(agent="kubernetes", resource=resource, signal="RecentRollout", summary="r", severity="info",
                details={"changed": ["resources"]}),
        Finding(agent="metrics", resource=resource, signal="ErrorAnomaly", summary="e", details={"metric": "5xxCount"})]


def test_before_the_investigation_the_alarms_past_root_causes_are_recalled(memory):
    remember(memory, 1, days_ago=3)
    remember(memory, 2, days_ago=1)
    remember(memory, 3, category="none", resource="")  # a run that found nothing: no hypothesis
    remember(memory, 4, alarm="other", resource="shop/Deployment/other")  # another alarm, another object
    remember(memory, 5, cluster="prod-eu")  # the same names in another cluster
    found = IncidentRecall(memory, "sre-lab").recall_before(state())
    assert [(r.incident_id, r.match, r.confirmed) for r in found] == [("inc-2", "alarm", None), ("inc-1", "alarm", None)]
    assert found[0].resource == "shop/Deployment/search" and found[0].runbook == "oom_killed"


def test_a_question_recalls_nothing_before_it_is_investigated(memory):
    remember(memory, 1)
    chat = state().model_copy(update={"incident": state().incident.model_copy(update={"source": "chat", "alarm": None})})
    assert IncidentRecall(memory, "sre-lab").recall_before(chat) == []


def test_after_the_diagnosis_a_remembered_hypothesis_is_confirmed_or_not(memory):
    remember(memory, 1)
    recall = IncidentRecall(memory, "sre-lab")
    before = recall.recall_before(state())
    same = Diagnosis(category=RootCauseCategory.OOM_KILLED, resource="shop/Deployment/search")
    other = Diagnosis(category=RootCauseCategory.MEMORY_LEAK, resource="shop/Deployment/search")
    assert [r.confirmed for r in recall.recall_after(state(diagnosis=same, recalled=before))] == [True]
    assert [r.confirmed for r in recall.recall_after(state(diagnosis=other, recalled=before))] == [False]
    assert [r.confirmed for r in recall.recall_after(state(diagnosis=None, recalled=before))] == [False]


def test_a_recurrence_on_the_same_object_is_recalled_whatever_the_alarm(memory):
    remember(memory, 1, alarm="search-latency")
    diagnosis = Diagnosis(category=RootCauseCategory.OOM_KILLED, resource="shop/Deployment/search")
    found = IncidentRecall(memory, "sre-lab").recall_after(state(diagnosis=diagnosis, recalled=[]))
    assert [(r.incident_id, r.match, r.confirmed) for r in found] == [("inc-1", "resource", True)]


def test_the_same_fault_evidence_on_another_object_is_a_moved_fault_however_it_paged(memory):
    remember(memory, 1, resource="shop/Deployment/search", cluster="old-lab",  # paged by restarts, not 5xx
             prints=["signal:OOMKilled", "signal:CrashLoopBackOff", "changed:resources", "metric:MetricAnomaly:restarts"])
    remember(memory, 2, resource="shop/Deployment/cart", category="memory_leak")  # same evidence, other category
    remember(memory, 3, resource="shop/Deployment/api", prints=["signal:OOMKilled", "signal:Evicted", "signal:NodeNotReady",
                                                                 "metric:LatencyAnomaly:p99"])  # too little in common
    diagnosis = Diagnosis(category=RootCauseCategory.OOM_KILLED, resource="billing/Deployment/invoicer")
    found = IncidentRecall(memory, "sre-lab").recall_after(
        state(alarm="billing-5xx", affected="billing/Service/invoicer", diagnosis=diagnosis,
              findings=oom("billing/Deployment/invoicer"), recalled=[]))
    assert [(r.incident_id, r.match, r.confirmed) for r in found] == [("inc-1", "evidence", True)]
    assert set(found[0].shared) == {"signal:OOMKilled", "signal:CrashLoopBackOff", "changed:resources"}
