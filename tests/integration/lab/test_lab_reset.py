"""Lab.reset: another scenario on the same endpoints. A client configured once (kubeconfig, AWS
credentials) sees only the new scenario's objects and alarms afterwards -- what lets a test module
start its MCP servers once (tests/lab_servers.py)."""

from __future__ import annotations

import pytest
from kubernetes import client as k8s
from kubernetes import config as k8s_config

from sre_agent.lab.aws.server import client
from sre_agent.lab.lab import Lab, LabError


def _deployments(kubeconfig: str) -> set[str]:
    api = k8s.AppsV1Api(k8s_config.new_client_from_config(config_file=kubeconfig))
    return {f"{d.metadata.namespace}/{d.metadata.name}" for d in api.list_deployment_for_all_namespaces().items}


def _alarms(lab: Lab) -> set[str]:
    cloudwatch = client("cloudwatch", lab.env()["AWS_ENDPOINT_URL"], lab.account)
    return {a["AlarmName"] for a in cloudwatch.describe_alarms()["MetricAlarms"]}


def test_reset_serves_the_next_scenario_on_the_same_endpoints():
    with Lab() as lab:
        first = lab.load("upstream-dependency-down")
        env = dict(lab.env())
        before_deployments, before_alarms = _deployments(env["KUBECONFIG"]), _alarms(lab)
        assert first.scenario.alarm.name in before_alarms
        with pytest.raises(LabError):
            lab.load("bad-image")  # a lab holds one scenario at a time
        second = lab.reset().load("bad-image")
        assert lab.env() == env  # same kubeconfig, endpoint and credentials
        assert _alarms(lab) == {second.scenario.alarm.name}  # the first scenario's alarm is gone
        assert _deployments(env["KUBECONFIG"]) == before_deployments  # the same world, built again from its baseline
        assert lab.alarm_state(second.scenario.alarm.name) == "ALARM"


def test_a_lab_with_a_stopped_backend_is_not_reset():
    with Lab() as lab:
        lab.load("healthy-baseline")
        lab.stop_backend("aws")
        with pytest.raises(LabError, match="fresh Lab"):
            lab.reset()
