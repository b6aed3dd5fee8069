"""Rules about mcp_servers/ as a whole: standalone programs (never importing the responder), one
settings model for every environment variable they read, one registration path for every tool."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from mcp_servers.common.settings import ServerSettings, env_of, settings_reference_markdown

ROOT = Path(__file__).resolve().parents[2] / "mcp_servers"
SOURCES = sorted(ROOT.rglob("*.py"))


def test_mcp_servers_never_import_sre_agent():
    offenders = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else [])
            offenders += [f"{path.relative_to(ROOT.parent)}: {n}" for n in names if n.split(".")[0] == "sre_agent"]
    assert not offenders, "mcp_servers must not import sre_agent (DESIGN.md, Boundaries): " + "; ".join(offenders)


def test_every_environment_variable_is_a_setting():
    """Only settings.py reads SRE_MCP_* (through pydantic-settings); nothing else reads os.environ."""
    readers = [f"{p.relative_to(ROOT.parent)}" for p in SOURCES if p.name != "settings.py"
               and re.search(r"os\.environ|getenv\(", p.read_text())]
    assert not readers, f"read settings through mcp_servers.common.settings, not os.environ: {readers}"
    mentioned = {m for p in SOURCES for m in re.findall(r"SRE_MCP_[A-Z_]+", p.read_text())}
    fields = {env_of(name) for name in ServerSettings.model_fields}
    assert mentioned - {"SRE_MCP_"} <= fields, mentioned - fields


def test_flags_win_over_the_environment(monkeypatch):
    from mcp_servers.common.serve import server_parser
    from mcp_servers.common.settings import settings_from_args

    monkeypatch.setenv("SRE_MCP_NAMESPACES", "shop")
    monkeypatch.setenv("SRE_MCP_ALLOW_WRITES", "true")
    monkeypatch.setenv("SRE_MCP_CALL_TIMEOUT", "7")
    from_env = settings_from_args(server_parser("kubernetes", "").parse_args([]))
    assert (from_env.allow_writes, from_env.namespaces, from_env.call_timeout) == (True, "shop", 7.0)
    flagged = settings_from_args(server_parser("kubernetes", "").parse_args(["--namespaces", "pay", "--call-timeout", "9"]))
    assert (flagged.namespaces, flagged.call_timeout) == ("pay", 9.0)


def test_settings_reference_lists_every_field():
    table = settings_reference_markdown()
    for name in ServerSettings.model_fields:
        assert f"`{env_of(name)}`" in table and f"`{name}`" in table
    assert table.splitlines()[0].startswith("| Setting | Environment variable | Flag | Default |")


def test_every_tool_registers_through_the_shared_registry():
    direct = [f"{p.relative_to(ROOT.parent)}" for p in SOURCES
              if p.name != "registry.py" and re.search(r"\.add_tool\(|@mcp\.tool|mcp\.tool\(", p.read_text())]
    assert not direct, f"register tools with mcp_servers.common.registry.tool_decorator: {direct}"


def test_no_tool_module_grows_past_400_lines():
    long = {f"{p.relative_to(ROOT.parent)}": n for p in ROOT.glob("*/tools/*.py")
            if (n := len(p.read_text().splitlines())) > 400}
    assert not long, long
