"""Table-driven tests for the lab API server's pure parts: patches and selectors."""

from __future__ import annotations

import copy

import pytest

from sre_agent.lab.kube.patch import (
    PatchError,
    apply_patch,
    json_merge_patch,
    json_patch,
    merge_key_for,
    strategic_merge_patch,
)
from sre_agent.lab.kube.selectors import (
    SelectorError,
    field_value,
    label_selector_from_dict,
    parse_field_selector,
    parse_label_selector,
    to_label_selector,
)

# --- JSON merge patch (RFC 7386 appendix A, plus the Kubernetes cases) ------------------------

MERGE_CASES = [
    ({"a": "b"}, {"a": "c"}, {"a": "c"}),
    ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
    ({"a": "b"}, {"a": None}, {}),
    ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
    ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
    ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
    ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
    ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
    ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
    ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
    # lists replace wholesale in a merge patch, even containers
    ({"spec": {"containers": [{"name": "a", "image": "1"}, {"name": "b", "image": "2"}]}},
     {"spec": {"containers": [{"name": "a", "image": "3"}]}},
     {"spec": {"containers": [{"name": "a", "image": "3"}]}}),
]


@pytest.mark.parametrize("target,patch,expected", MERGE_CASES)
def test_json_merge_patch(target, patch, expected):
    before = copy.deepcopy(target)
    assert json_merge_patch(target, patch) == expected
    assert target == before  # inputs are never mutated


# --- JSON patch (RFC 6902) ---------------------------------------------------------------------

DOC = {"foo": ["bar", "baz"], "a/b": 1, "m~n": 2, "obj": {"x": 1}, "t": True}

JSON_PATCH_CASES = [
    ([{"op": "add", "path": "/foo/1", "value": "qux"}], {**DOC, "foo": ["bar", "qux", "baz"]}),
    ([{"op": "add", "path": "/foo/-", "value": "end"}], {**DOC, "foo": ["bar", "baz", "end"]}),
    ([{"op": "add", "path": "/new", "value": {"k": 1}}], {**DOC, "new": {"k": 1}}),
    ([{"op": "remove", "path": "/foo/0"}], {**DOC, "foo": ["baz"]}),
    ([{"op": "replace", "path": "/a~1b", "value": 9}], {**DOC, "a/b": 9}),
    ([{"op": "replace", "path": "/m~0n", "value": 8}], {**DOC, "m~n": 8}),
    ([{"op": "move", "from": "/obj/x", "path": "/y"}], {**DOC, "obj": {}, "y": 1}),
    ([{"op": "copy", "from": "/obj", "path": "/obj2"}], {**DOC, "obj2": {"x": 1}}),
    ([{"op": "test", "path": "/foo", "value": ["bar", "baz"]},
      {"op": "replace", "path": "/t", "value": False}], {**DOC, "t": False}),
    ([{"op": "replace", "path": "", "value": {"whole": 1}}], {"whole": 1}),
]


@pytest.mark.parametrize("ops,expected", JSON_PATCH_CASES)
def test_json_patch(ops, expected):
    before = copy.deepcopy(DOC)
    assert json_patch(DOC, ops) == expected
    assert DOC == before


JSON_PATCH_ERRORS = [
    ({"op": "add", "path": "/x"}, 400),  # not a list
    ([{"op": "jump", "path": "/x"}], 400),
    ([{"op": "add", "value": 1}], 400),
    ([{"op": "add", "path": "x", "value": 1}], 400),
    ([{"op": "remove", "path": "/missing"}], 422),
    ([{"op": "replace", "path": "/foo/5", "value": 1}], 422),
    ([{"op": "add", "path": "/foo/01", "value": 1}], 422),
    ([{"op": "test", "path": "/t", "value": 1}], 422),  # true is not 1 in JSON
    ([{"op": "move", "from": "/obj", "path": "/obj/inner"}], 422),
]


@pytest.mark.parametrize("ops,code", JSON_PATCH_ERRORS)
def test_json_patch_errors(ops, code):
    with pytest.raises(PatchError) as info:
        json_patch(DOC, ops)
    assert info.value.code == code


def test_json_patch_is_atomic():
    with pytest.raises(PatchError):
        json_patch(DOC, [{"op": "add", "path": "/ok", "value": 1}, {"op": "remove", "path": "/nope"}])
    assert "ok" not in DOC


# --- strategic merge patch ---------------------------------------------------------------------


def deployment(*containers, volumes=None, tolerations=None, finalizers=None):
    pod_spec = {"containers": list(containers)}
    if volumes is not None:
        pod_spec["volumes"] = volumes
    if tolerations is not None:
        pod_spec["tolerations"] = tolerations
    meta = {"name": "web", "annotations": {"a": "1"}}
    if finalizers is not None:
        meta["finalizers"] = finalizers
    return {"metadata": meta, "spec": {"replicas": 2, "template": {"metadata": {"labels": {"app": "web"}},
                                                                   "spec": pod_spec}}}


APP = {"name": "app", "image": "web:1", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
       "volumeMounts": [{"name": "cfg", "mountPath": "/etc/cfg"}], "ports": [{"containerPort": 8080}]}
SIDE = {"name": "side", "image": "proxy:1"}


def template_spec(obj):
    return obj["spec"]["template"]["spec"]


STRATEGIC_CASES = [
    pytest.param(  # kubectl set image app=web:2: only the named container changes
        deployment(APP, SIDE),
        {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "web:2"}]}}}},
        lambda r: [c["image"] for c in template_spec(r)["containers"]] == ["web:2", "proxy:1"]
        and template_spec(r)["containers"][0]["env"] == APP["env"],
        id="set-image-by-name"),
    pytest.param(  # kubectl set resources
        deployment(APP, SIDE),
        {"spec": {"template": {"spec": {"containers": [
            {"name": "side", "resources": {"limits": {"memory": "512Mi"}}}]}}}},
        lambda r: template_spec(r)["containers"][1] == {**SIDE, "resources": {"limits": {"memory": "512Mi"}}},
        id="set-resources-by-name"),
    pytest.param(  # kubectl rollout restart
        deployment(APP),
        {"spec": {"template": {"metadata": {"annotations": {
            "kubectl.kubernetes.io/restartedAt": "2025-01-01T00:00:00Z"}}}}},
        lambda r: r["spec"]["template"]["metadata"] == {
            "labels": {"app": "web"}, "annotations": {"kubectl.kubernetes.io/restartedAt": "2025-01-01T00:00:00Z"}},
        id="rollout-restart-annotation"),
    pytest.param(  # env merges by name: change one, add one, delete one
        deployment(APP),
        {"spec": {"template": {"spec": {"containers": [{"name": "app", "env": [
            {"name": "B", "value": "two"}, {"name": "C", "value": "3"}, {"name": "A", "$patch": "delete"}]}]}}}},
        lambda r: template_spec(r)["containers"][0]["env"] == [{"name": "B", "value": "two"},
                                                              {"name": "C", "value": "3"}],
        id="env-merge-by-name"),
    pytest.param(  # a new container is appended
        deployment(APP),
        {"spec": {"template": {"spec": {"containers": [{"name": "debug", "image": "busybox"}]}}}},
        lambda r: [c["name"] for c in template_spec(r)["containers"]] == ["app", "debug"],
        id="append-container"),
    pytest.param(
        deployment(APP, SIDE),
        {"spec": {"template": {"spec": {"containers": [{"name": "side", "$patch": "delete"}]}}}},
        lambda r: [c["name"] for c in template_spec(r)["containers"]] == ["app"],
        id="delete-container"),
    pytest.param(
        deployment(APP, SIDE),
        {"spec": {"template": {"spec": {"containers": [{"$patch": "replace"}, {"name": "only", "image": "x"}]}}}},
        lambda r: template_spec(r)["containers"] == [{"name": "only", "image": "x"}],
        id="replace-list-directive"),
    pytest.param(  # volumeMounts merge by mountPath, ports by containerPort
        deployment(APP),
        {"spec": {"template": {"spec": {"containers": [{"name": "app",
            "volumeMounts": [{"mountPath": "/etc/cfg", "readOnly": True}, {"name": "tmp", "mountPath": "/tmp"}],
            "ports": [{"containerPort": 8080, "name": "http"}]}]}}}},
        lambda r: template_spec(r)["containers"][0]["volumeMounts"] == [
            {"name": "cfg", "mountPath": "/etc/cfg", "readOnly": True}, {"name": "tmp", "mountPath": "/tmp"}]
        and template_spec(r)["containers"][0]["ports"] == [{"containerPort": 8080, "name": "http"}],
        id="mounts-by-mountPath-ports-by-containerPort"),
    pytest.param(  # tolerations have no merge key: the patch list replaces
        deployment(APP, tolerations=[{"key": "a", "operator": "Exists"}]),
        {"spec": {"template": {"spec": {"tolerations": [{"key": "b", "operator": "Exists"}]}}}},
        lambda r: template_spec(r)["tolerations"] == [{"key": "b", "operator": "Exists"}],
        id="tolerations-replace"),
    pytest.param(
        deployment(APP, volumes=[{"name": "cfg", "configMap": {"name": "old"}}]),
        {"spec": {"template": {"spec": {"volumes": [{"name": "cfg", "configMap": {"name": "new"}}]}}}},
        lambda r: template_spec(r)["volumes"] == [{"name": "cfg", "configMap": {"name": "new"}}],
        id="volumes-by-name"),
    pytest.param(  # null deletes a key; a map-level $patch: replace replaces the map
        deployment(APP),
        {"metadata": {"annotations": {"a": None}}, "spec": {"template": {"metadata": {
            "$patch": "replace", "labels": {"app": "v2"}}}}},
        lambda r: r["metadata"]["annotations"] == {} and r["spec"]["template"]["metadata"] == {"labels": {"app": "v2"}},
        id="null-deletes-and-map-replace"),
    pytest.param(
        deployment(APP),
        {"spec": {"template": {"spec": {"$patch": "delete"}}}},
        lambda r: "spec" not in r["spec"]["template"],
        id="map-delete-directive"),
    pytest.param(  # $retainKeys clears keys not listed (kubectl apply on union types)
        {"spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}}},
        {"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}},
        lambda r: r["spec"]["strategy"] == {"type": "Recreate"},
        id="retain-keys"),
    pytest.param(  # $setElementOrder is tolerated and ignored
        deployment(APP, SIDE),
        {"spec": {"template": {"spec": {"$setElementOrder/containers": [{"name": "side"}, {"name": "app"}],
                                        "containers": [{"name": "app", "image": "web:3"}]}}}},
        lambda r: [c["image"] for c in template_spec(r)["containers"]] == ["web:3", "proxy:1"],
        id="set-element-order-ignored"),
    pytest.param(  # finalizers merge as a set; $deleteFromPrimitiveList removes
        deployment(APP, finalizers=["a", "b"]),
        {"metadata": {"finalizers": ["b", "c"], "$deleteFromPrimitiveList/finalizers": ["a"]}},
        lambda r: r["metadata"]["finalizers"] == ["b", "c"],
        id="finalizers-set"),
    pytest.param(  # status conditions merge by type
        {"status": {"conditions": [{"type": "Ready", "status": "False"}, {"type": "PodScheduled", "status": "True"}]}},
        {"status": {"conditions": [{"type": "Ready", "status": "True"}]}},
        lambda r: r["status"]["conditions"] == [{"type": "Ready", "status": "True"},
                                                {"type": "PodScheduled", "status": "True"}],
        id="conditions-by-type"),
    pytest.param(  # Service ports merge by port
        {"spec": {"ports": [{"port": 80, "targetPort": 8080}, {"port": 443, "targetPort": 8443}]}},
        {"spec": {"ports": [{"port": 80, "targetPort": 9090}]}},
        lambda r: r["spec"]["ports"] == [{"port": 80, "targetPort": 9090}, {"port": 443, "targetPort": 8443}],
        id="service-ports-by-port"),
]


@pytest.mark.parametrize("target,patch,check", STRATEGIC_CASES)
def test_strategic_merge_patch(target, patch, check):
    before = copy.deepcopy(target)
    result = strategic_merge_patch(target, patch)
    assert check(result), result
    assert target == before


@pytest.mark.parametrize("patch,code", [
    ([{"op": "add"}], 400),  # a list is a JSON patch, not a strategic one
    ({"spec": {"template": {"spec": {"containers": [{"image": "no-name"}]}}}}, 400),
    ({"spec": {"template": {"spec": {"containers": ["not-a-map"]}}}}, 400),
    ({"spec": {"$patch": "explode"}}, 400),
    ({"$patch": "delete"}, 422),
])
def test_strategic_merge_patch_errors(patch, code):
    with pytest.raises(PatchError) as info:
        strategic_merge_patch(deployment(APP), patch)
    assert info.value.code == code


@pytest.mark.parametrize("path,key", [
    (("spec", "containers"), "name"),
    (("spec", "template", "spec", "initContainers"), "name"),
    (("spec", "template", "spec", "containers", "env"), "name"),
    (("spec", "template", "spec", "containers", "ports"), "containerPort"),
    (("spec", "ports"), "port"),
    (("spec", "containers", "volumeMounts"), "mountPath"),
    (("spec", "tolerations"), None),
    (("spec", "template", "spec", "imagePullSecrets"), "name"),
    (("imagePullSecrets",), None),  # ServiceAccount's list is atomic
    (("status", "conditions"), "type"),
    (("status", "addresses"), "type"),
    (("subsets",), None),
])
def test_merge_keys(path, key):
    assert merge_key_for(path) == key


def test_apply_patch_dispatches_on_media_type():
    target = {"a": {"b": 1}, "l": [{"name": "x", "v": 1}]}
    assert apply_patch("application/merge-patch+json; charset=utf-8", target, {"a": {"c": 2}}) == \
        {"a": {"b": 1, "c": 2}, "l": [{"name": "x", "v": 1}]}
    assert apply_patch("application/json-patch+json", target, [{"op": "remove", "path": "/a"}]) == \
        {"l": [{"name": "x", "v": 1}]}
    with pytest.raises(ValueError):
        apply_patch("application/apply-patch+yaml", target, {})


# --- label selectors ---------------------------------------------------------------------------

LABELS = {"app": "web", "tier": "backend", "env": "prod", "replicas": "3", "app.kubernetes.io/name": "shop"}

LABEL_CASES = [
    ("", True),
    ("app=web", True),
    ("app==web", True),
    ("app=api", False),
    ("app!=api", True),
    ("missing!=x", True),  # an absent key satisfies !=
    ("tier in (backend, frontend)", True),
    ("tier in (frontend)", False),
    ("tier notin (frontend,db)", True),
    ("missing notin (a)", True),
    ("app", True),
    ("!app", False),
    ("!canary", True),
    ("app.kubernetes.io/name=shop", True),
    ("app=web,tier=backend,!canary", True),
    ("app=web, tier=db", False),
    ("replicas>2", True),
    ("replicas<3", False),
    ("missing=", False),
]


@pytest.mark.parametrize("selector,expected", LABEL_CASES)
def test_label_selector_string_form(selector, expected):
    assert parse_label_selector(selector).matches(LABELS) is expected


@pytest.mark.parametrize("selector", [
    "app=", "app in ()", "app in (a", "=web", "app=web,", "app web", "app>x", "Bad Key=1", "a=b c",
])
def test_label_selector_rejects(selector):
    if selector == "app=":  # an empty value is legal and matches an empty label
        assert parse_label_selector(selector).matches({"app": ""})
        return
    with pytest.raises(SelectorError):
        parse_label_selector(selector)


DICT_CASES = [
    ({"matchLabels": {"app": "web"}}, True),
    ({"matchLabels": {"app": "web", "tier": "db"}}, False),
    ({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["backend"]}]}, True),
    ({"matchExpressions": [{"key": "env", "operator": "NotIn", "values": ["prod"]}]}, False),
    ({"matchExpressions": [{"key": "canary", "operator": "DoesNotExist"}]}, True),
    ({"matchLabels": {"app": "web"}, "matchExpressions": [{"key": "tier", "operator": "Exists"}]}, True),
    ({}, True),
]


@pytest.mark.parametrize("selector,expected", DICT_CASES)
def test_label_selector_dict_form(selector, expected):
    assert label_selector_from_dict(selector).matches(LABELS) is expected
    assert to_label_selector(selector).matches(LABELS) is expected


def test_plain_map_and_canonical_string():
    assert to_label_selector({"app": "web"}).matches(LABELS)  # a Service selector
    assert not to_label_selector({"app": "api"}).matches(LABELS)
    compiled = label_selector_from_dict({"matchLabels": {"tier": "b", "app": "web"},
                                         "matchExpressions": [{"key": "env", "operator": "In", "values": ["x", "y"]}]})
    assert str(compiled) == "app=web,env in (x,y),tier=b"  # what Scale.status.selector carries
    assert str(parse_label_selector(str(compiled))) == str(compiled)  # round-trips


@pytest.mark.parametrize("selector", [
    {"matchExpressions": [{"key": "a", "operator": "In"}]},
    {"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]},
    {"matchExpressions": [{"key": "a", "operator": "Like", "values": ["x"]}]},
    {"matchLabels": {"app": 1}},
])
def test_label_selector_dict_rejects(selector):
    with pytest.raises(SelectorError):
        label_selector_from_dict(selector)


# --- field selectors ---------------------------------------------------------------------------

POD = {"metadata": {"name": "web-1", "namespace": "shop"}, "spec": {"nodeName": "node-3", "hostNetwork": False},
       "status": {"phase": "Running"}}
EVENT = {"metadata": {"name": "web-1.17", "namespace": "shop"}, "type": "Warning", "reason": "BackOff",
         "involvedObject": {"kind": "Pod", "name": "web-1", "namespace": "shop", "uid": "u-1"}}

FIELD_CASES = [
    (POD, "metadata.name=web-1", True),
    (POD, "metadata.namespace==shop", True),
    (POD, "spec.nodeName=node-3,status.phase!=Failed", True),
    (POD, "spec.nodeName=node-4", False),
    (POD, "spec.hostNetwork=false", True),
    ({"metadata": {"name": "p"}, "spec": {}}, "spec.nodeName=", True),  # unscheduled pods
    (POD, "status.podIP!=", False),
    (EVENT, "involvedObject.kind=Pod,involvedObject.name=web-1", True),
    (EVENT, "involvedObject.uid=u-2", False),
    (EVENT, "type=Warning,reason=BackOff", True),
    ({"metadata": {"name": "a,b"}}, r"metadata.name=a\,b", True),
]


@pytest.mark.parametrize("obj,selector,expected", FIELD_CASES)
def test_field_selector(obj, selector, expected):
    assert parse_field_selector(selector).matches(obj) is expected


@pytest.mark.parametrize("selector", ["metadata.name", "=x", "a..b=c", "a=b,,c=d"])
def test_field_selector_rejects(selector):
    with pytest.raises(SelectorError):
        parse_field_selector(selector)


def test_field_value_renders_like_kubernetes():
    assert field_value({"a": {"b": 3}}, ("a", "b")) == "3"
    assert field_value({"a": True}, ("a",)) == "true"
    assert field_value({"a": {"b": [1]}}, ("a", "b")) == ""
    assert field_value({}, ("a", "b")) == ""
