"""Chat about where things run and how a rollout went, on a real lab through the MCP servers: which node a
workload's pod is on and what else runs on that node (then "cordon it" aims at that node), a rollout's state from
its conditions, and a probe field changed as a pinned kubectl patch -- never a write. One world for the module: each
test names its subjects, so none leans on another's conversation."""

from __future__ import annotations

import pytest
from kubernetes.utils.quantity import parse_quantity

from .conftest import text_of


@pytest.fixture(scope="module")
def chat(chat_on):
    return chat_on("node-not-ready")


def test_a_nodes_pods_follow_its_name_and_cordon_it_aims_at_the_node(chat):
    placed = chat.ask("which node is ledger-db-0 on")
    assert "ip-10-0-2-34.ec2.internal" in text_of(placed)
    on_node = chat.ask("what else was running on ip-10-0-2-34")  # the node by its hostname, not its full name
    assert on_node.resources[0] == "Node/ip-10-0-2-34.ec2.internal"
    assert on_node.status == "problems" and "Ready=Unknown" in on_node.headline
    cordon = chat.ask("cordon it")
    assert cordon.status == "approval_required" and cordon.approval is not None
    assert cordon.approval.tool == "cordon" and cordon.approval.args["node"] == "ip-10-0-2-34.ec2.internal"


def test_a_rollouts_state_is_said_from_its_conditions(chat):
    state = chat.ask("did the checkout rollout finish")
    assert state.resources[0] == "shop/Deployment/checkout"
    assert "condition Progressing=True: NewReplicaSetAvailable" in text_of(state) and "rollout:" in text_of(state)


def test_a_probe_field_is_a_pinned_patch_for_a_human(chat):
    # the conversation found the root cause on the node: a change to checkout does not touch it -- said, with the
    # node's fix; said again with "anyway", it is the pinned patch
    beside = chat.ask("set checkout liveness initialDelaySeconds to 30")
    assert beside.status == "answered" and beside.approval is None and "does not touch it" in beside.headline
    assert "Node/ip-10-0-2-34.ec2.internal" in text_of(beside)
    edit = chat.ask("set checkout liveness initialDelaySeconds to 30 anyway")
    assert edit.status == "approval_required" and edit.approval is not None
    assert "livenessProbe.initialDelaySeconds" in text_of(edit) and "-> 30" in text_of(edit)
    assert "kubectl patch deployment checkout -n shop --type json" in text_of(edit)


def test_a_nodes_requested_share_is_its_running_pods_requests_over_its_allocatable(chat):
    node = "ip-10-0-2-34.ec2.internal"
    room = chat.ask(f"how much cpu is requested on {node} out of its capacity")
    assert room.form == "node_room" and room.resources[0] == f"Node/{node}"
    store = chat.lab.store
    millicores = sum(int(parse_quantity(((c.get("resources") or {}).get("requests") or {}).get("cpu") or "0") * 1000)
                     for pod in store.list("Pod") if pod["spec"].get("nodeName") == node
                     and pod.get("status", {}).get("phase") not in ("Succeeded", "Failed")
                     for c in pod["spec"]["containers"])
    allocatable = store.get("Node", None, node)["status"]["allocatable"]["cpu"]
    assert room.headline.startswith(f"Requested on node {node} by its pods: cpu {millicores}m of {allocatable} allocatable")
