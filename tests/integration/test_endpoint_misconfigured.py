"""A caller configured with an endpoint nobody serves: checkout's INVENTORY_URL, read from a ConfigMap key, names a
port inventory's Service does not expose. The ConfigMap is the root cause (its key is the change that clears it),
not inventory (healthy) nor checkout's restart; the fix proposed is the exact patch with the Service's only port plus
the restart that picks it up -- and pasted into a fresh copy of the world it clears the fault. End to end over the
MCP servers in the lab, scored by the harness."""

from __future__ import annotations

import shutil
from pathlib import Path

from sre_agent.eval.harness import run_scenario
from sre_agent.lab.lab import Lab

SCENARIOS = Path(__file__).resolve().parent / "scenarios"


def test_a_configmap_pointing_the_caller_at_a_port_nobody_serves_is_the_root_and_its_fix_is_proven():
    loaded = Lab(scenario_dirs=[SCENARIOS]).find_scenario("caller-endpoint-wrong-port")
    row = run_scenario(loaded, lab_speed=120, verify_timeout_s=60, verify_poll_s=1.0)
    assert row.error is None, row.error
    assert (row.category, row.resource) == ("endpoint_misconfigured", "shop/ConfigMap/checkout-endpoints")
    assert row.false_actions == 0 and not row.actions  # a value only a human changes: nothing restarted unattended
    [fix] = row.proposed_fixes
    assert "patch configmap checkout-endpoints" in fix and "inventory.shop.svc.cluster.local:8080" in fix
    assert "rollout restart deployment/checkout" in fix
    assert row.fix_verified is (True if shutil.which("kubectl") else None), row.fix_proof
