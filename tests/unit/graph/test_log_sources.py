"""Where a workload's lines are, from the account's log group names: its own group first, else
Container Insights' shared application group with a selector for its pods."""

from __future__ import annotations

import pytest

from sre_agent.graph.log_sources import LogSource, is_application_group, workload_log_source

SHARED = "/aws/containerinsights/prod/application"


@pytest.mark.parametrize(("groups", "namespace", "name", "source"), [
    ([SHARED, "/aws/containerinsights/prod/performance"], "shop", "frontend",
     LogSource(groups=[SHARED], selector={"pod_prefix": "frontend", "namespace": "shop"})),
    ([SHARED, "/prod/shop/frontend"], "shop", "frontend", LogSource(groups=["/prod/shop/frontend"])),
    (["/prod/shop/frontend"], "shop", "frontend", LogSource(groups=["/prod/shop/frontend"])),
    (["/prod/shop/catalog", "/aws/containerinsights/prod/dataplane"], "shop", "frontend", None),
    ([], "shop", "frontend", None),
])
def test_a_group_of_its_own_else_the_shared_group_with_a_selector(groups, namespace, name, source):
    assert workload_log_source(groups, namespace, name) == source


def test_a_workload_named_application_is_not_taken_for_the_shared_group():
    assert workload_log_source([SHARED], "ops", "application") == LogSource(
        groups=[SHARED], selector={"pod_prefix": "application", "namespace": "ops"})
    assert is_application_group(SHARED) and not is_application_group("/aws/containerinsights/prod/application/x")
