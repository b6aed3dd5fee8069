"""What a stdio MCP server inherits from the responder's environment: the process basics and its
backend's variables -- never LLM keys, sre-agent's settings, SRE_MCP_* or the Bedrock brain's endpoint."""

from __future__ import annotations

from sre_agent.app.servers import ServerConnection, server_environment

ENVIRON = {"PATH": "/usr/bin", "HOME": "/home/sre", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "HTTPS_PROXY": "http://proxy:3128",
           "SSL_CERT_FILE": "/etc/ca.pem", "KUBECONFIG": "/home/sre/.kube/config", "AWS_REGION": "eu-west-1",
           "AWS_PROFILE": "sre", "AWS_ENDPOINT_URL_BEDROCK_RUNTIME": "http://gateway", "ANTHROPIC_API_KEY": "sk-ant-secret",
           "OPENAI_API_KEY": "sk-secret", "SRE_AGENT_LLM_RETRIES": "3", "SRE_MCP_ALLOW_WRITES": "true",
           "GITHUB_TOKEN": "ghp_secret", "DATABASE_URL": "postgres://u:p@db/x"}
BASICS = {"PATH", "HOME", "LANG", "LC_ALL", "HTTPS_PROXY", "SSL_CERT_FILE"}


def test_each_server_gets_the_basics_and_its_backends_variables_only():
    assert set(server_environment(ENVIRON, "mcp_servers.cloudwatch")) == BASICS | {"AWS_REGION", "AWS_PROFILE"}
    assert set(server_environment(ENVIRON, "mcp_servers.ssm")) == BASICS | {"AWS_REGION", "AWS_PROFILE"}
    # kubeconfig exec plugins (aws eks get-token) sign with the AWS credentials
    assert set(server_environment(ENVIRON, "mcp_servers.kubernetes")) == BASICS | {"KUBECONFIG", "AWS_REGION", "AWS_PROFILE"}
    assert set(server_environment(ENVIRON)) == BASICS | {"KUBECONFIG", "AWS_REGION", "AWS_PROFILE"}


def test_a_stdio_connection_passes_the_filtered_environment_plus_its_own(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-secret")
    monkeypatch.setenv("KUBECONFIG", "/tmp/kubeconfig")
    config = ServerConnection(module="mcp_servers.cloudwatch", env={"AWS_ENDPOINT_URL": "http://127.0.0.1:5000"}).adapter_config()
    assert "ANTHROPIC_API_KEY" not in config["env"] and "KUBECONFIG" not in config["env"]
    assert config["env"]["AWS_ENDPOINT_URL"] == "http://127.0.0.1:5000"


def test_node_actions_open_the_kubernetes_servers_node_writes_and_nothing_else():
    from sre_agent.app.servers import stdio_servers

    narrow = stdio_servers({}, allow_writes=True, namespaces=["shop"], node_writes=False)["kubernetes"].args
    wide = stdio_servers({}, allow_writes=True, namespaces=["shop"], node_writes=True)["kubernetes"].args
    off = stdio_servers({}, allow_writes=False, namespaces=["shop"], node_writes=True)["kubernetes"].args
    assert "--allow-node-writes" not in narrow and "--allow-node-writes" not in off
    assert wide[wide.index("--namespaces") + 1] == "shop" and "--allow-node-writes" in wide
