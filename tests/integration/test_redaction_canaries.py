"""Secrets never leave a server unless asked: the canary world (tests/integration/canary/) holds a
distinct secret -- every one containing `cnry` -- in each place a secret hides (env values, args,
ConfigMap files, annotations, labels, events, log lines, SSM String parameters, URL user-info,
connection strings, AWS keys, bearer tokens, JWTs, PEM keys, GitHub/Slack tokens). Every read tool
of the three servers, called over MCP stdio, returns none of them; a full investigation over that
world leaves none in its report, JSON result, checkpoints or audit log; and with
--allow-sensitive-data-access they do come back (so these tests can see them when they are there)."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import boto3
import pytest
from mcp_harness import SyncMcpClient, stdio_client_for

from sre_agent.app.intake import incident_for_trigger
from sre_agent.app.options import RunOptions
from sre_agent.app.runs import run_investigation
from sre_agent.lab.lab import Lab
from sre_agent.lab.trigger import lab_namespaces, scenario_trigger

CANARY_DIR = Path(__file__).parent / "canary"
SCENARIO = "canary-secrets"
# Every canary contains "cnry" (any case: AKIACNRY...); the shop world's own Secret values too.
CANARY = re.compile(r"(?i)cnry|sk_live_51HxAcmeShopDoNotLeak|s3cr3t-pw|l3dg3r-pw")
SSM_PARAMETERS = {  # the lab seeds no parameters: String parameters salted here, plus one benign
    "/canary/payments/db_password": "cnry-ssm-pw-1Qq2",
    "/canary/payments/provider_url": "https://cnryssmuser:cnry-ssm-url-pw-2Ww3@provider.example.com/v1",
    "/canary/payments/provider_config": '{"endpoint": "https://provider.example.com", "token": "cnry-ssm-json-tok-3Ee4"}',
    "/canary/feature/new-checkout": "enabled",
}
SERVERS = ("kubernetes", "cloudwatch", "ssm")


def _ssm(lab: Lab):
    env = lab.env()
    return boto3.client("ssm", endpoint_url=env["AWS_ENDPOINT_URL"], region_name=env["AWS_REGION"],
                        aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])


def _start_lab(*, clock_runs: bool = True) -> Lab:
    lab = Lab(scenario_dirs=[CANARY_DIR], history_minutes=40).start()
    lab.load(SCENARIO)
    if clock_runs:
        lab.run_clock(120)
    ssm = _ssm(lab)
    for name, value in SSM_PARAMETERS.items():
        ssm.put_parameter(Name=name, Value=value, Type="String", Overwrite=True)
    return lab


@pytest.fixture(scope="module")
def lab():
    """The world as the fault left it, its clock stopped: the read tools meet the same pods however long the
    servers take to start. (A clock running at 120x moved the rollout on within a minute or two of real time
    on a busy machine -- a crash-looping pod counted available for a tick let it replace the last healthy
    pod -- so a pod picked a moment earlier was gone, or new with no previous instance, and pod_logs failed.)"""
    lab = _start_lab(clock_runs=False)
    yield lab
    lab.stop()


def _clients(lab: Lab, args: list[str]) -> dict[str, SyncMcpClient]:
    return {server: stdio_client_for(f"mcp_servers.{server}", args, lab.env()) for server in SERVERS}


@pytest.fixture(scope="module")
def servers(lab):
    clients = _clients(lab, [])
    yield clients
    for client in clients.values():
        client.close()


def _pods(k8s: SyncMcpClient) -> tuple[str, str]:
    """(a crash-looping payments pod that has a previous instance, a running one that never restarted)."""
    pods = k8s.call("get_resources", {"kind": "pods", "namespace": "payments", "label_selector": "app=payments"}).json()
    crashing = [p["name"] for p in pods["items"] if p["restarts"] > 0]
    running = [p["name"] for p in pods["items"] if p["status"] == "Running" and p["restarts"] == 0]
    assert crashing and running, f"expected a restarting and a running payments pod: {pods['items']}"
    return crashing[0], running[0]


def _command_id(lab: Lab) -> str:
    """A Run Command that exists, so command_status answers it (a made-up id would only prove an error is clean)."""
    command = _ssm(lab).send_command(InstanceIds=["i-0canary0000000001"], DocumentName="AWS-RunShellScript",
                                     Parameters={"commands": ["uptime"]})
    return command["Command"]["CommandId"]


def _read_calls(clients: dict[str, SyncMcpClient], command_id: str) -> dict[str, list[dict[str, Any]]]:
    """Every read tool of the three servers, with arguments that reach the canaries."""
    crashing, running = _pods(clients["kubernetes"])
    groups = [g["name"] for g in clients["cloudwatch"].call("describe_log_groups", {}).json()["log_groups"]]
    payments_groups = [g for g in groups if "payments" in g] or groups[:1]
    # Container Insights' shared group holds every container: the payments pods' records are picked by their metadata.
    payments_pods = {"namespace": "payments", "pod_prefix": "payments"}
    deploy = {"namespace": "payments", "name": "payments"}
    return {
        "get_resources": [{"kind": k, "namespace": "payments"} for k in ("pods", "Deployment", "ConfigMap", "Secret", "Event")],
        "describe": [{"kind": "Deployment", **deploy}, {"kind": "ConfigMap", "namespace": "payments", "name": "payments-config"},
                     {"kind": "Pod", "namespace": "payments", "name": crashing},
                     {"kind": "Secret", "namespace": "payments", "name": "payments-provider"},
                     {"kind": "Secret", "namespace": "shop", "name": "checkout-db"},
                     {"kind": "ReplicaSet", "namespace": "payments",
                      "name": crashing.rsplit("-", 1)[0]}],
        "top": [{"kind": "pods", "namespace": "payments"}],
        "find_resource": [{"name": "payments-config"}],
        # the words a canary sits beside: every line carrying them comes back, redacted
        "search_text": [{"words": ["password", "token", "key", "secret", "dsn", "url"]},
                        {"words": ["payments", "provider"], "namespace": "payments"}],
        "pod_logs": [{"namespace": "payments", "name": crashing, "previous": True},
                     {"namespace": "payments", "name": running, "tail": 200}],
        "events": [{"namespace": "payments", "warnings_only": False}],
        "rollout_history": [deploy],
        "ownership": [{"kind": "Deployment", **deploy}, {"kind": "Pod", "namespace": "payments", "name": crashing}],
        "analyze": [{"namespace": "payments"}],
        "cluster_info": [{}],  # where the server points: a kubeconfig's server URL, never its credentials
        "describe_alarms": [{}],
        "alarm_history": [{"name": "payments-replicas-unavailable"}],
        "list_metrics": [{"namespace": "ContainerInsights"}],
        "get_metric_data": [{"namespace": "ContainerInsights", "metric_name": "deployment_status_replicas_unavailable",
                             "dimensions": {"Namespace": "payments", "PodName": "payments"}}],
        "detect_anomalies": [{"namespace": "Application", "metric_name": "5xxCount",
                              "dimensions": {"Namespace": "payments", "Service": "payments"}}],
        "describe_log_groups": [{}],
        "filter_log_events": [{"log_group": g, "limit": 500, **payments_pods} for g in payments_groups],
        "logs_insights_query": [{"log_groups": payments_groups, "query": "fields @timestamp, @message | limit 200"}],
        "log_patterns": [{"log_groups": payments_groups, **payments_pods}],
        "trace_summaries": [{}],
        "list_runbooks": [{}],
        "search_runbooks": [{"symptoms": "CrashLoopBackOff missing environment variable"}],
        "get_runbook": [{"runbook_id": "crash_missing_config"}],
        "get_parameter": [{"name": name} for name in SSM_PARAMETERS],
        "command_status": [{"command_id": command_id}],
    }


def _call_every_read_tool(clients: dict[str, SyncMcpClient], command_id: str) -> list[tuple[str, dict, Any]]:
    calls = _read_calls(clients, command_id)
    listed = {(server, t.name) for server, c in clients.items() for t in c.list_tools()
              if t.annotations is not None and t.annotations.readOnlyHint}
    assert {name for _, name in listed} == set(calls), "a read tool was added: give it a row in _read_calls"
    results = []
    for server, name in sorted(listed):
        for args in calls[name]:
            raw = clients[server]._run(clients[server].session.call_tool(name, args))
            results.append((name, args, raw))
    return results


def _leaks(text: str) -> list[str]:
    return sorted({m.group(0) for m in CANARY.finditer(text)})


def test_no_read_tool_returns_a_canary(lab, servers):
    results = _call_every_read_tool(servers, _command_id(lab))
    redacted: dict[str, int] = {}
    for name, args, raw in results:
        text = "".join(getattr(c, "text", "") for c in raw.content)
        structured = json.dumps(raw.structuredContent or {})
        assert not _leaks(text) and not _leaks(structured), f"{name}({args}) leaked {_leaks(text + structured)}"
        if not raw.isError:
            assert raw.structuredContent["redacted"] == json.loads(text)["redacted"]
            redacted[name] = redacted.get(name, 0) + raw.structuredContent["redacted"]
    # A tool that failed proves nothing about its output: every one must have answered.
    errors = [(name, args, "".join(getattr(c, "text", "") for c in raw.content)[:500])
              for name, args, raw in results if raw.isError]
    assert errors == [], errors
    # The canaries were there to find: each place that holds them says how many it masked.
    for tool in ("describe", "pod_logs", "events", "filter_log_events", "logs_insights_query", "get_parameter"):
        assert redacted.get(tool, 0) > 0, (tool, redacted)
    # The benign parameter, the pod names, digests and uids the diagnosis needs survive.
    flag = next(raw for name, args, raw in results if name == "get_parameter" and args["name"].endswith("new-checkout"))
    assert flag.structuredContent["value"] == "enabled" and flag.structuredContent["redacted"] == 0


def test_with_allow_sensitive_data_the_canaries_come_back(lab):
    clients = _clients(lab, ["--allow-sensitive-data-access"])
    try:
        k8s, cloudwatch, ssm = clients["kubernetes"], clients["cloudwatch"], clients["ssm"]
        deployment = k8s.call("describe", {"kind": "Deployment", "namespace": "payments", "name": "payments"})
        assert "cnry-env-pw-4Dd5" in deployment.text and deployment.json()["redacted"] == 0
        config = k8s.call("describe", {"kind": "ConfigMap", "namespace": "payments", "name": "payments-config"})
        assert "cnry-props-pw-5Rt1" in config.text
        parameter = ssm.call("get_parameter", {"name": "/canary/payments/db_password"})
        assert parameter.json()["value"] == "cnry-ssm-pw-1Qq2"
        logs = cloudwatch.call("filter_log_events", {"log_group": "/aws/containerinsights/sre-lab/application",
                                                     "namespace": "payments", "pod_prefix": "payments",
                                                     "pattern": "Authorization"})
        assert "cnry-bearer-Hq83kLm0Zx" in logs.text
        # Secret values are not sensitive data a flag unlocks: they are never returned (see README).
        secret = k8s.call("describe", {"kind": "Secret", "namespace": "payments", "name": "payments-provider"})
        assert "sk_live_51HxAcmeShopDoNotLeak" not in secret.text
        assert secret.json()["object"]["data"] == {"PAYMENT_PROVIDER_KEY": "***redacted***"}
    finally:
        for client in clients.values():
            client.close()


def test_an_investigation_keeps_no_canary(tmp_path):
    lab = _start_lab()
    try:
        trigger = scenario_trigger(lab)
        options = RunOptions(remediation="auto", namespaces=lab_namespaces(lab), state_dir=tmp_path, env=lab.env(),
                             verify_timeout_s=60, verify_poll_s=1.0)
        result, _ = asyncio.run(run_investigation(incident_for_trigger(trigger.alarm, trigger.question), options))
    finally:
        lab.stop()
    assert result.diagnosis is not None and result.diagnosis.category == "crash_missing_config"
    assert result.tool_calls > 5
    report = Path(result.report_path)
    files = {p for p in tmp_path.rglob("*") if p.is_file()} | {report}
    names = {p.name for p in files}
    assert "audit.jsonl" in names and any(n.endswith((".sqlite", ".db")) for n in names), names
    outputs = {str(p): p.read_bytes().decode("utf-8", errors="replace") for p in files}
    outputs["result.json"] = result.model_dump_json()
    leaks = {where: _leaks(text) for where, text in outputs.items() if _leaks(text)}
    assert leaks == {}
    # ...and not because nothing was kept: the checkpoints hold tool results, masks included.
    assert any("***redacted***" in text for where, text in outputs.items() if where.endswith((".sqlite", ".db")))
