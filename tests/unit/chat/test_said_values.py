"""A request's values that the pinned change does not carry are named beside the approval -- "back to port 5432 and
pool 20/4" pinned as the port alone must not read as if the pool were set too -- while a value carried in another unit
(1.5 cores = 1500m, 1gi = 1024Mi), a count of objects, a name's digits and the purpose clause raise nothing."""

from __future__ import annotations

import pytest

from sre_agent.chat.act.plans import Plan
from sre_agent.chat.act.said_values import values_not_carried


def plan(kubectl: str, change: str = "", args: dict | None = None) -> Plan:
    return Plan("x", args or {}, change, kubectl)


@pytest.mark.parametrize("question, pinned, dropped", [
    ("put it back to port 5432 and pool 20/4 and restart", plan("kubectl ... | sed -E 's#:6432#:5432#' | ...", "port -> 5432"),
     ["20", "4"]),
    ("raise the hpa max to 10 and min to 3", plan("kubectl patch hpa x -p '{\"spec\": {\"maxReplicas\": 10}}'"), ["3"]),
    ("set cpu to 1.5 cores", plan("kubectl set resources deploy/x --limits=cpu=1500m"), []),
    ("bump memory to 1gi", plan("kubectl set resources deploy/x --limits=memory=1024Mi"), []),
    ("scale api-v2 on ip-10-42-2-45 to 3 replicas", plan("kubectl scale deploy/api-v2 --replicas=3"), []),
    ("delete the 2 crashlooping pods", plan("kubectl delete pod a-1"), []),  # a count of objects
    ("roll back to 2.7.0 so the 5xx stop", plan("kubectl set image deploy/x x=reg/x:2.7.0"), []),  # purpose clause
    ("set the timeout to 30s for /v2/items/3", plan("kubectl set env deploy/x TIMEOUT=30s"), []),  # a path's piece
    ("set replicas to 4", plan("scale", args={"replicas": 4}), []),  # carried in the pinned args
])
def test_a_value_said_and_not_carried_is_named(question, pinned, dropped):
    assert values_not_carried(question, pinned) == dropped
