"""A lab alarm becomes the Prometheus alerting rule an SRE would write over the same scrape: its name, its
metric's PromQL over the exporters' names with the alarm's dimensions, threshold and comparison, `for` = its
breaching periods, and labels Alertmanager's webhook carries to the incident. A metric with no counterpart gets no
rule (never a guessed one). Every rule is checked by Prometheus' own promtool when it is installed."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import yaml

from sre_agent.lab.aws.feed import AlarmSpec
from sre_agent.lab.prometheus.alarm_rules import _templates, alert_rule

ERRORS = AlarmSpec(name="shop-search-5xx", description="search answers 5xx", metric_namespace="Application",
                   metric_name="5xxCount", dimensions=(("Namespace", "shop"), ("Service", "search")), period=60,
                   evaluation_periods=3, threshold=60)


def test_a_5xx_alarm_is_a_rule_on_http_requests_total():
    rule = alert_rule(ERRORS)
    assert rule["alert"] == "shop-search-5xx" and rule["for"] == "120s"
    assert rule["expr"] == ('60 * sum(rate(http_requests_total{namespace="shop",service="search",code=~"5.."}[180s])) '
                            "> 60")
    assert rule["labels"] == {"severity": "critical", "namespace": "shop", "service": "search"}


@pytest.mark.parametrize("comparison, op", [("LessThanThreshold", "<"), ("GreaterThanOrEqualToThreshold", ">=")])
def test_the_comparison_and_the_breaching_periods_carry_over(comparison, op):
    spec = AlarmSpec(name="a", description="", metric_namespace="ContainerInsights",
                     metric_name="pod_number_of_running_containers",
                     dimensions=(("ClusterName", "c"), ("Namespace", "shop"), ("PodName", "web")), period=300,
                     evaluation_periods=5, datapoints_to_alarm=2, threshold=1, comparison=comparison)
    rule = alert_rule(spec)
    assert rule["expr"].endswith(f" {op} 1") and rule["for"] == "300s"
    assert rule["labels"]["workload"] == "web" and "ClusterName" not in str(rule["labels"])


def test_a_metric_without_a_counterpart_gets_no_rule():
    assert alert_rule(AlarmSpec(name="x", description="", metric_namespace="ContainerInsights",
                                metric_name="node_disk_io_time", dimensions=())) is None


@pytest.mark.skipif(shutil.which("promtool") is None, reason="no promtool: install Debian's prometheus")
def test_every_rule_the_table_can_write_is_valid_promql(tmp_path):
    rules = []
    for namespace, metrics in _templates().items():
        for metric in metrics:
            spec = AlarmSpec(name=f"{namespace}-{metric}".replace("/", "-"), description="d", metric_namespace=namespace,
                             metric_name=metric, dimensions=(("Namespace", "shop"), ("PodName", "web"),
                                                             ("Service", "web")))
            rules.append(alert_rule(spec))
    path = tmp_path / "rules.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "lab", "rules": rules}]}))
    checked = subprocess.run(["promtool", "check", "rules", str(path)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
