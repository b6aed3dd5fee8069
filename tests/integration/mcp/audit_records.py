"""Reading the audit log an MCP server under test wrote."""

from __future__ import annotations

import json
from pathlib import Path


def last_audit(audit_path: Path) -> tuple[str, str]:
    """(tool, outcome) of the last audit record the server wrote."""
    record = json.loads(audit_path.read_text().splitlines()[-1])
    return record["tool"], record["outcome"]
