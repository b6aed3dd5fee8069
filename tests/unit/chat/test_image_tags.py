"""'was 7.15.0 even pushed': a tag answered from what the cluster saw of it -- a pull the registry answered not found, a
pull it refused (which says nothing of the tag), pods that run it -- and never "no" for a tag nobody pulled."""

from __future__ import annotations

import asyncio

import pytest

from sre_agent.chat.answer.existence import exists
from sre_agent.chat.ask import Ask
from sre_agent.chat.understand.forms import recognise
from sre_agent.contracts import ToolCallRecord
from sre_agent.graph.ports import ToolOutcome

IMAGE = "123.dkr.ecr.us-east-1.amazonaws.com/pay/payment-api"


class Cluster:
    parameters: dict = {}

    def __init__(self, events: list[str], running: list[str]):
        self.events, self.running = events, running

    async def call(self, agent, server, tool, args, brain="offline"):
        record = ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True)
        if args.get("kind") == "Event":
            return ToolOutcome(record=record, data={"items": [{"message": m} for m in self.events]})
        pods = [{"namespace": "pay", "name": f"payment-api-{i}", "status": "Running", "images": [image]}
                for i, image in enumerate(self.running)]
        return ToolOutcome(record=record, data={"items": pods})


@pytest.mark.parametrize(("events", "running", "starts"), [
    ([f'Failed to pull image "{IMAGE}:7.15.0": rpc error: code = NotFound desc = {IMAGE}:7.15.0: not found'], [], "No: the registry"),
    ([f'Failed to pull image "{IMAGE}:7.15.0": unexpected status: 401 Unauthorized'], [], "Cannot tell"),
    ([], [f"{IMAGE}:7.15.0"], "Yes: 7.15.0 is pulled and running"),
    ([], [f"{IMAGE}:7.14.0"], "Not seen"),  # nobody pulled it: never "no"
])
def test_a_tag_is_answered_from_what_the_cluster_saw_of_it(events, running, starts):
    question = "was 7.15.0 even pushed"
    ask = Ask(question=question, recognised=recognise(question).model_copy(update={"form": "exists"}),
              tools=Cluster(events, running))
    assert asyncio.run(exists(ask)).headline.startswith(starts)
