"""cfn-lint over every template: schema, intrinsic functions, references, IAM policy syntax and the
service-specific rules -- what `aws cloudformation validate-template` checks and more, offline. The
informational rules are on too (I3011: stateful resources say what happens to them on delete), in two
regions, so a resource type or value that one region lacks is caught. In the integration tier only
because cfn-lint's import alone takes seconds."""

from __future__ import annotations

from pathlib import Path

import pytest

from ...unit.infra.cloudformation import CLOUDFORMATION_DIR

TEMPLATES = sorted(CLOUDFORMATION_DIR.glob("*.yaml"))


def test_there_are_the_two_templates():
    assert {t.name for t in TEMPLATES} == {"ecs-fargate.yaml", "agentcore-runtime.yaml"}


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_cfn_lint_finds_nothing(template: Path):
    from cfnlint.api import ManualArgs, lint_file

    matches = lint_file(template, ManualArgs(include_checks=["I"], regions=["us-east-1", "eu-west-1"]))
    assert not matches, "\n".join(f"{m.rule.id} line {m.linenumber}: {m.message}" for m in matches)
