"""Where a fault belongs when what failed is made from something else: a container the runtime cannot start (the
image lacks the program the spec runs) right after a release that changed the image or the command is the release's
regression, not a missing setting; a Job made from a CronJob's template -- a scheduled run or a re-run started by
hand -- carries its failure to the CronJob, whose next run would fail the same way. Table tests over findings."""

from __future__ import annotations

import asyncio

import pytest

from sre_agent.brains.offline.diagnosis import best, hypotheses
from sre_agent.brains.offline.job_templates import template_cronjob
from sre_agent.contracts import Finding

WORKLOAD = "sales/Deployment/order-api"


def finding(resource: str, signal: str, severity: str = "critical", **details) -> Finding:
    return Finding(agent="kubernetes", resource=resource, signal=signal, severity=severity, summary=signal, details=details)


CANNOT_START = finding(WORKLOAD, "CrashLoopBackOff", exit_code=128, start_error=True, config_error=False,
                       last_log='exec: "bash": executable file not found in $PATH')


@pytest.mark.parametrize("crash, changed, category", [
    (CANNOT_START, ["image"], "bad_deploy_regression"),  # the new image lacks the program: the release is bad
    (CANNOT_START, ["command"], "bad_deploy_regression"),  # the new command names a program the image lacks
    (CANNOT_START, ["env"], "crash_missing_config"),  # a release that changed neither cannot have removed it
    # a crash of a started app on a missing setting, right after a release: still the setting
    (finding(WORKLOAD, "CrashLoopBackOff", exit_code=1, config_error=True, last_log="FATAL: PAYMENT_URL is not set"),
     ["image"], "crash_missing_config"),
])
def test_a_container_that_cannot_start_after_a_release_of_its_program_is_the_releases_regression(crash, changed, category):
    rollout = finding(WORKLOAD, "RecentRollout", severity="info", revision=4, previous_revision=3, changed=changed,
                      created="2026-11-25T07:02:00Z")
    chosen = best(hypotheses([crash, rollout]))
    assert (chosen.category.value, chosen.resource) == (category, WORKLOAD)


class CronJobs:
    """The Calls port answering get_resources for CronJobs with the rows given."""

    def __init__(self, rows: list[dict]) -> None:
        self.rows, self.asked = rows, 0

    async def __call__(self, tool, **args):
        self.asked += 1
        return {"items": self.rows}, "ev-1"


REPORT = {"name": "stock-report", "images": ["cr.example/stock-report:1.7.0"]}
OTHER = {"name": "stock-audit", "images": ["cr.example/stock-audit:2.0"]}


def job(annotations: dict | None = None, owner: str | None = None, image: str = "cr.example/stock-report:1.7.0") -> dict:
    metadata: dict = {"name": "stock-report-manual", "annotations": annotations or {}}
    if owner:
        metadata["ownerReferences"] = [{"kind": "CronJob", "name": owner, "controller": True}]
    return {"metadata": metadata, "spec": {"template": {"spec": {"containers": [{"name": "run", "image": image}]}}}}


@pytest.mark.parametrize("obj, rows, expected", [
    (job(owner="stock-report"), [], "ops/CronJob/stock-report"),  # a scheduled run: its owner
    # a re-run started from it by hand (kubectl create job --from): the one CronJob running the same images
    (job({"cronjob.kubernetes.io/instantiate": "manual"}), [REPORT, OTHER], "ops/CronJob/stock-report"),
    (job({"cronjob.kubernetes.io/instantiate": "manual"}), [OTHER], None),  # none runs its images: not its template
    (job({"cronjob.kubernetes.io/instantiate": "manual"}), [REPORT, {**REPORT, "name": "stock-report-eu"}], None),
    (job(), [REPORT], None),  # a Job of its own, whatever a CronJob runs
])
def test_a_job_made_from_a_cronjobs_template_is_traced_to_it(obj, rows, expected):
    assert asyncio.run(template_cronjob("ops", obj, CronJobs(rows))) == expected
