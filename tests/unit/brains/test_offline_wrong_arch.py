"""A container the kernel refuses to run -- "exec format error", a binary built for another CPU architecture -- is the
image's fault (bad_image), whatever settings it reads; a crash that says a setting is missing stays the setting's."""

from __future__ import annotations

import pytest

from sre_agent.brains.offline.diagnosis import best, hypotheses
from sre_agent.brains.offline.pods import WRONG_ARCH
from sre_agent.contracts import Finding

WORKLOAD = "timetabling/Deployment/timetable-api"


@pytest.mark.parametrize("line, wrong", [
    ("exec /app/timetable-api: exec format error", True),
    ("standard_init_linux.go:228: exec user process caused: exec format error", True),
    ("/bin/sh: 1: /app/run: cannot execute binary file: Exec format error", True),
    ("FATAL: environment variable DATABASE_URL is not set", False),
])
def test_the_kernels_refusal_is_told_from_a_crash(line, wrong):
    assert bool(WRONG_ARCH.search(line)) is wrong


@pytest.mark.parametrize("details, category", [
    ({"wrong_arch": True, "last_log": "exec /app/x: exec format error"}, "bad_image"),
    ({"config_error": True, "last_log": "FATAL: DATABASE_URL is not set"}, "crash_missing_config"),
])
def test_a_binary_that_cannot_run_here_roots_at_the_image(details, category):
    crash = Finding(agent="kubernetes", resource=WORKLOAD, signal="CrashLoopBackOff", severity="critical", summary="crash",
                    details=details)
    chosen = best(hypotheses([crash]))
    assert chosen is not None and (chosen.category.value, chosen.resource) == (category, WORKLOAD)
