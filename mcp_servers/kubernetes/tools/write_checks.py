"""Checks a write must pass before it is sent to the API server. Each raises `WriteRefused` with
what was wrong, where, and what to do; nothing is sent when one fails.

Why here and not left to the API server: a strategic merge patch that names a container the pod
template does not have *adds* that container (and its dry run says OK), and a real API server
answers a malformed quantity with a decoding error that does not name the field."""

from __future__ import annotations

from typing import Any

from ...common.safety import WriteRefused
from ..quantity import parse_quantity

RESOURCE_NAMES = ("cpu", "memory", "ephemeral-storage")
EXAMPLES = {"cpu": "250m or 1.5", "memory": "512Mi or 2Gi", "ephemeral-storage": "1Gi"}
CONTAINER_LISTS = ("containers", "initContainers")  # the fields kubectl set image/resources reach


def template_spec(workload: dict) -> dict:
    return ((workload.get("spec") or {}).get("template") or {}).get("spec") or {}


def container_field(tool: str, where: str, workload: dict, container: str) -> str:
    """The pod-template field ("containers" or "initContainers") holding `container`; refused
    when the template has no container of that name (listing the ones it has)."""
    spec = template_spec(workload)
    names = {field: [c.get("name") for c in spec.get(field) or [] if isinstance(c, dict)] for field in CONTAINER_LISTS}
    for field in CONTAINER_LISTS:
        if container in names[field]:
            return field
    has = f"containers: {', '.join(names['containers']) or '(none)'}"
    if names["initContainers"]:
        has += f"; init containers: {', '.join(names['initContainers'])}"
    raise WriteRefused(f"{tool}: {where} has no container {container!r} ({has}). Nothing was changed; "
                       "call again with one of those names")


def find_container(workload: dict, field: str, container: str) -> dict:
    return next(c for c in template_spec(workload).get(field) or [] if isinstance(c, dict) and c.get("name") == container)


def check_resources(tool: str, requests: dict[str, str] | None, limits: dict[str, str] | None) -> dict[str, dict[str, str]]:
    """The `resources` block to patch in; refused when empty, or when a resource name or a
    quantity is not one Kubernetes accepts."""
    if not requests and not limits:
        raise WriteRefused(f"{tool}: give requests and/or limits, e.g. requests={{'cpu': '250m', 'memory': '512Mi'}}. "
                           "Nothing was changed")
    resources = {section: dict(values) for section, values in (("requests", requests), ("limits", limits)) if values}
    for section, values in resources.items():
        for resource, quantity in values.items():
            if resource not in RESOURCE_NAMES:
                raise WriteRefused(f"{tool}: {section}.{resource}: unknown resource {resource!r}; use cpu, memory or "
                                   "ephemeral-storage. Nothing was changed")
            value = parse_quantity(quantity)
            if value is None:
                raise WriteRefused(f"{tool}: {section}.{resource}: {quantity!r} is not a Kubernetes quantity; use e.g. "
                                   f"{EXAMPLES[resource]} (suffixes m, Ki, Mi, Gi; no 'MB'). Nothing was changed")
            if value < 0:
                raise WriteRefused(f"{tool}: {section}.{resource}: {quantity!r} is negative; quantities must be >= 0. "
                                   "Nothing was changed")
    return resources


def check_requests_within_limits(tool: str, where: str, current: dict[str, Any] | None,
                                 change: dict[str, dict[str, str]]) -> None:
    """Refused when, after the change is merged into the container's current resources (as a
    strategic merge patch merges them), a request is above its limit: the API server would refuse
    it, or worse, a dry run against a lenient server would pass."""
    current = current or {}
    requests = {**(current.get("requests") or {}), **change.get("requests", {})}
    limits = {**(current.get("limits") or {}), **change.get("limits", {})}
    for resource in sorted(set(requests) & set(limits)):
        request, limit = parse_quantity(requests[resource]), parse_quantity(limits[resource])
        if request is not None and limit is not None and request > limit:
            raise WriteRefused(f"{tool}: requests.{resource} {requests[resource]} is above limits.{resource} "
                               f"{limits[resource]} for {where}; a request may not exceed its limit. Lower the "
                               "request or raise the limit (give both in one call). Nothing was changed")


def check_replicas(tool: str, replicas: int, maximum: int) -> None:
    if replicas < 0:
        raise WriteRefused(f"{tool}: replicas {replicas} is below the minimum of 0. Nothing was changed")
    if replicas > maximum:
        raise WriteRefused(f"{tool}: replicas {replicas} is above this server's maximum of {maximum} (its "
                           "--max-replicas / SRE_MCP_MAX_REPLICAS); a larger count is almost certainly a mistake. "
                           "Nothing was changed")
