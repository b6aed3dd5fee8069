"""A missing config reference whose workload's pods all run (they started before the key or object went) is latent:
beside a dependency that is down and crash-looping, the errors are the dependency's. Table tests over findings."""

from __future__ import annotations

import pytest

from sre_agent.brains.offline.diagnosis import best, hypotheses
from sre_agent.contracts import Finding
from sre_agent.contracts import RootCauseCategory as C


def finding(signal: str, **details) -> Finding:
    return Finding(agent="kubernetes", resource="d/Deployment/api", signal=signal, summary=signal, severity="warning",
                   details=details, evidence=["ev-1"])


@pytest.mark.parametrize("own, category, resource", [
    ([], C.CRASH_MISSING_CONFIG, "d/StatefulSet/cache"),                              # its pods run: the reference is latent
    (["CreateContainerConfigError"], C.MISSING_CONFIG_REF, "d/Deployment/api"),      # its own new pods cannot start
])
def test_a_missing_reference_whose_pods_run_is_latent_beside_a_dependency_that_is_down(own, category, resource):
    api = [finding("ConfigRefMissing"), finding("DependencyDown"), *(finding(signal) for signal in own)]
    cache = Finding(agent="kubernetes", resource="d/StatefulSet/cache", signal="CrashLoopBackOff", summary="exits",
                    severity="critical", details={"config_error": True}, evidence=["ev-2"])
    chosen = best(hypotheses([*api, cache]))
    assert chosen is not None and (chosen.category, chosen.resource) == (category, resource)
