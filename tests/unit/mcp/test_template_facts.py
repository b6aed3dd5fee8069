"""What a rollout changed, and which config objects a template needs (mcp_servers/kubernetes/template_facts.py)."""

from __future__ import annotations

import copy

import pytest

from mcp_servers.kubernetes.template_facts import changed_aspects, config_refs, container_ports, pod_labels, pod_requests

BASE = {"metadata": {"labels": {"app": "api", "pod-template-hash": "abc"}},
        "spec": {"containers": [{"name": "api", "image": "api:1", "env": [
            {"name": "MODE", "value": "live"},
            {"name": "DB_URL", "valueFrom": {"configMapKeyRef": {"name": "api-config", "key": "DB_URL"}}},
            {"name": "OPT", "valueFrom": {"secretKeyRef": {"name": "opt", "key": "x", "optional": True}}}],
            "envFrom": [{"secretRef": {"name": "api-keys"}}],
            "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}}}],
            "volumes": [{"name": "files", "configMap": {"name": "api-files"}}]}}


def changed(mutate) -> list[str]:
    after = copy.deepcopy(BASE)
    mutate(after)
    return changed_aspects(BASE, after)


def test_config_refs_are_required_objects_and_keys_optional_ones_left_out():
    assert config_refs(BASE) == ["ConfigMap/api-config:DB_URL", "ConfigMap/api-files", "Secret/api-keys"]


def test_container_ports_name_number_and_protocol():
    template = {"spec": {"containers": [{"ports": [{"name": "http", "containerPort": 8080},
                                                   {"containerPort": 9090, "protocol": "UDP"}]}]}}
    assert container_ports(template) == ["http:8080/TCP", "9090/UDP"]
    assert container_ports(BASE) == []


def test_pod_requests_sum_the_app_containers_and_take_the_largest_init_container():
    template = {"spec": {
        "initContainers": [{"resources": {"requests": {"cpu": "2", "memory": "64Mi"}}}],
        "containers": [{"resources": {"requests": {"cpu": "250m", "memory": "1Gi", "nvidia.com/gpu": "1"}}},
                       {"resources": {"requests": {"cpu": "0.1", "memory": "128Mi"}}}, {"name": "no-requests"}]}}
    assert pod_requests(template) == {"cpu": "2000m", "memory": "1152Mi", "nvidia.com/gpu": "1"}
    assert pod_requests(BASE) == {}


def test_pod_labels_leave_the_controllers_hash_out():
    assert pod_labels(BASE) == {"app": "api"}


@pytest.mark.parametrize("mutate, aspects", [
    (lambda t: t["spec"]["containers"][0].update(image="api:2"), ["image"]),
    (lambda t: t["spec"]["containers"][0]["env"][0].update(value="test"), ["env"]),
    (lambda t: t["spec"]["containers"][0]["env"][1]["valueFrom"]["configMapKeyRef"].update(key="DB"), ["config_refs"]),
    (lambda t: t["spec"]["containers"][0]["readinessProbe"]["httpGet"].update(port=9090), ["probes"]),
    (lambda t: t["metadata"]["labels"].update(app="api-v2"), ["labels"]),
    (lambda t: t["metadata"]["labels"].update({"pod-template-hash": "def"}), []),
    (lambda t: t["spec"].update(nodeSelector={"pool": "batch"}), ["placement"]),
    (lambda t: t["spec"]["containers"][0].update(resources={"limits": {"cpu": "1"}}), ["resources"]),
    (lambda t: t["spec"]["containers"][0].update(ports=[{"name": "web", "containerPort": 8080}]), ["ports"]),
    (lambda t: t["spec"]["containers"][0].update(args=["--verbose"]), ["command"]),
])
def test_what_a_rollout_changed(mutate, aspects):
    assert changed(mutate) == aspects
