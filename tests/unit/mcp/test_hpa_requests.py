"""An autoscaler computes a resource's utilization only when every container of its target's pods requests that
resource (the HPA's own "missing request for cpu in container envoy"): a memory request alone does not make CPU
utilization computable, and the workload -- whose template is what to fix -- owns the finding."""

from __future__ import annotations

import pytest

from mcp_servers.kubernetes.analyzers.hpa import _needs_requests, _unrequested


def container(name: str, **requests: str) -> dict:
    return {"name": name, "resources": {"requests": requests} if requests else {}}


@pytest.mark.parametrize("containers, resources, missing", [
    ([container("web", memory="384Mi"), container("envoy")], ["cpu"], [("cpu", ["web", "envoy"])]),
    ([container("web", cpu="250m"), container("envoy")], ["cpu"], [("cpu", ["envoy"])]),
    ([container("web", cpu="250m"), container("envoy", cpu="50m")], ["cpu"], []),
    ([container("web", cpu="250m")], ["cpu", "memory"], [("memory", ["web"])]),
])
def test_each_container_must_request_what_the_autoscaler_divides_by(containers, resources, missing):
    assert _unrequested(containers, resources) == missing


@pytest.mark.parametrize("metrics, needs", [
    (None, ["cpu"]),  # autoscaling/v1, or no metrics: CPU utilization
    ([{"type": "Resource", "resource": {"name": "memory"}}], ["memory"]),
    ([{"type": "Pods", "pods": {"metric": {"name": "qps"}}}], []),  # a custom metric needs no request
])
def test_the_resources_an_autoscaler_divides_by(metrics, needs):
    assert _needs_requests({"spec": {"metrics": metrics} if metrics else {}}) == needs
