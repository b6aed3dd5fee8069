"""Lab.stop_backend: one backend goes away, the other keeps answering, and lab.env() stays usable --
what the honesty tests (and sweep/chat) build their "backend down" cases on."""

from __future__ import annotations

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import EndpointConnectionError
from kubernetes import client, config
from urllib3.exceptions import MaxRetryError

from sre_agent.lab.lab import Lab, LabError


def _core(env: dict[str, str]) -> client.CoreV1Api:
    configuration = client.Configuration()
    config.load_kube_config(config_file=env["KUBECONFIG"], client_configuration=configuration)
    configuration.retries = 0
    return client.CoreV1Api(client.ApiClient(configuration))


def _cloudwatch(env: dict[str, str]):
    return boto3.client("cloudwatch", endpoint_url=env["AWS_ENDPOINT_URL"], region_name=env["AWS_REGION"],
                        aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
                        config=Config(retries={"max_attempts": 1}, connect_timeout=2, read_timeout=5))


@pytest.fixture
def lab():
    with Lab(history_minutes=5) as started:
        started.load("healthy-baseline")
        yield started


def test_stopping_kubernetes_leaves_aws_up(lab):
    lab.stop_backend("kubernetes")
    env = lab.env()
    with pytest.raises(MaxRetryError):
        _core(env).list_namespaced_pod("shop", _request_timeout=5)
    assert _cloudwatch(env).list_metrics()["Metrics"]  # the world's history is still there
    lab.stop_backend("kubernetes")  # twice is harmless


def test_stopping_aws_leaves_kubernetes_up(lab):
    before = lab.env()["AWS_ENDPOINT_URL"]
    lab.stop_backend("aws")
    env = lab.env()
    assert env["AWS_ENDPOINT_URL"] != before and env["KUBECONFIG"]
    with pytest.raises(EndpointConnectionError):
        _cloudwatch(env).list_metrics()
    assert _core(env).list_namespaced_pod("shop", _request_timeout=5).items
    assert lab.status()["pods"] > 0  # the world goes on


def test_an_unknown_backend_is_refused(lab):
    with pytest.raises(LabError, match="'kubernetes' and 'aws'"):
        lab.stop_backend("ssm")  # type: ignore[arg-type]
