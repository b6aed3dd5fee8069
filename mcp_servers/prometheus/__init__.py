"""The Prometheus MCP server (server.py): PromQL over Prometheus or Amazon Managed Service for Prometheus."""
