"""The runbook library (package data, shipped as mcp_servers.ssm.runbook_library; see pyproject.toml)."""
