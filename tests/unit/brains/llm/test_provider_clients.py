"""How each provider's client is built: the region's inference profile for Bedrock, one place that
retries (botocore and the SDKs do not), timeouts and max_tokens on every client, endpoints from the
run's environment."""

from __future__ import annotations

import pytest

from sre_agent.brains.llm.providers import ProviderConfigError, bedrock_default_model, build_model
from sre_agent.brains.llm.settings import LlmSettings


@pytest.mark.parametrize("region, model", [
    ("us-east-1", "us.anthropic.claude-sonnet-4-6"),
    ("us-west-2", "us.anthropic.claude-sonnet-4-6"),
    ("eu-central-1", "eu.anthropic.claude-sonnet-4-6"),
    ("ap-northeast-1", "jp.anthropic.claude-sonnet-4-6"),
    ("ap-southeast-2", "au.anthropic.claude-sonnet-4-6"),
    ("ap-south-1", "global.anthropic.claude-sonnet-4-6"),  # no geography profile of its own
    ("sa-east-1", "global.anthropic.claude-sonnet-4-6"),
])
def test_the_default_bedrock_model_is_the_inference_profile_of_the_regions_geography(region, model):
    assert bedrock_default_model(region) == model


@pytest.mark.parametrize("region", ["us-gov-west-1", "cn-north-1"])
def test_a_partition_without_a_known_profile_asks_for_an_explicit_model(region):
    with pytest.raises(ProviderConfigError, match=rf"no default Bedrock model for region {region}: set llm.bedrock_model"):
        bedrock_default_model(region)


@pytest.fixture
def aws_credentials(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAUNITTEST")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "unit-test-secret")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


def test_bedrock_client_retries_once_with_timeouts_max_tokens_and_the_endpoint_from_env(aws_credentials):
    limits = LlmSettings(call_timeout_s=45, connect_timeout_s=3, max_tokens=2048)
    handle = build_model("bedrock", None, {"AWS_REGION": "eu-west-3",
                                           "AWS_ENDPOINT_URL_BEDROCK_RUNTIME": "http://127.0.0.1:9"}, limits)
    model = handle.model
    assert handle.model_id == "eu.anthropic.claude-sonnet-4-6"
    assert (model.max_tokens, model.endpoint_url, model.region_name) == (2048, "http://127.0.0.1:9", "eu-west-3")
    config = model.bedrock_client.meta.config
    assert (config.connect_timeout, config.read_timeout) == (3, 45)
    assert config.retries["total_max_attempts"] == 1  # the model chain is the one place that retries
    assert model.bedrock_client.meta.endpoint_url == "http://127.0.0.1:9"


def test_an_explicit_bedrock_model_is_used_as_given(aws_credentials):
    handle = build_model("bedrock", "us.anthropic.claude-sonnet-4-6", {"AWS_REGION": "us-gov-west-1"})
    assert handle.model_id == "us.anthropic.claude-sonnet-4-6"


@pytest.mark.slow  # imports both SDKs (seconds on a busy machine); the wire tests build them too
def test_anthropic_and_openai_clients_do_not_retry_on_their_own():
    limits = LlmSettings(call_timeout_s=30, max_tokens=1024)
    anthropic = build_model("anthropic", "claude-sonnet-4-6",
                            {"ANTHROPIC_API_KEY": "sk-ant-x", "ANTHROPIC_BASE_URL": "http://127.0.0.1:9"}, limits).model
    assert (anthropic.max_retries, anthropic.max_tokens, anthropic.default_request_timeout) == (0, 1024, 30)
    assert anthropic.anthropic_api_url == "http://127.0.0.1:9"
    openai = build_model("openai", "qwen2.5", {"OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}, limits).model
    assert (openai.max_retries, openai.max_tokens, openai.request_timeout) == (0, 1024, 30)


def test_the_labs_catch_all_aws_endpoint_does_not_capture_bedrock(aws_credentials, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5000")  # the lab's moto server
    model = build_model("bedrock", None, {"AWS_REGION": "us-east-1"}).model
    assert model.bedrock_client.meta.endpoint_url == "https://bedrock-runtime.us-east-1.amazonaws.com"
    gateway = build_model("bedrock", None, {"AWS_REGION": "us-east-1",
                                            "AWS_ENDPOINT_URL_BEDROCK_RUNTIME": "http://127.0.0.1:9"}).model
    assert gateway.bedrock_client.meta.endpoint_url == "http://127.0.0.1:9"
