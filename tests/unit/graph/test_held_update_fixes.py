"""A template its pods have not taken (the analyzer's UpdateHeld) is rolled out first, whatever the fault: a paused
Deployment resumed, an OnDelete StatefulSet's pods on the older template deleted one at a time -- never a rollout
restart, which replaces none of them."""

import pytest

from sre_agent.contracts import Finding
from sre_agent.graph.held_update_fixes import held_update_fixes


def _held(resource: str, summary: str) -> Finding:
    return Finding(agent="kubernetes", resource=resource, signal="UpdateHeld", summary=summary, evidence=["ev-3"])


@pytest.mark.parametrize(("resource", "summary", "commands"), [
    ("guest/Deployment/booking", "Deployment guest/booking: its rollout is paused (spec.paused: true) -- its current "
     "template (gw/booking:3.4.1) reached 0 of 2 pod(s); the others still run gw/booking:3.4.0 until ...",
     ["kubectl -n guest rollout resume deployment/booking", "kubectl -n guest rollout status deployment/booking"]),
    ("tickets/StatefulSet/fare-sync", "StatefulSet tickets/fare-sync: it updates pods only when they are deleted "
     "(updateStrategy: OnDelete) -- its current template (revision fare-sync-7f) reached 0 of 2 pod(s); the others "
     "(fare-sync-0, fare-sync-1) still run the previous template until each is deleted",
     ["kubectl -n tickets delete pod fare-sync-0", "kubectl -n tickets delete pod fare-sync-1"]),
])
def test_a_held_update_is_rolled_out_first(resource, summary, commands):
    fixes = held_update_fixes([_held(resource, summary)], resource)
    assert [f.commands for f in fixes] == [commands] and fixes[0].evidence == ["ev-3"] and not fixes[0].needs
    assert not any("rollout restart" in c for c in fixes[0].commands)


def test_no_held_update_no_fix_and_another_objects_is_not_this_ones():
    held = _held("guest/Deployment/booking", "its rollout is paused")
    assert held_update_fixes([], "guest/Deployment/booking") == []
    assert held_update_fixes([held], "guest/Deployment/other") == []
