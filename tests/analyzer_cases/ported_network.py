"""Cases ported from k8sgpt's service_test.go, ingress_test.go and netpol_test.go."""

from __future__ import annotations

from .builders import address, container, endpoints, ingress, network_policy, pod, service
from .model import AnalyzerCase, expect


def _ported(test: str, kind: str, objects: list, expected: list, **fields) -> AnalyzerCase:
    return AnalyzerCase(id=f"k8sgpt/{test}", k8sgpt_test=test, objects=objects, expected=expected,
                        namespace=fields.pop("namespace", "default"), kinds=[kind], **fields)


def _ingress_case(test: str, ing: dict, expected: list) -> AnalyzerCase:
    return _ported(test, "Ingress", [ing], expected)


_NO_CLASS = "does not specify an Ingress class."

CASES = [
    _ported(
        "TestServiceAnalyzer", "Service",
        [
            endpoints("endpoint1", "test", subsets=[
                {"notReadyAddresses": [address("reference1", "10.0.0.1", "test-reference"),
                                       address("reference2", "10.0.0.2", "test-reference")]},
                {"notReadyAddresses": [address("reference3", "10.0.0.3", "test-reference")]},
            ]),
            endpoints("endpoint2", "test", annotations={"control-plane.alpha.kubernetes.io/leader": "this is okay"}),
            endpoints("non-existent-service", "test"),
            endpoints("service1", "test"),
            service("service1", "test", selector={"app1": "test-app1", "app2": "test-app2"}),
            service("service2", "default", selector={"app1": "test-app1", "app2": "test-app2"}),
            service("service3", "test"),
        ],
        [
            expect("test/Service/endpoint1", "EndpointsNotReady", "critical",
                   "Service has not ready endpoints, pods: [test-reference/reference1 test-reference/reference2 "
                   "test-reference/reference3], expected 3"),
            expect("test/Service/service1", "SelectorMismatch", "critical",
                   "Service has no endpoints, expected label app1=test-app1, app2=test-app2"),
        ],
        namespace="test",
        note="k8sgpt: two failures for service1, one per expected label; here one finding naming both",
    ),
    _ingress_case(
        "TestIngressAnalyzer/Non-existent backend service",
        ingress("test-ingress", backends=["non-existent-service"]),
        [
            expect("default/Ingress/test-ingress", "IngressClassMissing", "warning", f"Ingress default/test-ingress {_NO_CLASS}"),
            expect("default/Ingress/test-ingress", "BackendServiceMissing", "critical",
                   "Ingress uses the service default/non-existent-service which does not exist."),
        ],
    ),
    _ingress_case(
        "TestIngressAnalyzer/Non-existent TLS secret",
        ingress("test-ingress-tls", backends=["test-service"],
                tls=[{"hosts": ["example.com"], "secretName": "non-existent-secret"}]),
        [
            expect("default/Ingress/test-ingress-tls", "IngressClassMissing", "warning", _NO_CLASS),
            expect("default/Ingress/test-ingress-tls", "BackendServiceMissing", "critical",
                   "Ingress uses the service default/test-service which does not exist."),
            expect("default/Ingress/test-ingress-tls", "TLSSecretMissing", "warning",
                   "Ingress uses the secret default/non-existent-secret as a TLS certificate which does not exist."),
        ],
    ),
    _ingress_case(
        "TestIngressAnalyzer/Multiple issues",
        ingress("test-ingress-multi", backends=["non-existent-service"],
                tls=[{"hosts": ["example.com"], "secretName": "non-existent-secret"}]),
        [
            expect("default/Ingress/test-ingress-multi", "IngressClassMissing", "warning", _NO_CLASS),
            expect("default/Ingress/test-ingress-multi", "BackendServiceMissing", "critical", "non-existent-service"),
            expect("default/Ingress/test-ingress-multi", "TLSSecretMissing", "warning", "non-existent-secret"),
        ],
    ),
    _ingress_case(
        "TestIngressAnalyzer/Resource backend instead of a service backend",
        ingress("test-ingress-resource-backend", resource_backend=True),
        [expect("default/Ingress/test-ingress-resource-backend", "IngressClassMissing", "warning", _NO_CLASS)],
    ),
    _ingress_case(
        "TestIngressAnalyzerSkipsEmptyTLSSecretName",
        ingress("default-certificate-ingress", class_name="gce", tls=[{"hosts": ["example.com"]}]),
        [],
    ),
    _ingress_case(
        "TestIngressAnalyzerGKEIngressClass/GKE gce ingress class should not report error",
        ingress("gke-ingress", class_name="gce"), [],
    ),
    _ingress_case(
        "TestIngressAnalyzerGKEIngressClass/GKE gce-internal ingress class should not report error",
        ingress("gke-internal-ingress", class_name="gce-internal"), [],
    ),
    _ingress_case(
        "TestIngressAnalyzerGKEIngressClass/GKE gce ingress class via annotation should not report error",
        ingress("gke-ingress-annotation", annotations={"kubernetes.io/ingress.class": "gce"}), [],
    ),
    _ingress_case(
        "TestIngressAnalyzerGKEIngressClass/Non-existent ingress class should report error",
        ingress("custom-ingress", class_name="non-existent-class"),
        [expect("default/Ingress/custom-ingress", "IngressClassNotFound", "warning",
                "Ingress uses the ingress class non-existent-class which does not exist.")],
    ),
    _ported(
        "TestNetpolNoPods", "NetworkPolicy",
        [network_policy("example", pod_selector={"matchLabels": {"app": "example"}},
                        ingress_from=[{"podSelector": {"matchLabels": {"app": "database"}}}])],
        [expect("default/NetworkPolicy/example", "NoPodsSelected", "warning", "Network policy is not applied to any pods: example")],
    ),
    _ported(
        "TestNetpolWithPod", "NetworkPolicy",
        [
            network_policy("example", pod_selector={"matchLabels": {"app": "example"}},
                           ingress_from=[{"podSelector": {"matchLabels": {"app": "database"}}}]),
            pod("example", labels={"app": "example"}, phase=None, containers=[container("example", "example")]),
        ],
        [],
    ),
]
