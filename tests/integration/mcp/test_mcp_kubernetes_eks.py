"""The Kubernetes MCP server reaches an EKS cluster by name (`--eks-cluster`), with no kubeconfig: the lab's
cluster is registered in its moto EKS, served over HTTPS with its own CA, and opens only to tokens minted
for it. The server gets nothing but the lab's AWS environment (endpoint, region, the account's keys) --
KUBECONFIG is not set -- and must find the endpoint and CA through DescribeCluster and sign its requests.
A cluster it cannot reach by name ends it at start with one line."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from mcp import StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp_harness import SyncMcpClient

from sre_agent.lab.lab import Lab

MODULE = "mcp_servers.kubernetes"


def without_kubeconfig(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "KUBECONFIG" and not k.startswith(("AWS_", "SRE_MCP_"))}
    env.update({k: v for k, v in extra.items() if k != "KUBECONFIG"})
    return env


def eks_session(lab: Lab, *args: str) -> SyncMcpClient:
    params = StdioServerParameters(command=sys.executable, args=["-m", MODULE, *args], env=without_kubeconfig(lab.env()))
    return SyncMcpClient(lambda: stdio_client(params, errlog=sys.stderr))


def start_failure(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", MODULE, *args], env=without_kubeconfig(env), input="",
                          capture_output=True, text=True, timeout=60)


def principal_arn(lab: Lab) -> str:
    """Who the lab's keys are to STS: moto's default user for its default "testing" keys, else the account's IAM user."""
    account = lab.account.account_id
    return f"arn:aws:sts::{account}:user/moto" if lab.account.access_key_id == "testing" else f"arn:aws:iam::{account}:user/sre-lab"


@pytest.fixture(scope="module")
def lab():
    lab = Lab(history_minutes=30, tls=True).start()
    lab.load("bad-image")
    yield lab
    lab.stop()


@pytest.fixture(scope="module")
def mcp(lab):
    session = eks_session(lab, "--eks-cluster", lab.cluster_name, "--region", "us-east-1")
    yield session
    session.close()


def test_lists_pods_of_the_cluster_named_by_eks(lab, mcp):
    assert lab.api.url.startswith("https://")  # the CA the server trusts came from DescribeCluster
    result = mcp.call("get_resources", {"kind": "pods", "namespace": "shop", "label_selector": "app=catalog"})
    assert not result.is_error, result.text
    pods = result.json()["items"]
    assert pods and all(p["name"].startswith("catalog-") for p in pods)
    assert any("ImagePull" in str(p) or "ErrImagePull" in str(p) for p in pods), pods


def test_every_request_carries_an_eks_token_the_cluster_verified(lab, mcp, monkeypatch):
    seen: list[tuple[str, str]] = []
    authenticate = lab.api.authn.authenticate

    def recording(headers):
        user = authenticate(headers)
        seen.append(((headers.get("Authorization") or "")[:18], user.username))
        return user

    monkeypatch.setattr(lab.api.authn, "authenticate", recording)  # the lab's API runs in this process
    result = mcp.call("describe", {"kind": "deployment", "namespace": "shop", "name": "catalog"})
    assert not result.is_error, result.text
    assert seen, "the server sent no request"
    assert {auth for auth, _ in seen} == {"Bearer k8s-aws-v1."}
    assert {user for _, user in seen} == {principal_arn(lab)}


def test_a_plain_http_lab_is_reached_by_name_too():
    with Lab(history_minutes=5) as plain:
        session = eks_session(plain, "--eks-cluster", plain.cluster_name, "--region", "us-east-1")
        try:
            result = session.call("get_resources", {"kind": "namespaces"})
            assert not result.is_error, result.text
        finally:
            session.close()


@pytest.mark.parametrize(("args", "drop", "says"), [
    (["--eks-cluster", "no-such-cluster", "--region", "us-east-1"], (), "no EKS cluster named no-such-cluster in us-east-1"),
    (["--eks-cluster", "sre-lab", "--region", "eu-west-1"], (), "no EKS cluster named sre-lab in eu-west-1"),
    (["--eks-cluster", "sre-lab"], ("AWS_REGION", "AWS_DEFAULT_REGION"), "no AWS region configured"),
    (["--eks-cluster", "sre-lab", "--region", "us-east-1"], ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"),
     "no AWS credentials to describe EKS cluster sre-lab"),
    (["--eks-cluster", "sre-lab", "--region", "us-east-1", "--profile", "ghost"], (), "profile (ghost) could not be found"),
    (["--eks-cluster", "sre-lab", "--kubeconfig", "/dev/null"], (), "drop --kubeconfig"),
])
def test_a_cluster_it_cannot_reach_by_name_is_one_line_at_start(lab, tmp_path, args, drop, says):
    env = {k: v for k, v in lab.env().items() if k not in drop}
    env.update({"AWS_CONFIG_FILE": str(tmp_path / "none"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
                "AWS_EC2_METADATA_DISABLED": "true"})
    done = start_failure(env, *args)
    assert done.returncode != 0
    assert says in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.strip().count("\n") == 0 and done.stderr.startswith("error: "), done.stderr
