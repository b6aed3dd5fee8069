"""The lab accepts EKS tokens as an EKS cluster does (kube/authn.py, aws/eks.py): a token is checked against
the lab's STS (its moto server, which answers a presigned GetCallerIdentity only when its signature covers
the request it gets) with this cluster's name, and the principal it names is the user. The real kubectl,
through a kubeconfig whose user is an `exec:` of `python -m mcp_servers.kubernetes.eks_token`, gets pods
and is told who it is; a token for another cluster, another account, an expired or garbled one gets
kube-apiserver's 401. The lab serves HTTPS here: kubectl sends a user's credentials to https:// servers only."""

from __future__ import annotations

import base64
import json
import os
import ssl
import subprocess
import sys
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import boto3
import botocore.auth
import pytest
import yaml

from mcp_servers.kubernetes import eks_token
from sre_agent.lab.lab import Lab

from .kubectl_cli import KUBECTL

ROOT = Path(__file__).resolve().parents[3]
needs_kubectl = pytest.mark.skipif(KUBECTL is None, reason="the kubectl binary is not installed (not on PATH)")
UNAUTHORIZED = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": "Unauthorized",
                "reason": "Unauthorized", "code": 401}


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    lab = Lab(history_minutes=30, tls=True).start()
    lab.load("bad-image")
    lab.kube_cache = tmp_path_factory.mktemp("kube-cache")
    yield lab
    lab.stop()


def sts_of(lab: Lab):
    env = lab.env()
    session = boto3.session.Session(aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                                    aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"], region_name=env["AWS_REGION"])
    return eks_token.sts_client(session, env["AWS_ENDPOINT_URL"])


def principal_arn(lab: Lab) -> str:
    account = lab.account.account_id
    return f"arn:aws:sts::{account}:user/moto" if lab.account.access_key_id == "testing" else f"arn:aws:iam::{account}:user/sre-lab"


def get(lab: Lab, path: str, token: str) -> tuple[int, dict]:
    """One HTTPS request to the lab's API with a bearer token, trusting the lab's CA."""
    context = ssl.create_default_context(cadata=lab.serving_tls.ca_pem.decode())
    request = urllib.request.Request(lab.api.url + path, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, context=context, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def exec_kubeconfig(lab: Lab, path: Path, cluster_name: str) -> Path:
    """A kubeconfig as `aws eks update-kubeconfig` writes one, with this project's plugin in place of the AWS CLI."""
    config = {
        "apiVersion": "v1", "kind": "Config", "preferences": {}, "current-context": "eks",
        "clusters": [{"name": "eks", "cluster": {
            "server": lab.api.url, "certificate-authority-data": base64.b64encode(lab.serving_tls.ca_pem).decode()}}],
        "users": [{"name": "eks", "user": {"exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1", "command": sys.executable,
            "args": ["-m", "mcp_servers.kubernetes.eks_token", "--cluster-name", cluster_name, "--region", "us-east-1"],
            "interactiveMode": "Never"}}}],
        "contexts": [{"name": "eks", "context": {"cluster": "eks", "user": "eks", "namespace": "shop"}}],
    }
    path.write_text(yaml.safe_dump(config))
    path.chmod(0o600)
    return path


def kubectl_exec(lab: Lab, kubeconfig: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({**lab.env(), "KUBECONFIG": str(kubeconfig), "PYTHONPATH": str(ROOT)})
    return subprocess.run([KUBECTL or "kubectl", f"--cache-dir={lab.kube_cache}", *args], env=env, capture_output=True,
                          text=True, timeout=90)


@needs_kubectl
def test_kubectl_with_the_exec_plugin_gets_pods_and_is_the_accounts_principal(lab, tmp_path):
    kubeconfig = exec_kubeconfig(lab, tmp_path / "config", lab.cluster_name)
    pods = kubectl_exec(lab, kubeconfig, "get", "pods", "-l", "app=catalog")
    assert pods.returncode == 0, pods.stderr
    rows = pods.stdout.splitlines()
    assert rows[0].split()[:3] == ["NAME", "READY", "STATUS"]
    assert any(r.startswith("catalog-") and ("ImagePullBackOff" in r or "ErrImagePull" in r) for r in rows[1:]), pods.stdout
    whoami = kubectl_exec(lab, kubeconfig, "auth", "whoami", "-o", "json")
    assert whoami.returncode == 0, whoami.stderr
    user = json.loads(whoami.stdout)["status"]["userInfo"]
    assert user["username"] == principal_arn(lab)
    assert "system:masters" in user["groups"] and user["extra"]["arn"] == [principal_arn(lab)]


@needs_kubectl
def test_kubectl_with_a_token_for_another_cluster_is_unauthorized(lab, tmp_path):
    kubeconfig = exec_kubeconfig(lab, tmp_path / "config", "someone-elses-cluster")
    done = kubectl_exec(lab, kubeconfig, "get", "pods")
    assert done.returncode != 0
    assert "Unauthorized" in done.stderr and "must be logged in" in done.stderr, done.stderr


def test_a_token_for_this_cluster_is_its_principal_and_one_for_another_is_401(lab):
    sts = sts_of(lab)
    status, namespaces = get(lab, "/api/v1/namespaces", eks_token.mint(sts, lab.cluster_name))
    assert status == 200 and "shop" in {n["metadata"]["name"] for n in namespaces["items"]}
    assert get(lab, "/api/v1/namespaces", eks_token.mint(sts, "prod")) == (401, UNAUTHORIZED)
    assert get(lab, "/version", eks_token.mint(sts, "prod")) == (401, UNAUTHORIZED)  # any path, as kube-apiserver


def test_expired_and_garbled_tokens_are_401(lab, monkeypatch):
    sts = sts_of(lab)
    signed_long_ago = datetime.now(UTC).replace(tzinfo=None) - timedelta(minutes=16)
    with monkeypatch.context() as m:
        m.setattr(botocore.auth, "get_current_datetime", lambda: signed_long_ago)
        expired = eks_token.mint(sts, lab.cluster_name)
    assert get(lab, "/api/v1/namespaces", expired) == (401, UNAUTHORIZED)
    fresh = eks_token.mint(sts, lab.cluster_name)
    url = eks_token.decode(fresh)
    tampered = eks_token.encode(url.replace("X-Amz-Expires=60", "X-Amz-Expires=61"))  # the signature covers it
    assert get(lab, "/api/v1/namespaces", tampered) == (401, UNAUTHORIZED)
    assert get(lab, "/api/v1/namespaces", fresh[:-6]) == (401, UNAUTHORIZED)
    assert get(lab, "/api/v1/namespaces", "k8s-aws-v1.bm90IGEgdXJs") == (401, UNAUTHORIZED)
    assert get(lab, "/api/v1/namespaces", fresh)[0] == 200


def test_a_token_signed_in_another_account_is_401(lab):
    with Lab(history_minutes=5) as other:  # same moto server, its own account; same cluster name
        assert other.account.account_id != lab.account.account_id and other.cluster_name == lab.cluster_name
        foreign = eks_token.mint(sts_of(other), lab.cluster_name)
        assert get(lab, "/api/v1/namespaces", foreign) == (401, UNAUTHORIZED)


def test_the_lab_sts_checks_the_signature_of_a_presigned_get_caller_identity(lab):
    url = eks_token.decode(eks_token.mint(sts_of(lab), lab.cluster_name))
    assert urlsplit(url).netloc == urlsplit(lab.env()["AWS_ENDPOINT_URL"]).netloc

    def sts_get(cluster_header: str) -> tuple[int, bytes]:
        request = urllib.request.Request(url, headers={"x-k8s-aws-id": cluster_header})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    status, body = sts_get(lab.cluster_name)
    assert status == 200 and principal_arn(lab).encode() in body and b"GetCallerIdentityResult" in body
    status, body = sts_get("prod")
    assert status == 403 and b"<Code>SignatureDoesNotMatch</Code>" in body


def test_eks_describes_the_lab_cluster_at_its_api_with_its_ca_and_keeps_it_across_a_reset(lab):
    env = lab.env()
    eks = boto3.client("eks", endpoint_url=env["AWS_ENDPOINT_URL"], region_name=env["AWS_REGION"],
                       aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])
    assert lab.cluster_name in eks.list_clusters()["clusters"]
    cluster = eks.describe_cluster(name=lab.cluster_name)["cluster"]
    assert cluster["endpoint"] == lab.api.url and cluster["status"] == "ACTIVE"
    assert base64.b64decode(cluster["certificateAuthority"]["data"]) == lab.serving_tls.ca_pem
    lab.reset()
    try:
        assert eks.describe_cluster(name=lab.cluster_name)["cluster"]["endpoint"] == lab.api.url
    finally:
        lab.load("bad-image")  # the module's other tests read this scenario
