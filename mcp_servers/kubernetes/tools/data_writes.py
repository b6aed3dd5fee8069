"""Gated changes to the objects that hold a workload's data and settings: grow a PersistentVolumeClaim
(expand_claim) and correct one value of a ConfigMap, restarting the workloads that read it (set_config_value).

Both are narrow on purpose. A claim only grows, only when its StorageClass allows expansion, and at most
MAX_GROWTH times at once -- a claim never shrinks, so a mistake cannot be undone. A ConfigMap value is changed only
under a key it already has (a corrected value, never a new setting) and only from the value the plan saw; the
restarts are limited to workloads whose pod template reads that ConfigMap, because env values are read when a
container starts and the change would otherwise reach nobody. Secrets are never written here: their values are a
human's."""

from __future__ import annotations

from typing import Annotated

from mcp.server.fastmcp import FastMCP
from pydantic import BaseModel, ConfigDict, Field

from ...common.redaction import MASK, redact_text
from ...common.registry import tool_decorator
from ...common.safety import WriteRefused
from ..analyzers.pod_template import config_references
from ..quantity import parse_quantity
from .context import DryRun, KubeTools, Name, Namespace, Reason, WriteResult
from .preconditions import conflict_is_stale, expect, resource_version_lock
from .rollouts import WorkloadKind, patch_workload, restart_stamp
from .write_checks import template_spec

MAX_GROWTH = 4  # a bigger jump at once is a capacity decision, not an incident fix
Size = Annotated[str, Field(min_length=1, max_length=32, description='the new storage request, e.g. "40Gi"')]
ExpectSize = Annotated[str | None, Field(description="refuse unless the claim's current storage request is this")]
ConfigKey = Annotated[str, Field(min_length=1, max_length=253, pattern=r"^[-._a-zA-Z0-9]+$",
                                 description="a key the ConfigMap already has")]
ConfigValue = Annotated[str | None, Field(max_length=4096, description="the corrected value (or give `edit`)")]


class TextEdit(BaseModel):
    """One part of a value changed in place: what a value shown masked (a URL with credentials) is corrected by -- the
    part that changes (a host, a port) is never the secret, and the secret is never sent back."""
    model_config = ConfigDict(extra="forbid")
    find: str = Field(min_length=1, max_length=512, description="text that occurs exactly once in the current value")
    replace: str = Field(max_length=512, description="what it becomes")


ConfigEdit = Annotated[TextEdit | None, Field(description=(
    "instead of `value`: change one part of the current value in place (for a value this server shows masked)"))]
ExpectValue = Annotated[str | None, Field(max_length=4096, description=(
    "refuse unless the key's current value is this (as this server shows it: masked where it carries a secret)"))]
Restart = Annotated[list[Name], Field(max_length=10, description=(
    "names of workloads (of `restart_kind`) in the namespace that read this ConfigMap, restarted after the change "
    "so their containers read the new value"))]


def check_growth(where: str, current: str | None, size: str) -> None:
    new, old = parse_quantity(size), parse_quantity(current)
    if new is None:
        raise WriteRefused(f"expand_claim: {size!r} is not a Kubernetes quantity (e.g. 40Gi). Nothing was changed")
    if old is None:
        raise WriteRefused(f"expand_claim: {where} has no storage request to grow from. Nothing was changed")
    if new <= old:
        raise WriteRefused(f"expand_claim: {current} -> {size} would not grow {where}; a claim never shrinks. "
                           "Nothing was changed")
    if new > old * MAX_GROWTH:
        raise WriteRefused(f"expand_claim: {current} -> {size} is more than {MAX_GROWTH}x at once; grow it in steps or "
                           "let a human decide the capacity. Nothing was changed")


def reads_config_map(workload: dict, config_map: str) -> bool:
    """The pod template takes env, envFrom or a volume from the ConfigMap."""
    return any(ref.kind == "ConfigMap" and ref.name == config_map for ref in config_references(template_spec(workload)))


def register(mcp: FastMCP, ctx: KubeTools) -> None:
    tool = tool_decorator(mcp, guard=ctx.guard)
    kube = ctx.kube

    @tool(title="Grow a PersistentVolumeClaim", read_only=False, destructive=False, idempotent=True, open_world=True)
    def expand_claim(namespace: Namespace, name: Name, size: Size, reason: Reason, dry_run: DryRun = False,
                     expect_size: ExpectSize = None) -> WriteResult:
        """Grow a Bound claim's storage request (the volume and its filesystem grow while pods run) -- only when its
        StorageClass allows volume expansion, never smaller, at most 4x at once; with expect_size, only from that size."""
        where = f"PersistentVolumeClaim {namespace}/{name}"

        def action() -> str:
            claim = kube.get("PersistentVolumeClaim", namespace, name)
            current = (((claim.get("spec") or {}).get("resources") or {}).get("requests") or {}).get("storage")
            expect("expand_claim", where, "storage request", expect_size, current)
            if (claim.get("status") or {}).get("phase") != "Bound":
                raise WriteRefused(f"expand_claim: {where} is {(claim.get('status') or {}).get('phase')}, not Bound; only "
                                   "a bound volume can grow. Nothing was changed")
            class_name = (claim.get("spec") or {}).get("storageClassName")
            if not class_name:
                raise WriteRefused(f"expand_claim: {where} names no StorageClass; nothing says its volume can grow. "
                                   "Nothing was changed")
            if kube.get("StorageClass", None, class_name).get("allowVolumeExpansion") is not True:
                raise WriteRefused(f"expand_claim: StorageClass {class_name} does not allow volume expansion; free space "
                                   "or move the data to a bigger claim. Nothing was changed")
            check_growth(where, current, size)
            body = {"spec": {"resources": {"requests": {"storage": size}}},
                    **(resource_version_lock(claim) if expect_size is not None else {})}
            conflict_is_stale("expand_claim", where, lambda: kube.merge_patch("PersistentVolumeClaim", namespace, name, body,
                                                                             dry_run=dry_run))
            return f"{where} storage {current} -> {size}"

        return ctx.write("expand_claim", namespace, {"namespace": namespace, "name": name, "size": size,
                                                     "expect_size": expect_size}, reason, dry_run, action)

    @tool(title="Correct a ConfigMap value", read_only=False, destructive=True, idempotent=True, open_world=True)
    def set_config_value(namespace: Namespace, name: Name, key: ConfigKey, reason: Reason, value: ConfigValue = None,
                         edit: ConfigEdit = None, restart: Restart | None = None, restart_kind: WorkloadKind = "Deployment",
                         dry_run: DryRun = False, expect_value: ExpectValue = None) -> WriteResult:
        """Change the value under a key a ConfigMap already has (never add a key): to `value`, or by `edit` (one part
        replaced in place, for a value shown masked); with expect_value, only from that value. Then restart the named
        workloads that read the ConfigMap (each must), so their pods read the new value."""
        where = f"ConfigMap {namespace}/{name}"

        def action() -> str:
            if (value is None) == (edit is None):
                raise WriteRefused("set_config_value: give either value or edit. Nothing was changed")
            if MASK in (value or "") or (edit and (MASK in edit.find or MASK in edit.replace)):
                raise WriteRefused(f"set_config_value: the new value carries {MASK}, the mask this server shows in place of "
                                   "a secret; writing it would replace the secret with the mask. Correct the part that "
                                   "changes with `edit`. Nothing was changed")
            config_map = kube.get("ConfigMap", namespace, name)
            data = config_map.get("data") or {}
            if key not in data:
                raise WriteRefused(f"set_config_value: {where} has no key {key!r} (keys: {', '.join(sorted(data)) or '(none)'}); "
                                   "this tool corrects a value, never adds a setting. Nothing was changed")
            shown = redact_text(data[key])[0]  # what a reader of this server saw: a precondition may name that
            expect("set_config_value", where, f"value of {key}", expect_value,
                   shown if expect_value is not None and expect_value == shown else data[key])
            if edit is not None:
                if data[key].count(edit.find) != 1:
                    raise WriteRefused(f"set_config_value: {edit.find!r} occurs {data[key].count(edit.find)} times in "
                                       f"{where} {key}, not once: name a part that is unique. Nothing was changed")
                new = data[key].replace(edit.find, edit.replace)
            else:
                new = str(value)
            if data[key] == new:
                raise WriteRefused(f"set_config_value: {where} {key} is already {redact_text(new)[0]!r}. Nothing was changed")
            readers = [kube.get(restart_kind, namespace, workload) for workload in restart or []]
            for workload, obj in zip(restart or [], readers, strict=True):
                if not reads_config_map(obj, name):
                    raise WriteRefused(f"set_config_value: {restart_kind} {namespace}/{workload} does not read {where}; "
                                       "only its readers are restarted. Nothing was changed")
            body = {"data": {key: new}, **(resource_version_lock(config_map) if expect_value is not None else {})}
            conflict_is_stale("set_config_value", where,
                              lambda: kube.merge_patch("ConfigMap", namespace, name, body, dry_run=dry_run))
            for workload in restart or []:
                patch_workload(ctx, restart_kind, namespace, workload, restart_stamp(), dry_run, tool="set_config_value")
            restarted = f"; restarted {restart_kind} {', '.join(restart)}" if restart else ""
            return f"{where} {key} {data[key]!r} -> {new!r}{restarted}"  # (results are redacted on the way out)

        return ctx.write("set_config_value", namespace, {"namespace": namespace, "name": name, "key": key, "value": value,
                                                         "edit": edit.model_dump() if edit else None,
                                                         "restart": restart, "restart_kind": restart_kind,
                                                         "expect_value": expect_value}, reason, dry_run, action)
