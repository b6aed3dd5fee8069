"""Reaching an Amazon EKS cluster by name and region, without a kubeconfig (`--eks-cluster NAME`).

EKS DescribeCluster gives the API server's endpoint and certificate authority; every request carries
a bearer token minted as `aws eks get-token` mints it (eks_token.py), minted again when it is 10
minutes old through the kubernetes client's `refresh_api_key_hook`. Region, profile and endpoint
come from the same settings and environment as the AWS servers' (--region, --profile,
--endpoint-url; AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL). Whatever stops the server from reaching
the cluster at start -- no region, no credentials, no such cluster -- ends it with one line saying
what was wrong and what to do."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from ..common.aws import clients_from_settings
from ..common.settings import ServerSettings
from .eks_token import TokenError, TokenSource, sts_client
from .kube import KubeClient


class EksClusterError(Exception):
    """The cluster cannot be reached by name; the message says why and what to do."""


def cluster_configuration(cluster: dict[str, Any], tokens: TokenSource) -> Any:
    """A kubernetes client Configuration for a DescribeCluster `cluster`: its endpoint, its CA, and
    `tokens` as the bearer token, refreshed before each request once it is old."""
    from kubernetes import client

    name = cluster.get("name", "?")
    endpoint = cluster.get("endpoint")
    if not endpoint:
        raise EksClusterError(f"EKS cluster {name} has no API endpoint yet (status {cluster.get('status', '?')}); "
                              "wait until it is ACTIVE")
    configuration = client.Configuration()
    configuration.host = endpoint.rstrip("/")
    if endpoint.startswith("https://"):
        data = (cluster.get("certificateAuthority") or {}).get("data")
        if not data:
            raise EksClusterError(f"EKS cluster {name} reports no certificate authority data; its API server's "
                                  "certificate cannot be verified")
        try:
            configuration.ca_cert_data = base64.b64decode(data, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise EksClusterError(f"EKS cluster {name}'s certificate authority data is not base64 PEM") from None
    tokens.install(configuration)
    return configuration


def describe_cluster(eks: Any, name: str, region: str) -> dict[str, Any]:
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    try:
        return eks.describe_cluster(name=name)["cluster"]
    except NoCredentialsError:
        raise EksClusterError(f"no AWS credentials to describe EKS cluster {name}: set AWS_PROFILE (or --profile), "
                              "or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where an instance or pod "
                              "role applies") from None
    except ClientError as exc:
        error = exc.response.get("Error", {})
        if error.get("Code") == "ResourceNotFoundException":
            raise EksClusterError(f"no EKS cluster named {name} in {region}: check --eks-cluster and --region "
                                  f"(`aws eks list-clusters --region {region}` lists them)") from None
        raise EksClusterError(f"EKS DescribeCluster {name} in {region} failed: {error.get('Code')}: "
                              f"{error.get('Message')}") from None
    except BotoCoreError as exc:  # unreachable endpoint, a profile that does not exist, ...
        raise EksClusterError(f"cannot describe EKS cluster {name} in {region}: {exc}; check the network, "
                              "--endpoint-url (AWS_ENDPOINT_URL) and --profile") from None


def eks_kube_client(settings: ServerSettings) -> KubeClient:
    """The server's cluster client for `--eks-cluster`; exits with a one-line error when it cannot be built."""
    name = settings.eks_cluster
    assert name, "--eks-cluster is not set"
    if settings.kubeconfig or settings.context:
        raise SystemExit("error: --eks-cluster names the cluster itself; drop --kubeconfig/--context "
                         "(or drop --eks-cluster to use the kubeconfig)")
    aws = clients_from_settings(settings)  # exits when no region is known
    try:
        cluster = describe_cluster(aws.client("eks"), name, aws.region)
        tokens = TokenSource(sts_client(aws.session, aws.endpoint_url, aws.config), name)
        configuration = cluster_configuration(cluster, tokens)
    except (EksClusterError, TokenError) as exc:
        raise SystemExit(f"error: {exc}") from None
    return KubeClient(configuration=configuration, request_timeout=settings.k8s_timeout)
