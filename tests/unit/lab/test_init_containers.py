"""Init containers run one after another, each to a successful exit, before the app containers
start; the kubelet reports them in initContainerStatuses and `kubectl get pods` prints
Init:N/M, Init:ImagePullBackOff, Init:CrashLoopBackOff or Init:Error while they hold the pod."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sre_agent.lab.kube.printers import pod_summary
from tests.unit.lab.world_harness import TinyWorld

MIGRATE = {"repository": "example.com/migrate", "role": "batch", "run_seconds": 30, "ports": [], "tags": {"1.0": {}}}
APP = "ghcr.io/acme-shop/search:1.12.0"
OK_INIT = "example.com/migrate:1.0"
MISSING_INIT = "example.com/migrate:2.0"  # never pushed
CRASH_INIT = "ghcr.io/acme-shop/checkout:2.3.0"  # exits 1 at once: its required env is not set
SERVICE_INIT = "ghcr.io/acme-shop/search:1.12.0"  # a server never exits: the pod never initialises


def pod(inits: list[str], restart_policy: str = "Always") -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "lab"},
            "spec": {"restartPolicy": restart_policy,
                     "initContainers": [{"name": f"init-{i}", "image": image} for i, image in enumerate(inits)],
                     "containers": [{"name": "app", "image": APP}]}}


CASES = [  # (id, init images, restart policy, seconds, STATUS column, phase, Initialized condition)
    ("both-run-then-app", [OK_INIT, OK_INIT], "Always", 120, "Running", "Running", "True"),
    ("first-still-running", [OK_INIT, OK_INIT], "Always", 10, "Init:0/2", "Pending", "False"),
    ("second-running", [OK_INIT, OK_INIT], "Always", 45, "Init:1/2", "Pending", "False"),
    ("image-pull-back-off", [MISSING_INIT], "Always", 120, "Init:ImagePullBackOff", "Pending", "False"),
    ("crash-loop", [CRASH_INIT], "Always", 120, "Init:CrashLoopBackOff", "Pending", "False"),
    ("never-fails-the-pod", [CRASH_INIT], "Never", 120, "Init:Error", "Failed", "False"),
    ("server-as-init-never-ends", [SERVICE_INIT], "Always", 600, "Init:0/1", "Pending", "False"),
]


@pytest.mark.parametrize(("inits", "policy", "seconds", "printed", "phase", "initialized"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_init_containers(inits, policy, seconds, printed, phase, initialized):
    world = TinyWorld(images=[MIGRATE])
    world.apply(pod(inits, policy))
    world.run(seconds)
    got = world.get("Pod", "p")
    status = got["status"]
    assert pod_summary(got, datetime.now(UTC))[1] == printed
    assert status["phase"] == phase
    conditions = {c["type"]: c["status"] for c in status["conditions"]}
    assert conditions["Initialized"] == initialized
    assert [s["name"] for s in status["initContainerStatuses"]] == [f"init-{i}" for i in range(len(inits))]
    app = status["containerStatuses"][0]
    if initialized == "False":
        assert app["state"] == {"waiting": {"reason": "PodInitializing"}} and conditions["Ready"] == "False"
    else:
        assert "running" in app["state"]
        assert all(s["state"]["terminated"]["exitCode"] == 0 for s in status["initContainerStatuses"])


def test_init_restarts_are_in_init_container_statuses_not_in_the_container_insights_count():
    """The kubelet counts an init container's restarts in initContainerStatuses; the CloudWatch agent's
    pod_number_of_container_restarts sums containerStatuses only (its podstore), so an
    Init:CrashLoopBackOff pod adds nothing to it -- the world's pod_restarts is that sum."""
    world = TinyWorld(images=[MIGRATE])
    world.apply(pod([CRASH_INIT]))
    world.run(600)
    got = world.get("Pod", "p")
    assert pod_summary(got, datetime.now(UTC))[1] == "Init:CrashLoopBackOff"
    assert got["status"]["initContainerStatuses"][0]["restartCount"] >= 4
    assert got["status"]["containerStatuses"][0]["restartCount"] == 0
    assert world.world.pod_restarts(got) == 0


def test_the_app_starts_after_the_last_init_container_exits():
    world = TinyWorld(images=[MIGRATE])
    world.apply(pod([OK_INIT]))
    world.run(120)
    status = world.get("Pod", "p")["status"]
    init_done = status["initContainerStatuses"][0]["state"]["terminated"]["finishedAt"]
    app_started = status["containerStatuses"][0]["state"]["running"]["startedAt"]
    assert app_started >= init_done
    names = [e["message"] for e in sorted(world.events("Started"), key=lambda e: e["firstTimestamp"])]
    assert names == ["Started container init-0", "Started container app"]


@pytest.mark.parametrize(("resources", "qos"), [
    ({}, "BestEffort"),
    ({"limits": {"cpu": "1", "memory": "1Gi"}}, "Guaranteed"),  # requests default to the limits
    ({"requests": {"cpu": "1000m", "memory": "1024Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}}, "Guaranteed"),
    ({"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"cpu": "1", "memory": "1Gi"}}, "Burstable"),
    ({"requests": {"cpu": "100m"}}, "Burstable"),
])
def test_the_qos_class_follows_kubernetes_rules(resources, qos):
    from sre_agent.lab.world.pod_status import _qos_class

    assert _qos_class({"spec": {"containers": [{"name": "app", "resources": resources}]}}) == qos
