"""`sre-agent serve` in a process of its own against a lab, for the tests that drive the service over real HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import httpx

from sre_agent.lab.lab import Lab
from sre_agent.lab.trigger import lab_namespaces

T = TypeVar("T")
# The service's run steps at the test's own CPU priority, not production's niceness 10: beside the suite's other xdist
# worker (nice 0) a niced step process got a tenth of a core -- a 5 s run over 300 s on a busy CI machine (stop 59).
STEPS_AT_TEST_PRIORITY = {"SRE_AGENT_SERVICE_STEP_NICE": "0"}


@contextmanager
def running(proc: subprocess.Popen, ready: Callable[[], bool], timeout_s: float = 60) -> Iterator[None]:
    """Wait until `ready()` (an HTTP probe; an HTTP error counts as not yet) or the process exits; stop it on the way out."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if ready():
                break
        except (httpx.HTTPError, KeyError, ValueError):
            pass
        time.sleep(0.3)
    try:
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@contextmanager
def running_lab(scenario: str, speed: float = 120) -> Iterator[Lab]:
    """A lab with `scenario` loaded and its clock running (`speed` x real time), stopped on the way out."""
    lab = Lab().start()
    try:
        lab.load(scenario)
        lab.run_clock(speed)
        yield lab
    finally:
        lab.stop()


def until(what: str, probe: Callable[[], T | None], bound_s: float, every_s: float = 0.5) -> T:
    """`probe()`'s first truthy answer, polled every `every_s`; AssertionError naming `what` after `bound_s`
    (a bound on a broken test, not a timing)."""
    deadline = time.monotonic() + bound_s
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(every_s)
    raise AssertionError(f"{what}: not after {bound_s}s")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def served(lab: Lab, state_dir: Path, token: str, remediation: str = "approve", *, brain: str | None = None,
           env: dict[str, str] | None = None, port: int | None = None) -> Iterator[str]:
    """The service's base URL once /healthz answers (the shared MCP servers start first: slow on a busy machine);
    stopped on the way out. Its output is discarded: the tests read it over HTTP. `brain`: --brain (default: the
    settings'); `env`: more of the service's environment (settings as SRE_AGENT_* variables, a provider's endpoint)."""
    port = port or free_port()
    proc = subprocess.Popen([sys.executable, "-m", "sre_agent.cli", "serve", "--port", str(port), "--token", token,
                             "--remediation", remediation, "--namespaces", ",".join(lab_namespaces(lab)),
                             "--state-dir", str(state_dir), *(["--brain", brain] if brain else [])],
                            env={**os.environ, **lab.env(), **STEPS_AT_TEST_PRIORITY, **(env or {})},
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    with running(proc, lambda: bool(httpx.get(f"{url}/healthz", timeout=1)), timeout_s=120):
        yield url
