"""The review resources kubectl's auth commands post: a SelfSubjectAccessReview in protobuf (kubectl sends
protobuf and does not retry as JSON) read through the server's protobuf reader, the answers, and
the discovery entries (`all` category, create-only reviews)."""

from __future__ import annotations

import pytest

from sre_agent.lab.kube import protobuf, reviews
from sre_agent.lab.kube.codec import loads
from sre_agent.lab.kube.errors import ApiError
from sre_agent.lab.kube.messages import Request, Route
from sre_agent.lab.kube.resources import api_resource_list, by_kind


def field(number: int, payload: bytes) -> bytes:
    assert len(payload) < 128 and number < 16
    return bytes([number << 3 | 2, len(payload)]) + payload


def ssar_protobuf(**attributes: str) -> bytes:
    order = ["namespace", "verb", "group", "version", "resource", "subresource", "name"]
    attrs = b"".join(field(order.index(k) + 1, v.encode()) for k, v in attributes.items())
    review = field(1, b"") + field(2, field(1, attrs)) + field(3, bytes([1 << 3 | 0, 0]))  # status.allowed=false
    type_meta = field(1, b"authorization.k8s.io/v1") + field(2, b"SelfSubjectAccessReview")
    return b"k8s\x00" + field(1, type_meta) + bytes([2 << 3 | 2, len(review)]) + review


def request(body: bytes, content_type: str) -> Request:
    return Request("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", {},
                   {"Content-Type": content_type}, body)


def test_a_protobuf_access_review_is_read_and_allowed():
    body = ssar_protobuf(namespace="shop", verb="get", resource="pods")
    assert protobuf.decode(body)["spec"] == {"resourceAttributes": {"namespace": "shop", "verb": "get", "resource": "pods"}}
    answer = reviews.create_review(protobuf.as_json(request(body, "application/vnd.kubernetes.protobuf")),
                                   Route(by_kind("SelfSubjectAccessReview"), None, None, None))
    doc = loads(answer.body)
    assert answer.status == 201 and doc["status"]["allowed"] is True
    assert doc["spec"]["resourceAttributes"]["verb"] == "get"


def test_a_json_review_without_attributes_is_invalid_and_garbage_protobuf_is_400():
    route = Route(by_kind("SelfSubjectAccessReview"), None, None, None)
    with pytest.raises(ApiError) as exc:
        reviews.create_review(request(b'{"spec": {}}', "application/json"), route)
    assert exc.value.code == 422
    with pytest.raises(ApiError) as exc:
        protobuf.as_json(request(b"not protobuf", "application/vnd.kubernetes.protobuf"))
    assert exc.value.code == 400


def test_whoami_names_the_lab_admin():
    route = Route(by_kind("SelfSubjectReview"), None, None, None)
    doc = loads(reviews.create_review(Request("POST", "/", {}, {"Content-Type": "application/json"},
                                              b'{"kind":"SelfSubjectReview"}'), route).body)
    assert doc["status"]["userInfo"]["username"] == "sre-lab-admin"


def test_discovery_lists_the_all_category_and_create_only_reviews():
    apps = {r["name"]: r for r in api_resource_list("apps", "v1")["resources"]}
    assert apps["deployments"]["categories"] == ["all"]
    assert "categories" not in apps["controllerrevisions"]
    core = {r["name"]: r for r in api_resource_list("", "v1")["resources"]}
    assert {n for n, r in core.items() if "all" in r.get("categories", [])} == {"pods", "services"}
    authz = {r["name"]: r for r in api_resource_list("authorization.k8s.io", "v1")["resources"]}
    assert authz["selfsubjectaccessreviews"]["verbs"] == ["create"]
