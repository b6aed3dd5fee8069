"""Placeholder until anomaly.py lands."""
from mcp.server.fastmcp.exceptions import ToolError


def anomaly_report(stamps, values, period):
    raise ToolError("detect_anomalies: mcp_servers/cloudwatch/anomaly.py is not available yet")
