"""A workload with every pod ready is still not healthy when the Service meant for it selects none of its pods:
the status answer names that Service when it has the workload's name or shares an identity label (app,
app.kubernetes.io/name...) with the pod template, never a Service that shares only a namespace-wide label."""

from __future__ import annotations

import asyncio

import pytest

from sre_agent.chat.answer.service_gaps import services_missing_it, unreached_ports
from sre_agent.chat.ask import Ask
from sre_agent.chat.understand.forms import recognise
from sre_agent.contracts import ToolCallRecord
from sre_agent.graph.ports import ToolOutcome

POD_LABELS = {"app.kubernetes.io/name": "billing-api", "app.kubernetes.io/part-of": "customer-digital"}


class Cluster:
    parameters: dict = {}

    def __init__(self, selectors: dict[str, dict]):
        self.selectors = selectors

    async def call(self, agent, server, tool, args, brain="offline"):
        record = ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True)
        return ToolOutcome(record=record, data={"selector": self.selectors[args["name"]], "ready_endpoints": 0})


def finding(service: str, namespace: str = "customer") -> dict:
    return {"resource": f"{namespace}/Service/{service}", "reason": "SelectorMismatch", "message": "no endpoints"}


@pytest.mark.parametrize("service, selector, namespace, flagged", [
    # same name, an extra key the pods lack: meant for it, selects nothing
    ("billing-api", {"app.kubernetes.io/name": "billing-api", "app.kubernetes.io/component": "api"}, "customer", True),
    # another name, sharing the identity label, a renamed key: meant for it
    ("billing", {"app.kubernetes.io/name": "billing-api", "tier": "backend"}, "customer", True),
    # shares only a namespace-wide label: another workload's Service
    ("tariff-api", {"app.kubernetes.io/name": "tariff-api", "app.kubernetes.io/part-of": "customer-digital"}, "customer", False),
    # selects its pods: the finding is about something else (a port, say)
    ("billing-api", {"app.kubernetes.io/name": "billing-api"}, "customer", False),
    # same name in another namespace
    ("billing-api", {"app.kubernetes.io/name": "billing-api", "x": "y"}, "network", False),
])
def test_a_service_meant_for_the_pods_that_selects_none_is_trouble(service, selector, namespace, flagged):
    ask = Ask(question="is billing-api healthy", recognised=recognise("is billing-api healthy"),
              tools=Cluster({service: selector}))
    trouble = asyncio.run(services_missing_it(ask, "customer/Deployment/billing-api", {"labels": POD_LABELS},
                                              [finding(service, namespace)]))
    assert bool(trouble) is flagged
    if flagged:
        wanted = [f"{k}={v}" for k, v in selector.items() if POD_LABELS.get(k) != v]
        assert f"Service {namespace}/Service/{service} is meant for these pods" in trouble[0]
        assert f"its selector wants {', '.join(wanted)}" in trouble[0] and "0 ready endpoints" in trouble[0]


class Ports:
    parameters: dict = {}

    async def call(self, agent, server, tool, args, brain="offline"):
        return ToolOutcome(record=ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True), data={"ports": [
            {"port": 8080, "target_port": "http", "reached": False, "declared": ["api:8080/TCP"]},
            {"port": 9090, "target_port": 9090, "reached": True, "declared": ["metrics:9090/TCP"]}]})


def test_a_service_in_front_of_ready_pods_whose_target_port_they_do_not_declare_is_trouble():
    ask = Ask(question="is lift-status-api down", recognised=recognise("is lift-status-api down"), tools=Ports())
    assert asyncio.run(unreached_ports(ask, "lifts", "lift-status-api")) == [
        "Service lifts/Service/lift-status-api port 8080 has targetPort http, which none of these pods declares (they "
        "declare api:8080/TCP): its endpoints reach no listening port and callers' connections are refused"]
