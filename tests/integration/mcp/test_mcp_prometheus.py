"""The Prometheus MCP server over stdio, as any MCP client meets it, against a real Prometheus (Debian's) that
scrapes itself every second and evaluates one alerting and one recording rule: typed, bounded PromQL results,
the alert and its expression, anomaly intervals in the CloudWatch tools' shape, and clear errors."""

from __future__ import annotations

import time

import pytest
from mcp_harness import stdio_client_for
from prometheus_process import prometheus

pytestmark = pytest.mark.slow
RULES = [{"alert": "AlwaysFiring", "expr": "vector(1) > 0", "labels": {"severity": "critical"},
          "annotations": {"summary": "it always fires"}},
         {"record": "job:up:sum", "expr": "sum by (job) (up)"}]


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    with prometheus(tmp_path_factory.mktemp("prom"), RULES) as url:
        time.sleep(3)  # a few scrapes and rule evaluations to read back
        mcp = stdio_client_for("mcp_servers.prometheus", ["--prometheus-url", url], {})
        yield mcp
        mcp.close()


def test_every_tool_is_read_only_and_typed(client):
    tools = {t.name: t for t in client.list_tools()}
    assert set(tools) == {"promql_query", "promql_range", "promql_series", "promql_label_values", "prometheus_alerts",
                          "prometheus_rules", "promql_anomalies"}
    assert all(t.annotations.readOnlyHint and not t.annotations.destructiveHint and t.outputSchema for t in tools.values())


def test_an_instant_query_and_a_range(client):
    now = client.call("promql_query", {"query": 'up{job="targets"}'}).json()
    assert now["result_type"] == "vector" and now["count"] == 1 and now["samples"][0]["value"] == 1.0
    assert now["samples"][0]["labels"]["job"] == "targets"
    span = client.call("promql_range", {"query": "job:up:sum", "start": "-2m", "step": 5}).json()
    [series] = span["series"]
    assert series["labels"] == {"__name__": "job:up:sum", "job": "targets"} and series["summary"]["last"] == 1.0
    assert len(series["timestamps"]) == len(series["values"])


def test_discovery_lists_names_and_series(client):
    names = client.call("promql_label_values", {"label": "__name__"}).json()
    assert names["values"][:2] == ["ALERTS", "ALERTS_FOR_STATE"] and len(names["values"]) == 200 and names["more"]
    jobs = client.call("promql_label_values", {"label": "job", "match": "up"}).json()
    assert jobs["values"] == ["targets"] and not jobs["more"]
    found = client.call("promql_series", {"match": 'up{job="targets"}'}).json()
    assert found["series"][0]["__name__"] == "up"


def test_the_alert_and_the_promql_behind_it(client):
    deadline = time.monotonic() + 30  # firing after its first evaluations
    alerts: dict = {}
    while time.monotonic() < deadline:
        alerts = client.call("prometheus_alerts").json()
        if alerts["count"]:
            break
        time.sleep(0.5)
    [alert] = alerts["alerts"]
    assert (alert["name"], alert["state"], alert["labels"]["severity"]) == ("AlwaysFiring", "firing", "critical")
    rules = client.call("prometheus_rules").json()
    assert [(r["name"], r["expr"], r["kind"]) for r in rules["rules"]] == [("AlwaysFiring", "vector(1) > 0", "alerting")]


def test_anomalies_come_in_the_cloudwatch_tools_shape(client):
    scan = client.call("promql_anomalies", {"query": "job:up:sum", "start": "-2m", "step": 5}).json()
    assert scan["series_scanned"] == 1 and scan["method"]
    assert {"labels", "points", "anomalous", "intervals", "baseline"} <= set(scan["series"][0])


@pytest.mark.parametrize(("tool", "args", "message"), [
    ("promql_query", {"query": "sum(("}, "Prometheus refused it (bad_data)"),
    ("promql_range", {"query": "up", "start": "-7d", "step": 5}, "points per series is more than 1440"),
    ("promql_range", {"query": "up", "start": "-8d", "step": 3600}, "window"),
])
def test_bad_queries_and_careless_windows_are_refused_with_a_reason(client, tool, args, message):
    result = client.call(tool, args)
    assert result.is_error and message in result.text, result.text


def test_an_unreachable_prometheus_is_a_clear_error(tmp_path):
    mcp = stdio_client_for("mcp_servers.prometheus", ["--prometheus-url", "http://127.0.0.1:9"], {})
    try:
        result = mcp.call("promql_query", {"query": "up"})
    finally:
        mcp.close()
    assert result.is_error and "could not be reached" in result.text


def test_amazon_managed_prometheus_requests_are_sigv4_signed_for_aps(monkeypatch):
    """The workspace API is Prometheus' own; each request is signed by botocore's SigV4 signer for `aps`."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from mcp_servers.prometheus.client import PrometheusClient

    seen: list[dict] = []

    class Workspace(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 -- http.server's name
            seen.append({"path": self.path, **{k.lower(): v for k, v in self.headers.items()}})
            body = json.dumps({"status": "success", "data": {"resultType": "vector", "result": []}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAAMPTEST")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "amp-secret")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Workspace)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/workspaces/ws-1234"
        data = PrometheusClient(url, sigv4_region="eu-west-1").get("query", [("query", "up")])
    finally:
        server.shutdown()
    assert data == {"resultType": "vector", "result": []}
    [request] = seen
    assert request["path"].startswith("/workspaces/ws-1234/api/v1/query?query=up")
    scope = request["authorization"].split("Credential=")[1].split(",")[0].split("/")
    assert (scope[0], scope[2], scope[3]) == ("AKIAAMPTEST", "eu-west-1", "aps")
    assert request["x-amz-date"]
