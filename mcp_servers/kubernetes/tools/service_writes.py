"""Gated changes to a Service: point its selector at pods, or its targetPort at a port they serve --
the fixes for a Service that reaches no pod (a typo'd selector) or no listening port (an edited
targetPort), when the responder knows the value from the pods themselves.

Both refuse a change that would leave the Service reaching nothing: a selector must select at least
one pod in the namespace, a targetPort must be a port the selected pods declare (when they declare
any). A Service without a selector (hand-managed endpoints) is never given one. Both patches carry
the resourceVersion read for the check, so an edit in between is refused (409), never overwritten;
`expect_*` pins the value the plan was made against."""

from __future__ import annotations

from typing import Annotated

from mcp.server.fastmcp import FastMCP
from pydantic import Field

from ...common.registry import tool_decorator
from ...common.safety import WriteRefused
from ..analyzers.service_ports import declared_ports
from .context import DryRun, KubeTools, Name, Namespace, Reason, WriteResult
from .preconditions import conflict_is_stale, expect, resource_version_lock
from .topology import label_selector

LabelMap = Annotated[dict[str, Annotated[str, Field(max_length=63)]],
                     Field(min_length=1, max_length=10, description='label key -> value, e.g. {"app": "payments"}')]
ExpectSelector = Annotated[dict[str, str] | None, Field(description="refuse unless the Service's current selector is "
                                                                    "exactly this (what was seen when planned)")]
PortValue = Annotated[int | Annotated[str, Field(min_length=1, max_length=15)], Field(
    description="a container port number (1-65535) or a port name the pods declare")]
ExpectTargetPort = Annotated[int | str | None, Field(description="refuse unless the port's current targetPort is this")]


def check_target(tool: str, where: str, target: int | str, pods: list[dict]) -> None:
    declared = declared_ports((pod.get("spec") or {}) for pod in pods)  # what the Service analyzer reads, too
    names, numbers = {name for name, _, _ in declared if name}, {number for _, number, _ in declared}
    if isinstance(target, int) and not 1 <= target <= 65535:
        raise WriteRefused(f"{tool}: targetPort {target} is not a port number (1-65535)")
    if isinstance(target, str) and target.isdigit():
        raise WriteRefused(f"{tool}: pass the port number {target} as a number, not a string")
    if isinstance(target, str) and target not in names:
        raise WriteRefused(f"{tool}: the pods {where} selects declare no port named {target!r} "
                           f"(they declare {sorted(names) or 'no named ports'}); nothing was changed")
    if isinstance(target, int) and (names or numbers) and target not in numbers:
        raise WriteRefused(f"{tool}: the pods {where} selects declare ports {sorted(numbers)}, not {target}; "
                           "nothing was changed")


def register(mcp: FastMCP, ctx: KubeTools) -> None:
    tool = tool_decorator(mcp, guard=ctx.guard)
    kube = ctx.kube

    def live_selector(tool_name: str, namespace: str, name: str) -> tuple[dict, dict[str, str]]:
        service = kube.get("Service", namespace, name)
        selector = {str(k): str(v) for k, v in ((service.get("spec") or {}).get("selector") or {}).items()}
        if not selector:
            raise WriteRefused(f"{tool_name}: Service {namespace}/{name} has no selector (its endpoints are managed by "
                               "hand); this tool does not give it one")
        return service, selector

    @tool(title="Set a Service's selector", read_only=False, destructive=True, idempotent=True, open_world=True)
    def set_service_selector(namespace: Namespace, name: Name, selector: LabelMap, reason: Reason,
                             dry_run: DryRun = False, expect_selector: ExpectSelector = None) -> WriteResult:
        """Replace a Service's pod selector (kubectl patch service ... spec.selector); refused unless the new
        selector matches at least one pod in the namespace; with expect_selector, only while it still selects that."""
        where = f"Service {namespace}/{name}"

        def action() -> str:
            service, current = live_selector("set_service_selector", namespace, name)
            expect("set_service_selector", where, "selector", expect_selector, current)
            if current == selector:
                raise WriteRefused(f"set_service_selector: {where} already selects {selector}; nothing to change")
            pods = kube.list("Pod", namespace, label_selector=label_selector(selector))
            if not pods:
                raise WriteRefused(f"set_service_selector: no pod in {namespace} carries {selector}: the Service "
                                   "would still reach nothing; nothing was changed")
            # A merge patch merges maps: keys of the old selector that the new one drops are removed with null.
            body = {"spec": {"selector": {**{k: None for k in current if k not in selector}, **selector}},
                    **resource_version_lock(service)}
            conflict_is_stale("set_service_selector", where,
                              lambda: kube.merge_patch("Service", namespace, name, body, dry_run))
            return f"{where} selector {current} -> {selector} ({len(pods)} pods match)"

        return ctx.write("set_service_selector", namespace, {"namespace": namespace, "name": name, "selector": selector,
                                                             "expect_selector": expect_selector}, reason, dry_run, action)

    @tool(title="Set a Service port's targetPort", read_only=False, destructive=True, idempotent=True, open_world=True)
    def set_service_target_port(namespace: Namespace, name: Name,
                                port: Annotated[int, Field(ge=1, le=65535, description="the Service port to change")],
                                target_port: PortValue, reason: Reason, dry_run: DryRun = False,
                                expect_target_port: ExpectTargetPort = None) -> WriteResult:
        """Point one Service port at the container port its pods serve (by number or name); refused unless the
        selected pods declare it; the Service's other ports are kept; with expect_target_port, only from that value."""
        where = f"Service {namespace}/{name}"

        def action() -> str:
            service, selector = live_selector("set_service_target_port", namespace, name)
            ports = [dict(p) for p in (service.get("spec") or {}).get("ports") or []]
            entry = next((p for p in ports if p.get("port") == port), None)
            if entry is None:
                raise WriteRefused(f"set_service_target_port: {where} has no port {port} "
                                   f"(it has {[p.get('port') for p in ports]})")
            current = entry.get("targetPort", port)
            expect("set_service_target_port", f"{where} port {port}", "targetPort", expect_target_port, current)
            if current == target_port:
                raise WriteRefused(f"set_service_target_port: {where} port {port} already targets {target_port}")
            check_target("set_service_target_port", where, target_port,
                         kube.list("Pod", namespace, label_selector=label_selector(selector)))
            entry["targetPort"] = target_port
            # A merge patch replaces the ports list whole: every other port is sent back as it was read.
            body = {"spec": {"ports": ports}, **resource_version_lock(service)}
            conflict_is_stale("set_service_target_port", where,
                              lambda: kube.merge_patch("Service", namespace, name, body, dry_run))
            return f"{where} port {port} targetPort {current} -> {target_port}"

        return ctx.write("set_service_target_port", namespace,
                         {"namespace": namespace, "name": name, "port": port, "target_port": target_port,
                          "expect_target_port": expect_target_port}, reason, dry_run, action)
