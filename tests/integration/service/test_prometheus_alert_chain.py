"""The whole chain with nothing stood in for: a real Prometheus scrapes the lab (oom-killed) and evaluates an
alerting rule, a real Alertmanager routes the alert to `sre-agent serve`'s webhook with its bearer token, the
service opens the incident and investigates (the Metrics agent reading the alert's rule and its PromQL from
Prometheus, `metrics.source: both`), a human approves the pinned rollback over the API, the
Deployment recovers, the rule stops firing, Alertmanager sends `resolved`, and the run ends remediated --
its verification reading the alert where it lives."""

from __future__ import annotations

import shutil

import httpx
import pytest
from serve_process import free_port, running_lab, served, until

from sre_agent.lab.prometheus_stack import LabPrometheus

pytestmark = pytest.mark.slow
TOKEN = "prometheus-chain-token"
RUN_BOUND_S = 300  # a bound on a broken test, not a timing
# A kube-prometheus style rule on kube-state-metrics' series, aggregated to the workload the alert is about.
RULE = {"alert": "KubeContainerOOMKilled",
        "expr": 'max by (namespace) (kube_pod_container_status_last_terminated_reason'
                '{reason="OOMKilled", namespace="shop", pod=~"search-.*"}) > 0',
        "labels": {"severity": "critical", "deployment": "search"},
        "annotations": {"summary": "search's containers are OOM-killed"}}


@pytest.fixture(scope="module")
def lab():
    with running_lab("oom-killed") as lab:
        yield lab


def _wait(what: str, probe):
    return until(what, probe, RUN_BOUND_S)


def test_a_prometheus_rule_through_alertmanager_ends_remediated(lab, tmp_path):
    for binary, package in (("prometheus", "prometheus"), ("prometheus-alertmanager", "prometheus-alertmanager")):
        if not shutil.which(binary):
            pytest.skip(f"no {binary}: install Debian's {package} (.ci/run does)")
    port = free_port()  # serve's, known before Alertmanager is configured to call it
    hook = f"http://127.0.0.1:{port}/v1/alarms/alertmanager"
    # The project's own stack (what `lab up --alerts alertmanager` starts), scraping and evaluating every second.
    with LabPrometheus(lab, tmp_path / "stack", rules=[RULE], alert_webhook=hook, alert_token=TOKEN,
                       scrape_interval="1s") as stack, \
            served(lab, tmp_path / "serve", TOKEN, port=port, env={
                "SRE_AGENT_ALERTMANAGER_URL": stack.alertmanager_url,
                # Prometheus as a metrics source too: the Metrics agent reads the alert in Prometheus terms.
                "SRE_AGENT_METRICS_SOURCE": "both", "SRE_AGENT_METRICS_PROMETHEUS_URL": stack.url}) as service, \
            httpx.Client(headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30) as client:
        fired = _wait("the rule fires", lambda: [a for a in httpx.get(f"{stack.url}/api/v1/alerts").json()["data"]["alerts"]
                                                 if a["state"] == "firing"])
        assert fired[0]["labels"]["alertname"] == "KubeContainerOOMKilled"
        incident = _wait("Alertmanager's webhook opens an incident",
                         lambda: next(iter(client.get(f"{service}/v1/incidents").json()["incidents"]), None))
        url = f"{service}/v1/incidents/{incident['incident_id']}"
        pending = _wait("the pinned fix waits for approval",
                        lambda: v if (v := client.get(url).json())["pending_approval"] else None)
        approval = pending["pending_approval"]
        assert approval["plan"]["tool"] == "rollout_undo" and approval["plan"]["args"]["name"] == "search"
        answered = client.post(f"{url}/approval", json={"decision": "approved", "by": "carol", "action_id":
                                                        approval["action_id"], "approval_id": approval["approval_id"]})
        assert answered.status_code == 202, answered.text
        done = _wait("the run ends", lambda: v if (v := client.get(url).json())["result"] or v["error"] else None)
        report = client.get(f"{url}/report").text
    assert done["error"] is None and done["status"] == "remediated", done
    # The PromQL behind the alert, read and quoted: its rule, and the quantity it compares over the last 30 minutes.
    # (Prometheus writes the rule back in its canonical form: matchers sorted.)
    firing = next(line for line in report.splitlines() if line.startswith("- **AlarmFiring**"))
    assert "alert KubeContainerOOMKilled is firing in Prometheus" in firing
    assert "its rule `max by (namespace) (kube_pod_container_status_last_terminated_reason{" in firing
    assert "| prometheus.promql_range |" in report.replace("`", "") and "- prometheus: checked" in report
    verification = next(line for line in report.splitlines() if line.startswith("- verification:"))
    # read where the alert lives: the `resolved` Alertmanager sent, or the alert gone from its API
    assert "Alertmanager sent `resolved` for alert KubeContainerOOMKilled" in verification \
        or "alert KubeContainerOOMKilled is no longer active in Alertmanager" in verification, verification
