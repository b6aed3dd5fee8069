"""Protobuf request bodies (what kubectl's typed clients write) read into the JSON a JSON client would send:
field numbers from the schema, Go's JSON rules (pointer zeros kept, omitempty zeros dropped, embedded structs
promoted), the special types, and a 400 for a body that is not a kind the lab serves."""

from __future__ import annotations

import base64
import json

import pytest

from sre_agent.lab.kube import protobuf
from sre_agent.lab.kube.errors import ApiError
from sre_agent.lab.kube.messages import Request
from sre_agent.lab.kube.resources import RESOURCES


def varint(value: int) -> bytes:
    value &= (1 << 64) - 1  # a negative int32/int64 goes on the wire as its 64-bit two's complement
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def msg(number: int, payload: bytes | str) -> bytes:
    data = payload.encode() if isinstance(payload, str) else payload
    return varint(number << 3 | 2) + varint(len(data)) + data


def num(number: int, value: int) -> bytes:
    return varint(number << 3) + varint(value)


def entry(key: str, value: bytes | str) -> bytes:
    return msg(1, key) + msg(2, value)


def envelope(api_version: str, kind: str, raw: bytes) -> bytes:
    return protobuf.MAGIC + msg(1, msg(1, api_version) + msg(2, kind)) + msg(2, raw)


def meta(name: str, **labels: str) -> bytes:
    # as gogo writes a non-pointer ObjectMeta: every string field, empty ones too, and a zero creationTimestamp
    fields = msg(1, name) + msg(2, "") + msg(3, "") + num(7, 0) + msg(8, b"")
    return fields + b"".join(msg(11, entry(k, v)) for k, v in labels.items())


def test_a_configmap_and_a_secret_as_kubectl_create_writes_them():
    configmap = envelope("v1", "ConfigMap", msg(1, meta("x")) + msg(2, entry("a", "b")))
    assert protobuf.decode(configmap) == {"kind": "ConfigMap", "apiVersion": "v1",
                                          "metadata": {"name": "x"}, "data": {"a": "b"}}
    secret = envelope("v1", "Secret", msg(1, meta("s")) + msg(2, entry("password", b"hunter2")) + msg(3, "Opaque"))
    decoded = protobuf.decode(secret)
    assert base64.b64decode(decoded["data"]["password"]) == b"hunter2"
    assert decoded["type"] == "Opaque"


def test_pointer_zeros_are_kept_and_omitempty_zeros_are_dropped():
    container = msg(1, "web") + msg(2, "nginx") + msg(6, msg(1, "http") + num(3, 80))  # ports[]: name, containerPort
    template = msg(1, meta("", app="web")) + msg(2, msg(2, container) + num(4, 0))  # terminationGracePeriodSeconds 0
    strategy = msg(2, msg(1, num(1, 0) + num(2, 0)) + msg(2, num(1, 1) + msg(3, "25%")))  # rollingUpdate
    spec = num(1, 0) + msg(2, msg(1, entry("app", "web"))) + msg(3, template) + msg(4, strategy) + num(5, 0)
    decoded = protobuf.decode(envelope("apps/v1", "Deployment", msg(1, meta("web")) + msg(2, spec)))
    spec_json = decoded["spec"]
    assert spec_json["replicas"] == 0  # *int32: 0 is an answer, not "unset"
    assert "minReadySeconds" not in spec_json  # int32 with omitempty
    assert spec_json["strategy"]["rollingUpdate"] == {"maxUnavailable": 0, "maxSurge": "25%"}  # IntOrString
    pod = spec_json["template"]["spec"]
    assert pod["terminationGracePeriodSeconds"] == 0
    assert pod["containers"] == [{"name": "web", "image": "nginx", "ports": [{"name": "http", "containerPort": 80}]}]
    assert spec_json["template"]["metadata"] == {"labels": {"app": "web"}}


def test_quantities_negative_numbers_times_and_embedded_structs():
    resources = msg(8, msg(1, entry("cpu", msg(1, "500m"))) + msg(2, entry("memory", msg(1, "64Mi"))))
    probe = msg(1, msg(2, msg(1, "/healthz") + msg(2, num(1, 0) + num(2, 8080)))) + num(2, -5)  # httpGet; negative
    container = msg(1, "app") + msg(2, "img") + resources + msg(10, probe)
    volume = msg(1, "conf") + msg(2, msg(19, msg(1, msg(1, "app-config"))))  # Volume{name, VolumeSource{configMap}}
    pod_meta = msg(1, "p") + msg(9, num(1, 1_700_000_000))  # deletionTimestamp
    decoded = protobuf.decode(envelope("v1", "Pod", msg(1, pod_meta) + msg(2, msg(1, volume) + msg(2, container))))
    app = decoded["spec"]["containers"][0]
    assert app["resources"] == {"limits": {"cpu": "500m"}, "requests": {"memory": "64Mi"}}
    assert app["livenessProbe"] == {"httpGet": {"path": "/healthz", "port": 8080}, "initialDelaySeconds": -5}
    assert decoded["spec"]["volumes"] == [{"name": "conf", "configMap": {"name": "app-config"}}]
    assert decoded["metadata"]["deletionTimestamp"] == "2023-11-14T22:13:20Z"


def test_every_stored_kind_has_field_numbers():
    kinds, _ = protobuf._schema()
    missing = [r.kind for r in RESOURCES if (r.stored or r.review) and f"{r.api_version}/{r.kind}" not in kinds]
    assert not missing, "regenerate protobuf_schema.json (protobuf_schema_gen.py) for " + ", ".join(missing)


def test_an_eviction_and_delete_options_under_any_group_version():
    options = num(1, 0)  # gracePeriodSeconds: 0 (a pointer)
    eviction = protobuf.decode(envelope("policy/v1", "Eviction", msg(1, meta("web-0")) + msg(2, options)))
    assert eviction["deleteOptions"] == {"gracePeriodSeconds": 0}
    assert protobuf.decode(envelope("apps/v1", "DeleteOptions", num(1, 30)))["gracePeriodSeconds"] == 30


@pytest.mark.parametrize("body", [b"k8s\x00", b"not protobuf", envelope("example.com/v1", "Widget", b""),
                                  protobuf.MAGIC + b"\x0a\xff"])
def test_a_body_that_is_not_a_served_kind_is_a_400(body):
    request = Request("POST", "/api/v1/namespaces/default/configmaps", {},
                      {"Content-Type": protobuf.MEDIA_TYPE}, body)
    with pytest.raises(ApiError) as exc:
        protobuf.as_json(request)
    assert exc.value.code == 400


def test_as_json_hands_the_handlers_json_with_the_other_headers_kept():
    body = envelope("v1", "ConfigMap", msg(1, meta("x")) + msg(2, entry("a", "b")))
    request = protobuf.as_json(Request("POST", "/api/v1/namespaces/default/configmaps", {"fieldManager": ["k"]},
                                       {"Content-Type": protobuf.MEDIA_TYPE, "Accept": "application/json"}, body))
    assert request.media_type == "application/json" and request.headers.get("accept") == "application/json"
    assert json.loads(request.body)["data"] == {"a": "b"} and request.param("fieldManager") == "k"
