"""EKS tokens as `aws eks get-token` makes them (mcp_servers/kubernetes/eks_token.py): the token's shape,
the presigned URL inside it, where it is signed for, when it is minted again, and the exec plugin's
ExecCredential. No network: presigning is local."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import boto3
import botocore.auth
import pytest
from kubernetes import client

from mcp_servers.kubernetes import eks_token
from mcp_servers.kubernetes.eks import EksClusterError, cluster_configuration


@pytest.fixture
def aws_env(monkeypatch, tmp_path):
    """Static credentials, and no AWS configuration of the machine's (profiles, endpoints, regions)."""
    for name in ("AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS",
                 "AWS_SESSION_TOKEN", "KUBERNETES_EXEC_INFO"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "absent-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "absent-credentials"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    return monkeypatch


def session(region: str | None = "eu-west-1", profile: str | None = None):
    return boto3.session.Session(region_name=region, profile_name=profile)


def url_of(token: str) -> tuple[str, dict[str, list[str]]]:
    body = token.removeprefix(eks_token.TOKEN_PREFIX)
    url = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()
    return url, parse_qs(urlsplit(url).query)


def test_token_is_the_prefix_and_unpadded_base64url_of_a_presigned_get_caller_identity(aws_env):
    token = eks_token.mint(eks_token.sts_client(session()), "prod")
    assert token.startswith("k8s-aws-v1.")
    body = token.removeprefix("k8s-aws-v1.")
    assert "=" not in body and "+" not in body and "/" not in body  # base64url, padding stripped
    url, query = url_of(token)
    assert urlsplit(url).scheme == "https" and urlsplit(url).netloc == "sts.eu-west-1.amazonaws.com"  # regional
    assert urlsplit(url).path == "/"
    assert query["Action"] == ["GetCallerIdentity"] and query["Version"] == ["2011-06-15"]
    assert query["X-Amz-Expires"] == ["60"]
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert query["X-Amz-SignedHeaders"][0].split(";") == ["host", "x-k8s-aws-id"]
    assert query["X-Amz-Credential"][0].split("/")[0::2] == ["AKIDEXAMPLE", "eu-west-1", "aws4_request"]
    assert len(query["X-Amz-Signature"][0]) == 64
    assert "x-k8s-aws-id" not in query and "prod" not in url  # the cluster's name is a signed header, not a parameter
    assert eks_token.decode(token) == url


def test_the_cluster_name_is_signed_in_so_tokens_for_two_clusters_differ_only_in_signature(aws_env):
    frozen = datetime(2030, 1, 2, 3, 4, 5)
    aws_env.setattr(botocore.auth, "get_current_datetime", lambda: frozen)
    sts = eks_token.sts_client(session())
    (url_a, query_a), (_, query_b) = url_of(eks_token.mint(sts, "prod")), url_of(eks_token.mint(sts, "staging"))
    assert query_a["X-Amz-Date"] == ["20300102T030405Z"]
    assert query_a["X-Amz-Signature"] != query_b["X-Amz-Signature"]
    assert {k: v for k, v in query_a.items() if k != "X-Amz-Signature"} == \
        {k: v for k, v in query_b.items() if k != "X-Amz-Signature"}
    assert url_of(eks_token.mint(sts, "prod"))[0] == url_a  # deterministic for one name and moment


def test_endpoint_overrides_and_profiles_are_botocores(aws_env, tmp_path):
    aws_env.setenv("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:4566")
    assert urlsplit(url_of(eks_token.mint(eks_token.sts_client(session()), "prod"))[0]).netloc == "127.0.0.1:4566"
    assert urlsplit(url_of(eks_token.mint(eks_token.sts_client(session(), "http://sts.test:1"), "prod"))[0]).netloc \
        == "sts.test:1"  # an explicit --endpoint-url wins
    aws_env.delenv("AWS_ENDPOINT_URL_STS")
    aws_env.delenv("AWS_ACCESS_KEY_ID")
    aws_env.delenv("AWS_SECRET_ACCESS_KEY")
    (tmp_path / "credentials").write_text("[ops]\naws_access_key_id = AKIDOPS\naws_secret_access_key = secret\n")
    (tmp_path / "config").write_text("[profile ops]\nregion = ap-south-1\n")
    aws_env.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    aws_env.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    url, query = url_of(eks_token.mint(eks_token.sts_client(session(region=None, profile="ops")), "prod"))
    assert urlsplit(url).netloc == "sts.ap-south-1.amazonaws.com"
    assert query["X-Amz-Credential"][0].startswith("AKIDOPS/")


def test_no_region_or_no_credentials_is_a_token_error_saying_what_to_set(aws_env):
    with pytest.raises(eks_token.TokenError, match="--region or set AWS_REGION"):
        eks_token.sts_client(session(region=None))
    aws_env.delenv("AWS_ACCESS_KEY_ID")
    aws_env.delenv("AWS_SECRET_ACCESS_KEY")
    aws_env.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(eks_token.TokenError, match="AWS_PROFILE"):
        eks_token.mint(eks_token.sts_client(session()), "prod")


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def test_token_source_mints_again_once_the_token_is_ten_minutes_old(aws_env):
    clock = Clock()
    minted: list[str] = []
    sts = eks_token.sts_client(session())
    original = eks_token.mint

    def counting_mint(sts_client, name):
        minted.append(name)
        return f"{original(sts_client, name)}#{len(minted)}"

    aws_env.setattr(eks_token, "mint", counting_mint)
    tokens = eks_token.TokenSource(sts, "prod", clock=clock)
    first = tokens.token()
    clock.now += 9 * 60 + 59
    assert tokens.token() == first and len(minted) == 1  # still fresh: STS honours it for 15 minutes
    clock.now += 1
    second = tokens.token()
    assert second != first and minted == ["prod", "prod"]
    clock.now += 60
    assert tokens.token() == second


def test_installed_on_a_kubernetes_configuration_every_request_gets_the_current_token(aws_env):
    clock = Clock()
    tokens = eks_token.TokenSource(eks_token.sts_client(session()), "prod", clock=clock)
    configuration = client.Configuration()
    tokens.install(configuration)
    header = configuration.auth_settings()["BearerToken"]["value"]
    assert header.startswith("Bearer k8s-aws-v1.")
    assert configuration.auth_settings()["BearerToken"]["value"] == header  # same token within ten minutes
    clock.now += eks_token.REFRESH_AFTER_S
    renewed = configuration.auth_settings()["BearerToken"]["value"]  # what the client computes before each request
    assert renewed.startswith("Bearer k8s-aws-v1.") and tokens.minted_at == clock.now


def test_cluster_configuration_uses_the_endpoint_and_ca_of_describe_cluster(aws_env):
    tokens = eks_token.TokenSource(eks_token.sts_client(session()), "prod")
    pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    cluster = {"name": "prod", "status": "ACTIVE", "endpoint": "https://ABC.gr7.eu-west-1.eks.amazonaws.com",
               "certificateAuthority": {"data": base64.b64encode(pem.encode()).decode()}}
    configuration = cluster_configuration(cluster, tokens)
    assert configuration.host == "https://ABC.gr7.eu-west-1.eks.amazonaws.com"
    assert configuration.ca_cert_data == pem
    assert configuration.auth_settings()["BearerToken"]["value"].startswith("Bearer k8s-aws-v1.")
    with pytest.raises(EksClusterError, match="no API endpoint yet .status CREATING"):
        cluster_configuration({"name": "prod", "status": "CREATING"}, tokens)
    with pytest.raises(EksClusterError, match="no certificate authority"):
        cluster_configuration({**cluster, "certificateAuthority": {}}, tokens)
    with pytest.raises(EksClusterError, match="not base64 PEM"):
        cluster_configuration({**cluster, "certificateAuthority": {"data": "not*base64"}}, tokens)


def test_exec_credential_is_what_kubectl_reads_in_the_version_it_asked_for(aws_env):
    expires = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert eks_token.exec_credential("k8s-aws-v1.abc", expires) == {
        "kind": "ExecCredential", "apiVersion": "client.authentication.k8s.io/v1beta1", "spec": {},
        "status": {"expirationTimestamp": "2030-01-02T03:04:05Z", "token": "k8s-aws-v1.abc"}}
    asked_v1 = json.dumps({"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential"})
    assert eks_token.exec_api_version(asked_v1) == "client.authentication.k8s.io/v1"
    assert eks_token.exec_api_version("") == eks_token.BETA_API
    assert eks_token.exec_api_version("{not json") == eks_token.BETA_API
    assert eks_token.exec_api_version('{"apiVersion": "client.authentication.k8s.io/v9"}') == eks_token.BETA_API


def test_the_plugin_prints_one_exec_credential_or_one_error_line(aws_env, capsys):
    aws_env.setenv("KUBERNETES_EXEC_INFO", json.dumps({"apiVersion": "client.authentication.k8s.io/v1"}))
    assert eks_token.main(["--cluster-name", "prod", "--region", "us-west-2"]) == 0
    credential = json.loads(capsys.readouterr().out)
    assert credential["apiVersion"] == "client.authentication.k8s.io/v1"
    assert urlsplit(eks_token.decode(credential["status"]["token"])).netloc == "sts.us-west-2.amazonaws.com"
    expires = datetime.strptime(credential["status"]["expirationTimestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert 13 * 60 < (expires - datetime.now(UTC)).total_seconds() <= 14 * 60  # the CLI's 14 minutes
    assert eks_token.main(["--cluster-name", "prod"]) == 1  # no region anywhere
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1 and "--region" in captured.err
    assert eks_token.main(["--cluster-name", "prod", "--region", "us-west-2", "--profile", "ghost"]) == 1
    assert "ghost" in capsys.readouterr().err


def test_help_shows_a_kubeconfig_exec_entry(capsys):
    with pytest.raises(SystemExit) as done:
        eks_token.main(["--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    assert "--cluster-name" in text and "exec:" in text and "mcp_servers.kubernetes.eks_token" in text
