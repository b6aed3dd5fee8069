"""A category's fix recipe (sre_agent/categories.yaml) turned into proposed fixes: named builders are called,
command templates are filled from the root resource and the details of the findings about it. A template
whose placeholder nothing fills is left out -- a half-filled command would be pasted as it stands."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..categories import FixStep, category
from ..contracts import Finding, ProposedFix, parse_resource_id
from .state import Investigation

Builder = Callable[[Investigation, str], list[ProposedFix]]


def _values(resource: str, finding: Finding) -> dict[str, str]:
    namespace, kind, name = parse_resource_id(resource)
    values = {key: str(value) for key, value in finding.details.items()
              if isinstance(value, str | int | float) and not isinstance(value, bool)}
    values.update(namespace=namespace or "", kind=kind, kind_lower=kind.lower(), name=name)
    return values


def _filled(step: FixStep, resource: str, findings: list[Finding]) -> ProposedFix | None:
    """The first finding about the root whose details fill every placeholder of the step."""
    wanted = step.placeholders()
    for finding in findings:
        if finding.resource != resource:
            continue
        values = _values(resource, finding)
        if wanted <= values.keys():
            return ProposedFix(resource=resource, summary=(step.summary or "").format_map(values),
                               commands=[command.format_map(values) for command in step.commands],
                               evidence=list(finding.evidence))
    return None


def recipe_fixes(state: Investigation, category_id: str, resource: str,
                 builders: Mapping[str, Builder]) -> list[ProposedFix]:
    fixes: list[ProposedFix] = []
    for step in category(category_id).fix:
        if step.builder is not None:
            fixes += builders[step.builder](state, resource)
        elif (fix := _filled(step, resource, state.findings)) is not None:
            fixes.append(fix)
    return fixes


def unknown_builders(builders: Mapping[str, Any]) -> list[str]:
    """Builders a recipe names that do not exist (a test keeps this empty)."""
    from ..categories import categories

    return sorted({s.builder for c in categories() for s in c.fix if s.builder and s.builder not in builders})
