"""Why nothing old is left serving while a release's new pods fail: the Deployment's update strategy, said beside the
diagnosis (brains/offline/outage_width.py)."""

import pytest

from sre_agent.brains.offline.outage_width import nothing_old_left
from sre_agent.contracts import Finding
from sre_agent.contracts import RootCauseCategory as C

W = "web/Deployment/grading"


def found(strategy: dict | None, replicas: int = 2, rolled: bool = True) -> list[Finding]:
    spec = Finding(agent="kubernetes", resource=W, signal="WorkloadSpec", summary="spec", severity="info",
                   evidence=["ev-1"], details={"replicas": replicas, "strategy": strategy})
    rollout = Finding(agent="kubernetes", resource=W, signal="RecentRollout", summary="rolled", severity="info",
                      evidence=["ev-2"], details={})
    return [spec, *([rollout] if rolled else [])]


@pytest.mark.parametrize("strategy, replicas, rolled, category, said", [
    ({"type": "Recreate"}, 2, True, C.MISSING_CONFIG_REF, "Recreate"),
    ({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}}, 1, True, C.BAD_IMAGE, "maxSurge 0"),
    ({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}}, 3, True, C.BAD_IMAGE, ""),  # 2 old stay
    ({"type": "RollingUpdate"}, 2, True, C.PROBE_MISCONFIG, ""),  # the defaults keep old pods serving
    ({"type": "Recreate"}, 2, False, C.MISSING_CONFIG_REF, ""),  # no release: nothing rolled over them
    ({"type": "Recreate"}, 2, True, C.CPU_THROTTLING, ""),  # its pods run: nothing to explain
])
def test_a_strategy_that_stops_the_old_pods_first_is_said_beside_a_failed_release(strategy, replicas, rolled, category, said):
    sentence = nothing_old_left(W, category, found(strategy, replicas, rolled))
    assert (said in sentence and sentence.startswith("; nothing old is left serving")) if said else sentence == ""
