"""An LLM brain can be built from the installed package, not only from a checkout: the prompts and
the price table travel in the wheel as package data. Builds the wheel (pip, isolated build), unpacks
it, and builds a brain in a fresh interpreter that sees only the unpacked wheel."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PROBE = """
import sre_agent
from sre_agent.brains.llm.factory import make_llm_brain
from sre_agent.brains.llm.settings import LlmSettings
brain = make_llm_brain("openai", settings=LlmSettings(openai_model="qwen2.5"),
                       env={"OPENAI_BASE_URL": "http://127.0.0.1:9/v1"})
print(sre_agent.__file__)
print(brain.chain.models[0].label, brain.meter.prices.price_of("gpt-4o").input)
"""


def test_a_brain_builds_from_the_installed_wheel(tmp_path):
    # Built from a copy: setuptools writes build/ and *.egg-info beside the sources it builds.
    source = tmp_path / "source"
    source.mkdir()
    for part in ("pyproject.toml", "README.md", "LICENSE", "sre_agent", "mcp_servers", "prompts", "infra"):
        if (ROOT / part).is_dir():
            shutil.copytree(ROOT / part, source / part, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        elif (ROOT / part).exists():
            shutil.copy2(ROOT / part, source / part)
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-q", "-w", str(tmp_path)],
                           capture_output=True, text=True, timeout=600, env={**os.environ, "PYTHONPATH": ""})
    assert built.returncode == 0, built.stderr[-2000:]
    [wheel] = tmp_path.glob("sre_agent-*.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        archive.extractall(site)
    assert {"sre_agent/prompts/supervisor.md", "sre_agent/prompts/report.md", "sre_agent/brains/prices.yaml"} <= names

    probe = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, cwd=tmp_path,
                           env={**os.environ, "PYTHONPATH": str(site), "PYTHONSAFEPATH": "1"})
    assert probe.returncode == 0, probe.stderr[-2000:]
    location, built_brain = probe.stdout.strip().splitlines()
    assert location.startswith(str(site))  # the unpacked wheel, not the checkout
    assert built_brain == "openai:qwen2.5 2.5"
