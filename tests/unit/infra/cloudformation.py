"""The CloudFormation templates as data for the tests: YAML with the short-form intrinsics expanded
as CloudFormation does (`!Ref x` -> {"Ref": "x"}, `!GetAtt a.b` -> {"Fn::GetAtt": ["a", "b"]}, `!Sub` ->
{"Fn::Sub": ...}; cfn-lint's own loader costs seconds of import, so the lint is the integration test),
and every IAM statement they grant, with the role
it lands on and the condition (if any) the policy is created under."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .manifests import ROOT

CLOUDFORMATION_DIR = ROOT / "infra" / "cloudformation"
ECS_TEMPLATE = CLOUDFORMATION_DIR / "ecs-fargate.yaml"
AGENTCORE_TEMPLATE = CLOUDFORMATION_DIR / "agentcore-runtime.yaml"


class _TemplateLoader(yaml.SafeLoader):
    pass


def _intrinsic(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if tag_suffix == "Ref" or tag_suffix == "Condition":
        return {tag_suffix: value}
    if tag_suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{tag_suffix}": value}


_TemplateLoader.add_multi_constructor("!", _intrinsic)


def load(path: Path) -> dict[str, Any]:
    with path.open() as handle:
        return yaml.load(handle, Loader=_TemplateLoader)  # a SafeLoader subclass: no arbitrary objects


@dataclass(frozen=True)
class Grant:
    """One IAM statement: where it is, the role it is granted to, and the condition it is created under."""

    role: str
    policy: str
    statement: dict[str, Any]
    created_if: str | None

    @property
    def actions(self) -> list[str]:
        actions = self.statement["Action"]
        return [actions] if isinstance(actions, str) else list(actions)

    @property
    def resources(self) -> list[Any]:
        resources = self.statement["Resource"]
        return resources if isinstance(resources, list) else [resources]


def _statements(document: dict) -> list[dict]:
    statements = document["Statement"]
    return statements if isinstance(statements, list) else [statements]


def _inline_policies(policies: list) -> Iterator[tuple[dict, str | None]]:
    """Inline policies of a role; one wrapped in Fn::If [condition, policy, NoValue] is created if condition."""
    for policy in policies:
        if "Fn::If" in policy:
            condition, policy, _ = policy["Fn::If"]
            yield policy, condition
        else:
            yield policy, None


def grants(template: dict) -> list[Grant]:
    """Every Allow statement of every role policy (inline ones and AWS::IAM::RolePolicy resources)."""
    found: list[Grant] = []
    for name, resource in template["Resources"].items():
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::IAM::Role":
            for policy, condition in _inline_policies(properties.get("Policies", [])):
                found += [Grant(name, policy["PolicyName"], s, condition or resource.get("Condition"))
                          for s in _statements(policy["PolicyDocument"])]
        elif resource["Type"] == "AWS::IAM::RolePolicy":
            role = properties["RoleName"]["Ref"]
            found += [Grant(role, properties["PolicyName"], s, resource.get("Condition"))
                      for s in _statements(properties["PolicyDocument"])]
    return found


def resources_of_type(template: dict, kind: str) -> dict[str, dict]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}
