"""`sre-agent lab validate` refuses what `lab up` would crash on: an image's log template is formatted at load with
the values the world formats it with, so a literal brace or an unknown placeholder fails validation naming the
scenario, the image and the template -- never a KeyError while the world runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from sre_agent.lab.scenarios.loader import load_scenario_file
from sre_agent.lab.scenarios.schema import ScenarioError
from sre_agent.lab.world.images import LOG_VALUES, LogTemplates, load_catalog

REPOSITORY = "example.com/acme/reports"


def scenario(tmp_path: Path, logs: str) -> Path:
    path = tmp_path / "reports-json-logs.yaml"
    path.write_text(f"""
id: reports-json-logs
title: a service that logs JSON
images:
  - repository: {REPOSITORY}
    tags: {{"1.0.0": {{}}}}
    logs: {logs}
cluster:
  nodes: [{{name: node-0}}]
  manifests:
    - apiVersion: apps/v1
      kind: Deployment
      metadata: {{name: reports, namespace: default}}
      spec:
        selector: {{matchLabels: {{app: reports}}}}
        template:
          metadata: {{labels: {{app: reports}}}}
          spec: {{containers: [{{name: reports, image: "{REPOSITORY}:1.0.0"}}]}}
question: is reports healthy?
truth: {{category: none}}
""")
    return path


@pytest.mark.parametrize(("logs", "template", "problem"), [
    ("""{startup: ['{"level":"info","msg":"starting {app}"}']}""", "logs.startup[0]", 'unknown placeholder {"level"}'),
    ("{ready: 'listening on :{port} pid={pid}'}", "logs.ready", "unknown placeholder {pid}"),
    ("{request_error: 'ERROR {path} }'}", "logs.request_error", "Single '}' encountered"),
    ("{missing_env: 'missing {0}'}", "logs.missing_env", "Replacement index 0 out of range"),
])
def test_a_template_the_world_cannot_format_fails_validation_naming_scenario_image_and_template(
        tmp_path, logs, template, problem):
    path = scenario(tmp_path, logs)
    with pytest.raises(ScenarioError) as failure:
        load_scenario_file(path, load_catalog())
    message = str(failure.value)
    assert message.startswith(f"{path}: images.0: ") and f"image {REPOSITORY}: {template} " in message, message
    assert problem in message and "write {{ and }} for a literal brace" in message, message


def test_doubled_braces_are_literal_and_load(tmp_path):
    path = scenario(tmp_path, """{startup: ['{{"level":"info","msg":"starting {app} {version}"}}']}""")
    image = load_scenario_file(path, load_catalog()).scenario.images[0]
    assert image.logs.startup_lines(app="reports", version="1.0.0", port=8080) == [
        '{"level":"info","msg":"starting reports 1.0.0"}']


def test_the_cli_exits_1_and_names_the_template(tmp_path):
    from sre_agent.commands.lab import app

    path = scenario(tmp_path, "{slow: 'slow {path} took {duration}'}")
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    assert "logs.slow" in result.output + (result.stderr or "") and "{duration}" in result.output + (result.stderr or "")


def test_every_catalog_template_formats_and_the_world_passes_every_promised_value():
    for image in load_catalog()._by_repo.values():
        assert image.logs.problems() == [], image.repository
    with pytest.raises(AssertionError, match="without \\['port'\\]"):
        LogTemplates().line("ready", app="a", version="1")  # a writer that forgot a value fails in every test run
    assert set(LOG_VALUES) == set(LogTemplates.model_fields) - {"shutdown"}  # shutdown is written verbatim


def test_validate_refuses_a_manifest_the_api_server_would_refuse_at_lab_up(tmp_path):
    from sre_agent.commands.lab import app
    from sre_agent.lab.scenarios.loader import check_admission

    path = tmp_path / "bad-cron.yaml"
    path.write_text("""
id: bad-cron
title: a CronJob whose schedule does not parse
cluster:
  nodes: [{name: node-0}]
  manifests:
    - apiVersion: batch/v1
      kind: CronJob
      metadata: {name: nightly, namespace: batch}
      spec:
        schedule: "every night"
        jobTemplate: {spec: {template: {spec: {restartPolicy: Never,
          containers: [{name: run, image: "ghcr.io/acme-shop/search:1.12.0"}]}}}}
question: did it run?
truth: {category: none}
""")
    loaded = load_scenario_file(path, load_catalog())  # the references are fine: only admission refuses it
    with pytest.raises(ScenarioError) as failure:
        check_admission(loaded)
    assert str(failure.value).startswith(f"{path}: cluster.manifests: CronJob/nightly in batch: the API server "
                                         "refuses it (422)"), str(failure.value)
    assert CliRunner().invoke(app, ["validate", str(path)]).exit_code == 1
    check_admission(load_scenario_file(scenario(tmp_path, "{}"), load_catalog()))  # a sound one passes
