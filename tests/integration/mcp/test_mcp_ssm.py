"""The SSM MCP server, driven through real MCP client sessions (stdio and HTTP) against the lab's
moto: runbooks from published SSM documents merged with infra/runbooks, Parameter Store masking,
and Run Command / Automation writes gated by --allow-writes and the target allow-list."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
import httpx
import pytest
from mcp_harness import HttpServerProcess, stdio_client_for

from mcp_servers.ssm.library import builtin_runbooks_dir
from mcp_servers.ssm.publish import TAG_KEY, document_content, document_type, publish_runbooks, runbook_from_content
from mcp_servers.ssm.runbooks import load_runbooks
from sre_agent.lab.lab import Lab

MODULE = "mcp_servers.ssm"
TOKEN = "ssm-test-token-0123456789"
LIBRARY = builtin_runbooks_dir()  # the packaged library (infra/runbooks in a checkout)
ALLOWED = "i-0123456789abcdef0"
OTHER = "i-0fedcba9876543210"
PUBLISHED = ("bad_image", "node_failure")

@pytest.fixture(scope="module")
def lab():
    lab = Lab().start()  # moto is all this server needs; no scenario
    yield lab
    lab.stop()


@pytest.fixture(scope="module")
def ssm(lab):
    env = lab.env()
    client = boto3.client("ssm", endpoint_url=env["AWS_ENDPOINT_URL"], region_name=env["AWS_REGION"],
                          aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])
    # AWS-RunShellScript and AWS-RestartEC2Instance come with the lab (sre_agent/lab/aws/ssm_documents.py).
    client.put_parameter(Name="/shop/db/password", Value="hunter2-s3cret", Type="SecureString")
    client.put_parameter(Name="/shop/feature/new-checkout", Value="enabled", Type="String")
    client.put_parameter(Name="/shop/payments/api_key", Value="sk-live-123", Type="String")
    runbooks = {r.id: r for r in load_runbooks(LIBRARY)}
    # Published copies of two runbooks, one retitled: the server must prefer SSM over the file.
    published = [runbooks["bad_image"].model_copy(update={"title": "Image cannot be pulled (published copy)"}),
                 runbooks["node_failure"]]
    publish_runbooks(client, published)
    return client


@pytest.fixture(scope="module")
def audit_path(tmp_path_factory):
    return tmp_path_factory.mktemp("audit") / "ssm-audit.jsonl"


@pytest.fixture(scope="module")
def http_audit_path(tmp_path_factory):
    return tmp_path_factory.mktemp("audit-http") / "audit.jsonl"


@pytest.fixture(scope="module")
def servers(lab, ssm, audit_path, http_audit_path):
    """A writing stdio server and a read-only HTTP one (it doubles as the server that must refuse
    writes), started side by side: each is an interpreter start."""
    with ThreadPoolExecutor(2) as pool:
        stdio = pool.submit(stdio_client_for, MODULE, ["--allow-writes", "--namespaces", ALLOWED, "--audit-log",
                                                       str(audit_path), "--runbooks-dir", str(LIBRARY)], lab.env())
        http = pool.submit(HttpServerProcess, MODULE, ["--token", TOKEN, "--runbooks-dir", str(LIBRARY),
                                                       "--audit-log", str(http_audit_path)], lab.env())
        session, server = stdio.result(), http.result()
    yield session, server
    session.close()
    server.stop()


@pytest.fixture(scope="module")
def mcp(servers):
    return servers[0]


@pytest.fixture(scope="module")
def http_server(servers):
    return servers[1]


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


def audit_records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def commands_in_moto(ssm) -> list[dict]:
    return ssm.list_commands()["Commands"]


# --- runbooks -----------------------------------------------------------------------------------
def test_lists_every_tool(mcp):
    assert {t.name for t in mcp.list_tools()} == {"list_runbooks", "search_runbooks", "get_runbook", "get_parameter",
                                                  "send_command", "start_automation", "command_status"}


def test_runbooks_merge_published_documents_over_files(mcp):
    data = call_ok(mcp, "list_runbooks", {})
    by_id = {r["id"]: r for r in data["runbooks"]}
    assert len(by_id) == len(load_runbooks(LIBRARY))
    assert data["sources"] == {"ssm": len(PUBLISHED), "file": len(by_id) - len(PUBLISHED)}
    assert by_id["bad_image"]["source"] == "ssm:sre-agent-runbook-bad_image"
    assert by_id["bad_image"]["title"] == "Image cannot be pulled (published copy)"
    assert by_id["oom_killed"]["source"].startswith("file:")


@pytest.mark.parametrize(("symptoms", "kwargs", "first"), [
    ('Warning Failed: Back-off pulling image "ghcr.io/acme-shop/catalog:3.3.0"; ImagePullBackOff', {}, "bad_image"),
    ("Last State: Terminated, Reason: OOMKilled, Exit Code: 137", {}, "oom_killed"),
    ("NodeNotReady: Kubelet stopped posting node status", {"resource_kind": "Node"}, "node_failure"),
    ("service returns errors and latency is up", {"category": "dependency_failure"}, "dependency_failure"),
])
def test_search_ranks_the_right_runbook_first(mcp, symptoms, kwargs, first):
    results = call_ok(mcp, "search_runbooks", {"symptoms": symptoms, **kwargs})["results"]
    assert results[0]["id"] == first, results
    assert all(a["score"] >= b["score"] for a, b in zip(results, results[1:]))


def test_get_runbook_returns_the_whole_runbook(mcp):
    data = call_ok(mcp, "get_runbook", {"runbook_id": "node_failure"})
    runbook = data["runbook"]
    assert data["source"] == "ssm:sre-agent-runbook-node_failure"
    assert {s["tool"] for s in runbook["remediation"]} >= {"cordon", "send_command", "start_automation"}
    assert runbook["verification"] and runbook["symptoms"]
    assert "did you mean bad_image" in call_error(mcp, "get_runbook", {"runbook_id": "bad_imag"})
    assert "unknown category" in call_error(mcp, "search_runbooks", {"symptoms": "x y", "category": "gremlins"})


# --- Parameter Store ----------------------------------------------------------------------------
def test_secure_string_is_masked_and_never_returned(mcp):
    result = mcp.call("get_parameter", {"name": "/shop/db/password"})
    assert not result.is_error and "hunter2" not in result.text
    assert result.json()["type"] == "SecureString" and result.json()["value"].startswith("***masked***")
    assert call_ok(mcp, "get_parameter", {"name": "/shop/feature/new-checkout"})["value"] == "enabled"
    assert "sk-live" not in mcp.call("get_parameter", {"name": "/shop/payments/api_key"}).text  # a secret-looking name
    assert "ParameterNotFound" in call_error(mcp, "get_parameter", {"name": "/shop/nope"})


# --- writes -------------------------------------------------------------------------------------
def test_writes_are_refused_without_allow_writes(http, http_audit_path, ssm):
    before = len(commands_in_moto(ssm))
    text = call_error(http, "send_command", {"instance_ids": [ALLOWED], "reason": "restart kubelet",
                                             "parameters": {"commands": ["systemctl restart kubelet"]}})
    assert "--allow-writes" in text
    assert "--allow-writes" in call_error(http, "start_automation", {"document_name": "AWS-RestartEC2Instance",
                                                                     "reason": "reboot", "dry_run": True,
                                                                     "parameters": {"InstanceId": [ALLOWED]}})
    assert len(commands_in_moto(ssm)) == before
    assert [(r["tool"], r["outcome"]) for r in audit_records(http_audit_path)] == [
        ("send_command", "refused"), ("start_automation", "refused")]


def test_target_outside_the_allow_list_is_refused(mcp, ssm):
    before = len(commands_in_moto(ssm))
    text = call_error(mcp, "send_command", {"instance_ids": [ALLOWED, OTHER], "reason": "restart kubelet",
                                            "parameters": {"commands": ["systemctl restart kubelet"]}})
    assert OTHER in text and "allow-list" in text
    assert len(commands_in_moto(ssm)) == before
    # An automation naming no instance is account-wide: only a server allowing '*' may start it.
    assert "account-wide" in call_error(mcp, "start_automation", {"document_name": "AWS-RestartEC2Instance",
                                                                  "reason": "no target", "dry_run": True})


def test_dry_run_validates_without_executing(mcp, ssm):
    before = len(commands_in_moto(ssm))
    data = call_ok(mcp, "send_command", {"instance_ids": [ALLOWED], "reason": "check kubelet restart",
                                         "parameters": {"commands": ["systemctl restart kubelet"]}, "dry_run": True})
    assert data["dry_run"] is True and data["result"]["validated"] is True
    assert data["result"]["document_type"] == "Command"
    auto = call_ok(mcp, "start_automation", {"document_name": "AWS-RestartEC2Instance", "reason": "reboot node",
                                             "parameters": {"InstanceId": [ALLOWED]}, "dry_run": True})
    assert auto["result"]["document_type"] == "Automation"
    assert len(commands_in_moto(ssm)) == before


@pytest.mark.parametrize(("args", "says"), [
    ({"parameters": {"command": ["uptime"]}}, "unknown parameter(s) ['command']"),
    ({"parameters": {}}, "parameter 'commands' is required"),
    ({"parameters": {"commands": ["uptime"], "executionTimeout": "soon"}}, "allowed pattern"),
    ({"document_name": "AWS-RestartEC2Instance", "parameters": {"InstanceId": [ALLOWED]}}, "use start_automation"),
    ({"document_name": "No-Such-Document", "parameters": {"commands": ["uptime"]}}, "InvalidDocument"),
])
def test_dry_run_rejects_malformed_requests(mcp, args, says):
    text = call_error(mcp, "send_command", {"instance_ids": [ALLOWED], "reason": "validate only", "dry_run": True, **args})
    assert says in text


def test_real_send_command_lands_in_moto_and_status_reads_it(mcp, ssm):
    data = call_ok(mcp, "send_command", {"instance_ids": [ALLOWED], "reason": "restart the kubelet on the bad node",
                                         "parameters": {"commands": ["systemctl restart kubelet"]}})
    command_id = data["result"]["command_id"]
    landed = ssm.list_commands(CommandId=command_id)["Commands"][0]
    assert landed["DocumentName"] == "AWS-RunShellScript" and landed["InstanceIds"] == [ALLOWED]
    assert landed["Parameters"] == {"commands": ["systemctl restart kubelet"]}
    status = call_ok(mcp, "command_status", {"command_id": command_id})
    assert status["status"] == "Success" and status["invocations"][0]["instance_id"] == ALLOWED
    assert status["invocations"][0]["exit_code"] == 0
    assert "InvalidCommandId" in call_error(mcp, "command_status", {"command_id": "00000000-0000-0000-0000-000000000000"})


def test_every_write_attempt_gets_one_audit_record(mcp, audit_path):
    before = len(audit_records(audit_path))
    call_error(mcp, "send_command", {"instance_ids": [OTHER], "reason": "outside", "parameters": {"commands": ["uptime"]}})
    call_ok(mcp, "send_command", {"instance_ids": [ALLOWED], "reason": "dry", "parameters": {"commands": ["uptime"]},
                                  "dry_run": True})
    call_ok(mcp, "send_command", {"instance_ids": [ALLOWED], "reason": "real", "parameters": {"commands": ["uptime"]}})
    # moto does not implement StartAutomationExecution: the attempt fails cleanly and is audited.
    failed = call_error(mcp, "start_automation", {"document_name": "AWS-RestartEC2Instance", "reason": "reboot",
                                                  "parameters": {"InstanceId": [ALLOWED]}})
    assert "does not implement StartAutomationExecution" in failed and "nothing was started" in failed
    assert "not EC2 or managed-instance ids" in call_error(mcp, "send_command", {
        "instance_ids": ["node-3"], "reason": "malformed", "parameters": {"commands": ["uptime"]}})
    new = audit_records(audit_path)[before:]
    assert [(r["tool"], r["outcome"], r["reason"]) for r in new] == [
        ("send_command", "refused", "outside"), ("send_command", "dry_run_ok", "dry"),
        ("send_command", "applied", "real"), ("start_automation", "failed", "reboot"),
        ("send_command", "failed", "malformed")]
    assert all(r["server"] == "ssm" and r["args"]["document_name"] for r in new)
    assert json.loads(new[2]["detail"])["command_id"]


# --- HTTP -----------------------------------------------------------------------------------------
def test_http_with_token_serves_runbooks(http):
    results = call_ok(http, "search_runbooks", {"symptoms": "ErrImagePull manifest unknown"})["results"]
    assert results[0]["id"] == "bad_image"


def test_http_without_token_is_refused(http_server):
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    response = httpx.post(http_server.url, json=body, headers={"Accept": "application/json, text/event-stream"})
    assert response.status_code == 401


# --- publishing -----------------------------------------------------------------------------------
def test_publish_is_idempotent_and_updates_changed_runbooks(ssm):
    runbook = {r.id: r for r in load_runbooks(LIBRARY)}["oom_killed"]
    name = publish_runbooks(ssm, [runbook])[0]
    assert name == "sre-agent-runbook-oom_killed"
    assert publish_runbooks(ssm, [runbook]) == [name]
    assert ssm.describe_document(Name=name)["Document"]["DefaultVersion"] == "1"
    changed = runbook.model_copy(update={"title": "Containers OOMKilled (revised)"})
    publish_runbooks(ssm, [changed])
    document = ssm.describe_document(Name=name)["Document"]
    assert document["DefaultVersion"] == "2" and document["DocumentType"] == "Automation"
    tags = ssm.list_tags_for_resource(ResourceType="Document", ResourceId=name)["TagList"]
    assert {t["Key"]: t["Value"] for t in tags}[TAG_KEY] == "true"
    content = ssm.get_document(Name=name)["Content"]
    assert runbook_from_content(content, name) == changed


def test_document_content_round_trips_every_runbook():
    for runbook in load_runbooks(LIBRARY):
        content = document_content(runbook)
        assert content["schemaVersion"] == ("2.2" if document_type(runbook) == "Command" else "0.3")
        assert content["mainSteps"]
        assert runbook_from_content(json.dumps(content), runbook.id) == runbook


def test_a_shell_only_runbook_becomes_a_command_document():
    node = {r.id: r for r in load_runbooks(LIBRARY)}["node_failure"]
    shell_only = node.model_copy(update={"remediation": [s for s in node.remediation if s.tool == "send_command"]})
    content = document_content(shell_only)
    assert document_type(shell_only) == "Command" and content["schemaVersion"] == "2.2"
    assert content["mainSteps"][0]["action"] == "aws:runShellScript"
    assert content["mainSteps"][0]["inputs"]["runCommand"] == ["systemctl restart kubelet", "systemctl is-active kubelet"]
    assert runbook_from_content(json.dumps(content), "node_failure") == shell_only
