"""'delete the pending archive pod': the pod in the state said -- a name matched first to a finished run's pod gives way
to the one pod like it in that state; with none or several, nothing is pinned."""

from __future__ import annotations

import asyncio

import pytest

from sre_agent.chat.act.pod_deletes import pod_in_state
from sre_agent.chat.ask import Ask
from sre_agent.chat.understand.forms import recognise
from sre_agent.contracts import ToolCallRecord
from sre_agent.graph.ports import ToolOutcome

DONE = {"name": "archive-2993-cj9wt", "status": "Succeeded", "ready": "0/1"}
PENDING = {"name": "archive-2994-tn6xc", "status": "Unschedulable", "ready": "0/1"}
OTHER = {"name": "billing-77-x1", "status": "Unschedulable", "ready": "0/1"}


class Cluster:
    parameters: dict = {}

    def __init__(self, pods):
        self.pods = pods

    async def call(self, agent, server, tool, args, brain="offline"):
        return ToolOutcome(record=ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True),
                           data={"items": self.pods})


@pytest.mark.parametrize("question, pods, chosen", [
    ("delete the pending archive pod", [DONE, PENDING, OTHER], "lab/Pod/archive-2994-tn6xc"),
    ("delete the archive pod", [DONE, PENDING], "lab/Pod/archive-2993-cj9wt"),  # no state said: the pod named
    ("delete the pending archive pod", [DONE, OTHER], None),  # none like it is pending: nothing pinned
])
def test_the_pod_in_the_state_said(question, pods, chosen):
    ask = Ask(question=question, recognised=recognise(question), tools=Cluster(pods), focus=[])
    found = asyncio.run(pod_in_state(ask, "lab/Pod/archive-2993-cj9wt"))
    if chosen is None:
        assert not isinstance(found, str) and found.headline.startswith("Not pinned: archive-2993-cj9wt is not pending")
    else:
        assert found == chosen
