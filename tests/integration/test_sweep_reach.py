"""A sweep reaches what an alarm does not name: a slow chain is followed hop by hop to the leaf that is throttled
at its CPU limit (each hop's latency departs, so each round reads the next one's), and a DaemonSet absent from a
node group that joined without its toleration is a problem although its status says every pod is ready.
Worlds from a spent held-out set (sre_agent/eval/scenarios_heldout13): its results already steered the
responder, so they serve as fixtures here. The truth is read only to score."""

from __future__ import annotations

from pathlib import Path

import pytest

from sre_agent.lab.scenarios.loader import load_scenarios
from sre_agent.lab.world.images import load_catalog

from ..lab_servers import LabWithServers
from .test_sweep import sweep_with

SET = Path(__file__).resolve().parents[2] / "sre_agent" / "eval" / "scenarios_heldout13"
SCENARIOS = load_scenarios(load_catalog(), [SET])


@pytest.fixture(scope="module")
def shared():
    with LabWithServers() as lab:
        yield lab


def test_a_three_hop_slow_chain_ends_at_its_throttled_leaf(shared):
    truth = shared.load(SCENARIOS["hv13-ticket-web-latency"]).scenario.truth
    report = sweep_with(shared.connections())
    first = report.problems[0]
    assert first.resource == truth.resource, [p.resource for p in report.problems]
    assert first.category == "cpu_throttling", first.category
    assert any(s.signal == "container_cpu_throttled_ratio" for s in first.symptoms), first.symptoms
    # the hops between the alarm and the leaf are its blast radius, not problems of their own
    assert {"guest/Deployment/pricing-api", "guest/Deployment/pass-api"} <= set(first.blast_radius)
    # the world's cordoned node is an operator's choice: a note, not a problem (no kubelet restart proposed for it)
    assert not [p for p in report.problems if p.resource.startswith("Node/")], report.problems
    assert any("hv-core-3" in note and "cordoned" in note for note in report.notes), report.notes


def test_a_daemonset_missing_from_a_new_node_group_is_a_problem(shared):
    truth = shared.load(SCENARIOS["hv09-why-node-shipper-missing-on-some-nodes"]).scenario.truth
    report = sweep_with(shared.connections())
    found = next((p for p in report.problems if p.resource == truth.resource), None)
    assert found is not None, [p.resource for p in report.problems]
    assert found.category == "unschedulable"
    assert "hv-vision-0" in found.summary and "add a toleration" in (found.next_step.note or "")
