"""The real `kubectl` reads `discovery.k8s.io/v1` EndpointSlices, not v1 Endpoints: `describe service`
lists a healthy Service's ready addresses from its slices (it printed `<none>` before the lab served
them), and `get endpointslices` shows the server-side columns. Skipped when no kubectl is installed."""

from __future__ import annotations

import json
import re

import pytest

from sre_agent.contracts import parse_resource_id

from .kubectl_cli import NEEDS_KUBECTL, kubectl, started_lab

pytestmark = NEEDS_KUBECTL


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    yield from started_lab(tmp_path_factory)


@pytest.fixture(scope="module")
def healthy(lab) -> tuple[str, str, list[str]]:
    """(namespace, service, ["ip:port", ...]) of a Service whose v1 Endpoints list ready addresses."""
    namespace, _, _ = parse_resource_id(lab.find_scenario("bad-image").scenario.truth.resource)
    assert namespace is not None
    for ep in json.loads(kubectl(lab, "get", "endpoints", "-n", namespace, "-o", "json"))["items"]:
        for subset in ep.get("subsets") or []:
            if subset.get("addresses"):
                port = subset["ports"][0]["port"]
                return namespace, ep["metadata"]["name"], [f"{a['ip']}:{port}" for a in subset["addresses"]]
    pytest.fail(f"no Service in {namespace} has ready endpoints")


def test_describe_service_lists_the_ready_endpoints_from_the_slices(lab, healthy):
    namespace, service, addresses = healthy
    out = kubectl(lab, "describe", "service", service, "-n", namespace)
    line = next(line for line in out.splitlines() if line.startswith("Endpoints:"))
    assert "<none>" not in line, out
    listed = line.split(":", 1)[1].strip().split(" + ")[0].split(",")
    assert listed and all(a in addresses for a in listed), out


def test_get_endpointslices_shows_the_services_slice_with_its_endpoints(lab, healthy):
    namespace, service, addresses = healthy
    out = kubectl(lab, "get", "endpointslices", "-n", namespace, "-l", f"kubernetes.io/service-name={service}")
    lines = out.splitlines()
    assert re.split(r"\s{2,}", lines[0].strip()) == ["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"]
    assert len(lines) == 2, out
    name, address_type, ports, endpoints, _ = re.split(r"\s{2,}", lines[1].strip())
    assert re.fullmatch(rf"{re.escape(service)}-[bcdfghjklmnpqrstvwxz2456789]{{5}}", name), out
    assert (address_type, ports) == ("IPv4", addresses[0].rsplit(":", 1)[1]), out
    assert set(endpoints.split(" + ")[0].split(",")) <= {a.rsplit(":", 1)[0] for a in addresses}, out
    full = json.loads(kubectl(lab, "get", "endpointslice", name, "-n", namespace, "-o", "json"))
    assert full["metadata"]["labels"]["endpointslice.kubernetes.io/managed-by"] == "endpointslice-controller.k8s.io"
    ready_ips = {a.rsplit(":", 1)[0] for a in addresses}
    for e in full["endpoints"]:
        ready = e["addresses"][0] in ready_ips
        assert e["conditions"] == {"ready": ready, "serving": ready, "terminating": False}, full
        assert e["targetRef"]["kind"] == "Pod" and e["targetRef"]["namespace"] == namespace, full


def test_endpointslices_are_read_only_and_discoverable(lab, healthy):
    namespace, service, _ = healthy
    resources = kubectl(lab, "api-resources", "--api-group=discovery.k8s.io")
    assert re.search(r"^endpointslices\s+discovery\.k8s\.io/v1\s+true\s+EndpointSlice", resources, re.M), resources
    name = kubectl(lab, "get", "endpointslices", "-n", namespace, "-l", f"kubernetes.io/service-name={service}",
                   "-o", "name").strip()
    out = kubectl(lab, "delete", name, "-n", namespace, check=False)
    assert "MethodNotAllowed" in out, out
