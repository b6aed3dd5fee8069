"""A real Prometheus on a loaded lab holds the lab's history: the scenario's three hours, backfilled with promtool
from the minutes the history replay sampled, with the fault's onset where CloudWatch has it and the same counts --
so the Metrics agent can ask Prometheus when something began. A missing binary is a clear error naming the
package, from the library and from the CLI, never a traceback."""

from __future__ import annotations

import json
import shutil
import urllib.parse
import urllib.request
from datetime import datetime, timedelta

import pytest
from lab_client import clients_for, metric_series
from serve_process import until
from typer.testing import CliRunner

from sre_agent.cli import app
from sre_agent.lab.lab import Lab
from sre_agent.lab.prometheus_stack import LabPrometheus, StackError, find_binary

pytestmark = pytest.mark.skipif(shutil.which("prometheus") is None or shutil.which("promtool") is None,
                                reason="no Prometheus: install Debian's prometheus (.ci/run does)")


def query_range(url: str, query: str, start: datetime, end: datetime, step: int) -> list[tuple[float, float]]:
    params = urllib.parse.urlencode({"query": query, "start": start.timestamp(), "end": end.timestamp(), "step": step})
    with urllib.request.urlopen(f"{url}/api/v1/query_range?{params}", timeout=30) as response:
        result = json.load(response)["data"]["result"]
    return [(float(t), float(v)) for t, v in result[0]["values"]] if result else []


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    lab = Lab(prometheus_history=True).start()
    try:
        lab.load("crash-missing-env")
        with LabPrometheus(lab, tmp_path_factory.mktemp("prometheus")) as running:
            yield lab, running
    finally:
        lab.stop()


def test_prometheus_holds_the_history_with_the_onset_cloudwatch_has(stack):
    lab, prometheus = stack
    end = lab.clock.now()
    start = end - timedelta(hours=3)
    restarts = query_range(prometheus.url, 'sum(increase(kube_pod_container_status_restarts_total{namespace="payments"}[5m]))',
                           start + timedelta(minutes=5), end, 300)
    assert len(restarts) >= 30  # the whole window, not just what was scraped since the lab came up
    began = next(t for t, v in restarts if v > 0)
    cloudwatch = metric_series(clients_for(lab), "ContainerInsights", "pod_number_of_container_restarts",
                               {"ClusterName": "sre-lab", "Namespace": "payments", "PodName": "payments"}, "Sum", 300, start, end)
    cloudwatch_began = next(t for t, v in cloudwatch if v > 0).timestamp()
    assert abs(began - cloudwatch_began) <= 600  # the same onset, to the two readers' 5-minute resolution
    assert all(v == 0 for t, v in restarts if t < began)


def test_both_sources_count_the_same_requests(stack):
    lab, prometheus = stack
    end = lab.clock.now().replace(second=0, microsecond=0) - timedelta(minutes=1)
    start = end - timedelta(hours=2)
    counted = query_range(prometheus.url, 'sum(http_requests_total{namespace="shop",service="frontend"})', start, end, 3600)
    grown = counted[-1][1] - counted[0][1]
    # (start, end]: a minute's datapoint is stamped at its end, and moto's periods start at StartTime.
    published = sum(v for _, v in metric_series(clients_for(lab), "Application", "RequestCount",
                                                 {"ClusterName": "sre-lab", "Namespace": "shop", "Service": "frontend"},
                                                 "Sum", 60, start + timedelta(seconds=1), end + timedelta(seconds=1)))
    assert grown > 0 and grown == published


def test_a_missing_binary_names_the_package_to_install():
    with pytest.raises(StackError, match=r"apt-get install prometheus-alertmanager"):
        find_binary(("no-such-alertmanager",), "prometheus-alertmanager")


def test_the_cli_says_what_to_install_when_prometheus_is_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # nothing on it
    result = CliRunner().invoke(app, ["investigate", "--scenario", "bad-image", "--metrics", "prometheus",
                                      "--state-dir", str(tmp_path / "state")])
    assert result.exit_code == 2
    assert "apt-get install prometheus" in result.output and "Traceback" not in result.output


def test_the_history_and_the_live_scrape_are_one_series(stack):
    _, prometheus = stack
    query = 'count(kube_deployment_spec_replicas{namespace="payments",deployment="payments"})'

    def instant(q: str) -> list:
        params = urllib.parse.urlencode({"query": q})
        with urllib.request.urlopen(f"{prometheus.url}/api/v1/query?{params}", timeout=30) as response:
            return json.load(response)["data"]["result"]

    until("a live scrape", lambda: instant('up{job="sre-lab"}'), 60)
    assert instant(query)[0]["value"][1] == "1"  # not 2: the backfill carries the scrape's job and instance labels
