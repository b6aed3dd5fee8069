"""The CloudFormation templates as data for the tests: YAML with the short-form intrinsics expanded
as CloudFormation does (`!Ref x` -> {"Ref": "x"}, `!GetAtt a.b` -> {"Fn::GetAtt": ["a", "b"]}, `!Sub` ->
{"Fn::Sub": ...}; cfn-lint's own loader costs seconds of import, so the lint is the integration test),
and every IAM statement they grant, with the role
it lands on and the condition (if any) the policy is created under. And a template as one deployment would
have it: its Conditions evaluated for given parameters, Fn::If resolved, the resources created (`deployed`)."""

from __future__ import annotations

import re
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


# --- the template as a deployment with given parameters: conditions evaluated, Fn::If resolved ---------------
def parameter_values(template: dict, **given: str) -> dict[str, str]:
    """Every parameter's value for a deployment: its Default, overridden by `given` (a parameter without a Default
    and not given stays out; a condition that reads it then fails the test with a KeyError, as it should)."""
    unknown = set(given) - set(template["Parameters"])
    assert not unknown, f"not parameters of the template: {sorted(unknown)}"
    defaults = {name: str(p["Default"]) for name, p in template["Parameters"].items() if "Default" in p}
    return {**defaults, **given}


def conditions(template: dict, **given: str) -> dict[str, bool]:
    """The template's Conditions evaluated for these parameters, as CloudFormation evaluates them at deploy time
    (Fn::Equals, Fn::Not, Fn::And, Fn::Or, Condition; Ref to a parameter)."""
    values = parameter_values(template, **given)
    defined = template.get("Conditions", {})
    done: dict[str, bool] = {}

    def scalar(node: Any) -> str:
        if isinstance(node, dict) and set(node) == {"Ref"}:
            return values[node["Ref"]]
        assert isinstance(node, str | int | float | bool), f"not statically known: {node!r}"
        return str(node)

    def truth(node: Any) -> bool:
        (fn, args), = node.items()
        if fn == "Condition":
            return named(args)
        if fn == "Fn::Equals":
            return scalar(args[0]) == scalar(args[1])
        if fn == "Fn::Not":
            return not truth(args[0])
        if fn == "Fn::And":
            return all(truth(a) for a in args)
        if fn == "Fn::Or":
            return any(truth(a) for a in args)
        raise AssertionError(f"unsupported in a condition: {fn}")

    def named(name: str) -> bool:
        if name not in done:
            done[name] = truth(defined[name])
        return done[name]

    return {name: named(name) for name in defined}


def resolved(node: Any, conds: dict[str, bool]) -> Any:
    """`node` with every Fn::If replaced by the branch its condition picks, and AWS::NoValue left out of lists and
    objects (what CloudFormation hands the resource)."""
    no_value = {"Ref": "AWS::NoValue"}
    if isinstance(node, dict):
        if set(node) == {"Fn::If"}:
            condition, then, otherwise = node["Fn::If"]
            return resolved(then if conds[condition] else otherwise, conds)
        picked = {key: resolved(value, conds) for key, value in node.items()}
        return {key: value for key, value in picked.items() if value != no_value}
    if isinstance(node, list):
        return [item for item in (resolved(n, conds) for n in node) if item != no_value]
    return node


def deployed(template: dict, **given: str) -> dict[str, dict]:
    """The resources a deployment with these parameters creates (their Condition true, or none), Fn::If resolved."""
    conds = conditions(template, **given)
    return {name: resolved(r, conds) for name, r in template["Resources"].items()
            if conds.get(r.get("Condition", ""), True)}


_SUB_NAME = re.compile(r"\$\{([^!}][^}]*)\}")


def references(node: Any) -> set[str]:
    """The logical names `node` refers to: Ref, Fn::GetAtt and the ${Name} / ${Name.Attribute} of Fn::Sub (not its
    own variables, not ${!Literal}); pseudo parameters (AWS::...) included."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                found.add(value)
            elif key == "Fn::GetAtt":
                found.add(value[0])
            elif key == "Fn::Sub":
                text, local = (value, {}) if isinstance(value, str) else (value[0], value[1])
                found |= {name.split(".")[0] for name in _SUB_NAME.findall(text) if name not in local}
                found |= references(local)
            else:
                found |= references(value)
    elif isinstance(node, list):
        for item in node:
            found |= references(item)
    return found
