"""The CLI lists every command without importing it, and each listed command loads into the real
one: the same name, and a one-line help that still describes it (its first word matches)."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest
import typer

from sre_agent.cli import COMMANDS, load_command

HEAVY = ("langgraph", "langchain_mcp_adapters", "boto3", "kubernetes", "sre_agent.app", "sre_agent.lab", "moto")


def test_help_imports_no_command_module():
    code = ("import sys, runpy; sys.argv = ['sre-agent', '--help']\n"
            "try:\n    runpy.run_module('sre_agent.cli', run_name='__main__')\nexcept SystemExit:\n    pass\n"
            f"print('LOADED', sorted(m for m in sys.modules if m.startswith({HEAVY!r})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "investigate" in out.stdout and "LOADED []" in out.stdout, out.stdout[-2000:] + out.stderr[-2000:]


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_listed_command_loads_into_the_real_one(name):
    module, attribute, listed = COMMANDS[name]
    command = load_command(name)
    assert command.name == name
    target = getattr(sys.modules[module], attribute)
    real = target.info.help if isinstance(target, typer.Typer) else inspect.getdoc(target)
    assert real and listed.split()[0] == real.split()[0], (listed, real)
