"""A workload short of pods under load: an autoscaler at its cap is raised; none scaling it while one of its namespace
aims at a workload that no longer exists -- the rename it missed -- is re-aimed at the workload whose name grew from
that target's (never at an unrelated one). Table tests over findings, and chat's request to re-aim it."""

from __future__ import annotations

import pytest

from sre_agent.chat.act.hpa_plans import _orphan_for, retarget_plan
from sre_agent.contracts import Finding
from sre_agent.graph.autoscaler_fixes import autoscaler_fixes, scaled_back_fixes

HPA = "frontdesk/HorizontalPodAutoscaler/appointments-api"


def missing(target: str) -> Finding:
    return Finding(agent="kubernetes", resource=HPA, signal="ScaleTargetMissing", severity="critical",
                   summary=f"HorizontalPodAutoscaler uses Deployment/{target} as ScaleTargetRef which does not exist.",
                   evidence=["ev-3"])


@pytest.mark.parametrize("workload, target, re_aimed", [
    ("frontdesk/Deployment/appointments-api-v2", "appointments-api", True),  # renamed with a suffix
    ("frontdesk/Deployment/appointments", "appointments-api", True),  # renamed the other way
    ("frontdesk/Deployment/records-api", "appointments-api", False),  # another workload: not its autoscaler
    ("records/Deployment/appointments-api-v2", "appointments-api", False),  # another namespace
    ("frontdesk/StatefulSet/appointments-api-v2", "appointments-api", False),  # another kind
])
def test_an_autoscaler_aimed_at_nothing_is_re_aimed_at_the_renamed_workload(workload, target, re_aimed):
    fixes = autoscaler_fixes([missing(target)], workload)
    assert bool(fixes) is re_aimed
    if re_aimed:
        name = workload.rsplit("/", 1)[-1]
        assert fixes[0].resource == HPA and f'"name": "{name}"' in fixes[0].commands[0]


def test_an_autoscaler_at_its_cap_is_raised_first():
    at_max = Finding(agent="kubernetes", resource="frontdesk/Deployment/appointments-api-v2", signal="HPAScalingLimited",
                     summary="HPA appointments-v2 is at maxReplicas 10 and wants more",
                     details={"object": "frontdesk/HorizontalPodAutoscaler/appointments-v2"})
    fixes = autoscaler_fixes([at_max, missing("appointments-api")], "frontdesk/Deployment/appointments-api-v2")
    assert [f.resource for f in fixes] == ["frontdesk/HorizontalPodAutoscaler/appointments-v2"]


def test_chat_re_aims_the_orphan_autoscaler_by_hand():
    hpas = [{"name": "appointments-api", "namespace": "frontdesk", "target": "Deployment/appointments-api",
             "conditions": ["AbleToScale=False (FailedGetScale)"]},
            {"name": "portal", "namespace": "frontdesk", "target": "Deployment/portal", "conditions": []}]
    orphan = _orphan_for(hpas, "Deployment", "appointments-api-v2")
    assert orphan is not None and orphan["name"] == "appointments-api"
    assert _orphan_for(hpas, "Deployment", "portal-v2") is None  # its HPA reads its target fine: not an orphan
    plan = retarget_plan(orphan, "Deployment", "appointments-api-v2")
    assert "kubectl patch hpa appointments-api -n frontdesk" in plan.kubectl and '"name": "appointments-api-v2"' in plan.kubectl


def _scaled(before: int, after: int) -> Finding:
    return Finding(agent="kubernetes", resource="fleet/Deployment/consumer", signal="RecentScaleDown", summary="scaled down",
                   details={"previous_replicas": before, "replicas": after, "at": "2026-11-27T09:25:00Z"}, evidence=["ev-9"])


@pytest.mark.parametrize(("findings", "scaled_to"), [
    ([_scaled(6, 1)], 6),  # a sixth of the pods for the same load: scaled back
    ([_scaled(4, 2)], 4),  # half
    ([_scaled(4, 3)], None),  # a quarter fewer: not what strains it
    ([_scaled(6, 1), Finding(agent="kubernetes", resource="fleet/Deployment/consumer", signal="Autoscaled",
                             summary="hpa")], None),  # an autoscaler's count is the autoscaler's to set
    ([_scaled(6, 0)], None),  # to zero: the dependency fix's (ScaledToZero), not this one
])
def test_a_workload_straining_after_its_replicas_were_cut_is_scaled_back(findings, scaled_to):
    fixes = scaled_back_fixes(findings, "fleet/Deployment/consumer")
    if scaled_to is None:
        assert fixes == []
    else:
        assert [f.commands for f in fixes] == [[f"kubectl -n fleet scale deployment/consumer --replicas={scaled_to}"]]
