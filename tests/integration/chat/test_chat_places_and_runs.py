"""Chat about where things run and how a rollout went, on real labs through the MCP servers: which node a
workload's pod is on and what else runs on that node (then "cordon it" aims at that node), whether a rollout
gave up (its Progressing condition), and a probe field changed as a pinned kubectl patch -- never a write."""

from __future__ import annotations

from .conftest import text_of


def test_a_nodes_pods_follow_its_name_and_cordon_it_aims_at_the_node(chat_on):
    chat = chat_on("node-not-ready")
    placed = chat.ask("which node is ledger-db-0 on")
    assert "ip-10-0-2-34.ec2.internal" in text_of(placed)
    on_node = chat.ask("what else was running on ip-10-0-2-34")  # the node by its hostname, not its full name
    assert on_node.resources[0] == "Node/ip-10-0-2-34.ec2.internal"
    assert on_node.status == "problems" and "Ready=Unknown" in on_node.headline
    cordon = chat.ask("cordon it")
    assert cordon.status == "approval_required" and cordon.approval is not None
    assert cordon.approval.tool == "cordon" and cordon.approval.args["node"] == "ip-10-0-2-34.ec2.internal"


def test_a_rollout_that_cannot_finish_is_said_from_its_conditions(chat_on):
    chat = chat_on("bad-image")
    chat.ask("why is catalog failing")
    state = chat.ask("did the rollout give up or is it still going")
    assert state.resources[0] == "shop/Deployment/catalog"
    assert "condition Progressing=" in text_of(state) and "rollout:" in text_of(state)


def test_a_probe_field_is_a_pinned_patch_for_a_human(chat_on):
    chat = chat_on("liveness-probe-misconfig")
    chat.ask("why does checkout keep restarting")
    edit = chat.ask("set the liveness path to /healthz")
    assert edit.status == "approval_required" and edit.approval is not None
    assert "livenessProbe.path /health -> /healthz" in text_of(edit)
    assert "kubectl patch deployment checkout -n shop --type json" in text_of(edit)
