"""Service analyzer, ported from k8sgpt pkg/analyzer/service.go: a Service whose Endpoints are
empty ("no endpoints, expected label k=v"), Endpoints with not-ready addresses, and non-Normal
events about the Service; leader-election Endpoints are skipped.

On top, an empty Service is told apart by looking at the pods themselves:
  * SelectorMismatch -- no pod in the namespace carries the selector's labels, and no workload's
    pod template would create one; the finding says which label no pod has and what values the
    pods do carry for that key;
  * NoEndpoints -- pods match but none is ready, or a workload would create matching pods but
    has none (it is failing, or its pods are rejected; see that workload's findings);
  * TargetPortMismatch -- the selected pods run, but a targetPort reaches none of their declared
    ports (service_ports.py): critical when a named port leaves the Service without endpoints,
    a warning when a number is listed that no container declares (declaring ports is optional).
Pods are matched through the view's per-namespace label index, never by scanning every pod
for every Service.
"""

from __future__ import annotations

from typing import Any

from .base import Finding, make_finding, reason_code
from .describe import describe_event
from .labels import equality_selector
from .pod_status import pod_is_ready, pod_is_terminal, pod_state_summary
from .service_ports import port_reach
from .view import ClusterView, KubeObject, annotations_of, name_of, namespace_of, spec_of

# Endpoints used as a leader-election lock (old controller-manager style) hold no addresses by design.
LEADER_ELECTION_ANNOTATION = "control-plane.alpha.kubernetes.io/leader"
MAX_PODS_LISTED = 5
# Workloads whose pod templates say which labels their pods will carry (a CronJob's: its job template's -- a Service in
# front of its runs has endpoints only while one runs).
TEMPLATE_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob")


def _addresses(endpoints: KubeObject | None, field: str) -> list[dict[str, Any]]:
    if endpoints is None:
        return []
    return [address for subset in endpoints.get("subsets") or [] for address in subset.get(field) or []]


def _label_hints(view: ClusterView, namespace: str, selector: dict[str, str]) -> list[str]:
    """Which selector labels no pod carries, and what the pods carry for those keys instead."""
    hints = []
    for key, value in sorted(selector.items()):
        if view.pods_with_label(namespace, key, value):
            continue
        seen = sorted(view.pod_label_values(namespace, key))
        if seen:
            hints.append(f"no pod carries {key}={value} (pods carry {key}={', '.join(seen[:MAX_PODS_LISTED])})")
        else:
            hints.append(f"no pod carries {key}={value} (no pod has a {key} label)")
    return hints or ["every label is carried by some pod, but no single pod carries all of them"]


def _workloads_selected(view: ClusterView, namespace: str, selector: dict[str, str]) -> list[str]:
    """Workloads whose pod template carries every selector label: the selector is right, the
    pods are just not there. Only consulted for Services without endpoints, so a scan is cheap."""
    selected = []
    for kind in TEMPLATE_KINDS:
        for workload in view.of_kind(kind, namespace):
            spec = workload.get("spec") or {}
            if kind == "CronJob":
                spec = (spec.get("jobTemplate") or {}).get("spec") or {}
            template_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
            if all(template_labels.get(key) == value for key, value in selector.items()):
                selected.append(f"{kind}/{name_of(workload)}")
    return selected


class ServiceAnalyzer:
    kind = "Service"
    reads: frozenset[str] = frozenset({"Endpoints", "Pod", *TEMPLATE_KINDS})

    def analyze(self, view: ClusterView) -> list[Finding]:
        services = {(namespace_of(s), name_of(s)): s for s in view.of_kind("Service")}
        endpoints = {(namespace_of(e), name_of(e)): e for e in view.of_kind("Endpoints")}
        findings: list[Finding] = []
        # k8sgpt walks Endpoints; walking Services too catches a Service whose Endpoints object
        # was never created.
        for key in sorted(services.keys() | endpoints.keys()):
            findings += self.check(view, services.get(key), endpoints.get(key))
        return findings

    def check(self, view: ClusterView, service: KubeObject | None, endpoints: KubeObject | None) -> list[Finding]:
        subject = service if service is not None else endpoints
        assert subject is not None
        name = name_of(subject)
        if endpoints is not None and LEADER_ELECTION_ANNOTATION in annotations_of(endpoints):
            return []
        if service is not None and spec_of(service).get("type") == "ExternalName":
            return self.warning_events(view, subject)  # a DNS alias: no endpoints expected
        ready, not_ready = _addresses(endpoints, "addresses"), _addresses(endpoints, "notReadyAddresses")
        findings = self.port_mismatch(view, service, bool(ready)) if service is not None else []
        if not ready and not not_ready:
            selector = spec_of(service).get("selector") if service is not None else None
            if selector:  # a Service without a selector manages its Endpoints by hand
                findings += self.without_endpoints(view, service, endpoints, selector)
        elif not_ready:
            pods = [f"{a['targetRef'].get('kind')}/{a['targetRef'].get('name')}" for a in not_ready if a.get("targetRef")]
            findings.append(make_finding(
                "Service", subject, "warning" if ready else "critical", "EndpointsNotReady",
                f"Service has not ready endpoints, pods: [{' '.join(pods)}], expected {len(not_ready)}",
                [f"endpoints {name}: {len(ready)} ready, {len(not_ready)} not ready address(es)"]
                + [f"notReadyAddresses: {pod}" for pod in pods[:MAX_PODS_LISTED]],
            ))
        return findings + self.warning_events(view, subject)

    @staticmethod
    def without_endpoints(
        view: ClusterView, service: KubeObject, endpoints: KubeObject | None, selector: dict[str, str]
    ) -> list[Finding]:
        namespace = namespace_of(service)
        expected = ", ".join(f"{k}={v}" for k, v in sorted(selector.items()))
        endpoints_evidence = f"endpoints {name_of(service)}: no addresses" if endpoints is not None else "no Endpoints object"
        if not view.has_kind("Pod"):  # k8sgpt's verdict, when the pods were not fetched
            return [make_finding("Service", service, "critical", "NoEndpoints",
                                 f"Service has no endpoints, expected label {expected}",
                                 [f"spec.selector: {expected}", endpoints_evidence])]
        matching = view.pods_matching(namespace, equality_selector(selector))
        if not matching and (workloads := _workloads_selected(view, namespace, selector)):
            return [make_finding(
                "Service", service, "critical", "NoEndpoints",
                f"Service has no endpoints, expected label {expected}: no pod is running with these labels, "
                f"although {', '.join(workloads)} would create matching pods (see its findings)",
                [f"spec.selector: {expected}", endpoints_evidence, f"pod template matches: {', '.join(workloads)}"],
            )]
        if not matching:
            hints = _label_hints(view, namespace, selector)
            return [make_finding(
                "Service", service, "critical", "SelectorMismatch",
                f"Service has no endpoints, expected label {expected}: no pod in namespace {namespace} "
                f"matches the selector; {'; '.join(hints)}",
                [f"spec.selector: {expected}", *hints, endpoints_evidence],
            )]
        live = [pod for pod in matching if not pod_is_terminal(pod)]
        if any(pod_is_ready(pod) for pod in live):
            return []  # ready pods exist; the Endpoints object is only lagging behind them
        states = ", ".join(f"{name_of(p)} ({pod_state_summary(p)})" for p in matching[:MAX_PODS_LISTED])
        return [make_finding(
            "Service", service, "critical", "NoEndpoints",
            f"Service has no ready endpoints: {len(matching)} pod(s) match selector {expected} but none is ready: {states}",
            [f"spec.selector: {expected}", endpoints_evidence, f"matching pods: {states}"],
        )]

    @staticmethod
    def port_mismatch(view: ClusterView, service: KubeObject, has_ready: bool) -> list[Finding]:
        selector = spec_of(service).get("selector")
        if not selector or not view.has_kind("Pod"):
            return []
        live = [p for p in view.pods_matching(namespace_of(service), equality_selector(selector)) if not pod_is_terminal(p)]
        if not any(pod_is_ready(p) for p in live):
            return []  # nothing serves yet: the pods' own state is the finding, not the port
        missed = [r for r in port_reach(service, [spec_of(p) for p in live]) if r.reached is False]
        if not missed:
            return []
        named = any(not r.target_port.isdigit() for r in missed)
        service_id = f"{namespace_of(service)}/{name_of(service)}"
        return [make_finding(
            "Service", service, "critical" if named or not has_ready else "warning", "TargetPortMismatch",
            "; ".join(r.sentence(service_id) for r in missed)
            + ("" if has_ready else ": the Service has no endpoints although its pods are Ready"),
            [f"spec.ports: {r.port} -> targetPort {r.target_port}/{r.protocol}" for r in missed]
            + [f"selected pods ({len(live)}) declare: {', '.join(missed[0].declared)}"],
        )]

    @staticmethod
    def warning_events(view: ClusterView, subject: KubeObject) -> list[Finding]:
        namespace, name = namespace_of(subject), name_of(subject)
        return [
            make_finding("Service", subject, "warning", reason_code(event.get("reason", "")),
                         f"Service {namespace}/{name} has event {event.get('message') or event.get('reason')}",
                         [describe_event(event)])
            for event in view.events_for("Service", name, namespace)
            if event.get("type") not in (None, "", "Normal")
        ]
