"""What a pod's quota share belongs to, as a reader names it: a ReplicaSet's pods are their Deployment's, a CronJob
run's pods are that CronJob's runs (the generated suffix dropped), a hand-made Job or a bare pod is itself."""

import pytest

from sre_agent.chat.answer.usage import _holder


@pytest.mark.parametrize("pod, holder", [
    ({"name": "forecast-api-j2cfhh44wg-x1", "owner": "ReplicaSet/forecast-api-j2cfhh44wg"}, "Deployment/forecast-api"),
    ({"name": "ensemble-refresh-29927070-abcde", "owner": "Job/ensemble-refresh-29927070"}, "Job runs ensemble-refresh-*"),
    ({"name": "db-migrate-xyz12", "owner": "Job/db-migrate"}, "Job/db-migrate"),
    ({"name": "historian-0", "owner": "StatefulSet/historian"}, "StatefulSet/historian"),
    ({"name": "debug", "owner": None}, "Pod/debug"),
])
def test_a_pods_quota_share_belongs_to_what_runs_it(pod, holder):
    assert _holder(pod) == holder


def test_each_hard_key_named_with_its_own_value_is_raised():
    from sre_agent.chat.act.quota_plans import quota_plan
    quota = {"spec": {"hard": {"requests.cpu": "2", "limits.cpu": "8", "pods": "12"}}}
    plan = quota_plan("raise web-quota requests.cpu to 4 and limits.cpu to 14", "web/ResourceQuota/web-quota", quota)
    assert not isinstance(plan, str) and plan.args["hard"] == {"requests.cpu": "4", "limits.cpu": "14"}
    lower = quota_plan("set requests.cpu to 4 and limits.cpu to 6", "web/ResourceQuota/web-quota", quota)
    assert isinstance(lower, str) and "limits.cpu 8 -> 6 would not raise it" in lower
