"""The AWS servers take their region as the AWS CLI v2 does: --region, then AWS_REGION, then
AWS_DEFAULT_REGION, then the profile. boto3 alone ignores AWS_REGION, so a shell exporting only it
once left the CloudWatch and SSM servers saying "no AWS region configured"."""

from __future__ import annotations

import pytest

from mcp_servers.common.aws import clients_from_settings
from mcp_servers.common.settings import ServerSettings


@pytest.fixture
def no_aws_config(monkeypatch, tmp_path):
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "absent-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "absent-credentials"))
    return monkeypatch


@pytest.mark.parametrize(("flag", "env", "expected"), [
    (None, {"AWS_REGION": "eu-west-1"}, "eu-west-1"),
    (None, {"AWS_DEFAULT_REGION": "ap-southeast-2"}, "ap-southeast-2"),
    (None, {"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "ap-southeast-2"}, "eu-west-1"),
    ("ca-central-1", {"AWS_REGION": "eu-west-1"}, "ca-central-1"),
])
def test_region_comes_from_the_flag_then_aws_region_then_aws_default_region(no_aws_config, flag, env, expected):
    for name, value in env.items():
        no_aws_config.setenv(name, value)
    clients = clients_from_settings(ServerSettings(region=flag))
    assert clients.region == expected
    assert clients.client("cloudwatch").meta.region_name == expected


def test_no_region_anywhere_exits_with_what_to_set(no_aws_config):
    with pytest.raises(SystemExit) as exc:
        clients_from_settings(ServerSettings())
    assert "set AWS_REGION" in str(exc.value)
