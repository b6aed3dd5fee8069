"""How the harness judges writes and fixes: a pod of the root-cause workload is that workload (not a
false action), a proposed fix counts only on an object a correct fix changes, and the totals keep
"mitigated" apart from "mitigated or the right fix proposed"."""

from __future__ import annotations

import pytest

from sre_agent.contracts import InvestigationResult, ProposedFix
from sre_agent.eval.harness import ScenarioScore, _fix_proposed, _same_target, totals, unstable

ALLOWED = ["shop/Deployment/catalog", "shop/ConfigMap/catalog-config"]


@pytest.mark.parametrize("target, pod, ok", [
    ("shop/catalog", False, True),
    ("shop/catalog-7d9f8-x2x4z", True, True),      # a pod its ReplicaSet named after it
    ("shop/catalog-7d9f8-x2x4z", False, False),    # not a pod write: the name must be the object's
    ("shop/catalogue-5c4-abcde", True, False),     # another workload whose name merely starts alike
    ("payments/catalog-7d9f8-x2x4z", True, False),  # same name, other namespace
])
def test_a_pod_write_is_judged_by_the_workload_that_owns_the_pod(target, pod, ok):
    assert _same_target(target, ALLOWED, pod=pod) is ok


def test_a_fix_counts_only_on_an_object_a_correct_fix_changes():
    def result(*resources: str) -> InvestigationResult:
        return InvestigationResult(incident_id="i", run_id="r", status="escalated",
                                   proposed_fixes=[ProposedFix(resource=r, summary="s") for r in resources])
    assert _fix_proposed(result("shop/ConfigMap/catalog-config"), ALLOWED)
    assert not _fix_proposed(result("shop/Service/catalog"), ALLOWED)
    assert not _fix_proposed(result(), ALLOWED)


def test_totals_keep_mitigation_a_named_fix_and_a_proven_fix_apart():
    rows = [ScenarioScore(id="a", title="a", expected_category="bad_image", expected_resource="x", mitigation=True),
            ScenarioScore(id="b", title="b", expected_category="missing_config_ref", expected_resource="x",
                          mitigation=False, fix_proposed=True, fix_verified=True),
            # named on the right object, but pasted into a copy of the world it cleared nothing
            ScenarioScore(id="c", title="c", expected_category="oom_killed", expected_resource="x",
                          mitigation=False, fix_proposed=True, fix_verified=False),
            ScenarioScore(id="d", title="d", expected_category="pvc_pending", expected_resource="x",
                          mitigation=False, fix_proposed=False, fix_verified=False),
            ScenarioScore(id="e", title="e", expected_category="none", expected_resource="", mitigation=None)]
    t = totals(rows)
    assert (t.mitigation, t.mitigation_or_fix, t.mitigation_or_fix_verified) == (0.25, 0.75, 0.5)


def test_a_scenario_is_unstable_when_its_runs_reach_different_verdicts_not_different_timings():
    def run(sid: str, category: str, seed: int, **fields) -> ScenarioScore:
        return ScenarioScore(id=sid, title=sid, expected_category="oom_killed", expected_resource="x",
                             category=category, resource="x", mitigation=True, seed=seed, **fields)
    rows = [run("steady", "oom_killed", 0, time_to_diagnosis_s=0.5, tool_calls=30),
            run("flaky", "oom_killed", 0),
            run("steady", "oom_killed", 1, time_to_diagnosis_s=0.9, tool_calls=33),  # slower: still the same verdict
            run("flaky", "memory_leak", 1),
            run("acted", "oom_killed", 0), run("acted", "oom_killed", 1, false_actions=1)]
    assert unstable(rows) == ["flaky", "acted"]
    assert unstable(rows[:2]) == []  # one run each: nothing to compare
