"""The harness's judge of an unschedulable DaemonSet: its status counts only the nodes it already fits (all ready
there), so it is fixed only when every Ready node its nodeSelector admits runs one of its pods -- read from the lab's
world, before and after the scenario's own remediation (set 13's hv09: a new tainted node group it did not tolerate)."""

from __future__ import annotations

from pathlib import Path

from sre_agent.eval.world_check import resource_healthy
from sre_agent.lab.lab import Lab

SET = Path(__file__).resolve().parents[3] / "sre_agent" / "eval" / "scenarios_heldout13"
DS = "platform/DaemonSet/node-shipper"


def test_a_daemonset_kept_off_new_nodes_is_fixed_only_when_they_run_its_pods():
    with Lab(scenario_dirs=[SET]) as lab:
        loaded = lab.load("hv09-why-node-shipper-missing-on-some-nodes")
        healthy, detail = resource_healthy(lab, DS)
        assert not healthy and "no pod on Ready nodes ['hv-vision-0', 'hv-vision-1']" in detail
        for step in loaded.scenario.truth.remediations:
            lab.apply_step(step)
        lab.advance(300)
        healthy, detail = resource_healthy(lab, DS)
        assert healthy, detail
