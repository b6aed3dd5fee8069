"""Two releases, a caller's and the release of a service it calls, each a regression by its own signals: the
dependency's explains the caller's errors (they flow up), so the caller's release is not the root -- unless the
dependency is not one the caller calls."""

from __future__ import annotations

from sre_agent.brains.offline.diagnosis import best, hypotheses
from sre_agent.contracts import Finding

CALLER, DEPENDENCY, SERVICE = "shop/Deployment/checkout", "payments/Deployment/payments", "payments/Service/payments"


def _release(resource: str, created: str) -> list[Finding]:
    return [Finding(agent="kubernetes", resource=resource, signal="RecentRollout", severity="info",
                    summary=f"{resource} rolled out revision 2", details={"revision": 2, "changed": ["image"], "created": created}),
            Finding(agent="metrics", resource=resource, signal="ErrorAnomaly", severity="warning", summary="5xx anomalous",
                    details={"onset": "2026-11-25T07:08:00Z", "metric": "5xxCount"})]


def test_the_dependencys_release_is_the_root_when_the_caller_calls_it():
    found = [*_release(CALLER, "2026-11-25T07:02:00Z"), *_release(DEPENDENCY, "2026-11-25T07:08:00Z"),
             Finding(agent="kubernetes", resource=CALLER, signal="DependsOn", severity="info", summary="calls payments",
                     details={"dependency": SERVICE}),
             Finding(agent="kubernetes", resource=DEPENDENCY, signal="Backs", severity="info", summary="backs payments",
                     details={"service": SERVICE})]
    ranked = hypotheses(found)
    chosen = best(ranked)
    assert (chosen.category.value, chosen.resource) == ("bad_deploy_regression", DEPENDENCY)
    caller = next(h for h in ranked if h.resource == CALLER)
    assert caller.confidence < chosen.confidence - 0.1 and "which it calls" in caller.reasons[-1]


def test_without_the_call_between_them_neither_release_is_demoted():
    found = [*_release(CALLER, "2026-11-25T07:02:00Z"), *_release(DEPENDENCY, "2026-11-25T07:08:00Z")]
    ranked = hypotheses(found)
    assert len(ranked) == 2 and ranked[0].confidence == ranked[1].confidence


def test_a_service_with_no_ready_endpoint_down_the_call_path_explains_every_release_above_it():
    """checkout -> payments -> ledger, ledger's Service empty (its new pods cannot start): neither the caller's nor
    the middle service's release is the root, however well their timing fits."""
    ledger_service = "payments/Service/ledger"
    found = [*_release(CALLER, "2026-11-25T07:02:00Z"), *_release(DEPENDENCY, "2026-11-25T07:05:00Z"),
             Finding(agent="kubernetes", resource=CALLER, signal="DependsOn", severity="info", summary="calls payments",
                     details={"dependency": SERVICE}),
             Finding(agent="kubernetes", resource=DEPENDENCY, signal="Backs", severity="info", summary="backs payments",
                     details={"service": SERVICE}),
             Finding(agent="kubernetes", resource=DEPENDENCY, signal="DependencyDown", severity="critical",
                     summary="payments calls ledger, which has no ready endpoints", details={"dependency": ledger_service}),
             Finding(agent="kubernetes", resource="payments/Deployment/ledger", signal="CrashLoopBackOff",
                     severity="critical", summary="ledger-0 exits with code 128", details={"exit_code": 128})]
    ranked = hypotheses(found)
    chosen = best(ranked)
    assert chosen.resource == "payments/Deployment/ledger", ranked
    for resource in (CALLER, DEPENDENCY):
        release = next(h for h in ranked if h.resource == resource)
        assert release.confidence < chosen.confidence and "no ready endpoint" in release.reasons[-1]


def test_a_dependency_down_that_only_a_port_problem_explains_does_not_demote_the_callers_release():
    found = [*_release(CALLER, "2026-11-25T07:02:00Z"),
             Finding(agent="kubernetes", resource=CALLER, signal="DependencyDown", severity="critical",
                     summary="calls payments on a port it does not expose",
                     details={"dependency": SERVICE, "port_problem": "port 8443 not exposed"})]
    release = next(h for h in hypotheses(found) if h.resource == CALLER)
    assert release.confidence > 0.45
