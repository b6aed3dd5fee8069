"""A restart that brought in a ConfigMap edit: the trouble that began with the restart roots at the edited ConfigMap
(its pods read it into env when they start); an edit the trouble did not follow is no suspect."""

from __future__ import annotations

import pytest

from sre_agent.brains.offline.config_restarts import env_configmaps
from sre_agent.brains.offline.diagnosis import best, hypotheses
from sre_agent.contracts import Finding

WORKLOAD = "planner/Deployment/journey-planner"
CONFIG = "planner/ConfigMap/journey-planner-config"
HISTORY = [{"revision": 1, "created": "2026-11-27T07:00:00Z", "images": ["p:7.4.1"], "changed": None},
           {"revision": 2, "created": "2026-11-27T09:50:00Z", "images": ["p:7.4.1"], "changed": []}]


def _found(onset: str) -> list[Finding]:
    restart = Finding(agent="kubernetes", resource=WORKLOAD, signal="RecentRollout", severity="info", summary="restarted",
                      details={"revision": 2, "previous_revision": 1, "changed": [], "created": "2026-11-27T09:50:00Z",
                               "history": HISTORY})
    brought = Finding(agent="kubernetes", resource=CONFIG, signal="ConfigBroughtIn", summary=f"{CONFIG} was written",
                      details={"workload": WORKLOAD, "written": "2026-11-27T09:49:00+00:00"})
    errors = Finding(agent="metrics", resource=WORKLOAD, signal="ErrorAnomaly", severity="warning", summary="5xx anomalous",
                     details={"onset": onset, "metric": "5xxCount"})
    return [restart, brought, errors]


def test_trouble_that_began_with_the_restart_roots_at_the_config_it_brought_in():
    chosen = best(hypotheses(_found("2026-11-27T09:52:00Z")))
    assert (chosen.category.value, chosen.resource) == ("endpoint_misconfigured", CONFIG)


def test_trouble_that_began_before_the_restart_is_not_the_edits():
    chosen = best(hypotheses(_found("2026-11-27T08:30:00Z")))
    assert chosen is None or chosen.resource != CONFIG


@pytest.mark.parametrize(("spec", "names"), [
    ({"containers": [{"envFrom": [{"configMapRef": {"name": "a-config"}}, {"secretRef": {"name": "a-secret"}}]}]}, ["a-config"]),
    ({"containers": [{"env": [{"name": "X", "valueFrom": {"configMapKeyRef": {"name": "b", "key": "X"}}}]}],
      "initContainers": [{"envFrom": [{"configMapRef": {"name": "c"}}]}]}, ["c", "b"]),
    ({"containers": [{"env": [{"name": "X", "value": "1"}]}], "volumes": [{"configMap": {"name": "files"}}]}, []),
])
def test_the_configmaps_a_restart_reads_again_are_the_env_ones(spec, names):
    assert env_configmaps(spec) == names
