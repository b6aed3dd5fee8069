"""A delete of an object something depends on is said, not pinned, on a passing request, with what depends on it;
"delete it anyway" pins it, a reason after a comma ("it's broken anyway") does not."""

import asyncio

import pytest

from sre_agent.chat.act.in_use import in_use
from sre_agent.chat.ask import Ask
from sre_agent.chat.understand.forms import recognise
from sre_agent.contracts import ToolCallRecord
from sre_agent.graph.ports import ToolOutcome

APP = {"spec": {"template": {"metadata": {"labels": {"app": "recs"}},
                             "spec": {"containers": [{"name": "app", "envFrom": [{"configMapRef": {"name": "recs-config"}}]}]}}}}


class Namespace:
    parameters: dict = {}

    async def call(self, agent, server, tool, args, brain="offline"):
        record = ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True)
        if tool == "describe":
            return ToolOutcome(record=record, data={"object": APP})
        items = {"Service": [{"name": "recs", "selector": {"app": "recs"}}, {"name": "other", "selector": {"app": "x"}}],
                 "Endpoints": [{"name": "recs", "ready": 3}, {"name": "idle", "ready": 0}],
                 "Deployment": [{"name": "recs", "namespace": "p"}],
                 "PodDisruptionBudget": [{"name": "redis", "healthy": 1, "selector": {"app": "redis"}}],
                 "ResourceQuota": [{"name": "web-quota", "used": {"requests.cpu": "1800m", "pods": "6"}},
                                   {"name": "idle-quota", "used": {"pods": "0"}}]}.get(args["kind"], [])
        return ToolOutcome(record=record, data={"items": items})


@pytest.mark.parametrize("question, rid, said", [
    ("delete the recs deployment, its broken anyway", "p/Deployment/recs", "Service p/recs sends its traffic to its pods"),
    ("delete the recs service", "p/Service/recs", "it routes to 3 ready pod(s)"),
    ("delete recs-config, the job recreates it", "p/ConfigMap/recs-config", "its pods fail their next start without it"),
    ("delete the redis pdb so the drain goes through", "p/PodDisruptionBudget/redis", "it guards 1 running pod(s)"),
    ("just delete the resourcequota in web", "p/ResourceQuota/web-quota", "it bounds what namespace p may use"),
    ("delete the idle-quota", "p/ResourceQuota/idle-quota", None),  # nothing counts against it
    ("delete the idle service", "p/Service/idle", None),  # routes to nothing: nothing depends on it
    ("delete the recs deployment anyway", "p/Deployment/recs", None),  # said so: pinned as usual
])
def test_a_delete_of_what_something_depends_on_is_said_not_pinned(question, rid, said):
    answer = asyncio.run(in_use(Ask(question=question, recognised=recognise(question), tools=Namespace()), rid))
    if said is None:
        assert answer is None
    else:
        assert answer is not None and answer.status == "answered" and said in answer.headline
