"""The Job controller as Kubernetes runs it: pods retried up to backoffLimit with the controller's
back-off between them, then Failed (BackoffLimitExceeded) with no more pods; Complete when enough
pods exit 0; activeDeadlineSeconds -> DeadlineExceeded; restartPolicy Never (a new pod per failure)
versus OnFailure (the kubelet restarts the container in place and the restarts count)."""

from __future__ import annotations

import pytest

from sre_agent.lab.world.clock import parse_rfc3339
from tests.unit.lab.world_harness import TinyWorld

BATCH = "ghcr.io/acme-shop/report-builder:2.0.0"  # exits 0 after run_seconds (240 s)
CRASHER = "ghcr.io/acme-shop/checkout:2.3.0"  # needs env it is not given: exits 1 at once


def job(name: str, image: str, restart_policy: str = "Never", init: str | None = None, **spec) -> dict:
    inits = {"initContainers": [{"name": "init", "image": init}]} if init else {}
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name, "namespace": "lab"},
            "spec": {**spec, "template": {"spec": {"restartPolicy": restart_policy, **inits,
                                                   "containers": [{"name": "main", "image": image}]}}}}


def conditions(obj: dict) -> dict[str, str]:
    return {c["type"]: c.get("reason", "") for c in (obj.get("status") or {}).get("conditions") or []
            if c.get("status") == "True"}


CASES = [  # (id, job, seconds to run, conditions, failed, succeeded, pods of the job, phases of those pods)
    ("never-fails-to-limit", job("j", CRASHER, backoffLimit=2), 900,
     {"Failed": "BackoffLimitExceeded"}, 3, 0, 3, {"Failed"}),
    ("never-limit-zero", job("j", CRASHER, backoffLimit=0), 900, {"Failed": "BackoffLimitExceeded"}, 1, 0, 1, {"Failed"}),
    ("onfailure-restarts-count", job("j", CRASHER, "OnFailure", backoffLimit=2), 900,
     {"Failed": "BackoffLimitExceeded"}, 1, 0, 0, set()),
    # the job controller's pastBackoffLimitOnFailure sums initContainerStatuses' restarts too
    ("onfailure-init-restarts-count", job("j", BATCH, "OnFailure", init=CRASHER, backoffLimit=2), 900,
     {"Failed": "BackoffLimitExceeded"}, 1, 0, 0, set()),
    ("never-init-failure-fails-the-pod", job("j", BATCH, init=CRASHER, backoffLimit=1), 900,
     {"Failed": "BackoffLimitExceeded"}, 2, 0, 2, {"Failed"}),
    ("success", job("j", BATCH), 600, {"Complete": ""}, 0, 1, 1, {"Succeeded"}),
    ("completions-3-parallel-2", job("j", BATCH, completions=3, parallelism=2), 900, {"Complete": ""}, 0, 3, 3,
     {"Succeeded"}),
    ("deadline", job("j", BATCH, activeDeadlineSeconds=100), 600, {"Failed": "DeadlineExceeded"}, 1, 0, 0, set()),
]


@pytest.mark.parametrize(("manifest", "seconds", "want_conditions", "failed", "succeeded", "pods", "phases"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_job_outcomes(manifest, seconds, want_conditions, failed, succeeded, pods, phases):
    world = TinyWorld()
    world.apply(manifest)
    world.run(seconds)
    got = world.get("Job", "j")
    assert conditions(got) == want_conditions
    assert (got["status"]["failed"], got["status"]["succeeded"], got["status"]["active"]) == (failed, succeeded, 0)
    owned = world.owned("Pod", got)
    assert len(owned) == pods
    assert {p["status"]["phase"] for p in owned} == phases
    if "Complete" in want_conditions:
        assert got["status"]["completionTime"]


def test_retries_back_off_exponentially_and_stop_at_the_limit():
    world = TinyWorld()
    world.apply(job("j", CRASHER, backoffLimit=3))
    world.run(3600)
    owned = sorted(world.owned("Pod", world.get("Job", "j")), key=lambda p: p["metadata"]["creationTimestamp"])
    created = [p["metadata"]["creationTimestamp"] for p in owned]

    gaps = [(parse_rfc3339(b) - parse_rfc3339(a)).total_seconds() for a, b in zip(created, created[1:])]
    assert len(owned) == 4  # the first try and three retries
    assert gaps == sorted(gaps) and gaps[0] >= 10 and gaps[-1] >= 40  # 10 s, 20 s, 40 s (+ the run itself)
    warnings = world.events("BackoffLimitExceeded")
    assert len(warnings) == 1 and warnings[0]["message"] == "Job has reached the specified backoff limit"


def test_a_running_job_reports_its_active_pod_and_start_time():
    world = TinyWorld()
    world.apply(job("j", BATCH))
    world.run(60)
    status = world.get("Job", "j")["status"]
    assert status["active"] == 1 and status["startTime"] and not conditions(world.get("Job", "j"))
    pod = world.owned("Pod", world.get("Job", "j"))[0]
    assert pod["metadata"]["labels"]["job-name"] == "j"
    assert pod["metadata"]["labels"]["batch.kubernetes.io/job-name"] == "j"


def test_lab_status_reports_a_jobs_failed_pod_as_failed_and_skips_a_succeeded_one():
    """What `Lab.status()` / `sre-agent lab status` list: a finished pod is not "not ready" -- a
    Succeeded one is done, a Failed one is reported as failed with the STATUS kubectl prints."""
    from sre_agent.lab.world.health import unhealthy_pod_lines

    world = TinyWorld()
    world.apply(job("ok", BATCH))
    world.apply(job("bad", CRASHER, backoffLimit=0))
    world.apply(job("init", BATCH, init=CRASHER, backoffLimit=0))
    world.run(600)
    lines = unhealthy_pod_lines(world.list("Pod"), world.now)
    by_job = {job_name: [line for line in lines if line.startswith(f"lab/{job_name}-")] for job_name in ("ok", "bad", "init")}
    assert by_job["ok"] == []
    assert [line.split(": ", 1)[1] for line in by_job["bad"]] == ["Failed (Error)"]
    assert [line.split(": ", 1)[1] for line in by_job["init"]] == ["Failed (Init:Error)"]
