"""A liveness probe whose endpoint answers slower than timeoutSeconds fails as the kubelet's HTTP prober
reports it ("context deadline exceeded (Client.Timeout exceeded while awaiting headers)"), and
failureThreshold failures kill the container: a probe that passes at idle kills pods under load (the
endpoint's latency is the traffic model's: throttling, plus the app's p99 when the health handler waits
behind requests); a longer timeoutSeconds lets them live."""

from __future__ import annotations

import re

import pytest

from sre_agent.lab.world.images import ImageBehaviour
from sre_agent.lab.world.probe_timeouts import probe_latency_ms
from tests.unit.lab.world_harness import TinyWorld

BUSY = {"repository": "example.com/busy", "tags": {"1": {}}, "ports": [8080], "cpu_per_rps_m": 100,
        "latency_p99_ms": 200, "probe_waits_for_requests": True}
TIMEOUT = re.compile(r'^Liveness probe failed: Get "http://10\.244\.\d+\.\d+:8080/healthz": context deadline '
                     r"exceeded \(Client\.Timeout exceeded while awaiting headers\)$")


def busy_app(timeout_s: int | None) -> list[dict]:
    probe = {"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 10,
             **({"timeoutSeconds": timeout_s} if timeout_s else {})}
    container = {"name": "busy", "image": "example.com/busy:1", "ports": [{"containerPort": 8080}],
                 "resources": {"limits": {"cpu": "500m", "memory": "512Mi"}}, "livenessProbe": probe}
    return [{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "busy", "namespace": "lab"},
             "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "busy"}},
                      "template": {"metadata": {"labels": {"app": "busy"}}, "spec": {"containers": [container]}}}},
            {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "busy", "namespace": "lab"},
             "spec": {"selector": {"app": "busy"}, "ports": [{"port": 8080, "targetPort": 8080}]}}]


def world_at(rps: float, timeout_s: int | None = None) -> TinyWorld:
    world = TinyWorld(images=[BUSY])
    for manifest in busy_app(timeout_s):
        world.apply(manifest)
    world.world.external_traffic["lab/busy"] = rps
    world.run(600)
    return world


def restarts(world: TinyWorld) -> int:
    return sum(p["status"]["containerStatuses"][0]["restartCount"] for p in world.list("Pod"))


def test_idle_the_probe_answers_in_time():
    world = world_at(2)
    assert restarts(world) == 0 and not world.events("Unhealthy")


def test_under_load_the_probe_times_out_and_kills_until_its_timeout_is_raised():
    world = world_at(30)  # 15 rps a pod: 1.5 cores wanted under a 500m limit, p99 ~1.8 s
    assert restarts(world) >= 2
    messages = [e["message"] for e in world.events("Unhealthy")]
    assert messages and all(TIMEOUT.match(m) for m in messages), messages
    assert any(e["message"] == "Container busy failed liveness probe, will be restarted" for e in world.events("Killing"))
    killed = [p["status"]["containerStatuses"][0]["lastState"]["terminated"] for p in world.list("Pod")
              if p["status"]["containerStatuses"][0]["lastState"]]
    assert killed and all(t["exitCode"] == 137 for t in killed)

    def longer_timeout(deploy: dict) -> None:
        deploy["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["timeoutSeconds"] = 5

    world.patch_spec("Deployment", "busy", longer_timeout)
    world.run(300)
    world.run(900)
    pods = world.list("Pod")
    assert len(pods) == 2 and restarts(world) == 0, [(p["metadata"]["name"], p["status"]) for p in pods]


def test_the_same_load_with_a_longer_timeout_from_the_start_kills_nothing():
    world = world_at(30, timeout_s=5)
    assert restarts(world) == 0


@pytest.mark.parametrize(("fields", "throttle", "p99", "expected"), [
    ({}, 1.0, 900.0, 2.0),  # a trivial handler: load does not reach it
    ({}, 3.0, 900.0, 18.0),  # ... but CPU throttling slows every answer
    ({"probe_waits_for_requests": True}, 1.0, 900.0, 902.0),
    ({"probe_latency_ms": 40, "probe_waits_for_requests": True}, 10.0, 100.0, 2100.0),  # the stretch caps at 50
])
def test_the_probe_endpoints_latency(fields, throttle, p99, expected):
    image = ImageBehaviour.model_validate({**BUSY, "probe_waits_for_requests": False, **fields}).version("1")
    assert probe_latency_ms(image, throttle, p99) == pytest.approx(expected)
