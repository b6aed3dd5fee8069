"""A caller configured with an endpoint nobody serves: checkout's INVENTORY_URL, read from a ConfigMap key, names a
port inventory's Service does not expose. The ConfigMap is the root cause (its key is the change that clears it),
not inventory (healthy) nor checkout's restart. Approved by a human, set_config_value corrects the key to the
Service's only port and restarts checkout; declined, the fix proposed is the exact patch plus the restart -- and
pasted into a fresh copy of the world it clears the fault. End to end over the MCP servers in the lab, scored by the
harness."""

from __future__ import annotations

import shutil
from pathlib import Path

from sre_agent.eval.harness import run_scenario
from sre_agent.lab.lab import Lab

SCENARIOS = Path(__file__).resolve().parent / "scenarios"


def test_a_configmap_pointing_the_caller_at_a_port_nobody_serves_is_the_root_and_its_fix_is_proven():
    loaded = Lab(scenario_dirs=[SCENARIOS]).find_scenario("caller-endpoint-wrong-port")
    row = run_scenario(loaded, lab_speed=120, verify_timeout_s=60, verify_poll_s=1.0, approvals="none")
    assert row.error is None, row.error
    assert (row.category, row.resource) == ("endpoint_misconfigured", "shop/ConfigMap/checkout-endpoints")
    assert row.false_actions == 0 and not row.actions  # asked, declined: nothing changed
    fix = next(f for f in row.proposed_fixes if "patch configmap checkout-endpoints" in f)
    assert "inventory.shop.svc.cluster.local:8080" in fix and "rollout restart deployment/checkout" in fix
    assert row.fix_verified is (True if shutil.which("kubectl") else None), row.fix_proof


def test_approved_the_value_is_corrected_where_it_lives_and_its_reader_restarted():
    loaded = Lab(scenario_dirs=[SCENARIOS]).find_scenario("caller-endpoint-wrong-port")
    row = run_scenario(loaded, lab_speed=120, verify_timeout_s=60, verify_poll_s=1.0, prove=False)
    assert row.error is None and row.false_actions == 0, (row.error, row.actions)
    assert row.status == "remediated" and row.mitigation, row.mitigation_detail
    [action] = row.actions
    assert action.startswith("set_config_value") and "'restart': ['checkout']" in action
