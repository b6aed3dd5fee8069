"""What kube-apiserver gives a Job on create (the Job registry's generateSelector): without
`manualSelector: true` the selector is the Job's own uid, and the pod template -- so every pod --
carries `batch.kubernetes.io/controller-uid`, `batch.kubernetes.io/job-name`, `controller-uid` and
`job-name`; a Job written without labels takes the template's. A hand-written selector without
manualSelector is refused ("`selector` not auto-generated"). Jobs the CronJob controller makes
get the same, so `kubectl logs job/x` never picks another workload's pods."""

from __future__ import annotations

import pytest

from sre_agent.lab.kube.errors import ApiError
from tests.unit.lab.test_cronjob_controller import cronjob
from tests.unit.lab.test_job_controller import BATCH, job
from tests.unit.lab.world_harness import TinyWorld

UID_LABELS = ("batch.kubernetes.io/controller-uid", "controller-uid")
NAME_LABELS = ("batch.kubernetes.io/job-name", "job-name")


def assert_generated(world: TinyWorld, created: dict, template_labels: dict) -> None:
    uid, name = created["metadata"]["uid"], created["metadata"]["name"]
    assert created["spec"]["selector"] == {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}
    generated = {**dict.fromkeys(UID_LABELS, uid), **dict.fromkeys(NAME_LABELS, name)}
    assert created["spec"]["template"]["metadata"]["labels"] == {**template_labels, **generated}
    assert "manualSelector" not in created["spec"]
    pods = world.owned("Pod", created)
    assert pods and all(p["metadata"]["labels"] == {**template_labels, **generated} for p in pods)
    selected = world.store.list("Pod", "lab", label_selector=created["spec"]["selector"])
    assert {p["metadata"]["uid"] for p in selected} == {p["metadata"]["uid"] for p in pods}


def test_a_job_selects_its_own_pods_not_a_deployments_with_the_same_app_label():
    world = TinyWorld()
    world.apply({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "lab"},
                 "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "shared"}},
                          "template": {"metadata": {"labels": {"app": "shared"}},
                                       "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}}})
    manifest = job("reindex", BATCH)
    manifest["spec"]["template"]["metadata"] = {"labels": {"app": "shared"}}
    world.apply(manifest)
    world.run(30)
    created = world.get("Job", "reindex")
    assert_generated(world, created, {"app": "shared"})
    # A Job written without labels of its own takes its template's (batch/v1 defaulting).
    assert created["metadata"]["labels"] == created["spec"]["template"]["metadata"]["labels"]


def test_a_jobs_own_labels_are_kept():
    world = TinyWorld()
    manifest = job("reindex", BATCH)
    manifest["metadata"]["labels"] = {"team": "search"}
    world.apply(manifest)
    assert world.get("Job", "reindex")["metadata"]["labels"] == {"team": "search"}


def test_jobs_the_cronjob_controller_creates_get_the_generated_selector():
    world = TinyWorld()
    world.apply(cronjob())
    world.run(6 * 60)
    jobs = world.list("Job")
    assert jobs
    for created in jobs:
        assert_generated(world, created, {})
        assert created["metadata"]["labels"] == {"app": "report"}  # the jobTemplate's labels, as the controller copies


def test_a_hand_written_selector_needs_manual_selector():
    world = TinyWorld()
    manifest = job("mine", BATCH)
    manifest["spec"]["selector"] = {"matchLabels": {"app": "mine"}}
    manifest["spec"]["template"]["metadata"] = {"labels": {"app": "mine"}}
    with pytest.raises(ApiError) as refused:
        world.apply(manifest)
    assert "`selector` not auto-generated" in str(refused.value)
    manifest["spec"]["manualSelector"] = True
    created = world.apply(manifest)
    assert created["spec"]["selector"] == {"matchLabels": {"app": "mine"}}
    assert created["spec"]["template"]["metadata"]["labels"] == {"app": "mine"}


def test_a_refused_create_does_not_shift_the_seeded_uids():
    first, second = TinyWorld(), TinyWorld()
    bad = job("mine", BATCH)
    bad["spec"]["selector"] = {"matchLabels": {"app": "mine"}}
    with pytest.raises(ApiError):
        first.apply(bad)
    assert first.apply(job("ok", BATCH))["metadata"]["uid"] == second.apply(job("ok", BATCH))["metadata"]["uid"]
