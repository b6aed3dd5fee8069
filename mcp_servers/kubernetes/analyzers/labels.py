"""Kubernetes label selectors: matching and describing them the way kubectl prints them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

LabelSelector = Mapping[str, Any]  # {"matchLabels": {...}, "matchExpressions": [...]}


def equality_selector(match_labels: Mapping[str, str] | None) -> dict[str, Any]:
    """A Service's plain `spec.selector` map as a LabelSelector."""
    return {"matchLabels": dict(match_labels or {})}


def is_empty_selector(selector: LabelSelector | None) -> bool:
    """True for `{}`: in a LabelSelector that selects everything."""
    return not selector or (not selector.get("matchLabels") and not selector.get("matchExpressions"))


def _expression_matches(expression: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    key = expression.get("key", "")
    operator = expression.get("operator", "")
    values = expression.get("values") or []
    if operator == "In":
        return key in labels and labels[key] in values
    if operator == "NotIn":
        return key not in labels or labels[key] not in values
    if operator == "Exists":
        return key in labels
    if operator == "DoesNotExist":
        return key not in labels
    return False  # an unknown operator selects nothing, as the API server would reject it


def selector_matches(selector: LabelSelector | None, labels: Mapping[str, str]) -> bool:
    if selector is None:
        return False
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    return all(_expression_matches(e, labels) for e in selector.get("matchExpressions") or [])


def describe_expression(expression: Mapping[str, Any]) -> str:
    """`app in (web, api)`, `tier notin (db)`, `canary`, `!canary` -- kubectl's notation."""
    key = expression.get("key", "")
    operator = expression.get("operator", "")
    values = ", ".join(expression.get("values") or [])
    if operator == "Exists":
        return key
    if operator == "DoesNotExist":
        return f"!{key}"
    return f"{key} {operator.lower()} ({values})"


def describe_selector(selector: LabelSelector | None) -> str:
    if is_empty_selector(selector):
        return "{}"
    assert selector is not None
    parts = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    parts += [describe_expression(e) for e in selector.get("matchExpressions") or []]
    return ",".join(parts)
