"""Prompts load as package data (from any working directory), or from the llm.prompts_dir setting."""

from __future__ import annotations

import pytest

from sre_agent.brains.llm.factory import PROMPTS
from sre_agent.brains.llm.prompts import facts, load_prompt


@pytest.mark.parametrize("name", PROMPTS)
def test_every_prompt_loads_from_the_package_with_its_placeholders_filled(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = load_prompt(name, facts(8))
    assert text.strip() and "{{" not in text


def test_a_prompts_directory_overrides_the_package(tmp_path):
    (tmp_path / "supervisor.md").write_text("Ask at most {{max_tool_calls}} questions.")
    assert load_prompt("supervisor", facts(3), tmp_path) == "Ask at most 3 questions."
    (tmp_path / "logs.md").write_text("{{nonsense}}")
    with pytest.raises(ValueError, match=r"unknown placeholder\(s\) \['nonsense'\]"):
        load_prompt("logs", facts(3), tmp_path)
    with pytest.raises(FileNotFoundError, match="SRE_AGENT_LLM_PROMPTS_DIR"):
        load_prompt("metrics", facts(3), tmp_path)
