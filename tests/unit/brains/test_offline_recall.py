"""The offline supervisor with a memory: the alarm's remembered root cause is triaged right after the alarmed object
(checked, never believed); once this run's own evidence confirms it, the walks that look for another cause and a log
read the remembered incident did without are skipped -- the reads that tell its category from a look-alike are not;
a workload an earlier question already read in full is never triaged again."""

from __future__ import annotations

from datetime import UTC, datetime

from sre_agent.app.intake import incident_from_alarm
from sre_agent.brains.offline.supervisor import next_task
from sre_agent.contracts import Finding, RecalledIncident
from sre_agent.graph.state import Investigation, Task

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
ALARM = {"AlarmName": "web-5xx", "NewStateValue": "ALARM",
         "Trigger": {"MetricName": "5xxCount", "Dimensions": [{"name": "Namespace", "value": "shop"},
                                                             {"name": "Service", "value": "web"}]}}


def remembered(resource: str, category: str, prints: list[str] | None = None) -> RecalledIncident:
    return RecalledIncident(incident_id="inc-1", run_id="run-1", when=NOW, category=category, resource=resource,
                            match="alarm", fingerprints=prints or [f"signal:{category}"], runbook=category)


def finding(resource: str, signal: str, severity: str = "critical", **details) -> Finding:
    return Finding(agent="kubernetes", resource=resource, signal=signal, summary=signal, severity=severity, details=details)


def asked(state: Investigation, *tasks: Task) -> Investigation:
    return state.model_copy(update={"tasks": [*state.tasks, *tasks]})


def questions(state: Investigation, limit: int = 12) -> list[tuple[str, str, str]]:
    out = []
    for _ in range(limit):
        task = next_task(state)
        if task is None:
            break
        out.append((task.agent, task.target, task.question))
        state = asked(state, task)
    return out


def test_the_remembered_root_cause_is_triaged_right_after_the_alarmed_object():
    state = Investigation(incident=incident_from_alarm(ALARM, NOW), recalled=[remembered("shop/Deployment/db", "dependency_failure")])
    first = next_task(state)
    assert (first.target, first.question) == ("shop/Service/web", "triage")
    second = next_task(asked(state, first))
    assert (second.agent, second.target, second.question) == ("kubernetes", "shop/Deployment/db", "remembered")
    assert "remembered: inc-1" in second.reason


def test_without_memory_nothing_is_remembered_first():
    state = Investigation(incident=incident_from_alarm(ALARM, NOW), recalled=[])
    first = next_task(state)
    assert next_task(asked(state, first)).question != "remembered"


def oom_state(recalled: list[RecalledIncident]) -> Investigation:
    state = Investigation(incident=incident_from_alarm(ALARM, NOW), recalled=recalled)
    findings = [finding("shop/Deployment/web", "Backs", "info", service="shop/Service/web"),
                finding("shop/Deployment/web", "WorkloadSpec", "info"),
                finding("shop/Deployment/web", "OOMKilled"), finding("shop/Deployment/web", "CrashLoopBackOff")]
    return asked(state.model_copy(update={"findings": findings}),
                 Task(agent="kubernetes", target="shop/Service/web", question="triage", reason="r"))


def test_a_confirmed_memory_reads_only_what_tells_its_category_from_its_look_alikes():
    without = questions(oom_state([]))
    confirmed = questions(oom_state([remembered("shop/Deployment/web", "oom_killed", ["signal:OOMKilled"])]))
    assert ("logs", "shop/Deployment/web", "patterns") in without
    assert ("logs", "shop/Deployment/web", "patterns") not in confirmed
    # the whole workload read without a memory; with one, only its containers' memory and CPU (categories.yaml's
    # told_apart_by): what tells oom_killed from memory_leak and cpu_throttling
    assert ("metrics", "shop/Deployment/web", "workload") in without
    assert ("metrics", "shop/Deployment/web", "container_resources") in confirmed
    assert ("metrics", "shop/Deployment/web", "workload") not in confirmed
    assert ("runbooks", "shop/Deployment/web", "oom_killed") in confirmed and ("runbooks", "shop/Deployment/web", "oom_killed") in without


def test_a_memory_whose_incident_had_log_evidence_keeps_the_log_read():
    prints = ["signal:OOMKilled", "template:java.lang.outofmemoryerror: java heap space"]
    assert ("logs", "shop/Deployment/web", "patterns") in questions(oom_state([remembered("shop/Deployment/web", "oom_killed", prints)]))


def test_a_memory_this_run_does_not_confirm_changes_nothing():
    other = questions(oom_state([remembered("shop/Deployment/web", "memory_leak")]))
    assert other == questions(oom_state([]))


def test_a_workload_read_in_full_by_an_earlier_question_is_not_triaged_again():
    state = oom_state([])
    flagged = finding("shop/Deployment/web", "ImagePullBackOff", source="analyzer")
    state = state.model_copy(update={"findings": [*state.findings, flagged]})
    assert ("kubernetes", "shop/Deployment/web", "triage") not in questions(state)


def test_an_object_triaged_as_the_memorys_hypothesis_is_not_triaged_again_when_a_walk_reaches_it():
    node = "Node/ip-10-0-1-7"
    state = Investigation(incident=incident_from_alarm(ALARM, NOW), recalled=[remembered(node, "node_failure")])
    state = asked(state, Task(agent="kubernetes", target="shop/Service/web", question="triage", reason="r"),
                  Task(agent="kubernetes", target=node, question="remembered", reason="r"))
    walked_to = finding("shop/Deployment/web", "NodeNotReady", "critical")
    walked_to = walked_to.model_copy(update={"resource": node})
    state = state.model_copy(update={"findings": [walked_to]})
    assert (node, "triage") not in {(t[1], t[2]) for t in questions(state)}


def test_a_remembered_root_cause_the_first_question_already_read_is_not_triaged_again():
    claim = "shop/PersistentVolumeClaim/data"
    state = Investigation(incident=incident_from_alarm(ALARM, NOW), recalled=[remembered(claim, "pvc_pending")])
    state = asked(state, Task(agent="kubernetes", target="shop/Service/web", question="triage", reason="r"))
    state = state.model_copy(update={"findings": [finding(claim, "PVCPending")]})
    assert (claim, "remembered") not in {(t[1], t[2]) for t in questions(state)}


def test_the_container_resources_are_not_read_again_after_the_whole_workload_read():
    state = oom_state([remembered("shop/Deployment/web", "oom_killed", ["signal:OOMKilled"])])
    state = asked(state, Task(agent="metrics", target="shop/Deployment/web", question="workload", reason="r"))
    assert ("metrics", "shop/Deployment/web", "container_resources") not in questions(state)
