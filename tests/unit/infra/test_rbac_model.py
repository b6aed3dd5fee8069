"""The request -> RBAC attributes table (kube-apiserver's RequestInfo rules) the coverage test relies on."""

from __future__ import annotations

import pytest

from .rbac_model import Authorizer, Permission, PolicyRule, RequestAttributes, granted, request_attributes

CASES = [
    ("GET", "/api/v1/pods", Permission("", "pods", "list"), None),
    ("GET", "/api/v1/namespaces/shop/pods?labelSelector=app%3Dx", Permission("", "pods", "list"), "shop"),
    ("GET", "/api/v1/namespaces/shop/pods/web-1", Permission("", "pods", "get"), "shop"),
    ("GET", "/api/v1/namespaces/shop/pods/web-1/log?tailLines=5", Permission("", "pods/log", "get"), "shop"),
    ("GET", "/api/v1/namespaces/shop/pods?watch=true", Permission("", "pods", "watch"), "shop"),
    ("GET", "/api/v1/namespaces", Permission("", "namespaces", "list"), None),
    ("GET", "/api/v1/namespaces/shop", Permission("", "namespaces", "get"), None),
    ("PATCH", "/api/v1/nodes/n1?dryRun=All", Permission("", "nodes", "patch"), None),
    ("DELETE", "/api/v1/namespaces/shop/pods/web-1", Permission("", "pods", "delete"), "shop"),
    ("DELETE", "/api/v1/namespaces/shop/pods", Permission("", "pods", "deletecollection"), "shop"),
    ("PATCH", "/apis/apps/v1/namespaces/shop/deployments/web/scale", Permission("apps", "deployments/scale", "patch"), "shop"),
    ("PUT", "/apis/apps/v1/namespaces/shop/deployments/web", Permission("apps", "deployments", "update"), "shop"),
    ("POST", "/apis/apps/v1/namespaces/shop/deployments", Permission("apps", "deployments", "create"), "shop"),
    ("GET", "/apis/metrics.k8s.io/v1beta1/nodes", Permission("metrics.k8s.io", "nodes", "list"), None),
    ("GET", "/apis/storage.k8s.io/v1/storageclasses/gp3", Permission("storage.k8s.io", "storageclasses", "get"), None),
]


@pytest.mark.parametrize(("method", "target", "permission", "namespace"), CASES)
def test_resource_requests_map_to_the_permission_kube_apiserver_checks(method, target, permission, namespace):
    assert request_attributes(method, target) == RequestAttributes(permission, namespace=namespace)


@pytest.mark.parametrize("target", ["/version", "/api", "/apis", "/apis/apps", "/openapi/v2", "/healthz"])
def test_discovery_and_other_paths_are_non_resource_urls(target):
    attributes = request_attributes("GET", target)
    assert attributes.permission is None and attributes.non_resource_path == target


def test_rules_expand_to_every_group_resource_verb_combination():
    role = {"kind": "Role", "metadata": {"name": "r"}, "rules": [
        {"apiGroups": ["apps"], "resources": ["deployments", "deployments/scale"], "verbs": ["patch"]},
        {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "delete"]}]}
    assert granted([role]) == {Permission("apps", "deployments", "patch"), Permission("apps", "deployments/scale", "patch"),
                               Permission("", "pods", "get"), Permission("", "pods", "delete")}


def test_a_misspelt_rule_field_is_an_error_naming_the_role():
    role = {"kind": "ClusterRole", "metadata": {"name": "typo"}, "rules": [{"apiGroup": [""], "verbs": ["get"]}]}
    with pytest.raises(AssertionError, match="ClusterRole typo"):
        granted([role])


def test_wildcards_are_reported():
    assert PolicyRule(apiGroups=["*"], resources=["pods"], verbs=["*"]).wildcards() == ["*", "*"]


def test_a_role_allows_only_in_its_namespace_a_cluster_role_everywhere():
    roles = [{"kind": "ClusterRole", "metadata": {"name": "read"}, "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]},
             {"kind": "Role", "metadata": {"name": "fix", "namespace": "shop"},
              "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["delete"]}]}]
    authorizer = Authorizer.of(roles)
    assert authorizer.allows(request_attributes("GET", "/api/v1/namespaces/payments/pods/p"))
    assert authorizer.allows(request_attributes("DELETE", "/api/v1/namespaces/shop/pods/p"))
    assert not authorizer.allows(request_attributes("DELETE", "/api/v1/namespaces/payments/pods/p"))
    assert not authorizer.allows(request_attributes("PATCH", "/api/v1/nodes/n1"))
    assert authorizer.allows(request_attributes("GET", "/version"))
