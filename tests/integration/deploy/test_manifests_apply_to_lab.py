"""The Kubernetes manifests, rendered by kustomize and applied with the real kubectl to a lab, read
back as applied, and applied again without a change (apply's three-way merge sees nothing to do).

The lab's API server does not serve rbac.authorization.k8s.io, so the RBAC documents are left out of
the apply (and counted: nothing else may be); they are validated by kubernetes-validate
(tests/unit/infra) and measured against the tools (test_rbac_coverage.py). Skipped without kubectl."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest
import yaml

from sre_agent.lab.kube.resources import find_kind

from ...unit.infra.manifests import KUBERNETES_DIR, RBAC_KINDS, optional_documents

KUBECTL = shutil.which("kubectl")
pytestmark = pytest.mark.skipif(KUBECTL is None, reason="the kubectl binary is not installed (not on PATH)")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    from sre_agent.lab.lab import Lab

    lab = Lab(history_minutes=30).start()
    lab.load("bad-image")  # has the `shop` namespace the remediation Role lives in
    lab.kube_cache = tmp_path_factory.mktemp("kube-cache")
    yield lab
    lab.stop()


def kubectl(lab, *args: str, stdin: str | None = None) -> str:
    env = {**os.environ, "KUBECONFIG": str(lab.kubeconfig)}
    done = subprocess.run([KUBECTL, f"--cache-dir={lab.kube_cache}", *args], env=env, input=stdin,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"kubectl {' '.join(args)} failed ({done.returncode}): {done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def rendered(lab) -> list[dict]:
    """What `kubectl apply -k infra/kubernetes` sends, plus the opt-in documents."""
    out = kubectl(lab, "kustomize", str(KUBERNETES_DIR))
    return [d for d in yaml.safe_load_all(out) if d] + optional_documents()


def served(doc: dict) -> bool:
    return find_kind(doc["kind"]) is not None


def contains(applied, live, where: str = "") -> list[str]:
    """Every field of `applied` is in `live` with the same value (the server may add defaults)."""
    if isinstance(applied, dict):
        if not isinstance(live, dict):
            return [f"{where}: {live!r} is not an object"]
        return [problem for key, value in applied.items()
                for problem in (contains(value, live[key], f"{where}.{key}") if key in live else [f"{where}.{key}: missing"])]
    if isinstance(applied, list):
        if not isinstance(live, list) or len(live) != len(applied):
            return [f"{where}: {live!r} differs from {applied!r}"]
        return [problem for i, (a, b) in enumerate(zip(applied, live)) for problem in contains(a, b, f"{where}[{i}]")]
    return [] if applied == live else [f"{where}: applied {applied!r}, read back {live!r}"]


def test_only_the_rbac_kinds_are_not_served_by_the_lab(rendered):
    assert {d["kind"] for d in rendered if not served(d)} == set(RBAC_KINDS)


def read_back(lab, manifest: str) -> list[dict]:
    """`kubectl get -f -`: the live objects, in the manifest's order."""
    found = json.loads(kubectl(lab, "get", "-f", "-", "-o", "json", stdin=manifest))
    return found["items"] if found.get("kind") == "List" else [found]


@pytest.fixture(scope="module")
def applied(lab, rendered) -> tuple[list[dict], str, str]:
    """(the documents applied, them as one manifest, what the first `kubectl apply` printed)."""
    applicable = [d for d in rendered if served(d)]
    manifest = yaml.safe_dump_all(applicable)
    return applicable, manifest, kubectl(lab, "apply", "-f", "-", stdin=manifest)


def test_the_manifests_apply_read_back_as_written_and_reapply_as_a_no_op(lab, applied):
    applicable, manifest, out = applied
    assert out.count(" created") == len(applicable), out
    live_objects = read_back(lab, manifest)
    assert [o["kind"] for o in live_objects] == [d["kind"] for d in applicable]
    for doc, live in zip(applicable, live_objects):
        problems = contains({k: v for k, v in doc.items() if k != "metadata"}, live, doc["kind"])
        problems += contains(doc["metadata"].get("labels") or {}, live["metadata"].get("labels") or {}, f"{doc['kind']}.labels")
        assert not problems, problems
    # A second apply changes no spec. (kubectl may still send a patch: the lab's OpenAPI v3 lacks the
    # strategic-merge extensions for some kinds, so kubectl re-sends a PodDisruptionBudget's selector.)
    again = kubectl(lab, "apply", "-f", "-", stdin=manifest)
    assert again.count(" unchanged") + again.count(" configured") == len(applicable), again
    generation = [o["metadata"].get("generation") for o in live_objects]
    assert [o["metadata"].get("generation") for o in read_back(lab, manifest)] == generation


def test_the_deployment_rolls_out_pods_that_keep_the_security_context(lab, applied):
    pods = json.loads(kubectl(lab, "get", "pods", "-n", "sre-agent", "-l", "app.kubernetes.io/name=sre-agent", "-o", "json"))
    assert len(pods["items"]) == 2, "two replicas"
    for pod in pods["items"]:
        container = pod["spec"]["containers"][0]
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        assert pod["spec"]["securityContext"]["runAsNonRoot"] is True
        assert pod["spec"]["serviceAccountName"] == "sre-agent"
