"""The OpenAPI documents the lab generates from the official client's models, and the Strict
field validation built on the same models: the parts kubectl relies on (the PATCH operation's
fieldValidation parameter and x-kubernetes-group-version-kind, schemas reachable by $ref,
descriptions), and unknown-field paths named as kube-apiserver names them."""

from __future__ import annotations

import pytest

from sre_agent.lab.kube import fieldvalidation, openapi
from sre_agent.lab.kube.codec import loads
from sre_agent.lab.kube.errors import ApiError
from sre_agent.lab.kube.resources import by_kind


def test_v3_index_points_at_every_group_version_document():
    index = loads(openapi.v3_index())["paths"]
    assert {"api/v1", "apis/apps/v1", "apis/batch/v1", "apis/autoscaling/v2"} <= set(index)
    url = index["apis/apps/v1"]["serverRelativeURL"]
    assert url.startswith("/openapi/v3/apis/apps/v1?hash=")
    assert openapi.document_for(["openapi", "v3", "apis", "apps", "v1"]) == openapi.v3_document("apps", "v1")
    assert openapi.document_for(["openapi", "v3", "apis", "nope", "v1"]) is None


def test_v3_document_has_what_kubectl_apply_and_explain_look_for():
    doc = loads(openapi.v3_document("apps", "v1"))
    patch = doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"]
    assert patch["x-kubernetes-group-version-kind"] == {"group": "apps", "version": "v1", "kind": "Deployment"}
    assert {"name": "fieldValidation", "in": "query"}.items() <= next(
        p for p in patch["parameters"] if p["name"] == "fieldValidation").items()
    schemas = doc["components"]["schemas"]
    deployment = schemas["io.k8s.api.v1.Deployment"]
    assert deployment["x-kubernetes-group-version-kind"] == [{"group": "apps", "version": "v1", "kind": "Deployment"}]
    spec_ref = deployment["properties"]["spec"]["allOf"][0]["$ref"]
    spec = schemas[spec_ref.rsplit("/", 1)[1]]
    assert spec["properties"]["replicas"]["type"] == "integer"
    assert "Number of desired pods" in spec["properties"]["replicas"]["description"]
    assert spec["properties"]["template"]["allOf"][0]["$ref"].endswith("PodTemplateSpec")
    for schema in schemas.values():  # every $ref resolves inside the document
        for prop in schema["properties"].values():
            for ref in [prop.get("$ref")] + [a["$ref"] for a in prop.get("allOf", [])]:
                assert ref is None or ref.rsplit("/", 1)[1] in schemas


def test_v2_document_is_swagger_with_definitions():
    doc = loads(openapi.v2_document())
    assert doc["swagger"] == "2.0"
    assert "io.k8s.api.v1.Pod" in doc["definitions"]
    assert doc["definitions"]["io.k8s.api.v1.Pod"]["properties"]["spec"]["$ref"] == "#/definitions/io.k8s.api.v1.PodSpec"


@pytest.mark.parametrize("body, unknown", [
    ({"spec": {"replicas": 1}}, []),
    ({"spec": {"replicaz": 1}}, ["spec.replicaz"]),
    ({"metadata": {"labels": {"any": "thing"}, "nmae": "x"}}, ["metadata.nmae"]),
    ({"spec": {"template": {"spec": {"containers": [{"name": "a"}, {"name": "b", "imagee": "x"}]}}}},
     ["spec.template.spec.containers[1].imagee"]),
    ({"spec": {"template": {"spec": {"containers": [{"resources": {"limits": {"cpu": "1"}}}]}}}}, []),
    ({"spec": {"strategy": {"rollingUpdate": {"maxSurge": "25%"}}}}, []),
])
def test_unknown_fields_are_named_by_path(body, unknown):
    assert fieldvalidation.unknown_fields(by_kind("Deployment"), body) == unknown


def test_only_strict_refuses():
    body = {"spec": {"replicaz": 1}}
    for directive in (None, "Ignore", "Warn"):
        fieldvalidation.check(directive, by_kind("Deployment"), body)
    with pytest.raises(ApiError) as exc:
        fieldvalidation.check("Strict", by_kind("Deployment"), body)
    assert exc.value.code == 400
    assert 'strict decoding error: unknown field "spec.replicaz"' in exc.value.message
    with pytest.raises(ApiError):
        fieldvalidation.check("Loose", by_kind("Deployment"), body)
