"""The lab API server's guard rails as a table: container resources and replica counts in, the
422 causes kube-apiserver would give (field and message) out."""

from __future__ import annotations

import pytest

from sre_agent.lab.kube.quantity import parse_quantity
from sre_agent.lab.kube.resources import find_kind
from sre_agent.lab.kube.validation import validate


def deployment(resources: dict | None = None, replicas: object = 1) -> dict:
    container = {"name": "app", "image": "web:1", **({"resources": resources} if resources is not None else {})}
    return {"kind": "Deployment", "metadata": {"name": "web"}, "spec": {
        "replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
        "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [container]}}}}


R = "spec.template.spec.containers[0].resources"
CASES = [
    ({"limits": {"memory": "512Mi"}, "requests": {"cpu": "250m", "memory": "1e3"}}, 1, []),
    ({"limits": {"memory": "512MB"}}, 1, [(f"{R}.limits[memory]", "quantities must match")]),
    ({"requests": {"cpu": "half"}}, 1, [(f"{R}.requests[cpu]", '"half"')]),
    ({"requests": {"cpu": "inf"}}, 1, [(f"{R}.requests[cpu]", "quantities must match")]),
    ({"requests": {"cpu": 2}}, 1, [(f"{R}.requests[cpu]", "quantities must match")]),  # numbers are canonicalised before
    ({"requests": {"memory": "-1Gi"}}, 1, [(f"{R}.requests[memory]", "greater than or equal to 0")]),
    ({"requests": {"cpu": "2"}, "limits": {"cpu": "1"}}, 1, [(f"{R}.requests", "less than or equal to cpu limit of 1")]),
    ({"requests": ["cpu"]}, 1, [(f"{R}.requests", "must be a map")]),
    ("big", 1, [(R, "must be an object")]),
    (None, 10_000, []),
    (None, 10_001, [("spec.replicas", "less than or equal to 10000")]),
    (None, -1, [("spec.replicas", "greater than or equal to 0")]),
    (None, "3", [("spec.replicas", "greater than or equal to 0")]),
]


@pytest.mark.parametrize(("resources", "replicas", "expected"), CASES)
def test_guard_rails(resources, replicas, expected):
    causes = validate(find_kind("Deployment"), deployment(resources, replicas))
    assert [c["field"] for c in causes] == [field for field, _ in expected]
    for cause, (_, says) in zip(causes, expected, strict=True):
        assert says in cause["message"] and cause["reason"] == "FieldValueInvalid"


@pytest.mark.parametrize("text", ["512MB", "half", "inf", "nan", "1_000", "", "Mi"])
def test_the_world_never_parses_junk(text):
    with pytest.raises(ValueError, match="not a Kubernetes quantity"):
        parse_quantity(text)


@pytest.mark.parametrize(("text", "value"), [("250m", 0.25), ("1.5", 1.5), ("512Mi", 512 * 2**20), ("1e3", 1000.0),
                                             ("1E", 1e18), ("2G", 2e9), (".5", 0.5), ("1e-3", 0.001)])
def test_the_lab_parser_reads_every_quantity_form(text, value):
    assert parse_quantity(text) == pytest.approx(value)
