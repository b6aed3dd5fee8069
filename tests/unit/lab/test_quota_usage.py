"""Quota usage counts pods that have not been run yet: a bare pod written straight from a scenario's
manifests has no status, and must count (it was a KeyError that failed the scenario's load)."""

from __future__ import annotations

from sre_agent.lab.world.controllers.quota import quota_usage


class Pods:
    def __init__(self, pods: list[dict]) -> None:
        self.pods = pods

    def pods_in(self, namespace: str) -> list[dict]:
        return self.pods


def pod(status: dict | None = None, cpu: str = "250m") -> dict:
    spec = {"containers": [{"name": "c", "resources": {"requests": {"cpu": cpu, "memory": "128Mi"}}}]}
    return {"metadata": {"name": "p"}, "spec": spec, **({"status": status} if status is not None else {})}


def test_a_pod_without_status_counts_and_finished_pods_do_not():
    used = quota_usage(Pods([pod(), pod({"phase": "Running"}), pod({"phase": "Succeeded"})]), "clearing")  # type: ignore[arg-type]
    assert used["pods"] == 2 and used["cpu"] == 500 and used["memory"] == 256  # millicores, MiB
