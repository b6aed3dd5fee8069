"""The settings model: where values come from, what wins, and how a bad value is reported; the
generated docs and example file are checked against the model."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sre_agent.app.settings import ConfigError, load_settings
from sre_agent.app.settings_docs import example_yaml, reference_markdown
from sre_agent.cli import app

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    import os

    for name in list(os.environ):
        if name.startswith("SRE_AGENT_") or name == "XDG_STATE_HOME":
            monkeypatch.delenv(name)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sre-agent.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("env, file, flags, field, expected", [
    ({}, "", {}, ("llm", "retries"), 2),                                             # default
    ({}, "llm:\n  retries: 5\n", {}, ("llm", "retries"), 5),                         # file over default
    ({"SRE_AGENT_LLM_RETRIES": "4"}, "llm:\n  retries: 5\n", {}, ("llm", "retries"), 4),  # env over file
    ({"SRE_AGENT_LLM_RETRIES": "4"}, "", {"llm": {"retries": 1}}, ("llm", "retries"), 1),  # flag over env
    ({"SRE_AGENT_LLM_RETRIES": "4"}, "", {"llm": {"retries": None}}, ("llm", "retries"), 4),  # an unset flag is no flag
    ({"SRE_AGENT_POLICY_NAMESPACES": "shop, pay"}, "", {}, ("policy", "namespaces"), ["shop", "pay"]),
    ({}, "policy:\n  namespaces: [a, b]\n", {}, ("policy", "namespaces"), ["a", "b"]),
    ({"SRE_AGENT_STATE_DIR": "/srv/x"}, "", {}, ("state_dir",), Path("/srv/x")),
    ({"SRE_AGENT_CHECKPOINT_DSN": "postgresql://h/db"}, "", {}, ("checkpoint", "dsn"), "postgresql://h/db"),
    # a section in the file keeps its other fields when the env sets one of them
    ({"SRE_AGENT_LLM_RETRIES": "4"}, "llm:\n  call_timeout_s: 3\n", {}, ("llm", "call_timeout_s"), 3.0),
])
def test_sources_and_precedence(monkeypatch, tmp_path, env, file, flags, field, expected):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = load_settings(flags, config_file=write(tmp_path, file) if file else None)
    value = settings
    for part in field:
        value = getattr(value, part)
    assert value == expected


def test_config_file_named_by_env(monkeypatch, tmp_path):
    monkeypatch.setenv("SRE_AGENT_CONFIG", str(write(tmp_path, "brain: anthropic\n")))
    assert load_settings().brain == "anthropic"


@pytest.mark.parametrize("env, file, message", [
    ({}, "policy:\n  namespacez: [a]\n", "policy.namespacez / SRE_AGENT_POLICY_NAMESPACEZ: unknown setting"),
    ({"SRE_AGENT_POLICY_REMEDIATION": "maybe"}, "", "policy.remediation / SRE_AGENT_POLICY_REMEDIATION"),
    ({}, "llm:\n  retries: many\n", "llm.retries"),
    ({}, "- a\n- b\n", "must be a mapping of settings"),
    ({}, "llm: [\n", "is not valid YAML"),
])
def test_bad_configuration_says_what_and_where(monkeypatch, tmp_path, env, file, message):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings(config_file=write(tmp_path, file) if file else None)
    assert message in str(caught.value)


def test_missing_config_file():
    with pytest.raises(ConfigError, match="cannot read config file /nonexistent/x.yaml"):
        load_settings(config_file=Path("/nonexistent/x.yaml"))


def test_secrets_are_masked_by_config_show(monkeypatch):
    monkeypatch.setenv("SRE_AGENT_SERVICE_TOKEN", "s3cret-value")
    result = CliRunner().invoke(app, ["config", "show"])
    assert result.exit_code == 0, result.output
    assert "s3cret-value" not in result.output and "token: '**********'" in result.output


def test_config_check_reports_errors_and_stray_variables(monkeypatch, tmp_path):
    monkeypatch.setenv("SRE_AGENT_BEDROCK_MODEL", "x")  # an old name: configures nothing now
    ok = CliRunner().invoke(app, ["--config", str(write(tmp_path, "brain: openai\n")), "config", "check"])
    assert ok.exit_code == 0, ok.output
    assert "SRE_AGENT_BEDROCK_MODEL is set but configures nothing" in ok.output
    assert "brain openai" in ok.output
    bad = CliRunner().invoke(app, ["--config", str(write(tmp_path, "brain: gpt\n")), "config", "check"])
    assert bad.exit_code == 2 and "brain" in bad.output and "Traceback" not in bad.output


def test_example_file_is_current_and_loads(tmp_path):
    committed = (ROOT / "infra" / "config" / "sre-agent.example.yaml").read_text()
    assert committed == example_yaml(), "regenerate: sre-agent config example > infra/config/sre-agent.example.yaml"
    # Every setting uncommented (section headers and `key: value` lines) loads to the defaults.
    settings_lines = [line[2:].split("    #")[0] for line in committed.splitlines()
                      if line.startswith("# ") and re.match(r"^( {2})?[a-z_]+:( |$)", line[2:])]
    assert len(settings_lines) > 30
    path = write(tmp_path, "\n".join(settings_lines) + "\n")
    assert load_settings(config_file=path) == load_settings()


def test_configuration_doc_is_current():
    from mcp_servers.common.settings import settings_reference_markdown

    doc = (ROOT / "docs" / "configuration.md").read_text()
    assert reference_markdown() in doc, "stale: run `make docs`"
    assert settings_reference_markdown() in doc, "stale: run `make docs`"


ENV_READ = re.compile(r"""(?:environ|getenv|env)(?:\.get)?[(\[]\s*["']([A-Z][A-Z0-9_]+)["']|envvar=["']([A-Z][A-Z0-9_]+)["']"""
                      r"""|["'](SRE_(?:AGENT|MCP)_[A-Z0-9_]*[A-Z0-9])["']""")


def test_every_environment_variable_the_code_reads_is_documented():
    doc = (ROOT / "docs" / "configuration.md").read_text()
    read = {name for top in ("sre_agent", "mcp_servers") for path in (ROOT / top).rglob("*.py")
            for match in ENV_READ.finditer(path.read_text()) for name in match.groups() if name}
    assert {"AWS_REGION", "SRE_AGENT_CONFIG"} <= read  # the scan sees reads at all
    undocumented = sorted(name for name in read if f"`{name}`" not in doc)
    assert not undocumented, f"environment variables read by the code but missing from docs/configuration.md: {undocumented}"
