"""Checks every workload analyzer runs on its pod template: references to ConfigMaps, Secrets,
keys and image pull secrets that do not exist. Reporting them on the workload (not only on the
pods that then fail) points the responder at the object whose change clears the fault."""

from __future__ import annotations

from typing import Any

from .base import Finding, make_finding
from .pod_template import missing_config_references
from .view import ClusterView, KubeObject, name_of, namespace_of

# The kinds these checks read; workload analyzers add them to their own `reads`.
TEMPLATE_READS = frozenset({"ConfigMap", "Secret"})


def pod_template_findings(
    view: ClusterView,
    kind: str,
    workload: KubeObject,
    pod_spec: dict[str, Any],
    template_path: str = "spec.template.spec",
    owner: str | None = None,
) -> list[Finding]:
    namespace, name = namespace_of(workload), name_of(workload)
    findings = []
    for missing in missing_config_references(view, namespace, pod_spec):
        ref = missing.ref
        target = f"{ref.kind} {ref.name}" + (f" key {ref.key}" if ref.key else "")
        findings.append(
            make_finding(
                kind, workload, "critical", "ConfigRefMissing",
                f"{kind} {namespace}/{name} pod template references a missing object: {missing.problem}; "
                "its pods cannot start until it exists or the reference is removed",
                [f"{template_path}.{ref.path} -> {target}",
                 f"{ref.kind} {namespace}/{ref.name}: {'has no key ' + str(ref.key) if missing.missing_key else 'not found'}"],
                owner,
            )
        )
    if view.has_kind("Secret"):
        for pull_secret in pod_spec.get("imagePullSecrets") or []:
            secret = pull_secret.get("name") or ""
            if secret and view.get("Secret", secret, namespace) is None:
                findings.append(
                    make_finding(
                        kind, workload, "warning", "ImagePullSecretMissing",
                        f"{kind} {namespace}/{name} references non-existent ImagePullSecret {secret}",
                        [f"{template_path}.imagePullSecrets[{secret}]", f"Secret {namespace}/{secret}: not found"],
                        owner,
                    )
                )
    return findings


def template_pod_spec(workload: KubeObject) -> dict[str, Any]:
    """spec.template.spec of a Deployment/ReplicaSet/StatefulSet/DaemonSet/Job/ReplicationController."""
    return ((workload.get("spec") or {}).get("template") or {}).get("spec") or {}
