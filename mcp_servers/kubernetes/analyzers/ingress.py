"""Ingress analyzer, ported from k8sgpt pkg/analyzer/ingress.go: an Ingress class must be named
(spec.ingressClassName or the legacy annotation) and exist -- GKE's built-in gce classes have no
IngressClass object --, every service backend must exist, and every named TLS secret must exist;
resource backends and TLS entries without a secret (the controller's default certificate) are
fine. Beyond k8sgpt: an Ingress without a class is fine when an IngressClass is marked default,
and the default backend is checked like the rules' backends."""

from __future__ import annotations

from .base import Finding, make_finding
from .view import ClusterView, KubeObject, annotations_of, name_of, namespace_of, spec_of

LEGACY_CLASS_ANNOTATION = "kubernetes.io/ingress.class"
DEFAULT_CLASS_ANNOTATION = "ingressclass.kubernetes.io/is-default-class"
GKE_BUILTIN_CLASSES = frozenset({"gce", "gce-internal"})


def _service_backends(ingress: KubeObject) -> list[tuple[str, str]]:
    """(field path, service name) for the default backend and every rule path."""
    spec = spec_of(ingress)
    backends = []
    default = (spec.get("defaultBackend") or {}).get("service") or {}
    if default.get("name"):
        backends.append(("spec.defaultBackend.service.name", default["name"]))
    for rule in spec.get("rules") or []:
        for path in (rule.get("http") or {}).get("paths") or []:
            service = (path.get("backend") or {}).get("service") or {}
            if service.get("name"):
                where = f"spec.rules[{rule.get('host', '*')}].http.paths[{path.get('path', '/')}].backend.service.name"
                backends.append((where, service["name"]))
    return backends


class IngressAnalyzer:
    kind = "Ingress"
    reads: frozenset[str] = frozenset({"IngressClass", "Service", "Secret"})

    def analyze(self, view: ClusterView) -> list[Finding]:
        findings: list[Finding] = []
        has_default_class = any(
            annotations_of(c).get(DEFAULT_CLASS_ANNOTATION) == "true" for c in view.of_kind("IngressClass")
        )
        for ingress in view.of_kind("Ingress"):
            findings += self.ingress_class(view, ingress, has_default_class)
            findings += self.backends(view, ingress)
            findings += self.tls_secrets(view, ingress)
        return findings

    @staticmethod
    def ingress_class(view: ClusterView, ingress: KubeObject, has_default_class: bool) -> list[Finding]:
        namespace, name = namespace_of(ingress), name_of(ingress)
        class_name = spec_of(ingress).get("ingressClassName") or annotations_of(ingress).get(LEGACY_CLASS_ANNOTATION)
        if not class_name:
            # Without the IngressClasses (not fetched, no RBAC) a default class may exist unseen.
            if has_default_class or not view.has_kind("IngressClass"):
                return []
            return [make_finding("Ingress", ingress, "warning", "IngressClassMissing",
                                 f"Ingress {namespace}/{name} does not specify an Ingress class.",
                                 ["spec.ingressClassName unset", f"annotation {LEGACY_CLASS_ANNOTATION} unset",
                                  "no IngressClass is marked default"])]
        if class_name in GKE_BUILTIN_CLASSES or not view.has_kind("IngressClass"):
            return []
        if view.get("IngressClass", class_name) is None:
            return [make_finding("Ingress", ingress, "warning", "IngressClassNotFound",
                                 f"Ingress uses the ingress class {class_name} which does not exist.",
                                 [f"ingress class {class_name}", f"IngressClass {class_name}: not found"])]
        return []

    @staticmethod
    def backends(view: ClusterView, ingress: KubeObject) -> list[Finding]:
        if not view.has_kind("Service"):
            return []
        namespace = namespace_of(ingress)
        return [
            make_finding("Ingress", ingress, "critical", "BackendServiceMissing",
                         f"Ingress uses the service {namespace}/{service} which does not exist.",
                         [f"{where}={service}", f"Service {namespace}/{service}: not found"])
            for where, service in _service_backends(ingress)
            if view.get("Service", service, namespace) is None
        ]

    @staticmethod
    def tls_secrets(view: ClusterView, ingress: KubeObject) -> list[Finding]:
        if not view.has_kind("Secret"):
            return []
        namespace = namespace_of(ingress)
        return [
            make_finding("Ingress", ingress, "warning", "TLSSecretMissing",
                         f"Ingress uses the secret {namespace}/{tls['secretName']} as a TLS certificate which does not exist.",
                         [f"spec.tls[{', '.join(tls.get('hosts') or [])}].secretName={tls['secretName']}",
                          f"Secret {namespace}/{tls['secretName']}: not found"])
            for tls in spec_of(ingress).get("tls") or []
            if tls.get("secretName") and view.get("Secret", tls["secretName"], namespace) is None
        ]
