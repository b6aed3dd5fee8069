"""What a pod holds of its node, as `kubectl describe node` adds it up: its containers' requests summed, or its
largest init container's when that is more (init containers run one at a time, before the others)."""

from __future__ import annotations

import pytest

from mcp_servers.kubernetes.summaries import pod_requests


def container(**requests: str) -> dict:
    return {"name": "c", "resources": {"requests": requests}}


@pytest.mark.parametrize("spec, expected", [
    ({"containers": [container(cpu="3", memory="2Gi"), container(cpu="100m")]}, {"cpu": "3100m", "memory": "2048Mi"}),
    ({"containers": [container(cpu="250m")], "initContainers": [container(cpu="1", memory="512Mi")]},
     {"cpu": "1000m", "memory": "512Mi"}),                                       # the init container's is larger
    ({"containers": [container(memory="1G")]}, {"memory": "953Mi"}),              # decimal units, floored to Mi
    ({"containers": [{"name": "c"}]}, {}),                                        # nothing requested: BestEffort
])
def test_a_pods_requests_are_what_the_scheduler_reserves(spec, expected):
    assert pod_requests(spec) == expected
