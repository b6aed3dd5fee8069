"""The supervisor's request is built so its next one repeats it block for block up to the findings:
cached there, each later supervisor call of an investigation reads the incident and the findings
it has already sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sre_agent.brains.llm.settings import LlmSettings
from sre_agent.brains.llm.supervisor import supervisor_messages
from sre_agent.contracts import Finding, Incident
from sre_agent.graph.state import Investigation, Task

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)


def _finding(agent: str, resource: str) -> Finding:
    return Finding(agent=agent, resource=resource, signal="ImagePullBackOff", summary="cannot pull", evidence=["ev-1"])


def _blocks(state: Investigation) -> tuple[list[str], int]:
    messages, stable_through = supervisor_messages(state, LlmSettings())
    return [block["text"] for block in messages[-1].content], stable_through


def test_each_supervisor_request_repeats_the_previous_ones_incident_and_findings_block_for_block():
    incident = Incident(id="i", title="5xx on the storefront", started_at=NOW, window_start=NOW - timedelta(hours=1),
                        window_end=NOW, affected=["shop/Service/frontend"], alarm={"AlarmName": "shop-5xx"})
    first = Investigation(incident=incident)
    kubernetes = first.model_copy(update={
        "tasks": [Task(agent="kubernetes", target="shop/Service/frontend", question="why 5xx")],
        "findings": [_finding("kubernetes", "shop/Deployment/catalog"), _finding("kubernetes", "shop/Pod/catalog-1")]})
    later = kubernetes.model_copy(update={
        "tasks": [*kubernetes.tasks, Task(agent="logs", target="shop/Deployment/catalog", question="errors?")],
        "findings": [*kubernetes.findings, _finding("logs", "shop/Deployment/catalog")]})

    (before, stable_before), (after_one, stable_one), (after_two, stable_two) = map(_blocks, (first, kubernetes, later))
    assert before[0] == after_one[0] == after_two[0]  # the incident block never changes within a run
    assert "Findings so far: none." in before[-1] and stable_before == 0
    # Every block up to the last findings block is repeated by the next request: the provider reads them back.
    assert after_two[:stable_one + 1] == after_one[:stable_one + 1]
    assert (stable_one, stable_two) == (1, 2)  # one block per specialist's run of findings
    assert after_one[1].startswith("Findings so far:\n- [kubernetes] shop/Deployment/catalog")
    # What changes from call to call comes last, after the marked block.
    assert "Questions already asked" in after_two[-1] and "- logs | shop/Deployment/catalog" in after_two[-1]
