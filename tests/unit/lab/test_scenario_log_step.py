"""A scenario's `log` step -- a line the application prints at a moment of the timeline -- is
checked when the scenario loads: it names a workload or pod and one line, the container when the
pods run several, and never appears as a remediation."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from sre_agent.lab.scenarios.schema import ResolvedCluster, Scenario, ScenarioError, Step, Truth
from sre_agent.lab.scenarios.validation import check_references
from sre_agent.lab.world.images import load_catalog

LINE = "WARN coupon rejected code=SPRING24"


def test_a_log_step_names_a_workload_and_one_line():
    step = Step(action="log", resource="shop/Deployment/frontend", line=LINE)
    assert (step.resource, step.container, step.line) == ("shop/Deployment/frontend", None, LINE)
    Step(action="log", resource="shop/Pod/frontend-0", container="frontend", line=LINE)


@pytest.mark.parametrize(("fields", "message"), [
    ({"resource": "shop/Deployment/frontend"}, "action 'log' needs line"),
    ({"line": LINE}, "action 'log' needs resource"),
    ({"resource": "shop/Service/frontend", "line": LINE}, "needs a workload or a pod"),
    ({"resource": "Node/ip-10-0-1-21", "line": LINE}, "needs a workload or a pod"),
    ({"resource": "shop/Deployment/frontend", "line": "one\ntwo"}, "one step per line"),
    ({"resource": "shop/Deployment/frontend", "line": ""}, "at least 1 character"),
    ({"resource": "shop/Deployment/frontend", "line": LINE, "every_minutes": 0}, "greater than or equal to 1"),
])
def test_a_malformed_log_step_says_what_is_wrong(fields, message):
    with pytest.raises(ValidationError, match=message):
        Step(action="log", **fields)


@pytest.mark.parametrize("extra", [{"line": LINE}, {"every_minutes": 2}])
def test_line_and_its_repetition_belong_to_the_log_action_only(extra):
    with pytest.raises(ValidationError, match="`line` and `every_minutes` are for action .log."):
        Step(action="rollout_restart", resource="shop/Deployment/frontend", **extra)


def test_a_log_line_is_no_remediation():
    with pytest.raises(ValidationError, match="a 'log' step prints a line"):
        Truth(category="bad_deploy_regression", resource="shop/Deployment/checkout",
              remediations=[Step(action="log", resource="shop/Deployment/checkout", line=LINE)])


def deployment(name: str, containers: list[str]) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": "shop"},
            "spec": {"selector": {"matchLabels": {"app": name}}, "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": c, "image": "ghcr.io/acme-shop/frontend:5.2.0"} for c in containers]}}}}


def scenario(*steps: dict) -> Scenario:
    return Scenario.model_validate({
        "id": "printed", "title": "t", "question": "is the shop healthy?", "truth": {"category": "none"},
        "cluster": {}, "fault": {"description": "d", "timeline": [{"minutes_ago": 5, "steps": list(steps)}]}})


CLUSTER = ResolvedCluster(nodes=[], traffic={}, manifests=[deployment("web", ["web"]), deployment("pair", ["app", "proxy"])])


@pytest.mark.parametrize(("step", "problem"), [
    ({"resource": "shop/Deployment/web"}, None),
    ({"resource": "shop/Deployment/web", "container": "web"}, None),
    ({"resource": "shop/Deployment/pair", "container": "proxy"}, None),
    ({"resource": "shop/Deployment/pair"}, "runs several containers (app, proxy): say which prints the line"),
    ({"resource": "shop/Deployment/web", "container": "sidecar"}, "has no container 'sidecar' (web)"),
    ({"resource": "shop/Deployment/ghost"}, "shop/Deployment/ghost does not exist at that point"),
])
def test_the_container_and_the_workload_are_checked_at_load(step, problem):
    loaded = scenario({"action": "log", "line": LINE, **step})
    if problem is None:
        check_references(loaded, CLUSTER, load_catalog(), "printed.yaml")
        return
    with pytest.raises(ScenarioError) as failure:
        check_references(loaded, CLUSTER, load_catalog(), "printed.yaml")
    assert "printed.yaml: fault.timeline[0].steps[0]." in str(failure.value) and problem in str(failure.value)
