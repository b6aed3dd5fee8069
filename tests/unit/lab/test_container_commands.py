"""A container `command` (and an exec probe's) runs a program the image must hold (`executables`): one it does
not hold fails as runc fails it -- the container never starts (StartError, exit 128, the kubelet's "Error:
failed to create containerd task: ... exec: "x": executable file not found in $PATH: unknown"), in an init
container too (Init:CrashLoopBackOff, or Init:StartError under restartPolicy Never), and an exec probe fails
with "OCI runtime exec failed". An image without `executables` is not checked (every earlier scenario)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sre_agent.lab.kube.printers import pod_summary
from sre_agent.lab.world.container_plan import missing_executable
from sre_agent.lab.world.health import unhealthy_pod_lines
from sre_agent.lab.world.images import ImageBehaviour
from tests.unit.lab.world_harness import TinyWorld

APP = {"repository": "example.com/app", "tags": {"1": {}}, "ports": [8080],
       "executables": ["/app/server", "sh", "pg_isready", "/usr/bin/curl"]}
MIGRATE = {"repository": "example.com/migrate", "role": "batch", "run_seconds": 20, "ports": [],
           "tags": {"1": {}}, "executables": ["/migrate", "sh"]}
STARTS = 'failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create ' \
         'failed: unable to start container process: exec: "/app/serve": stat /app/serve: no such file or directory: unknown'


def pod(command: list[str] | None = None, init_command: list[str] | None = None, policy: str = "Always",
        probe: dict | None = None) -> dict:
    app = {"name": "app", "image": "example.com/app:1", **({"command": command} if command else {}),
           **(probe or {})}
    inits = [{"name": "migrate", "image": "example.com/migrate:1", "command": init_command}] if init_command else []
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "lab"},
            "spec": {"restartPolicy": policy, "initContainers": inits, "containers": [app]}}


def run(manifest: dict, seconds: float = 120) -> tuple[TinyWorld, dict]:
    world = TinyWorld(images=[APP, MIGRATE])
    world.apply(manifest)
    world.run(seconds)
    return world, world.get("Pod", "p")


def printed(got: dict) -> str:
    return pod_summary(got, datetime.now(UTC))[1]


CASES = [  # (id, manifest, STATUS column)
    ("its-own-program", pod(["/app/server", "--port=8080"]), "Running"),
    ("a-program-on-its-path", pod(["sh", "-c", "exec /app/server"]), "Running"),
    ("no-command-runs-the-entrypoint", pod(), "Running"),
    ("a-program-it-lacks", pod(["/app/serve"]), "CrashLoopBackOff"),
    ("init-it-lacks", pod(init_command=["/migrate.sh"]), "Init:CrashLoopBackOff"),
    ("init-it-lacks-never-restarted", pod(init_command=["bash", "-c", "migrate"], policy="Never"), "Init:StartError"),
    ("init-it-holds", pod(init_command=["/migrate"]), "Running"),
]


@pytest.mark.parametrize(("manifest", "status"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_what_a_command_starts(manifest, status):
    _, got = run(manifest)
    assert printed(got) == status


def test_a_missing_program_never_starts_and_says_why():
    world, got = run(pod(["/app/serve"]))
    status = got["status"]["containerStatuses"][0]
    assert status["restartCount"] >= 2 and status["state"]["waiting"]["reason"] == "CrashLoopBackOff"
    assert status["lastState"]["terminated"] == {
        "exitCode": 128, "reason": "StartError", "message": STARTS, "startedAt": "1970-01-01T00:00:00Z",
        "finishedAt": status["lastState"]["terminated"]["finishedAt"]}
    assert f"Error: {STARTS}" in [e["message"] for e in world.events("Failed")]
    assert not world.events("Started")


def test_an_init_container_that_cannot_start_fails_a_never_restarted_pod():
    world, got = run(pod(init_command=["bash", "-c", "migrate"], policy="Never"))
    assert got["status"]["phase"] == "Failed"
    term = got["status"]["initContainerStatuses"][0]["state"]["terminated"]
    assert term["reason"] == "StartError" and term["exitCode"] == 128
    assert 'exec: "bash": executable file not found in $PATH' in term["message"]
    assert unhealthy_pod_lines([got], world.now) == ["lab/p: Failed (Init:StartError)"]


def test_lab_status_names_what_holds_the_pod():
    world, got = run(pod(init_command=["/migrate.sh"]))
    assert unhealthy_pod_lines([got], world.now) == ["lab/p: Init:CrashLoopBackOff"]


EXEC_LIVENESS = {"livenessProbe": {"exec": {"command": ["curl", "-f", "localhost:8080/healthz"]}, "periodSeconds": 10}}
EXEC_READINESS = {"readinessProbe": {"exec": {"command": ["pg_isready", "-q"]}}}


@pytest.mark.parametrize(("probe", "ready"), [
    (EXEC_LIVENESS, True),  # curl is held as /usr/bin/curl: found by its name on the PATH
    ({"livenessProbe": {"exec": {"command": ["wget", "-q", "localhost:8080"]}, "periodSeconds": 10}}, False),
    (EXEC_READINESS, True),
    ({"readinessProbe": {"exec": {"command": ["redis-cli", "ping"]}}}, False),
], ids=["liveness-program-held", "liveness-program-missing", "readiness-program-held", "readiness-program-missing"])
def test_exec_probes_run_only_programs_the_image_holds(probe, ready):
    world, got = run(pod(probe=probe), seconds=300)
    status = got["status"]["containerStatuses"][0]
    if ready:
        assert status["ready"] and status["restartCount"] == 0
        return
    program = next(iter(probe.values()))["exec"]["command"][0]
    words = f'OCI runtime exec failed: exec failed: unable to start container process: exec: "{program}": ' \
            "executable file not found in $PATH: unknown"
    unhealthy = [e["message"] for e in world.events("Unhealthy")]
    kind = "Liveness" if "livenessProbe" in probe else "Readiness"
    assert f"{kind} probe failed: {words}" in unhealthy, unhealthy
    assert (status["restartCount"] > 0) is (kind == "Liveness") and not status["ready"]


@pytest.mark.parametrize(("executables", "argv", "expected"), [
    (None, ["anything"], None),
    (["sh"], ["/bin/sh"], None),  # a name on its PATH, called by a path
    (["/app/server"], ["server"], None),
    (["/app/server"], ["/app/serve"], 'exec: "/app/serve": stat /app/serve: no such file or directory'),
    (["sh"], ["bash"], 'exec: "bash": executable file not found in $PATH'),
    (["sh"], [], None),
])
def test_which_programs_an_image_holds(executables, argv, expected):
    image = ImageBehaviour.model_validate({**APP, "executables": executables}).version("1")
    assert missing_executable(image, argv) == expected


def test_a_command_that_runs_another_program_of_the_image_is_a_one_off():
    """With `entrypoint` declared, `sh -c ...` in an init container does not run the app (which would need its
    env and never exit): it exits 0 and the app container starts; the app's own command still runs the app."""
    server = {**APP, "repository": "example.com/server", "requires_env": ["DB_URL"], "entrypoint": ["/app/server"]}
    world = TinyWorld(images=[server])
    world.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "lab"}, "spec": {
        "initContainers": [{"name": "check", "image": "example.com/server:1", "command": ["sh", "-c", "test -d /data"]}],
        "containers": [{"name": "app", "image": "example.com/server:1", "command": ["/app/server"],
                        "env": [{"name": "DB_URL", "value": "postgres://db:5432/x"}]}]}})
    world.run(60)
    got = world.get("Pod", "p")
    assert printed(got) == "Running"
    assert got["status"]["initContainerStatuses"][0]["state"]["terminated"]["reason"] == "Completed"
    init_log = world.world.runtimes[got["metadata"]["uid"]].init_containers[0].log
    assert not init_log  # the app's start-up lines are not the one-off's
