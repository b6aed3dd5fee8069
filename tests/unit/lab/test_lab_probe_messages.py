"""The kubelet's words for a liveness probe that kills an app before it is up: the port a named port resolves
to and the probe's path, as a real kubelet reports them (never the port's name)."""

from __future__ import annotations

import pytest

from sre_agent.lab.world.container_plan import ConfigSource, plan_container
from sre_agent.lab.world.images import ResolvedImage, VersionBehaviour


class OneImage:
    def __init__(self, image: ResolvedImage) -> None:
        self.image = image

    def resolve(self, ref: str) -> ResolvedImage | None:
        return self.image


@pytest.mark.parametrize("port, shown", [("http", "8080"), (8080, "8080")])
def test_a_liveness_probe_shorter_than_start_up_names_the_resolved_port_and_path(port, shown):
    image = ResolvedImage(repository="r/orders", tags={"5.1.0": VersionBehaviour()}, tag="5.1.0", startup_seconds=90)
    container = {"name": "orders", "image": "r/orders:5.1.0", "ports": [{"name": "http", "containerPort": 8080}],
                 "livenessProbe": {"httpGet": {"path": "/healthz", "port": port}, "initialDelaySeconds": 5,
                                   "periodSeconds": 10, "failureThreshold": 3}}
    plan = plan_container(container, {"containers": [container]}, "clinical", OneImage(image), ConfigSource({}, {}))
    assert plan.termination_reason == "Error"
    assert plan.liveness_failure == f'Get "http://{{ip}}:{shown}/healthz": dial tcp {{ip}}:{shown}: connect: connection refused'
