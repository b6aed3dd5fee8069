"""What a pod spec refers to: containers, ConfigMaps, Secrets and image pull secrets. Shared by
the Pod analyzer and the workload analyzers, which check a template's references before any pod
fails on them (the workload is the root-cause resource for a missing config reference)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from .view import ClusterView

ConfigKind = Literal["ConfigMap", "Secret"]


@dataclass(frozen=True)
class ConfigReference:
    kind: ConfigKind
    name: str
    key: str | None  # a single key (env valueFrom, volume items), or None for the whole object
    optional: bool
    path: str  # where in the pod spec, for evidence


def containers_of(pod_spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(field, container) for init containers and containers, in start order."""
    for field in ("initContainers", "containers"):
        for container in pod_spec.get(field) or []:
            yield field, container


def container_spec(pod_spec: dict[str, Any], name: str) -> dict[str, Any]:
    for _, container in containers_of(pod_spec):
        if container.get("name") == name:
            return container
    return {}


def _volume_references(pod_spec: dict[str, Any]) -> Iterator[ConfigReference]:
    for volume in pod_spec.get("volumes") or []:
        path = f"volumes[{volume.get('name', '')}]"
        sources = [("ConfigMap", volume.get("configMap"), "name"), ("Secret", volume.get("secret"), "secretName")]
        for projection in (volume.get("projected") or {}).get("sources") or []:
            sources += [("ConfigMap", projection.get("configMap"), "name"), ("Secret", projection.get("secret"), "name")]
        for kind, source, name_field in sources:
            if not source or not source.get(name_field):
                continue
            optional = bool(source.get("optional"))
            items = source.get("items") or []
            if not items:
                yield ConfigReference(kind, source[name_field], None, optional, path)  # type: ignore[arg-type]
            for item in items:
                yield ConfigReference(kind, source[name_field], item.get("key"), optional, path)  # type: ignore[arg-type]


def _env_references(pod_spec: dict[str, Any]) -> Iterator[ConfigReference]:
    for field, container in containers_of(pod_spec):
        prefix = f"{field}[{container.get('name', '')}]"
        for source in container.get("envFrom") or []:
            for kind, key in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
                ref = source.get(key)
                if ref and ref.get("name"):
                    yield ConfigReference(kind, ref["name"], None, bool(ref.get("optional")),  # type: ignore[arg-type]
                                          f"{prefix}.envFrom.{key}")
        for var in container.get("env") or []:
            value_from = var.get("valueFrom") or {}
            for kind, key in (("ConfigMap", "configMapKeyRef"), ("Secret", "secretKeyRef")):
                ref = value_from.get(key)
                if ref and ref.get("name"):
                    yield ConfigReference(kind, ref["name"], ref.get("key"), bool(ref.get("optional")),  # type: ignore[arg-type]
                                          f"{prefix}.env[{var.get('name', '')}].valueFrom.{key}")


def config_references(pod_spec: dict[str, Any]) -> list[ConfigReference]:
    """Every ConfigMap and Secret a pod spec reads, through env, envFrom and (projected) volumes."""
    return [*_env_references(pod_spec), *_volume_references(pod_spec)]


def keys_of(kind: ConfigKind, obj: dict[str, Any]) -> set[str] | None:
    """The keys an object holds, or None when the snapshot does not say: a server may list
    Secrets as metadata only, and a Secret without `data` there is not an empty Secret."""
    if kind == "Secret" and "data" not in obj and "stringData" not in obj:
        return None
    return {*(obj.get("data") or {}), *(obj.get("binaryData") or {}), *(obj.get("stringData") or {})}


@dataclass(frozen=True)
class MissingReference:
    ref: ConfigReference
    missing_key: bool  # the object exists but lacks ref.key

    @property
    def problem(self) -> str:
        if self.missing_key:
            return f"{self.ref.kind} {self.ref.name} has no key {self.ref.key}"
        return f"{self.ref.kind} {self.ref.name} does not exist"


def missing_config_references(view: ClusterView, namespace: str, pod_spec: dict[str, Any]) -> list[MissingReference]:
    """Non-optional references to ConfigMaps/Secrets (or their keys) that do not exist. Kinds the
    snapshot did not fetch are not judged."""
    missing: list[MissingReference] = []
    seen: set[tuple[str, str, str | None]] = set()
    for ref in config_references(pod_spec):
        if ref.optional or not view.has_kind(ref.kind) or (ref.kind, ref.name, ref.key) in seen:
            continue
        seen.add((ref.kind, ref.name, ref.key))
        obj = view.get(ref.kind, ref.name, namespace)
        if obj is None:
            missing.append(MissingReference(ref, missing_key=False))
        elif ref.key is not None:
            keys = keys_of(ref.kind, obj)
            if keys is not None and ref.key not in keys:
                missing.append(MissingReference(ref, missing_key=True))
    return missing


def configmaps_used(pod_spec: dict[str, Any]) -> set[str]:
    """Names of ConfigMaps a pod spec reads, optional or not."""
    return {ref.name for ref in config_references(pod_spec) if ref.kind == "ConfigMap"}
