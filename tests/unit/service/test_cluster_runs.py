"""A run in its cluster: the workers step each incident with that cluster's options (its kubernetes server bound to
it with --cluster-name, its AWS profile, its write policy) -- also after a restart, since the stored incident names
it -- the approval it asks names the cluster, and a root cause is grouped only within one cluster. The servers: one
kubernetes server per cluster, the AWS ones per profile (shared where the clusters' specs are equal), started on a
cluster's first run. Chat sessions ask about one named cluster. No lab, no graph: a recording stand-in steps."""

from __future__ import annotations

import asyncio

import pytest

from sre_agent.app.clusters import ClusterSettings
from sre_agent.app.intake import incident_from_alarm
from sre_agent.app.options import RunOptions
from sre_agent.app.runs import RunStep
from sre_agent.contracts import InvestigationResult
from sre_agent.service.chat_sessions import ChatSessionError, ChatSessions
from sre_agent.service.cluster_servers import ClusterServers, Placement, UnknownCluster
from sre_agent.service.core import IncidentService
from sre_agent.service.step_loop import StepLoop
from sre_agent.service.store import SqliteStore

CLUSTERS = [ClusterSettings(name="prod-eu", context="ctx-eu", aws_profile="prod", remediation="auto"),
            ClusterSettings(name="prod-us", context="ctx-us", aws_profile="prod", namespaces=["shop"]),
            ClusterSettings(name="staging", aws_profile="staging", aws_region="eu-west-1")]
DIAGNOSIS = {"category": "bad_image", "resource": "shop/Deployment/checkout"}


def alarm(cluster: str, name: str = "checkout-5xx") -> dict:
    return {"AlarmName": name, "NewStateValue": "ALARM", "StateChangeTime": "2026-03-01T12:00:00Z",
            "Trigger": {"Dimensions": [{"name": "ClusterName", "value": cluster}, {"name": "Namespace", "value": "shop"},
                                       {"name": "Deployment", "value": "checkout"}]}}


class RecordingSteps:
    """Stands in for the step processes: each step asks for an approval of the same root cause."""

    def __init__(self) -> None:
        self.requests: list = []

    async def run(self, request) -> RunStep:
        self.requests.append(request)
        return RunStep(approval_request={"action_id": f"act-{len(self.requests)}", "diagnosis": DIAGNOSIS,
                                         "plan": {"tool": "rollout_undo"}})


def test_each_run_gets_its_clusters_options_and_a_root_cause_groups_within_one_cluster_only(tmp_path):
    service = IncidentService(RunOptions(state_dir=tmp_path, namespaces=["shop", "web"]), shared_servers=False,
                              clusters=CLUSTERS)
    steps = service.workers.steps = RecordingSteps()
    opened = {}
    for cluster, name in (("prod-eu", "a-5xx"), ("prod-us", "b-5xx"), ("prod-eu", "c-latency")):
        opened[name] = service.receive_alarm(alarm(cluster, name), "sns")
        run = service.store.claim_next(service.workers.owner, 30)
        asyncio.run(service.workers._step(run))
    eu, us, eu_again = (r.options for r in steps.requests)
    assert (eu.cluster, us.cluster) == ("prod-eu", "prod-us")
    assert eu.server_args["kubernetes"][-4:] == ["--context", "ctx-eu", "--cluster-name", "prod-eu"]
    assert us.server_args["cloudwatch"] == ["--profile", "prod"]
    assert (eu.remediation, us.remediation) == ("auto", "approve") and (eu.namespaces, us.namespaces) == (
        ["shop", "web"], ["shop"])
    assert eu_again.cluster == "prod-eu" and [r.incident.cluster for r in steps.requests] == ["prod-eu", "prod-us", "prod-eu"]
    # The same Deployment and cause in prod-us is a cause of its own; a second prod-eu alarm joins prod-eu's.
    states = {name: service.store.runs_of(o.incident_id)[-1].state for name, o in opened.items()}
    assert states == {"a-5xx": "awaiting_approval", "b-5xx": "awaiting_approval", "c-latency": "joined"}
    assert service.store.group_of(opened["a-5xx"].incident_id).root_key.startswith("cluster:prod-eu ")
    pending = service.pending_run(opened["b-5xx"].incident_id).approval
    assert pending["cluster"] == "prod-us" and pending["action_id"] == "act-2"
    assert service.incident_view(opened["b-5xx"].incident_id)["pending_approval"]["cluster"] == "prod-us"


def test_after_a_restart_a_run_comes_back_in_its_cluster_or_fails_when_that_is_no_longer_configured(tmp_path):
    first = IncidentService(RunOptions(state_dir=tmp_path), shared_servers=False, clusters=CLUSTERS)
    kept = first.receive_alarm(alarm("prod-us"), "sns")
    gone = first.receive_alarm(alarm("staging", name="staging-5xx"), "sns")
    # Restarted with another configuration: each stored incident still names its cluster; none is guessed away.
    second = IncidentService(RunOptions(state_dir=tmp_path), shared_servers=False, clusters=CLUSTERS[:2])
    steps = second.workers.steps = RecordingSteps()
    for _ in range(2):
        asyncio.run(second.workers._step(second.store.claim_next(second.workers.owner, 30)))
    assert [(r.run_id, r.options.cluster) for r in steps.requests] == [(kept.run_id, "prod-us")]
    failed = second.store.run(gone.run_id)
    assert failed.state == "failed" and "'staging' is not one of the configured" in failed.error


def test_the_servers_are_one_kubernetes_per_cluster_and_aws_ones_per_profile_started_on_first_use(tmp_path):
    servers = ClusterServers(RunOptions(state_dir=tmp_path, remediation="off"), CLUSTERS)
    # kubernetes x3; cloudwatch and ssm: prod (shared by prod-eu and prod-us) and staging (eu-west-1).
    assert servers.processes() == 7
    health = servers.health()
    assert sorted(health) == ["prod-eu", "prod-us", "staging"]
    assert all(not s["started"] and not s["up"] for cluster in health.values() for s in cluster.values())
    with pytest.raises(UnknownCluster):
        asyncio.run(servers.connections("elsewhere"))


def test_placement_without_clusters_is_the_services_options_and_with_them_needs_a_known_cluster(tmp_path):
    options = RunOptions(state_dir=tmp_path)
    assert asyncio.run(Placement([], None).options_for(options, None)) is options
    placed = Placement(CLUSTERS, None)
    assert asyncio.run(placed.options_for(options, "staging")).server_args["ssm"] == [
        "--profile", "staging", "--region", "eu-west-1"]
    for cluster, said in ((None, "names no cluster"), ("elsewhere", "'elsewhere' is not one of")):
        with pytest.raises(UnknownCluster, match=said):
            asyncio.run(placed.options_for(options, cluster))


def test_a_chat_session_asks_about_the_cluster_it_names_the_only_one_or_every_one(tmp_path):
    loop = StepLoop("test-chat")
    loop.start()
    try:
        store = SqliteStore(tmp_path / "s.sqlite")
        several = ChatSessions(store, RunOptions(state_dir=tmp_path), loop, placement=Placement(CLUSTERS, None))
        record = asyncio.run(several.create("shop", cluster="prod-us"))
        assert record.cluster == "prod-us" and several.describe(record).cluster == "prod-us"
        assert store.chat_session(record.session_id).cluster == "prod-us"
        with pytest.raises(ChatSessionError, match="'nope' is not one of them") as refused:
            asyncio.run(several.create(cluster="nope"))
        assert refused.value.status == 422
        # several configured and none named: a conversation over every cluster (chat/conversation/fleet.py)
        assert asyncio.run(several.create()).cluster == "*" and asyncio.run(several.create(cluster="*")).cluster == "*"
        one = ChatSessions(store, RunOptions(state_dir=tmp_path), loop, placement=Placement(CLUSTERS[:1], None))
        assert asyncio.run(one.create()).cluster == "prod-eu"
        none = ChatSessions(store, RunOptions(state_dir=tmp_path), loop)
        assert asyncio.run(none.create()).cluster is None
        with pytest.raises(ChatSessionError, match="no clusters configured"):
            asyncio.run(none.create(cluster="prod-eu"))
    finally:
        loop.stop()


def test_a_finished_run_in_a_cluster_is_recorded_with_it(tmp_path):
    class Finishing:
        async def run(self, request) -> RunStep:
            result = InvestigationResult(incident_id=request.incident.id, run_id=request.run_id, status="healthy",
                                         cluster=request.options.cluster)
            return RunStep(result=result, report_markdown="# ok")

    service = IncidentService(RunOptions(state_dir=tmp_path), shared_servers=False, clusters=CLUSTERS)
    service.workers.steps = Finishing()
    queued = service.receive_incident(incident_from_alarm(alarm("staging")), {}, "api")
    asyncio.run(service.workers._step(service.store.claim_next(service.workers.owner, 30)))
    view = service.incident_view(queued.incident_id)
    assert view["status"] == "healthy" and view["cluster"] == "staging" and view["result"]["cluster"] == "staging"
