"""Re-creating an object with one change as one pasteable line (graph/recreate.py): the pipeline's middle step,
`kubectl patch --local`, run by the real kubectl over objects as the API returns them -- the change lands on the
named container only, and what the API server generated (and would refuse on create) is gone."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess

import pytest

from sre_agent.graph.recreate import container_change, recreate_command

KUBECTL = shutil.which("kubectl")
pytestmark = pytest.mark.skipif(KUBECTL is None, reason="the kubectl binary is not installed (not on PATH)")

JOB = {"apiVersion": "batch/v1", "kind": "Job",
       "metadata": {"name": "export", "namespace": "batch", "uid": "u-1", "resourceVersion": "41",
                    "creationTimestamp": "2026-11-25T01:00:00Z", "labels": {"controller-uid": "u-1", "job-name": "export",
                                                                            "team": "billing"}},
       "spec": {"backoffLimit": 3, "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": "u-1"}},
                "template": {"metadata": {"labels": {"controller-uid": "u-1", "batch.kubernetes.io/controller-uid": "u-1",
                                                     "job-name": "export", "app": "export"}},
                             "spec": {"restartPolicy": "Never", "containers": [
                                 {"name": "export", "image": "reg/export:1.0", "env": [{"name": "REGION", "value": "eu"}]},
                                 {"name": "shipper", "image": "reg/shipper:2.0"}]}}},
       "status": {"failed": 4, "conditions": [{"type": "Failed", "status": "True"}]}}
CLAIM = {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
         "metadata": {"name": "data", "namespace": "vault", "uid": "u-2", "resourceVersion": "7"},
         "spec": {"storageClassName": "gp3-encrpyted", "accessModes": ["ReadWriteOnce"],
                  "resources": {"requests": {"storage": "20Gi"}}},
         "status": {"phase": "Pending"}}


def _patched(command: str, obj: dict) -> dict:
    """Run the pipeline's `kubectl patch --local` step over `obj` (the get and replace need a cluster)."""
    middle = command.split(" | ")[1]
    done = subprocess.run(shlex.split(middle), input=json.dumps(obj), capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_job_recreated_with_an_env_var_keeps_its_other_settings_and_drops_what_the_server_generated():
    command = recreate_command("Job", "job", "batch", "export", container_change("Job", "export", {
        "env": [{"name": "STATEMENT_PERIOD", "value": "2026-10"}]}))
    assert command.startswith("kubectl -n batch get job export -o json | kubectl patch --local -f - ")
    assert command.endswith("| kubectl replace --force -f -")
    job = _patched(command, JOB)
    containers = {c["name"]: c for c in job["spec"]["template"]["spec"]["containers"]}
    assert {e["name"]: e["value"] for e in containers["export"]["env"]} == {"REGION": "eu", "STATEMENT_PERIOD": "2026-10"}
    assert "env" not in containers["shipper"] and job["spec"]["backoffLimit"] == 3
    assert "status" not in job and "selector" not in job["spec"]
    assert not {"uid", "resourceVersion", "creationTimestamp"} & set(job["metadata"])
    assert job["metadata"]["labels"] == {"job-name": "export", "team": "billing"}
    assert job["spec"]["template"]["metadata"]["labels"] == {"job-name": "export", "app": "export"}


def test_a_memory_limit_lands_on_the_container_named_only():
    job = _patched(recreate_command("Job", "job", "batch", "export", container_change(
        "Job", "shipper", {"resources": {"limits": {"memory": "512Mi"}}})), JOB)
    containers = {c["name"]: c for c in job["spec"]["template"]["spec"]["containers"]}
    assert containers["shipper"]["resources"] == {"limits": {"memory": "512Mi"}} and "resources" not in containers["export"]


def test_a_claim_recreated_on_another_storage_class():
    claim = _patched(recreate_command("PersistentVolumeClaim", "pvc", "vault", "data",
                                      {"spec": {"storageClassName": "gp3-encrypted"}}), CLAIM)
    assert claim["spec"]["storageClassName"] == "gp3-encrypted"
    assert claim["spec"]["resources"] == {"requests": {"storage": "20Gi"}} and "status" not in claim
