"""A sweep reaches what an alarm does not name: a slow chain is followed hop by hop to the leaf that is throttled
at its CPU limit (each hop's latency departs, so each round reads the next one's), and a DaemonSet absent from a
node group that joined without its toleration is a problem although its status says every pod is ready -- and the
harness's world check judges that DaemonSet fixed only when every Ready node its nodeSelector admits runs its pod.
Worlds from a spent held-out set (sre_agent/eval/scenarios_heldout13): its results already steered the
responder, so they serve as fixtures here. The truth is read only to score."""

from __future__ import annotations

from pathlib import Path

import pytest

from sre_agent.eval.world_check import resource_healthy
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


HV09 = "hv09-why-node-shipper-missing-on-some-nodes"


def test_a_daemonset_missing_from_a_new_node_group_is_a_problem(shared):
    truth = shared.load(SCENARIOS[HV09]).scenario.truth
    report = sweep_with(shared.connections())
    found = next((p for p in report.problems if p.resource == truth.resource), None)
    assert found is not None, [p.resource for p in report.problems]
    assert found.category == "unschedulable"
    assert "hv-vision-0" in found.summary and "add a toleration" in (found.next_step.note or "")


def test_a_daemonset_kept_off_new_nodes_is_fixed_only_when_they_run_its_pods(shared):
    """The harness's judge of an unschedulable DaemonSet: its status counts only the nodes it already fits (all ready
    there), so it is fixed only when every Ready node its nodeSelector admits runs one of its pods -- read from the lab's
    world, before and after the scenario's own remediation (hv09: a new tainted node group it did not tolerate). On the
    world the sweep above read (read-only servers, the clock not running: the world as loaded), loaded again when
    this test runs alone -- one history of this large world less to draw."""
    ds = "platform/DaemonSet/node-shipper"
    if shared.lab.scenario is None or shared.lab.scenario.scenario.id != HV09:
        shared.load(SCENARIOS[HV09])
    loaded = shared.lab.scenario
    healthy, detail = resource_healthy(shared.lab, ds)
    assert not healthy and "no pod on Ready nodes ['hv-vision-0', 'hv-vision-1']" in detail
    for step in loaded.scenario.truth.remediations:
        shared.lab.apply_step(step)
    shared.lab.advance(300)
    healthy, detail = resource_healthy(shared.lab, ds)
    assert healthy, detail
