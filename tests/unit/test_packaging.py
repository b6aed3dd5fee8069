"""The wheel carries every package and its data: pyproject lists packages by hand (two data
packages are mapped from the top level), so a new package directory must be listed there."""

from __future__ import annotations

import importlib.resources
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _listed() -> set[str]:
    return set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])


def test_every_package_directory_is_listed_in_pyproject():
    on_disk = {str(init.parent.relative_to(ROOT)).replace("/", ".")
               for top in ("sre_agent", "mcp_servers") for init in (ROOT / top).rglob("__init__.py")}
    missing = sorted(on_disk - _listed())
    assert not missing, f"add these packages to [tool.setuptools] packages in pyproject.toml: {missing}"


def test_prompts_and_runbooks_load_as_package_data():
    prompts = {p.name for p in importlib.resources.files("sre_agent.prompts").iterdir()}
    runbooks = {p.name for p in importlib.resources.files("mcp_servers.ssm.runbook_library").iterdir()}
    assert {"supervisor.md", "diagnosis.md"} <= prompts
    assert {"bad_image.yaml", "runbook.schema.json"} <= runbooks
