"""A scenario alarm watches the series the lab publishes: the cluster's name is added, and a node's Container
Insights alarm gets the node's instance id ([ClusterName, InstanceId, NodeName] is the only node dimension set
published) -- a scenario author knows the node's name, not its instance."""

from __future__ import annotations

from sre_agent.lab.lab import Lab


def test_a_node_alarm_gets_the_instance_id_and_others_only_the_cluster():
    lab = Lab()
    lab.store.create({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "ip-10-0-1-5.ec2.internal"},
                      "spec": {"providerID": "aws:///us-east-1a/i-0abc"}})
    assert lab._alarm_dimensions("ContainerInsights", {"NodeName": "ip-10-0-1-5.ec2.internal"}) == {
        "ClusterName": "sre-lab", "NodeName": "ip-10-0-1-5.ec2.internal", "InstanceId": "i-0abc"}
    assert lab._alarm_dimensions("Application", {"Service": "x"}) == {"ClusterName": "sre-lab", "Service": "x"}
    written = {"NodeName": "ip-10-0-1-5.ec2.internal", "InstanceId": "i-0given"}  # what the author wrote stays
    assert lab._alarm_dimensions("ContainerInsights", written)["InstanceId"] == "i-0given"
