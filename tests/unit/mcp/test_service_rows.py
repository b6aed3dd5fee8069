"""A Service row carries kubectl get svc's columns: an ExternalName's host is its EXTERNAL-IP column."""

from __future__ import annotations

from mcp_servers.kubernetes.summaries import summarize


def test_an_external_name_row_says_the_host_it_aliases():
    row = summarize("Service", {"metadata": {"name": "tidalhub-api", "namespace": "marine"},
                                "spec": {"type": "ExternalName", "externalName": "api.tidalhub.example",
                                         "ports": [{"port": 443}]}})
    assert row["type"] == "ExternalName" and row["externalName"] == "api.tidalhub.example"


def test_a_cluster_ip_row_has_no_external_name():
    row = summarize("Service", {"metadata": {"name": "web", "namespace": "shop"},
                                "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]}})
    assert "externalName" not in row and row["ports"] == ["80->8080"]
