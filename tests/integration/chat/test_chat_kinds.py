"""Chat over objects beyond Deployments and Services, on real labs through the MCP servers: a name typed
with a typo or as a plural, "the pvc" / "that quota" resolved from the conversation or the namespace,
and change requests on them answered as approval requests (a pinned tool when one exists, else the
kubectl command a human runs) -- never a write."""

from __future__ import annotations

from .conftest import text_of


def test_a_typo_and_a_kind_noun_resolve_and_a_pvc_delete_is_a_command_for_a_human(chat_on):
    chat = chat_on("pvc-pending")
    status = chat.ask("status of grafanna")  # a typo of the Deployment's name
    assert status.resources[0] == "monitoring/Deployment/grafana"
    events = chat.ask("events of the pvc")  # the only claim in the namespace the conversation is about
    assert events.resources[0] == "monitoring/PersistentVolumeClaim/grafana-data"
    deleted = chat.ask("delete the pvc")
    assert deleted.status == "approval_required" and deleted.approval is not None
    assert "kubectl delete pvc grafana-data -n monitoring" in text_of(deleted)


def test_quota_usage_then_a_quota_bump_pins_raise_quota(chat_on):
    chat = chat_on("quota-exceeded")
    usage = chat.ask("quota usage in the shop namespace")
    assert "shop/ResourceQuota/shop-compute" in usage.resources
    assert "requests.cpu used" in text_of(usage)
    bump = chat.ask("bump that quota to 4 cpu")
    assert bump.status == "approval_required" and bump.approval is not None
    assert bump.approval.tool == "raise_quota" and bump.approval.args["hard"] == {"requests.cpu": "4"}
