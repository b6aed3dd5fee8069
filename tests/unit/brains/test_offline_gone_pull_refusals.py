"""A run whose pods are gone (deleted at its backoff limit) is read from their events: a pull the registry refused
(401, "no basic auth credentials") is read as a live pod's would be -- from the pull Secrets the run's template names --
so the root is image_pull_auth, not an image that does not exist; a tag that is not there stays bad_image."""

from __future__ import annotations

import asyncio

import pytest

from sre_agent.brains.offline.calls import Calls
from sre_agent.brains.offline.diagnosis import best, hypotheses
from sre_agent.brains.offline.pods import read_gone_pods
from sre_agent.contracts import ToolCallRecord
from sre_agent.graph.ports import ToolOutcome

IMAGE = "harbor.example.io/finance/export:2.7.0"
REFUSED = (f'Failed to pull image "{IMAGE}": failed to resolve reference "{IMAGE}": unexpected status from HEAD request '
           f"to https://harbor.example.io/v2/finance/export/manifests/2.7.0: 401 Unauthorized")
NOT_FOUND = f'Failed to pull image "{IMAGE}": rpc error: code = NotFound desc = {IMAGE}: not found'


class Cluster:
    def __init__(self, message: str):
        self.message = message

    async def call(self, agent, server, tool, args, brain="offline"):
        record = ToolCallRecord(id=f"ev-{tool}", agent=agent, server=server, tool=tool, ok=True)
        data: dict = {}
        if tool == "events":
            data = {"events": [{"object": "Pod/export-2991-x", "reason": "Failed", "message": self.message}]}
        elif tool == "describe":  # the run's template names its pull Secret
            data = {"object": {"spec": {"template": {"spec": {"imagePullSecrets": [{"name": "harbor-pull"}]}}}}}
        elif tool == "get_resources":
            data = {"items": [{"name": "harbor-pull", "registries": ["harbor.example.io"]}]}
        return ToolOutcome(record=record, data=data)


@pytest.mark.parametrize(("message", "category"), [(REFUSED, "image_pull_auth"), (NOT_FOUND, "bad_image")])
def test_a_gone_runs_refused_pull_is_read_from_its_templates_pull_secrets(message, category):
    calls = Calls(Cluster(message), "kubernetes", "kubernetes")
    asyncio.run(read_gone_pods("billing", "export-2991", "billing/CronJob/export", calls))
    chosen = best(hypotheses(calls.findings))
    assert (chosen.category.value, chosen.resource) == (category, "billing/CronJob/export")
    refused = [f for f in calls.findings if f.signal == "PullCredentialsMissing"]
    assert bool(refused) is (category == "image_pull_auth")
    if refused:
        assert "presents harbor-pull, which the registry refuses" in refused[0].summary
