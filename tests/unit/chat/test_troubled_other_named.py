"""A why-question taken to be about a healthy object, that names another object in trouble: the troubled one is what
it asks about ("why does node-exporter run there but log-agent doesn't"; "why are trucks failing to publish through the
gateway", where "gateway" is one token of mqtt-gateway) -- chat/answer/wider_subject.troubled_other_named."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from sre_agent.chat.answer import wider_subject
from sre_agent.chat.ask import Ask
from sre_agent.chat.understand import grounding
from sre_agent.chat.understand.forms import recognise
from sre_agent.chat.understand.inventory import Known, Mention

EXPORTER = Known("DaemonSet", "node-exporter", "observability")
AGENT = Known("DaemonSet", "log-agent", "observability")
GATEWAY = Known("Deployment", "mqtt-gateway", "telemetry")
PROCESSOR = Known("StatefulSet", "reefer-processor", "cold-chain")


def problem(resource: str) -> SimpleNamespace:
    return SimpleNamespace(resource=resource, blast_radius=[], symptoms=[])


@pytest.mark.parametrize(("question", "said", "troubled", "expected"), [
    ("why does node-exporter run on the new nodes but log-agent doesn't", [EXPORTER, AGENT], [AGENT.rid], AGENT.rid),
    # one token of a workload's name, too loose to name it alone, names it where it is the one in trouble
    ("why are reefer trucks failing to publish through the gateway", [PROCESSOR], [GATEWAY.rid], GATEWAY.rid),
    # nothing else the question names is in trouble: no switch
    ("why does node-exporter run on the new nodes but log-agent doesn't", [EXPORTER, AGENT], [], None),
    ("why are reefer trucks failing to publish", [PROCESSOR], [GATEWAY.rid], None),
])
def test_the_troubled_object_a_why_question_also_names_is_its_subject(monkeypatch, question, said, troubled, expected):
    async def mentions(ask):
        return [Mention(k.name, None, [(1.0, k)], k) for k in said]

    async def inventory(ask):
        return SimpleNamespace(objects=[EXPORTER, AGENT, GATEWAY, PROCESSOR])

    async def sweep(ask):
        return SimpleNamespace(problems=[problem(r) for r in troubled])

    monkeypatch.setattr(grounding, "named_mentions", mentions)
    monkeypatch.setattr(wider_subject, "load_inventory", inventory)
    monkeypatch.setattr(wider_subject, "sweep", sweep)
    ask = Ask(question=question, recognised=recognise(question), tools=None)  # type: ignore[arg-type]
    assert asyncio.run(wider_subject.troubled_other_named(ask, said[0].rid)) == expected
