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


def _pods(kubeconfig: str) -> set[str]:
    api = k8s.CoreV1Api(k8s_config.new_client_from_config(config_file=kubeconfig))
    return {f"{p.metadata.namespace}/{p.metadata.name}" for p in api.list_pod_for_all_namespaces().items}


def test_another_seed_is_the_same_scenario_with_other_pod_names_and_the_seed_survives_a_reset():
    names = {}
    for seed in (0, 1):
        with Lab(seed=seed) as lab:
            lab.load("bad-image")
            kubeconfig = lab.env()["KUBECONFIG"]
            names[seed] = (_deployments(kubeconfig), _pods(kubeconfig))
            if seed == 1:
                lab.reset().load("bad-image")
                assert _pods(kubeconfig) == names[1][1]  # reset draws from the same seed: the same world again
    assert names[0][0] == names[1][0]  # the same Deployments
    assert names[0][1] != names[1][1] and len(names[0][1]) == len(names[1][1])  # as many pods, other generated names


def test_a_lab_with_a_stopped_backend_is_not_reset():
    with Lab() as lab:
        lab.load("healthy-baseline")
        lab.stop_backend("aws")
        with pytest.raises(LabError, match="fresh Lab"):
            lab.reset()


def test_reset_waits_for_a_slow_tick_so_one_clock_ticks_the_next_scenario():
    """A starved machine can make one tick slower than any fixed join timeout: the ticker that was running
    must be gone before the next scenario loads, or two clocks tick its world (a flaky diagnosis under load)."""
    import threading
    import time

    with Lab() as lab:
        lab.load("healthy-baseline")
        entered, ticks = threading.Event(), []

        def slow_tick() -> None:
            ticks.append(threading.current_thread())
            entered.set()
            time.sleep(6 if len(ticks) == 1 else 0)  # the first tick outlasts the old 5 s join timeout

        lab.tick = slow_tick  # type: ignore[method-assign]
        lab.run_clock(60, interval_s=0.01)
        assert entered.wait(30), "the clock never ticked"
        first = ticks[0]
        lab.reset()
        assert not first.is_alive(), "reset() returned while the old ticker still ran"
        lab.load("bad-image")
        lab.run_clock(60, interval_s=0.01)
        assert _until_ticks(ticks, 2), "the new clock never ticked"
        tickers = {t for t in ticks[1:] if t.is_alive()}
        assert len(tickers) == 1 and first not in tickers, tickers


def _until_ticks(ticks: list, n: int, timeout_s: float = 30) -> bool:
    import time

    deadline = time.monotonic() + timeout_s
    while len(ticks) < n and time.monotonic() < deadline:
        time.sleep(0.05)
    return len(ticks) >= n
