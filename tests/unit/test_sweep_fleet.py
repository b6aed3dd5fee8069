"""A sweep of several clusters: the fleet's verdict never calls a cluster healthy unseen, a context's cluster is
named as CloudWatch names it (an EKS context by its ARN's tail), and one cluster's sweep takes only its own alarms
and log groups from an account several clusters share -- an alarm that names no cluster is tied to none."""

from __future__ import annotations

import asyncio

import pytest

from sre_agent.contracts import ToolCallRecord
from sre_agent.graph.ports import ToolOutcome
from sre_agent.sweep.collect import Collector
from sre_agent.sweep.fleet import ClusterSweep, Context, FleetReport, cluster_name, sweep_fleet
from sre_agent.sweep.mapping import cluster_of_log_group
from sre_agent.sweep.models import SweepReport


def report(status: str) -> SweepReport:
    return SweepReport.model_validate({"scope": "(cluster)", "started_at": "2026-11-26T00:00:00Z", "duration_s": 1.0,
                                       "status": status, "problems": [], "alarms": [], "coverage": [], "counts": {}})


@pytest.mark.parametrize("statuses, fleet", [
    (["healthy", "healthy"], "healthy"),
    (["healthy", "problems"], "problems"),
    (["healthy", None], "partial"),  # one could not be checked: never "healthy" unseen
    (["unknown", "healthy"], "partial"),
    (["problems", None], "problems"),
    ([None, "unknown"], "unknown"),  # none could be checked: exit 2
])
def test_the_fleet_is_healthy_only_when_every_cluster_was_checked_and_healthy(statuses, fleet):
    clusters = [ClusterSweep(context=f"c{i}", report=report(s) if s else None, error=None if s else "refused")
                for i, s in enumerate(statuses)]
    assert FleetReport(clusters=clusters).status == fleet


@pytest.mark.parametrize("entry, name", [
    ("arn:aws:eks:eu-west-1:123456789012:cluster/payments-prod", "payments-prod"),
    ("prod-eu", "prod-eu"),
    ("gke_project_europe-west1_main", "gke_project_europe-west1_main"),
])
def test_a_contexts_cluster_is_named_as_cloudwatch_names_it(entry, name):
    assert cluster_name(entry) == name


def test_one_clusters_sweep_takes_only_its_own_alarms_and_log_groups():
    collector = Collector(tools=None, namespace=None, cluster="prod-eu")
    alarms = {"alarms": [{"name": "eu", "dimensions": {"ClusterName": "prod-eu", "Namespace": "shop"}},
                         {"name": "us", "dimensions": {"ClusterName": "prod-us", "Namespace": "shop"}},
                         {"name": "app-5xx", "dimensions": {"Namespace": "shop", "Service": "web"}}]}

    async def started():  # anomaly detection starts on the kept alarms' series: give it a loop and no series
        collector._detect = lambda series: asyncio.sleep(0, [])  # type: ignore[method-assign]
        collector._start_alarm_anomalies(alarms)
        await collector._early_anomalies

    asyncio.run(started())
    assert [a["name"] for a in collector.all_alarms] == ["eu"]
    assert collector.untied == ["app-5xx"]
    assert cluster_of_log_group("/aws/containerinsights/prod-us/application") == "prod-us"
    assert cluster_of_log_group("/ecs/shop/web") is None


def test_clusters_are_swept_a_bounded_number_at_a_time_and_a_failure_is_that_clusters_only():
    running, most = 0, 0

    async def one(context: Context) -> SweepReport:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.01)
        running -= 1
        if context.name == "down":
            raise ConnectionRefusedError("the API server refused")
        return report("healthy")

    contexts = [Context(name=n, cluster=n) for n in ("a", "b", "down", "c", "d")]
    fleet = asyncio.run(sweep_fleet(contexts, one, concurrency=2))
    assert most == 2
    assert [c.status for c in fleet.clusters] == ["healthy", "healthy", "unknown", "healthy", "healthy"]
    assert "refused" in fleet.clusters[2].error and fleet.status == "partial"


def test_sweeps_sharing_a_server_share_its_limit_of_calls_in_flight():
    """A fleet's clusters call one CloudWatch server: its CONCURRENCY is the server's, not each cluster's."""
    from sre_agent.sweep.collect import CONCURRENCY, server_gates

    in_flight, most = 0, 0

    class Tools:
        async def call(self, agent, server, tool, args):
            nonlocal in_flight, most
            in_flight += 1
            most = max(most, in_flight)
            await asyncio.sleep(0.005)
            in_flight -= 1
            return ToolOutcome(record=ToolCallRecord(id="ev", agent=agent, server=server, tool=tool), data={})

    async def three_clusters(shared: bool) -> int:
        nonlocal most
        most = 0
        gates = server_gates(["cloudwatch"]) if shared else None
        collectors = [Collector(Tools(), None, cluster=f"c{i}", gates=gates) for i in range(3)]
        await asyncio.gather(*(c.call("cloudwatch", "detect_anomalies", {}) for c in collectors for _ in range(8)))
        return most

    assert asyncio.run(three_clusters(shared=True)) == CONCURRENCY["cloudwatch"]
    assert asyncio.run(three_clusters(shared=False)) == 3 * CONCURRENCY["cloudwatch"]
