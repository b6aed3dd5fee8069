"""The Kubernetes MCP server names the cluster it is bound to, and a write pinned to another cluster
(`expect_cluster`) never lands: driven through real MCP stdio sessions against the lab's API emulator,
with a kubeconfig of two contexts (as `aws eks update-kubeconfig` writes one: cluster entries named by
ARN) and the Deployment read back with the official client."""

from __future__ import annotations

import json

import pytest
import yaml
from kubernetes import client
from mcp_harness import stdio_client_for

from sre_agent.lab.kube.kubeconfig import write_contexts

MODULE = "mcp_servers.kubernetes"
WEST_ARN = "arn:aws:eks:us-west-2:111122223333:cluster/shop-west"
SCALE = {"namespace": "shop", "name": "catalog", "reason": "cluster pin test"}


@pytest.fixture(scope="module")
def two_contexts(lab, tmp_path_factory):
    """Contexts shop-east (current) and shop-west, both reaching the lab; shop-west's cluster entry is an EKS ARN."""
    path = write_contexts(tmp_path_factory.mktemp("kube") / "kubeconfig",
                          [("shop-east", lab.api.url), ("shop-west", lab.api.url)])
    config = yaml.safe_load(path.read_text())
    config["clusters"][1]["name"] = config["contexts"][1]["context"]["cluster"] = WEST_ARN
    path.write_text(yaml.safe_dump(config))
    return path


def env_with(lab, kubeconfig) -> dict[str, str]:
    return {**lab.env(), "KUBECONFIG": str(kubeconfig)}


@pytest.mark.parametrize(("args", "expected"), [
    ([], {"cluster": "shop-east", "name_from": "kubeconfig", "context": "shop-east", "kubeconfig_cluster": "shop-east"}),
    (["--context", "shop-west"], {"cluster": "shop-west", "name_from": "kubeconfig", "context": "shop-west",
                                  "kubeconfig_cluster": WEST_ARN}),
    (["--context", "shop-west", "--cluster-name", "payments-prod"],
     {"cluster": "payments-prod", "name_from": "--cluster-name", "context": "shop-west", "kubeconfig_cluster": WEST_ARN}),
])
def test_the_server_names_the_chosen_contexts_cluster(lab, two_contexts, args, expected):
    session = stdio_client_for(MODULE, args, env_with(lab, two_contexts))
    try:
        info = session.call("cluster_info")
    finally:
        session.close()
    assert not info.is_error, info.text
    assert info.json() == {**expected, "server": lab.api.url, "redacted": 0}
    assert "sre-lab-token" not in info.text  # where it points, never how it authenticates


@pytest.fixture(scope="module")
def west(lab, two_contexts, audit_path):
    session = stdio_client_for(MODULE, ["--context", "shop-west", "--allow-writes", "--namespaces", "shop",
                                        "--audit-log", str(audit_path)], env_with(lab, two_contexts))
    yield session
    session.close()


def replicas(api) -> int:
    return client.AppsV1Api(api).read_namespaced_deployment("catalog", "shop").spec.replicas


def last_record(audit_path) -> dict:
    return json.loads(audit_path.read_text().splitlines()[-1])


def test_a_write_pinned_to_another_cluster_is_refused_and_leaves_the_object_unchanged(west, api, audit_path):
    before = replicas(api)
    for dry_run in (False, True):
        refused = west.call("scale", {**SCALE, "replicas": before + 3, "dry_run": dry_run, "expect_cluster": "shop-east"})
        assert refused.is_error and "this server is bound to cluster 'shop-west', the write was planned for 'shop-east'" \
            in refused.text and "Nothing was changed" in refused.text, refused.text
        record = last_record(audit_path)
        assert (record["tool"], record["outcome"], record["cluster"], record["dry_run"]) == ("scale", "refused", "shop-west",
                                                                                            dry_run)
        assert record["args"]["expect_cluster"] == "shop-east" and "planned for 'shop-east'" in record["detail"]
    assert replicas(api) == before


def test_a_write_pinned_to_the_servers_cluster_lands_and_an_unpinned_one_too(west, api, audit_path):
    before = replicas(api)
    pinned = west.call("scale", {**SCALE, "replicas": before + 1, "expect_cluster": "shop-west"})
    assert not pinned.is_error, pinned.text
    assert replicas(api) == before + 1
    record = last_record(audit_path)
    assert (record["tool"], record["outcome"], record["cluster"]) == ("scale", "applied", "shop-west")
    unpinned = west.call("scale", {**SCALE, "replicas": before})  # a single-cluster caller: as before
    assert not unpinned.is_error, unpinned.text
    assert replicas(api) == before and last_record(audit_path)["outcome"] == "applied"
