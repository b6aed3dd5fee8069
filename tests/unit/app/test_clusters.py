"""Clusters as configuration: the options of a run in one cluster bind its kubernetes server to that cluster (and name
it, so the server refuses writes pinned elsewhere), read its AWS with its profile, and apply its own write policy;
a plan made in one cluster is pinned to it and refused in a run in any other."""

from __future__ import annotations

import pytest

from sre_agent.app.cluster import cluster_identity, cluster_name
from sre_agent.app.clusters import ClusterSettings, options_for_cluster
from sre_agent.app.options import RunOptions
from sre_agent.app.settings import ConfigError, load_settings
from sre_agent.graph.remediation import cluster_mismatch, pin_to_cluster
from sre_agent.graph.state import RemediationPlan

BASE = RunOptions(namespaces=["shop"], remediation="approve", server_args={
    "kubernetes": ["--kubeconfig", "/etc/fleet.yaml", "--context", "old"],
    "cloudwatch": ["--profile", "default", "--region", "us-east-1"], "ssm": ["--region", "us-east-1"]})


@pytest.mark.parametrize("cluster, kubernetes, cloudwatch", [
    (ClusterSettings(name="prod-eu"),
     ["--kubeconfig", "/etc/fleet.yaml", "--context", "prod-eu", "--cluster-name", "prod-eu"],
     ["--profile", "default", "--region", "us-east-1"]),
    (ClusterSettings(name="prod-eu", context="arn-ctx", kubeconfig="/k/eu.yaml", aws_profile="eu", aws_region="eu-west-1"),
     ["--kubeconfig", "/k/eu.yaml", "--context", "arn-ctx", "--cluster-name", "prod-eu"],
     ["--profile", "eu", "--region", "eu-west-1"]),
    (ClusterSettings(name="staging", eks={"region": "eu-west-1"}, aws_profile="stg"),
     ["--eks-cluster", "staging", "--region", "eu-west-1", "--profile", "stg", "--cluster-name", "staging"],
     ["--profile", "stg", "--region", "eu-west-1"]),  # an EKS cluster's alarms are in its region
])
def test_a_run_in_a_cluster_talks_to_that_cluster_only(cluster, kubernetes, cloudwatch):
    options = options_for_cluster(BASE, cluster)
    assert options.server_args["kubernetes"] == kubernetes
    assert options.server_args["cloudwatch"] == cloudwatch
    assert options.cluster == cluster.name
    assert BASE.server_args["kubernetes"][-1] == "old"  # the shared options are not changed


def test_a_cluster_has_its_own_write_policy_and_ledger_scope():
    locked = options_for_cluster(BASE, ClusterSettings(name="prod", remediation="off", namespaces=[]))
    assert (locked.remediation, locked.namespaces) == ("off", [])
    inherited = options_for_cluster(BASE, ClusterSettings(name="dev"))
    assert (inherited.remediation, inherited.namespaces) == ("approve", ["shop"])
    # Two clusters with a broken shop/Deployment/checkout are two faults: the ledger and the memory are per cluster.
    assert cluster_identity(locked) == "cluster:prod" and cluster_identity(inherited) == "cluster:dev"
    assert cluster_name(inherited) == "dev"


@pytest.mark.parametrize("clusters, message", [
    ([{"name": "a"}, {"name": "a"}], "listed twice"),
    ([{"name": "a", "eks": {"region": "eu-west-1"}, "context": "a"}], "not both"),
    ([{"name": "a", "aws_account": "12"}], "clusters.0.aws_account"),
    ([{"name": "a", "contxt": "a"}], "unknown setting"),
])
def test_a_bad_clusters_list_is_refused_naming_where(clusters, message, monkeypatch):
    monkeypatch.setenv("SRE_AGENT_CLUSTERS", __import__("json").dumps(clusters))
    with pytest.raises(ConfigError, match=message):
        load_settings()


def plan(**args) -> RemediationPlan:
    return RemediationPlan(server="kubernetes", tool="rollout_undo", risk="low", resource="shop/Deployment/checkout",
                           args={"namespace": "shop", "name": "checkout", "to_revision": 3, **args})


def test_a_plan_is_pinned_to_its_runs_cluster_and_refused_in_another():
    pinned = pin_to_cluster(plan(), "prod-eu")
    assert pinned.args["expect_cluster"] == "prod-eu"
    assert pinned.action_id != pin_to_cluster(plan(), "prod-us").action_id  # what a human approves names the cluster
    assert pinned.target == plan().target  # the ledger key: the same fault, scoped per cluster by the ledger
    assert cluster_mismatch(pinned, "prod-eu") is None
    refused = cluster_mismatch(pinned, "prod-us")
    assert refused and "pinned to cluster prod-eu" in refused and "cluster prod-us" in refused
    assert "no configured cluster" in (cluster_mismatch(pinned, None) or "")


def test_a_single_cluster_run_pins_nothing_and_an_ssm_plan_is_not_a_kubernetes_write():
    assert pin_to_cluster(plan(), None) == plan()
    ssm = RemediationPlan(server="ssm", tool="send_command", risk="high", args={"instance_ids": ["i-1"]})
    assert pin_to_cluster(ssm, "prod-eu") == ssm
