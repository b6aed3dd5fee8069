"""'who owns that pod': the owner chain up to the controller at the top, or that nothing owns it (a bare pod)."""

from __future__ import annotations

import asyncio

from sre_agent.chat.answer.owners import owner
from sre_agent.chat.ask import Ask
from sre_agent.chat.understand.forms import recognise
from sre_agent.contracts import ToolCallRecord
from sre_agent.graph.ports import ToolOutcome


class Cluster:
    parameters: dict = {}

    def __init__(self, owners: list[str], labels: dict | None = None):
        self.owners, self.labels, self.asked = owners, labels or {}, []

    async def call(self, agent, server, tool, args, brain="offline"):
        self.asked.append((tool, args))
        return ToolOutcome(record=ToolCallRecord(id="ev-1", agent=agent, server=server, tool=tool, ok=True),
                           data={"owners": self.owners, "object": {"metadata": {"labels": self.labels}}})


def ask(owners: list[str], focus: list[str], labels: dict | None = None,
        question: str = "who owns that pod, is there a deployment") -> tuple[Ask, Cluster]:
    tools = Cluster(owners, labels)
    return Ask(question=question, recognised=recognise(question), tools=tools, focus=focus), tools


def test_the_chain_ends_at_the_controller():
    a, tools = ask(["shop/ReplicaSet/web-7d9f8", "shop/Deployment/web"], ["shop/Service/web", "shop/Pod/web-7d9f8-x2x4z"])
    answer = asyncio.run(owner(a))
    assert answer.headline == "shop/Pod/web-7d9f8-x2x4z is owned by shop/Deployment/web (through shop/ReplicaSet/web-7d9f8)"
    assert ("ownership", {"kind": "Pod", "name": "web-7d9f8-x2x4z", "namespace": "shop"}) in tools.asked  # the pod talked about


def test_a_bare_pod_has_no_owner_and_is_never_recreated():
    answer = asyncio.run(owner(ask([], ["sandbox/Pod/redis-cli-debug"])[0]))
    assert answer.headline.startswith("sandbox/Pod/redis-cli-debug has no owner")
    assert "never recreated" in answer.next_steps[0]


def test_an_object_no_controller_owns_is_answered_from_its_owner_labels():
    a, tools = ask([], ["batch/PersistentVolumeClaim/ledger-export-scratch"], {"owner": "data-eng", "tier": "scratch"},
                   "who owns it")
    a.resource = "batch/PersistentVolumeClaim/ledger-export-scratch"
    answer = asyncio.run(owner(a))
    assert answer.headline == "batch/PersistentVolumeClaim/ledger-export-scratch: its metadata names owner=data-eng"
    assert all(tool != "ownership" for tool, _ in tools.asked)  # a claim has no controller chain to walk


def test_who_started_a_hand_made_object_is_the_person_its_labels_name():
    from sre_agent.chat.answer.owners import _said_owners
    meta = {"labels": {"app": "silo-survey", "started-by": "m.ostrowski"},
            "annotations": {"acme.io/requested_by": "finance-ops", "note": "backfill"}}
    assert _said_owners(meta) == ["started-by=m.ostrowski", "acme.io/requested_by=finance-ops"]


def test_what_keeps_an_object_is_said_by_a_managed_by_or_source_key_under_any_domain():
    from sre_agent.chat.answer.owners import _said_owners
    meta = {"annotations": {"acme.org/managed-by": "vault-rotation", "corp.io/source": "vault: secret/x (synced)",
                            "acme.org/change": "CHG-1 rotate"}}
    assert _said_owners(meta) == ["acme.org/managed-by=vault-rotation", "corp.io/source=vault: secret/x (synced)"]


def test_a_tool_that_keeps_its_state_in_annotations_is_named_by_its_domain():
    from sre_agent.chat.answer.owners import _writers
    meta = {"annotations": {"reconcile.external-secrets.io/data-hash": "9c1d", "acme.org/owner": "platform",
                            "kubectl.kubernetes.io/last-applied-configuration": "{}"},
            "managedFields": [{"manager": "external-secrets"}, {"manager": "kubectl"}, {"manager": "kubectl"}]}
    # the team's own domain (it carries the owner key) and Kubernetes' are not tools
    assert _writers(meta) == ["written by (field managers): external-secrets, kubectl",
                              "annotated by tools under: reconcile.external-secrets.io"]


def test_whom_to_call_leads_with_the_escalation_note_and_a_top_level_object_is_not_hand_made():
    labels = {"acme.io/managed-by": "TidePay (vendor)", "acme.io/escalation": "TidePay support +1-855-555-0142"}
    a, _ = ask([], ["billing/Deployment/connector"], labels, question="who do I escalate to and how")
    a.resource = "billing/Deployment/connector"
    answer = asyncio.run(owner(a))
    assert answer.headline == "billing/Deployment/connector: its metadata names acme.io/escalation=TidePay support +1-855-555-0142"
    assert answer.details == ["its metadata names acme.io/managed-by=TidePay (vendor)"]
