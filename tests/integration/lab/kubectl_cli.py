"""The real `kubectl` binary against a started lab, shared by the tests that drive it: where it is, a lab with the
bad-image scenario loaded and its own discovery cache directory (a cache written by an earlier lab on a reused port
cannot hide what this lab serves), and one call of it."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator

import pytest

KUBECTL = shutil.which("kubectl")
NEEDS_KUBECTL = [pytest.mark.slow,
                 pytest.mark.skipif(KUBECTL is None, reason="the kubectl binary is not installed (not on PATH)")]


def started_lab(tmp_path_factory) -> Iterator:
    from sre_agent.lab.lab import Lab

    lab = Lab().start()
    lab.load("bad-image")
    lab.kube_cache = tmp_path_factory.mktemp("kube-cache")
    yield lab
    lab.stop()


def kubectl(lab, *args: str, stdin: str | None = None, check: bool = True) -> str:
    env = {**os.environ, "KUBECONFIG": str(lab.kubeconfig)}
    done = subprocess.run([KUBECTL or "kubectl", f"--cache-dir={lab.kube_cache}", *args], env=env, input=stdin,
                          capture_output=True, text=True, timeout=60)
    if check:
        assert done.returncode == 0, f"kubectl {' '.join(args)} failed ({done.returncode}): {done.stderr}"
    return done.stdout + done.stderr if not check else done.stdout
