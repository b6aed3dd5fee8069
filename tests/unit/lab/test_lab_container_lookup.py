"""A scenario's set_image / set_resources step finds the named container in every kind that runs pods:
a workload's template, a CronJob's job template, a bare Pod -- and says which container is missing."""

from __future__ import annotations

import pytest

from sre_agent.lab.kube.errors import ApiError
from sre_agent.lab.steps import _container

APP = {"name": "app", "image": "r/app:1"}
TEMPLATE = {"spec": {"containers": [APP]}}
OBJECTS = {
    "Deployment": {"kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": TEMPLATE}},
    "CronJob": {"kind": "CronJob", "metadata": {"name": "c"}, "spec": {"jobTemplate": {"spec": {"template": TEMPLATE}}}},
    "Pod": {"kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [APP]}},
}


@pytest.mark.parametrize("kind", sorted(OBJECTS))
def test_the_named_container_is_found_in_every_kind_that_runs_pods(kind):
    assert _container(OBJECTS[kind], "app")["image"] == "r/app:1"


def test_a_missing_container_is_named_in_the_error():
    with pytest.raises(ApiError, match="no container 'side' in CronJob/c"):
        _container(OBJECTS["CronJob"], "side")
