"""The HorizontalPodAutoscaler controller (autoscaling/v2) on the world's usage: desired replicas
from CPU or memory utilisation against the pods' requests (or an average value), the 10 %
tolerance, min/max, the 5-minute scale-down stabilisation; status (currentReplicas,
desiredReplicas, currentMetrics, AbleToScale / ScalingActive / ScalingLimited) and events
(SuccessfulRescale, FailedGetResourceMetric). And memory that grows with load, so a traffic rise
can OOM-kill a container."""

from __future__ import annotations

import pytest

from tests.unit.lab.world_harness import TinyWorld

SEARCH = "ghcr.io/acme-shop/search:1.12.0"  # 20m idle + 22m per request per second; 300 MiB


def search(replicas: int = 2, requests: dict | None = None, limits: dict | None = None, image: str = SEARCH) -> dict:
    resources = {**({"requests": requests} if requests else {}), **({"limits": limits} if limits else {})}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "search", "namespace": "lab"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "search"}},
                     "template": {"metadata": {"labels": {"app": "search"}},
                                  "spec": {"containers": [{"name": "search", "image": image, "resources": resources}]}}}}


def hpa(metric: dict, min_replicas: int = 1, max_replicas: int = 10) -> dict:
    return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "search", "namespace": "lab"},
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "search"},
                     "minReplicas": min_replicas, "maxReplicas": max_replicas, "metrics": [metric]}}


def cpu(utilization: int) -> dict:
    return {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": utilization}}}


def memory(utilization: int) -> dict:
    return {"type": "Resource", "resource": {"name": "memory", "target": {"type": "Utilization",
                                                                          "averageUtilization": utilization}}}


def scaled_world(deploy: dict, autoscaler: dict, rps: float, seconds: float = 600) -> TinyWorld:
    world = TinyWorld(nodes=3)
    world.apply(deploy)
    world.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "search", "namespace": "lab"},
                 "spec": {"selector": {"app": "search"}, "ports": [{"port": 8080}]}})
    world.world.external_traffic["lab/search"] = rps
    world.run(120)
    world.apply(autoscaler)
    world.run(seconds)
    return world


def conditions(obj: dict) -> dict[str, tuple[str, str]]:
    return {c["type"]: (c["status"], c["reason"]) for c in obj["status"].get("conditions") or []}


CASES = [  # (id, requests, hpa, rps, replicas after 10 minutes, ScalingLimited reason)
    ("cpu-over-target-scales-up", {"cpu": "200m"}, hpa(cpu(50)), 20, 5, "DesiredWithinRange"),
    ("cpu-clamped-at-max", {"cpu": "200m"}, hpa(cpu(50), max_replicas=3), 20, 3, "TooManyReplicas"),
    ("cpu-idle-scales-down", {"cpu": "200m"}, hpa(cpu(50), min_replicas=1), 0, 1, "DesiredWithinRange"),
    ("cpu-idle-held-at-min", {"cpu": "200m"}, hpa(cpu(50), min_replicas=2), 0, 2, "TooFewReplicas"),
    ("within-tolerance-stays", {"cpu": "400m"}, hpa(cpu(60)), 20, 2, "DesiredWithinRange"),
    # Memory that does not fall with more pods keeps asking for more: up to maxReplicas, as on a real cluster.
    ("memory-utilization", {"cpu": "200m", "memory": "200Mi"}, hpa(memory(75)), 0, 10, "TooManyReplicas"),
    ("cpu-average-value", {"cpu": "200m"},
     hpa({"type": "Resource", "resource": {"name": "cpu", "target": {"type": "AverageValue", "averageValue": "100m"}}}),
     20, 5, "DesiredWithinRange"),
]


@pytest.mark.parametrize(("requests", "autoscaler", "rps", "replicas", "limited"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_hpa_scales_its_target(requests, autoscaler, rps, replicas, limited):
    world = scaled_world(search(requests=requests), autoscaler, rps)
    assert world.get("Deployment", "search")["spec"]["replicas"] == replicas
    status = world.get("HorizontalPodAutoscaler", "search")["status"]
    assert (status["currentReplicas"], status["desiredReplicas"]) == (replicas, replicas)
    got = conditions(world.get("HorizontalPodAutoscaler", "search"))
    assert got["AbleToScale"][0] == "True" and got["ScalingActive"] == ("True", "ValidMetricFound")
    assert got["ScalingLimited"] == ("True" if limited != "DesiredWithinRange" else "False", limited)
    [metric] = status["currentMetrics"]
    assert metric["type"] == "Resource" and metric["resource"]["current"]["averageValue"]
    rescales = world.events("SuccessfulRescale")
    assert bool(rescales) is (replicas != 2)
    if rescales:
        assert rescales[-1]["message"].startswith(f"New size: {replicas}; reason: ")


def test_scale_down_waits_for_the_stabilisation_window():
    world = scaled_world(search(requests={"cpu": "200m"}), hpa(cpu(50)), 20, seconds=300)
    assert world.get("Deployment", "search")["spec"]["replicas"] == 5
    world.world.external_traffic["lab/search"] = 0.0
    world.run(240)  # under five minutes of low load: the highest recent recommendation still holds
    assert world.get("Deployment", "search")["spec"]["replicas"] == 5
    world.run(180)
    assert world.get("Deployment", "search")["spec"]["replicas"] < 5
    assert world.events("SuccessfulRescale")[0]["message"].endswith("reason: All metrics below target")
    world.run(600)  # each step down waits for its own window
    assert world.get("Deployment", "search")["spec"]["replicas"] == 1


def test_pods_without_requests_cannot_be_scaled_on_utilisation():
    world = scaled_world(search(), hpa(cpu(50)), 20, seconds=120)
    status_conditions = conditions(world.get("HorizontalPodAutoscaler", "search"))
    assert status_conditions["ScalingActive"] == ("False", "FailedGetResourceMetric")
    assert world.get("Deployment", "search")["spec"]["replicas"] == 2
    [event] = world.events("FailedGetResourceMetric")
    assert "missing request for cpu" in event["message"]


def test_a_target_that_does_not_exist_is_reported():
    world = TinyWorld()
    world.apply(hpa(cpu(50)))
    world.run(60)
    assert conditions(world.get("HorizontalPodAutoscaler", "search"))["AbleToScale"] == ("False", "FailedGetScale")


LEAKY = {"repository": "example.com/session-cache", "tags": {"1.0": {}}, "memory_mib": 200,
         "memory_per_rps_mib": 20, "startup_seconds": 5}


def test_memory_grows_with_load_and_a_traffic_rise_ooms_the_container():
    world = TinyWorld(images=[LEAKY])
    world.apply(search(replicas=1, limits={"memory": "400Mi"}, image="example.com/session-cache:1.0"))
    world.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "search", "namespace": "lab"},
                 "spec": {"selector": {"app": "search"}, "ports": [{"port": 8080}]}})
    world.world.external_traffic["lab/search"] = 5  # 200 + 5 x 20 = 300 MiB: fits
    world.run(600)
    [pod] = world.list("Pod")
    assert pod["status"]["containerStatuses"][0]["restartCount"] == 0
    usage = world.world.traffic_model.pod_usage[pod["metadata"]["uid"]]
    assert 280 < usage.memory_mib < 320
    world.world.external_traffic["lab/search"] = 15  # 200 + 15 x 20 = 500 MiB: over the 400 Mi limit
    world.world.sync()
    world.run(120)
    [pod] = world.list("Pod")
    last = pod["status"]["containerStatuses"][0]["lastState"]["terminated"]
    assert (last["reason"], last["exitCode"]) == ("OOMKilled", 137)


def test_the_v1_view_carries_the_cpu_target_current_value_and_conditions():
    from sre_agent.lab.kube.versions import hpa_v2_to_v1

    world = scaled_world(search(requests={"cpu": "200m"}), hpa(cpu(50), max_replicas=3), 20, seconds=120)
    v2 = world.get("HorizontalPodAutoscaler", "search")
    v1 = hpa_v2_to_v1(v2)
    assert v1["apiVersion"] == "autoscaling/v1" and v1["spec"]["targetCPUUtilizationPercentage"] == 50
    assert v1["status"]["currentCPUUtilizationPercentage"] == \
        v2["status"]["currentMetrics"][0]["resource"]["current"]["averageUtilization"]
    assert "TooManyReplicas" in v1["metadata"]["annotations"]["autoscaling.alpha.kubernetes.io/conditions"]
    assert "metrics" not in v1["spec"] and "annotations" not in v2["metadata"]


def test_a_written_status_without_last_transition_times_is_stamped_once_not_a_crash():
    """A scenario (or client) may write an HPA status whose conditions lack lastTransitionTime: the controller
    stamps the moment it first keeps them, and keeps that moment while their status holds."""
    autoscaler = hpa(cpu(50), max_replicas=2)
    autoscaler["status"] = {"currentReplicas": 2, "desiredReplicas": 2, "conditions": [
        {"type": "AbleToScale", "status": "True", "reason": "ReadyForNewScale"},
        {"type": "ScalingLimited", "status": "True", "reason": "TooManyReplicas"}]}
    world = scaled_world(search(requests={"cpu": "200m"}), autoscaler, rps=20, seconds=60)
    first = {c["type"]: c["lastTransitionTime"] for c in world.get("HorizontalPodAutoscaler", "search")["status"]["conditions"]}
    assert set(first) == {"AbleToScale", "ScalingActive", "ScalingLimited"} and all(first.values())
    world.run(600)
    later = {c["type"]: c["lastTransitionTime"] for c in world.get("HorizontalPodAutoscaler", "search")["status"]["conditions"]}
    assert later["ScalingLimited"] == first["ScalingLimited"]  # still True / TooManyReplicas: unchanged
