"""Pasting a proposed fix the way the on-call would (eval/fix_proof.py, eval/truth_values.py): placeholders only a
human knows are filled from the truth by what they stand for (the key a patch puts them under, the env var a
`set env` names, the container or image a truth step carries) and never otherwise; reads are skipped, writes run;
a fix that needs a hand edit or an interactive editor cannot be pasted, and says so."""

from __future__ import annotations

import base64

import pytest

from sre_agent.contracts import ProposedFix
from sre_agent.eval.fix_proof import plan_commands, read_only
from sre_agent.eval.truth_values import fill, truth_values
from sre_agent.lab.scenarios.schema import Truth

TRUTH = Truth.model_validate({
    "category": "missing_config_ref", "resource": "shop/Deployment/web",
    "remediations": [
        {"action": "apply", "manifest": {"apiVersion": "v1", "kind": "ConfigMap",
                                         "metadata": {"name": "web-config", "namespace": "shop"},
                                         "data": {"mode": "live", "region": "eu-west-1"}}},
        {"action": "apply", "manifest": {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db", "namespace": "shop"},
                                         "data": {"password": base64.b64encode(b"s3cret").decode()}}},
        {"action": "set_image", "resource": "batch/CronJob/report", "container": "report", "image": "reg/report:2.3.0"},
        {"action": "patch", "resource": "shop/Deployment/web",
         "patch": {"spec": {"template": {"spec": {"containers": [{"name": "web", "env": [{"name": "API_MODE", "value": "strict"}]}]}}}}},
        {"action": "scale", "resource": "shop/Deployment/web", "replicas": 3},
    ]})


@pytest.mark.parametrize("command, expected, unfilled", [
    ("kubectl -n shop create configmap web-config --from-literal=<KEY>=<value>",
     "kubectl -n shop create configmap web-config --from-literal=mode=live --from-literal=region=eu-west-1", []),
    ("kubectl -n shop patch secret db --type merge -p '{\"stringData\": {\"password\": \"<value>\"}}'",
     "kubectl -n shop patch secret db --type merge -p '{\"stringData\": {\"password\": \"s3cret\"}}'", []),
    ("kubectl -n shop patch secret db --type merge -p '{\"data\": {\"password\": \"<value>\"}}'",  # data is base64
     "kubectl -n shop patch secret db --type merge -p '{\"data\": {\"password\": \"czNjcmV0\"}}'", []),
    ("kubectl -n batch set image cronjob/report <container>=<image that exists>",
     "kubectl -n batch set image cronjob/report report=reg/report:2.3.0", []),
    ("kubectl -n shop set env deployment/web -c web API_MODE=<value>",
     "kubectl -n shop set env deployment/web -c web API_MODE=strict", []),
    ("kubectl -n shop get job web -o json | kubectl patch --local -f - -p '{\"spec\": {\"template\": {\"spec\": {"
     "\"containers\": [{\"name\": \"web\", \"env\": [{\"name\": \"API_MODE\", \"value\": \"<value>\"}]}]}}}}' -o json",
     "kubectl -n shop get job web -o json | kubectl patch --local -f - -p '{\"spec\": {\"template\": {\"spec\": {"
     "\"containers\": [{\"name\": \"web\", \"env\": [{\"name\": \"API_MODE\", \"value\": \"strict\"}]}]}}}}' -o json",
     []),
    ("kubectl -n shop scale deployment/web --replicas=<replicas>", "kubectl -n shop scale deployment/web --replicas=3", []),
    # nothing in the truth says what these are: they stay, and the proof says so
    ("kubectl -n shop set env deployment/web LOG_FORMAT=<value>", "kubectl -n shop set env deployment/web LOG_FORMAT=<value>",
     ["<value>"]),
    ("kubectl -n shop create configmap other --from-literal=<KEY>=<value>",
     "kubectl -n shop create configmap other --from-literal=<KEY>=<value>", ["<KEY>", "<value>"]),
])
def test_placeholders_are_filled_by_what_they_stand_for(command, expected, unfilled):
    assert fill(command, truth_values(TRUTH)) == (expected, unfilled)


@pytest.mark.parametrize("command, reads", [
    ("kubectl -n shop describe job report", True),
    ("kubectl -n shop get pods -w", True),
    ("kubectl -n shop rollout history deployment/web", True),
    ("kubectl -n shop rollout status deployment/web", True),
    ("kubectl -n shop get pvc data -o yaml > data.yaml", False),  # the first step of a re-create
    ("kubectl -n shop rollout undo deployment/web --to-revision=2", False),
    ("kubectl -n shop get deployment web -o yaml | sed 's/a/b/g' | kubectl apply -f -", False),
    ("kubectl uncordon node-1", False),
])
def test_reads_are_skipped_and_writes_run(command, reads):
    assert read_only(command) is reads


def test_a_fix_that_needs_a_hand_edit_or_an_editor_cannot_be_pasted():
    fixes = [ProposedFix(resource="shop/PersistentVolumeClaim/data", summary="re-create the claim", commands=[
                 "kubectl -n shop get pvc data -o yaml > data.yaml",
                 "# set spec.storageClassName: gp3 in data.yaml (drop status, uid, resourceVersion)",
                 "kubectl -n shop delete pvc data && kubectl apply -f data.yaml"]),
             ProposedFix(resource="shop/Deployment/web", summary="lower the request",
                         commands=["kubectl -n shop edit deployment web  # remove or lower resources.limits/requests cpu"])]
    planned, blockers = plan_commands(fixes, truth_values(TRUTH))
    assert len(blockers) == 2 and "hand edit" in blockers[0] and "interactive edit" in blockers[1]
    assert [p.skipped for p in planned] == ["its fix cannot be pasted", "a comment"] + ["its fix cannot be pasted"] * 2


def test_a_fix_that_cannot_be_pasted_does_not_stop_the_others():
    fixes = [ProposedFix(resource="shop/Secret/db", summary="add the key back", commands=[
                 "kubectl -n shop patch secret db --type merge -p '{\"stringData\": {\"DSN\": \"<value>\"}}'"]),
             ProposedFix(resource="shop/Deployment/web", summary="point the reference at the key the Secret holds",
                         commands=["kubectl -n shop rollout restart deployment/web"])]
    planned, blockers = plan_commands(fixes, truth_values(TRUTH))
    assert blockers == ["shop/Secret/db: <value> has no value a human would know from the truth"]
    assert [p.skipped for p in planned] == ["its fix cannot be pasted", ""]


def test_an_alternative_in_a_comment_is_not_a_hand_edit():
    fixes = [ProposedFix(resource="shop/Deployment/web", summary="undo", commands=[
        "kubectl -n shop rollout undo deployment/web --to-revision=2",
        "# or: kubectl -n shop patch service web --type merge -p '{\"spec\": {\"selector\": {\"app\": \"web\"}}}'"])]
    planned, blockers = plan_commands(fixes, truth_values(TRUTH))
    assert blockers == [] and [p.skipped for p in planned] == ["", "a comment"]
