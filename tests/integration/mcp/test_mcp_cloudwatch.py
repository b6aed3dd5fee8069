"""The CloudWatch MCP server, driven through real MCP client sessions (stdio and HTTP) against the
lab's moto holding the bad-image scenario: catalog's image tag does not exist, so the storefront
(frontend) fails most requests from the fault's onset on; payments' ledger is a bystander. The
scenario's cluster ships its logs both ways real clusters do: Container Insights' Fluent Bit JSON
records in one application group, and plain lines in a group per app."""

from __future__ import annotations

import json
import os
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import boto3
import pytest
import yaml
from mcp_harness import HttpServerProcess, raw_initialize, stdio_client_for

from sre_agent.lab.lab import Lab
from sre_agent.lab.scenarios.loader import SCENARIO_DIR

MODULE = "mcp_servers.cloudwatch"
TOKEN = "cw-test-token-0123456789"
FRONTEND = {"ClusterName": "sre-lab", "Namespace": "shop", "Service": "frontend"}
LEDGER = {"ClusterName": "sre-lab", "Namespace": "payments", "Service": "ledger"}
FRONTEND_LOGS = "/aws/containerinsights/sre-lab/application"
FRONTEND_PODS = {"namespace": "shop", "pod_prefix": "frontend"}
FRONTEND_APP_GROUP = "/sre-lab/shop/frontend"  # the per-app plain-text layout


def _parse(ts: str) -> datetime:
    return datetime.fromisoformat(ts.replace("Z", "+00:00"))


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The lab, a stdio session and an HTTP server. Both servers start (an interpreter each) while
    the lab replays its three hours of history: they need only its endpoint until the first call."""
    scenarios = tmp_path_factory.mktemp("scenarios")
    body = yaml.safe_load((SCENARIO_DIR / "bad-image.yaml").read_text())
    body["cluster"]["log_shipping"] = ["container_insights", "per_app"]
    (scenarios / "bad-image.yaml").write_text(yaml.safe_dump(body))
    lab = Lab(scenario_dirs=[scenarios]).start()
    env = lab.env()
    with ThreadPoolExecutor(2) as pool:
        stdio = pool.submit(stdio_client_for, MODULE, [], env)
        # A small result cap so truncation is easy to provoke.
        http = pool.submit(HttpServerProcess, MODULE, ["--token", TOKEN], {**env, "SRE_MCP_MAX_RESULT_CHARS": "4000"})
        lab.load("bad-image")
        _seed_traces(env)
        session, server = stdio.result(), http.result()
    yield lab, session, server
    session.close()
    server.stop()
    lab.stop()


@pytest.fixture(scope="module")
def lab(world):
    return world[0]


@pytest.fixture(scope="module")
def mcp(world):
    return world[1]


@pytest.fixture(scope="module")
def http_server(world):
    return world[2]


@pytest.fixture(scope="module")
def onset(lab) -> datetime:
    """When the fault was injected (the scenario's timeline; the server never sees this)."""
    minutes_ago = lab.scenario.scenario.fault.timeline[0].minutes_ago
    return lab.clock.now() - timedelta(minutes=minutes_ago)


def _seed_traces(env: dict[str, str]) -> None:
    """X-Ray segments: 20 frontend requests (4 faults, 2 errors, 1 throttle, one slow) and 5 ledger ones."""
    xray = boto3.client("xray", endpoint_url=env["AWS_ENDPOINT_URL"], region_name=env["AWS_REGION"],
                        aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])
    now = time.time()
    docs = []
    for i in range(25):
        service = "frontend" if i < 20 else "ledger"
        start = now - 600 + i * 10
        duration = 9.0 if i == 7 else 0.2 + (i % 3) * 0.1
        segment = {"name": service, "id": f"{i + 1:016x}", "trace_id": f"1-{int(start):08x}-{i + 1:024x}",
                   "start_time": start, "end_time": start + duration,
                   "http": {"request": {"method": "GET", "url": f"http://{service}/"}, "response": {"status": 200}}}
        if service == "frontend" and i % 5 == 0:
            segment["fault"] = True
        elif service == "frontend" and i in (3, 9):
            segment["error"] = True
        elif service == "frontend" and i == 11:
            segment["throttle"] = True
        docs.append(json.dumps(segment))
    xray.put_trace_segments(TraceSegmentDocuments=docs)


@pytest.fixture(scope="module")
def http(http_server):
    session = http_server.client(TOKEN)
    yield session
    session.close()


def call_ok(session, tool: str, args: dict) -> dict:
    result = session.call(tool, args)
    assert not result.is_error, result.text
    return result.json()


def call_error(session, tool: str, args: dict) -> str:
    result = session.call(tool, args)
    assert result.is_error, f"{tool} {args} should fail: {result.text[:300]}"
    return result.text


# --- tools over stdio ---------------------------------------------------------------------------
def test_lists_every_tool(mcp):
    names = {tool.name for tool in mcp.list_tools()}
    assert names == {"list_metrics", "get_metric_data", "describe_alarms", "alarm_history", "detect_anomalies",
                     "describe_log_groups", "filter_log_events", "logs_insights_query", "log_patterns", "trace_summaries"}


def test_alarm_in_alarm_is_listed_with_its_metric(mcp):
    data = call_ok(mcp, "describe_alarms", {"state": "ALARM"})
    alarm = next(a for a in data["alarms"] if a["name"] == "shop-frontend-5xx")
    assert alarm["state"] == "ALARM" and "Threshold Crossed" in alarm["reason"]
    assert alarm["metric"] == {"namespace": "Application", "name": "5xxCount", "statistic": "Sum", "period": 60}
    assert alarm["dimensions"] == FRONTEND and alarm["threshold"] == 50.0
    assert call_ok(mcp, "describe_alarms", {"state": "OK", "name_prefix": "shop-frontend"})["alarms"] == []
    assert [a["name"] for a in call_ok(mcp, "describe_alarms", {"alarm_names": ["shop-frontend-5xx"]})["alarms"]] == \
        ["shop-frontend-5xx"]


def test_alarm_history_shows_the_transition_to_alarm(mcp):
    data = call_ok(mcp, "alarm_history", {"name": "shop-frontend-5xx", "start": "-4h"})
    assert "note" not in data  # the lab serves DescribeAlarmHistory: real history, no fallback
    assert (data["items"][0]["old_state"], data["items"][0]["new_state"]) == ("OK", "ALARM")
    assert data["items"][0]["summary"] == "Alarm updated from OK to ALARM"
    assert data["items"][-1]["new_state"] == "OK"  # oldest: the first evaluation after creation
    every = call_ok(mcp, "alarm_history", {"name": "shop-frontend-5xx", "start": "-4h", "history_type": "all"})
    assert {i["type"] for i in every["items"]} == {"StateUpdate", "Action", "ConfigurationUpdate"}
    assert "no alarm named" in call_error(mcp, "alarm_history", {"name": "no-such-alarm"})


def test_list_metrics_dedupes_and_filters_by_dimension(mcp):
    data = call_ok(mcp, "list_metrics", {"namespace": "Application", "metric_name": "5xxCount",
                                         "dimensions": {"Namespace": "shop", "Service": "*"}})
    services = sorted(m["dimensions"]["Service"] for m in data["metrics"])
    assert "frontend" in services and "ledger" not in services
    assert len(services) == len(set(services)), "one row per series, not per datapoint"


def test_metric_data_shows_the_onset(mcp, onset):
    data = call_ok(mcp, "get_metric_data", {"namespace": "Application", "metric_name": "5xxCount", "dimensions": FRONTEND,
                                            "start": "-3h", "statistics": ["Sum", "Maximum"]})
    series = data["series"]["Sum"]
    stamps = [_parse(t) for t in series["timestamps"]]
    assert stamps == sorted(stamps) and len(stamps) >= 150
    assert all(t.second == 0 for t in stamps), "datapoints sit on period boundaries"
    first_breach = next(t for t, v in zip(stamps, series["values"]) if v > 50)
    assert abs((first_breach - onset).total_seconds()) <= 5 * 60
    before = [v for t, v in zip(stamps, series["values"]) if t < onset - timedelta(minutes=2)]
    assert max(before) < 50 < series["summary"]["last"]
    assert set(data["series"]) == {"Sum", "Maximum"}


def test_detect_anomalies_finds_the_onset_and_a_bystander_stays_quiet(mcp, onset):
    report = call_ok(mcp, "detect_anomalies", {"namespace": "Application", "metric_name": "5xxCount",
                                               "dimensions": FRONTEND, "statistic": "Sum", "start": "-3h"})
    assert report["method"] and report["baseline"]
    # Sparse whole-number counts may raise a one-point interval anywhere (see the bystander below); the fault
    # is the first sustained one.
    sustained = [i for i in report["intervals"] if i["points"] > 1]
    assert sustained, report
    first = min(sustained, key=lambda i: i["start"])
    assert abs((_parse(first["start"]) - onset).total_seconds()) <= 5 * 60, report
    assert first["direction"] == "up" and first["peak_score"] > 0
    quiet = call_ok(mcp, "detect_anomalies", {"namespace": "Application", "metric_name": "5xxCount",
                                              "dimensions": LEDGER, "statistic": "Sum", "start": "-3h"})
    # The ledger's 5xx series is sparse counts; the detector documents that such series raise an
    # occasional one-point interval (anomaly_intervals.py) -- about one in three hours here, landing anywhere,
    # the fault's onset included now and then (a 10-minute window in 180: ~5% of runs). A bystander must show
    # nothing sustained, and no more than that noise.
    assert all(i["points"] == 1 for i in quiet["intervals"]), quiet
    assert len(quiet["intervals"]) <= 3, quiet


def test_log_patterns_flag_the_faults_error_template(mcp, onset):
    minutes = int((datetime.now(UTC) - onset).total_seconds() // 60) + 1
    report = call_ok(mcp, "log_patterns", {"log_groups": [FRONTEND_LOGS], "start": f"-{minutes}m", "max_templates": 10,
                                           **FRONTEND_PODS})
    top = report["templates"][0]
    assert top["severity"] == "error" and top["change"] in ("new", "surged")
    assert "catalog" in " ".join(top["samples"])
    assert report["baseline"]["lines"] > 0 and report["window"]["lines"] > 0
    steady = [t for t in report["templates"] if t["severity"] == "info"]
    assert steady and all(t["change"] != "new" for t in steady), "healthy chatter is not new"


def test_log_patterns_read_the_plain_per_app_group_the_same_way(mcp, onset):
    minutes = int((datetime.now(UTC) - onset).total_seconds() // 60) + 1
    report = call_ok(mcp, "log_patterns", {"log_groups": [FRONTEND_APP_GROUP], "start": f"-{minutes}m", "max_templates": 10})
    top = report["templates"][0]
    assert top["severity"] == "error" and top["change"] in ("new", "surged")
    assert "catalog" in " ".join(top["samples"])


def test_the_miner_mines_the_log_field_not_the_json_envelope(mcp):
    report = call_ok(mcp, "log_patterns", {"log_groups": [FRONTEND_LOGS], "start": "-20m", **FRONTEND_PODS})
    texts = [t["template"] for t in report["templates"]] + [s for t in report["templates"] for s in t["samples"]]
    assert texts and not any("kubernetes" in text or "namespace_name" in text or text.startswith("{") for text in texts)


def test_filter_log_events_with_a_pattern(mcp):
    data = call_ok(mcp, "filter_log_events", {"log_group": FRONTEND_LOGS, "pattern": "ERROR", "start": "-20m", "limit": 5,
                                              **FRONTEND_PODS})
    assert data["count"] == 5 and data["more"] is True
    now = datetime.now(UTC)
    for event in data["events"]:
        assert "ERROR" in event["message"] and not event["message"].startswith("{")
        assert event["pod"].startswith("frontend-") and event["namespace"] == "shop" and event["container"] == "frontend"
        assert "_shop_frontend-" in event["stream"]
        assert now - timedelta(minutes=21) <= _parse(event["time"]) <= now
    groups = {g["name"] for g in call_ok(mcp, "describe_log_groups", {"prefix": "/aws/containerinsights/"})["log_groups"]}
    assert groups == {FRONTEND_LOGS}


def test_a_workloads_lines_in_the_shared_group_are_only_its_own(mcp):
    """catalog's pods cannot start; frontend and its neighbours write: the selector keeps one workload's."""
    frontend = call_ok(mcp, "filter_log_events", {"log_group": FRONTEND_LOGS, "start": "-30m", "limit": 200, **FRONTEND_PODS})
    everyone = call_ok(mcp, "filter_log_events", {"log_group": FRONTEND_LOGS, "start": "-30m", "limit": 200})
    assert frontend["count"] > 0 and {e["pod"].rsplit("-", 2)[0] for e in frontend["events"]} == {"frontend"}
    assert any(e["pod"].rsplit("-", 2)[0] != "frontend" for e in everyone["events"]), "the group is shared"
    nobody = call_ok(mcp, "filter_log_events", {"log_group": FRONTEND_LOGS, "start": "-30m", "namespace": "shop",
                                                "pod_prefix": "front"})
    assert nobody["count"] == 0, "a prefix that is not the workload's whole name matches no pod"


def test_filter_log_events_reads_the_plain_per_app_group(mcp):
    data = call_ok(mcp, "filter_log_events", {"log_group": FRONTEND_APP_GROUP, "pattern": "ERROR", "start": "-20m",
                                              "limit": 5})
    assert data["count"] == 5
    for event in data["events"]:
        assert "ERROR" in event["message"] and event["stream"].endswith("/frontend") and "pod" not in event


def test_node_metrics_carry_instance_id_and_are_found_by_node_name(mcp):
    nodes = call_ok(mcp, "list_metrics", {"namespace": "ContainerInsights", "metric_name": "node_cpu_utilization"})
    per_node = [m["dimensions"] for m in nodes["metrics"] if "NodeName" in m["dimensions"]]
    assert per_node and all(set(d) == {"ClusterName", "InstanceId", "NodeName"} and d["InstanceId"].startswith("i-")
                            for d in per_node)
    assert {"ClusterName": "sre-lab"} in [m["dimensions"] for m in nodes["metrics"]]
    node = per_node[0]["NodeName"]
    found = call_ok(mcp, "list_metrics", {"namespace": "ContainerInsights", "dimensions": {"NodeName": node}})
    assert {"node_cpu_utilization", "node_memory_utilization"} <= {m["metric"] for m in found["metrics"]}
    data = call_ok(mcp, "get_metric_data", {"namespace": "ContainerInsights", "metric_name": "node_memory_utilization",
                                            "dimensions": per_node[0], "start": "-30m"})
    assert data["series"]["Average"]["values"]


def test_a_workloads_container_insights_metrics_by_the_real_dimensions(mcp):
    found = call_ok(mcp, "list_metrics", {"namespace": "ContainerInsights", "dimensions": {"Namespace": "shop",
                                                                                           "PodName": "frontend"}})
    assert {"pod_cpu_utilization", "pod_memory_utilization", "pod_number_of_container_restarts"} <= \
        {m["metric"] for m in found["metrics"]}
    assert all(set(m["dimensions"]) == {"ClusterName", "Namespace", "PodName"} for m in found["metrics"])


def test_logs_insights_query_returns_rows(mcp):
    # moto's Insights engine is partial (its `filter` is unreliable), so this checks the plumbing:
    # the query runs to Complete and rows come back as field -> value, without @ptr, within limit.
    data = call_ok(mcp, "logs_insights_query", {"log_groups": [FRONTEND_LOGS], "start": "-30m",
                                                "query": "fields @timestamp, @message | sort @timestamp desc | limit 5"})
    assert data["status"] == "Complete" and 0 < data["count"] <= 5
    assert all(set(row) == {"@timestamp", "@message"} for row in data["rows"])


def test_logs_insights_query_that_never_finishes_is_stopped():
    """In-process, with a fake Logs client whose query stays Running: the tool gives up at
    timeout_s, stops the query (so it does not keep scanning), and says what to do."""
    import asyncio

    from mcp.server.fastmcp.exceptions import ToolError

    from mcp_servers.cloudwatch.server import build_server

    class Logs:
        stopped: list[str] = []

        def start_query(self, **kwargs):
            return {"queryId": "q-1"}

        def get_query_results(self, queryId):
            return {"status": "Running", "results": []}

        def stop_query(self, queryId):
            self.stopped.append(queryId)
            return {"success": True}

    class Clients:
        def client(self, service):
            return Logs() if service == "logs" else object()

    server = build_server(Clients(), call_timeout=5)
    started = time.monotonic()
    with pytest.raises(ToolError, match="still Running after 1s and was stopped; narrow"):
        asyncio.run(server.call_tool("logs_insights_query", {"log_groups": ["/g"], "query": "fields @message",
                                                             "timeout_s": 1}))
    assert 0.9 < time.monotonic() - started < 4
    assert Logs.stopped == ["q-1"]


def test_trace_summaries_count_faults_of_one_service(mcp):
    data = call_ok(mcp, "trace_summaries", {"service": "frontend", "start": "-30m", "slowest": 3})
    assert (data["traces"], data["faults"], data["errors"], data["throttles"]) == (20, 4, 2, 1)
    assert len(data["slowest"]) == 3 and data["slowest"][0]["duration_s"] >= 9
    assert call_ok(mcp, "trace_summaries", {"service": "ledger", "start": "-30m"})["traces"] == 5
    assert "characters" in call_error(mcp, "trace_summaries", {"service": 'x") OR service("y'})


# --- validation -------------------------------------------------------------------------------
@pytest.mark.parametrize(("tool", "args", "says"), [
    ("filter_log_events", {"log_group": FRONTEND_LOGS, "limit": -1}, "greater than or equal to 1"),
    ("filter_log_events", {"log_group": FRONTEND_LOGS, "start": "+1h"}, "future"),
    ("get_metric_data", {"namespace": "Application", "metric_name": "5xxCount", "start": "-1h", "end": "-2h"}, "not before"),
    ("get_metric_data", {"namespace": "Application", "metric_name": "5xxCount", "end": "2999-01-01T00:00:00Z"}, "future"),
    ("get_metric_data", {"namespace": "Application", "metric_name": "5xxCount", "start": "yesterday"}, "not a time"),
    ("get_metric_data", {"namespace": "Application", "metric_name": "5xxCount", "period": 45}, "multiple of 60"),
    ("get_metric_data", {"namespace": "Application", "metric_name": "5xxCount", "start": "-7d", "period": 60}, "period="),
    ("get_metric_data", {"namespace": "Application", "metric_name": "5xxCount", "statistics": ["Median"]}, "unknown statistic"),
    ("get_metric_data", {"namespace": "Application", "metric_name": "5xxCount", "stats": ["Sum"]}, "stats"),
    ("describe_alarms", {"max_results": "lots"}, "valid integer"),
    ("log_patterns", {"log_groups": [FRONTEND_LOGS], "baseline_start": "-10m", "baseline_end": "-5m", "start": "-20m"}, "baseline"),
])
def test_bad_arguments_are_clear_tool_errors(mcp, tool, args, says):
    assert says in call_error(mcp, tool, args)


def test_a_day_at_one_minute_fits_the_datapoint_limit(mcp):
    data = call_ok(mcp, "get_metric_data", {"namespace": "Application", "metric_name": "5xxCount", "dimensions": FRONTEND,
                                            "start": "-1d", "period": 60, "statistics": ["Sum"]})
    window = data["window"]
    assert (_parse(window["end"]) - _parse(window["start"])) <= timedelta(minutes=1440)
    assert data["series"]["Sum"]["values"]


def test_runbook_argument_spellings_are_accepted(mcp):
    # The runbook library writes stat / period_s / log_group; they mean the documented arguments.
    data = call_ok(mcp, "get_metric_data", {"namespace": "Application", "metric_name": "5xxCount", "dimensions": FRONTEND,
                                            "stat": "Maximum", "period_s": 300, "start": "-1h"})
    assert data["period"] == 300 and list(data["series"]) == ["Maximum"]
    assert call_ok(mcp, "log_patterns", {"log_group": FRONTEND_APP_GROUP, "start": "-10m"})["log_groups"] == [FRONTEND_APP_GROUP]


# --- HTTP ---------------------------------------------------------------------------------------
def test_http_with_token_answers_like_stdio(http):
    alarms = call_ok(http, "describe_alarms", {"state": "ALARM"})["alarms"]
    assert [a["name"] for a in alarms] == ["shop-frontend-5xx"]


def test_big_result_is_truncated_with_a_notice(http):
    text = http.call("filter_log_events", {"log_group": FRONTEND_LOGS, "start": "-3h", "limit": 2000}).text
    data = json.loads(text)  # still valid JSON
    assert len(text) <= 4000
    notice = data["truncated"]
    assert notice["field"] == "events" and notice["omitted"] > 0 and notice["kept"] == len(data["events"])
    assert "narrow" in notice["hint"]


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong-token"}])
def test_http_without_the_token_is_refused(http_server, headers):
    assert raw_initialize(http_server.url, headers).status_code == 401


@pytest.mark.parametrize("extra", [[], ["--insecure-localhost"]])
def test_http_on_a_public_address_without_a_token_refuses_to_start(monkeypatch, capsys, extra):
    """main() itself, in-process (an interpreter start costs seconds): it must exit before serving."""
    from mcp_servers.cloudwatch import server
    from mcp_servers.common import serve

    monkeypatch.delenv("SRE_MCP_TOKEN", raising=False)
    monkeypatch.setattr(serve, "run", lambda *a: pytest.fail("the server started without a token on 0.0.0.0"))
    with pytest.raises(SystemExit) as exited:
        server.main(["--http", "--host", "0.0.0.0", "--port", "0", "--region", "us-east-1", *extra])
    assert exited.value.code == 2
    assert "refusing to serve HTTP without" in capsys.readouterr().err


# --- backend failures ---------------------------------------------------------------------------
def test_unreachable_backend_is_a_fast_clear_error():
    """The server built from its own command line (in-process, to skip an interpreter start),
    pointed at a port nothing listens on: a clear tool error within seconds, not a hang."""
    import asyncio

    from mcp.server.fastmcp.exceptions import ToolError

    from mcp_servers.cloudwatch.server import build_from_settings
    from mcp_servers.common.serve import server_parser
    from mcp_servers.common.settings import settings_from_args

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    args = server_parser("cloudwatch", "").parse_args(["--endpoint-url", f"http://127.0.0.1:{closed_port}",
                                                       "--region", "us-east-1"])
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")  # botocore signs before it connects
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    server = build_from_settings(settings_from_args(args))
    for tool, tool_args in [("describe_alarms", {}), ("filter_log_events", {"log_group": "/g"})]:
        started = time.monotonic()
        with pytest.raises(ToolError) as caught:
            asyncio.run(server.call_tool(tool, tool_args))
        assert time.monotonic() - started < 10
        text = str(caught.value)
        assert "unreachable" in text and tool in text and "AWS_ENDPOINT_URL" in text and "Traceback" not in text


# --- time windows (pure) ----------------------------------------------------------------------------
NOW = datetime(2026, 1, 31, 12, 0, 30, tzinfo=UTC)


@pytest.mark.parametrize(("text", "expected"), [
    ("now", NOW),
    ("-3h", NOW - timedelta(hours=3)),
    ("now-90m", NOW - timedelta(minutes=90)),
    ("-1.5d", NOW - timedelta(hours=36)),
    ("2026-01-31T10:00:00Z", datetime(2026, 1, 31, 10, tzinfo=UTC)),
    ("2026-01-31T11:00:00+01:00", datetime(2026, 1, 31, 10, tzinfo=UTC)),
    ("2026-01-31 10:00:00", datetime(2026, 1, 31, 10, tzinfo=UTC)),  # no zone: UTC, as CloudWatch shows times
    ("1769853600", datetime(2026, 1, 31, 10, tzinfo=UTC)),  # epoch seconds
    ("1769853600000", datetime(2026, 1, 31, 10, tzinfo=UTC)),  # epoch milliseconds, as Logs writes them
])
def test_times_parse_in_every_accepted_form(text, expected):
    from mcp_servers.cloudwatch.timewindow import parse_time

    assert parse_time(text, NOW) == expected


def test_windows_tolerate_clock_skew_but_not_the_future():
    from mcp_servers.cloudwatch.timewindow import TimeWindowError, resolve_window

    skewed = resolve_window("-1h", "+1m", NOW)
    assert skewed.end == NOW and skewed.before().end == skewed.start
    with pytest.raises(TimeWindowError, match="ends in the future"):
        resolve_window("-1h", "+10m", NOW)
    with pytest.raises(TimeWindowError, match="limit is 1d"):
        resolve_window("-2d", "now", NOW, max_span=timedelta(days=1))
