"""The offline supervisor scopes a question to its namespace (-n), sweeps that namespace when the
question names nothing in it, and asks CloudWatch which alarms fire before concluding "nothing
wrong" (a health verdict rests on both backends); an alarm's own metrics question makes that moot."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sre_agent.app.intake import IntakeError, incident_from_alarm, incident_from_question
from sre_agent.brains.offline.supervisor import initial_tasks, next_task
from sre_agent.contracts import Finding
from sre_agent.graph.state import Investigation

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_a_namespace_scopes_the_locate_question():
    incident = incident_from_question("is checkout healthy?", NOW, namespace="shop")
    assert incident.namespace == "shop"
    [task] = initial_tasks(Investigation(incident=incident))
    assert task.target == "shop" and task.question.startswith("locate") and "checkout" in task.question
    assert initial_tasks(Investigation(incident=incident_from_question("is checkout healthy?", NOW)))[0].target == "cluster"


def test_a_bad_namespace_is_refused():
    with pytest.raises(IntakeError, match="not a Kubernetes namespace name"):
        incident_from_question("x", NOW, namespace="Shop_1")


def test_nothing_located_sweeps_the_namespace_then_asks_which_alarms_fire():
    state = Investigation(incident=incident_from_question("is zzz ok?", NOW, namespace="shop"))
    first = next_task(state)
    assert first is not None
    state = state.model_copy(update={"tasks": [first]})
    sweep = next_task(state)
    assert sweep is not None and (sweep.agent, sweep.target, sweep.question) == ("kubernetes", "shop", "triage")
    state = state.model_copy(update={"tasks": [first, sweep]})
    firing = next_task(state)
    assert firing is not None and (firing.agent, firing.target, firing.question) == ("metrics", "shop", "firing")
    assert next_task(state.model_copy(update={"tasks": [first, sweep, firing]})) is None


def test_located_things_are_triaged_and_alarms_checked_when_no_metrics_question_came_up():
    state = Investigation(incident=incident_from_question("is checkout healthy?", NOW))
    first = next_task(state)
    assert first is not None
    located = Finding(agent="kubernetes", resource="shop/Service/checkout", signal="Located", summary="s", severity="info")
    state = state.model_copy(update={"tasks": [first], "findings": [located]})
    triage = next_task(state)
    assert triage is not None and triage.target == "shop/Service/checkout"
    state = state.model_copy(update={"tasks": [first, triage]})
    last = next_task(state)
    assert last is not None and (last.agent, last.question) == ("metrics", "firing")


def test_an_alarm_is_never_asked_the_firing_question():
    alarm = {"AlarmName": "x", "NewStateValue": "ALARM", "Trigger": {"Dimensions": [{"name": "Namespace", "value": "shop"}]}}
    state = Investigation(incident=incident_from_alarm(alarm, NOW))
    asked = []
    while (task := next_task(state)) is not None:
        asked.append(task)
        state = state.model_copy(update={"tasks": asked.copy()})
    assert asked and all(t.question != "firing" for t in asked)


def _after_locate(question: str, *findings: Finding) -> Investigation:
    state = Investigation(incident=incident_from_question(question, NOW))
    first = next_task(state)
    assert first is not None
    return state.model_copy(update={"tasks": [first], "findings": list(findings)})


def test_nothing_located_sweeps_the_namespace_the_question_mentions_else_the_cluster():
    mentioned = Finding(agent="kubernetes", resource="clearing", signal="NamespaceMentioned", summary="s", severity="info")
    sweep = next_task(_after_locate("did the manual run in clearing fail?", mentioned))
    assert sweep is not None and (sweep.agent, sweep.target, sweep.question) == ("kubernetes", "clearing", "triage")
    sweep = next_task(_after_locate("why does the new node send no logs?"))
    assert sweep is not None and (sweep.agent, sweep.target, sweep.question) == ("kubernetes", "cluster", "triage")


def test_what_the_analyzers_flag_critical_on_a_workload_is_triaged_like_an_alarmed_one():
    def flagged(resource: str, severity: str = "critical") -> Finding:
        return Finding(agent="kubernetes", resource=resource, signal="JobFailed", summary="s", severity=severity,
                       details={"source": "analyzer"})
    state = _after_locate("what's wrong in clearing?", flagged("clearing/Job/run-1"), flagged("clearing/Deployment/w", "warning"))
    tasks = []
    while (task := next_task(state)) is not None and len(tasks) < 6:
        tasks.append(task)
        state = state.model_copy(update={"tasks": [*state.tasks, task]})
    triaged = [t.target for t in tasks if t.question == "triage"]
    assert "clearing/Job/run-1" in triaged and "clearing/Deployment/w" not in triaged  # critical only


@pytest.mark.parametrize("series, expected_h", [
    ([50 + i for i in range(36)], (100 - 85) / 1 * 300 / 3600),  # +1 point per 5 min from 85%: 15 points -> 1.25 h
    ([60.0] * 36, None),                                          # flat: no exhaustion
    ([90 - i * 0.5 for i in range(36)], None),                     # falling
])
def test_time_to_exhaustion_extrapolates_the_recent_climb(series, expected_h):
    from sre_agent.brains.offline.metric_judgement import hours_to_limit
    got = hours_to_limit(series, period_s=300)
    assert got == pytest.approx(expected_h) if expected_h is not None else got is None


def test_a_failed_job_with_nothing_else_to_go_on_is_read_from_its_logs_and_its_config_error_explains_it():
    from sre_agent.brains.offline.diagnosis import hypotheses
    failed = Finding(agent="kubernetes", resource="billing/Job/export-1", signal="JobFailed", severity="critical",
                     summary="Job export-1 has failed: BackoffLimitExceeded", details={"source": "analyzer"})
    state = _after_locate("why did export-1 fail?", failed)
    tasks = []
    while (task := next_task(state)) is not None and len(tasks) < 8:
        tasks.append(task)
        state = state.model_copy(update={"tasks": [*state.tasks, task]})
    assert ("logs", "billing/Job/export-1", "patterns") in [(t.agent, t.target, t.question) for t in tasks]
    said = Finding(agent="logs", resource="billing/Job/export-1", signal="ConfigErrorLog", summary="new log template x3: "
                   "fatal: missing required setting EXPORT_BUCKET")
    [top, *_] = hypotheses([failed, said])
    assert (top.category.value, top.resource) == ("crash_missing_config", "billing/Job/export-1")
    assert hypotheses([said]) == []  # a config complaint alone, with nothing failing, explains nothing


def test_a_cronjob_run_that_cannot_pull_is_the_cronjobs_fault_not_the_runs():
    from sre_agent.brains.offline.diagnosis import best, hypotheses

    run = "ops/Job/sync-29923320"
    pulled = Finding(agent="kubernetes", resource=run, signal="ImagePullBackOff", severity="critical", summary="gone pod: "
                     'Failed to pull image "r/sync:v9"', details={"image": "r/sync:v9", "source": "events"})
    lifted = Finding(agent="kubernetes", resource="ops/CronJob/sync", signal="ImagePullBackOff", severity="critical",
                     summary=f"run {run}: cannot pull", details={"image": "r/sync:v9", "run": run})
    chosen = best(hypotheses([pulled, pulled, lifted]))
    assert (chosen.category.value, chosen.resource) == ("bad_image", "ops/CronJob/sync")


def test_a_degraded_dependencys_own_cpu_and_memory_are_read():
    incident = incident_from_question("why is web slow?")
    state = Investigation(incident=incident.model_copy(update={"affected": ["a/Service/web"]}), findings=[
        Finding(agent="kubernetes", resource="a/Deployment/web", signal="DependsOn", summary="s", severity="info",
                details={"dependency": "a/Service/api"}),
        Finding(agent="metrics", resource="a/Deployment/web", signal="LatencyAnomaly", summary="s"),
        Finding(agent="metrics", resource="a/Service/api", signal="LatencyAnomaly", summary="s"),
        Finding(agent="kubernetes", resource="a/Deployment/api", signal="Backs", summary="s", severity="info",
                details={"service": "a/Service/api"})])
    from sre_agent.brains.offline.supervisor import _candidates
    from sre_agent.graph.state import Task

    state.tasks = [Task(agent="metrics", target="a/Service/api", question="service", reason="r")]
    assert any(t.agent == "metrics" and t.target == "a/Deployment/api" and t.question == "workload" for t in _candidates(state))


def test_an_unexplained_alarm_checks_its_own_workloads_saturation_before_walking_its_dependencies():
    alarm = {"AlarmName": "api-latency", "NewStateValue": "ALARM",
             "Trigger": {"MetricName": "LatencyP99", "Dimensions": [{"name": "Namespace", "value": "shop"},
                                                                   {"name": "Service", "value": "api"}]}}
    state = Investigation(incident=incident_from_alarm(alarm, NOW))
    backs = Finding(agent="kubernetes", resource="shop/Deployment/api", signal="Backs", summary="s", severity="info",
                    details={"service": state.incident.affected[0]})
    calls_db = Finding(agent="kubernetes", resource="shop/Deployment/api", signal="DependsOn", summary="s", severity="info",
                       details={"dependency": "shop/Service/db"})
    slow = Finding(agent="metrics", resource="shop/Deployment/api", signal="LatencyAnomaly", summary="s")
    asked = []
    state = state.model_copy(update={"findings": [backs, calls_db, slow]})
    while (task := next_task(state)) is not None and len(asked) < 10:
        asked.append(task)
        state = state.model_copy(update={"tasks": asked.copy()})
    order = [(t.agent, t.target, t.question) for t in asked]
    own = order.index(("metrics", "shop/Deployment/api", "workload"))
    assert own < order.index(("metrics", "shop/Service/db", "service"))
