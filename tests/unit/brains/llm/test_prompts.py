"""Prompts load as package data (from any working directory), or from the llm.prompts_dir setting."""

from __future__ import annotations

from pathlib import Path

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


# This tree's prompts (the package data may be installed from another checkout).
REPO_PROMPTS = Path(__file__).resolve().parents[4] / "prompts"


def test_each_specialist_is_given_the_signal_codes_its_backend_shows():
    from sre_agent.brains.llm.prompts import ANALYZER_SIGNALS, known_signals, signal_choice

    assert known_signals("runbooks") == ["RunbookMatched"]
    assert "MemoryRamp" in known_signals("metrics") and "ImagePullBackOff" not in known_signals("metrics")
    assert "NewErrorTemplate" in known_signals("logs") and "MetricAnomaly" not in known_signals("logs")
    assert "MetricAnomaly" not in known_signals("kubernetes") and "RecentRollout" in known_signals("kubernetes")
    # The Kubernetes specialist reads the analyzers' codes in analyze's answers: only the others are listed.
    kubernetes = signal_choice("kubernetes")
    assert "`reason` `analyze` gives" in kubernetes and "RecentRollout" in kubernetes
    assert not any(f" {signal}," in kubernetes or kubernetes.endswith(signal) for signal in ANALYZER_SIGNALS)
    assert set(known_signals()) >= set(known_signals("kubernetes")) | set(known_signals("metrics"))


def test_the_root_cause_rule_is_sent_without_the_note_to_developers_or_the_docstrings_wrapping():
    from sre_agent.brains.llm.prompts import root_cause_rule

    rule = root_cause_rule()
    assert "Extend it here" not in rule and "    " not in rule
    assert all(line.startswith("* ") for line in rule.splitlines()[1:])
    assert "(service_selector_mismatch)" in rule and "the ResourceQuota for quota (quota_exceeded)" in rule
    assert "Root causes" in load_prompt("supervisor", facts(8), REPO_PROMPTS) and rule in load_prompt("supervisor", facts(8), REPO_PROMPTS)


def test_the_runbooks_prompt_states_its_own_findings_rule():
    from sre_agent.brains.llm.specialist import OWN_FINDINGS_RULES

    assert OWN_FINDINGS_RULES in load_prompt("runbooks", facts(8), REPO_PROMPTS)
    assert all(OWN_FINDINGS_RULES not in load_prompt(agent, facts(8), REPO_PROMPTS) for agent in ("kubernetes", "metrics", "logs"))
