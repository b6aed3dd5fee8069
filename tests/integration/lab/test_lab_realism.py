"""Lab realism (issue 15) through the real HTTP API: what the official kubernetes client and the real
kubectl binary read after the world's controllers ran -- CronJobs scheduling Jobs, Jobs failing
for good, DaemonSet and StatefulSet rolling updates and their history, init containers, readiness-only failures,
Service target ports and the HPA. One lab (the healthy baseline) serves every test; each test
writes into its own namespace."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import timedelta

import pytest
from kubernetes import client, config

from tests.lab_client import clients_for

BATCH = "ghcr.io/acme-shop/report-builder:2.0.0"
CRASHER = "ghcr.io/acme-shop/checkout:2.3.0"  # exits 1 at once: its required env is not set
KUBECTL = shutil.which("kubectl")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    from sre_agent.lab.lab import Lab

    lab = Lab(history_minutes=5).start()
    lab.load("healthy-baseline")
    lab.kube_cache = tmp_path_factory.mktemp("kube-cache")
    api = config.new_client_from_config(lab.env()["KUBECONFIG"])
    lab.core, lab.apps, lab.batch = client.CoreV1Api(api), client.AppsV1Api(api), client.BatchV1Api(api)
    lab.autoscaling = client.AutoscalingV2Api(api)
    lab.autoscaling_v1 = client.AutoscalingV1Api(api)
    yield lab
    lab.stop()


def namespace(lab, name: str) -> str:
    lab.core.create_namespace({"metadata": {"name": name}})
    return name


def kubectl(lab, *args: str) -> str:
    if KUBECTL is None:
        pytest.skip("the kubectl binary is not installed (not on PATH)")
    env = {**os.environ, "KUBECONFIG": str(lab.kubeconfig)}
    done = subprocess.run([KUBECTL, f"--cache-dir={lab.kube_cache}", *args], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, f"kubectl {' '.join(args)} failed ({done.returncode}): {done.stderr}"
    return done.stdout


def table_row(out: str, index: int = 0) -> dict[str, str]:
    """One row of `kubectl get` as {COLUMN: value}."""
    lines = [line for line in out.splitlines() if line.strip()]
    header, row = (re.split(r"\s{2,}", line.strip()) for line in (lines[0], lines[1 + index]))
    return dict(zip(header, row))


def pod_template(image: str, restart_policy: str = "Never", **extra) -> dict:
    return {"spec": {"restartPolicy": restart_policy, "containers": [{"name": "main", "image": image}], **extra}}


def test_a_cronjob_schedules_jobs_on_the_world_clock(lab):
    ns = namespace(lab, "cron")
    lab.batch.create_namespaced_cron_job(ns, {
        "metadata": {"name": "report"},
        "spec": {"schedule": "*/5 * * * *", "successfulJobsHistoryLimit": 2,
                 "jobTemplate": {"spec": {"template": pod_template(BATCH)}}}})
    lab.advance(31 * 60)
    cronjob = lab.batch.read_namespaced_cron_job("report", ns)
    jobs = lab.batch.list_namespaced_job(ns).items
    assert cronjob.status.last_schedule_time is not None and cronjob.status.last_successful_time is not None
    assert len(jobs) in (2, 3)  # two finished kept, and the latest one if it still runs
    assert all(j.metadata.owner_references[0].kind == "CronJob" for j in jobs)
    done = [j for j in jobs if j.status.completion_time]
    assert len(done) == 2 and all(j.status.succeeded == 1 for j in done)
    columns = table_row(kubectl(lab, "get", "cronjob", "report", "-n", ns))
    assert columns["SCHEDULE"] == "*/5 * * * *" and columns["LAST SCHEDULE"] != "<none>"


def test_a_failing_job_stops_at_its_backoff_limit(lab):
    ns = namespace(lab, "jobs")
    lab.batch.create_namespaced_job(ns, {"metadata": {"name": "settle"},
                                         "spec": {"backoffLimit": 2, "template": pod_template(CRASHER)}})
    lab.advance(10 * 60)
    job = lab.batch.read_namespaced_job("settle", ns)
    [failed] = [c for c in job.status.conditions if c.type == "Failed"]
    assert (failed.status, failed.reason, job.status.failed, job.status.active) == ("True", "BackoffLimitExceeded", 3, 0)
    pods = lab.core.list_namespaced_pod(ns, label_selector="batch.kubernetes.io/job-name=settle").items
    assert len(pods) == 3 and {p.status.phase for p in pods} == {"Failed"}
    assert "Failed" in kubectl(lab, "get", "job", "settle", "-n", ns)
    assert kubectl(lab, "get", "pods", "-n", ns).count("Error") == 3


def test_a_daemonset_rollout_stalls_on_a_bad_image_and_kubectl_undoes_it(lab):
    ns = namespace(lab, "agents")
    lab.apps.create_namespaced_daemon_set(ns, {
        "metadata": {"name": "exporter"},
        "spec": {"selector": {"matchLabels": {"app": "exporter"}},
                 "template": {"metadata": {"labels": {"app": "exporter"}},
                              "spec": {"containers": [{"name": "exporter", "image": "quay.io/prometheus/node-exporter:v1.8.2"}]}}}})
    lab.advance(120)
    nodes = len(lab.core.list_node().items)
    lab.apps.patch_namespaced_daemon_set("exporter", ns, {"spec": {"template": {"spec": {"containers": [
        {"name": "exporter", "image": "quay.io/prometheus/node-exporter:v1.9.0"}]}}}})  # never pushed
    lab.advance(600)
    status = lab.apps.read_namespaced_daemon_set("exporter", ns).status
    assert (status.desired_number_scheduled, status.updated_number_scheduled, status.number_unavailable) == (nodes, 1, 1)
    pods = lab.core.list_namespaced_pod(ns).items
    assert sorted(p.spec.containers[0].image.rsplit(":", 1)[1] for p in pods) == sorted(["v1.8.2"] * (nodes - 1) + ["v1.9.0"])
    cloudwatch = clients_for(lab).cloudwatch
    points = cloudwatch.get_metric_statistics(
        Namespace="ContainerInsights", MetricName="daemonset_status_number_unavailable",
        Dimensions=[{"Name": "ClusterName", "Value": lab.cluster_name}, {"Name": "Namespace", "Value": ns},
                    {"Name": "PodName", "Value": "exporter"}],
        StartTime=lab.clock.now() - timedelta(minutes=5), EndTime=lab.clock.now(), Period=60,
        Statistics=["Maximum"])["Datapoints"]
    assert points and max(p["Maximum"] for p in points) == 1  # the stalled node, per minute in Container Insights
    history = kubectl(lab, "rollout", "history", "daemonset/exporter", "-n", ns)
    assert [line.split()[0] for line in history.splitlines() if line[:1].isdigit()] == ["1", "2"]
    kubectl(lab, "rollout", "undo", "daemonset/exporter", "-n", ns)
    lab.advance(180)
    status = lab.apps.read_namespaced_daemon_set("exporter", ns).status
    assert (status.updated_number_scheduled, status.number_available) == (nodes, nodes)
    assert {p.spec.containers[0].image for p in lab.core.list_namespaced_pod(ns).items} == {
        "quay.io/prometheus/node-exporter:v1.8.2"}


def test_kubectl_rolls_a_statefulset_back_through_its_controller_revisions(lab):
    ns = namespace(lab, "stateful")
    app = {"name": "search", "image": "ghcr.io/acme-shop/search:1.12.0"}
    lab.apps.create_namespaced_stateful_set(ns, {
        "metadata": {"name": "index"},
        "spec": {"replicas": 2, "serviceName": "index", "selector": {"matchLabels": {"app": "index"}},
                 "template": {"metadata": {"labels": {"app": "index"}}, "spec": {"containers": [app]}}}})
    lab.advance(120)
    lab.apps.patch_namespaced_stateful_set("index", ns, {"spec": {"template": {"spec": {"containers": [
        {**app, "env": [{"name": "SHARDS", "value": "4"}]}]}}}})
    lab.advance(300)
    status = lab.apps.read_namespaced_stateful_set("index", ns).status
    assert status.current_revision == status.update_revision and status.updated_replicas == 2
    history = kubectl(lab, "rollout", "history", "statefulset/index", "-n", ns)
    assert [line.split()[0] for line in history.splitlines() if line[:1].isdigit()] == ["1", "2"]
    assert "SHARDS" in kubectl(lab, "rollout", "history", "statefulset/index", "-n", ns, "--revision=2")
    assert "rolled back" in kubectl(lab, "rollout", "undo", "statefulset/index", "-n", ns, "--to-revision=1")
    lab.advance(300)
    history = kubectl(lab, "rollout", "history", "statefulset/index", "-n", ns)
    assert [line.split()[0] for line in history.splitlines() if line[:1].isdigit()] == ["2", "3"]
    pods = lab.core.list_namespaced_pod(ns).items
    assert len(pods) == 2 and all(not p.spec.containers[0].env for p in pods)
    status = lab.apps.read_namespaced_stateful_set("index", ns).status
    assert status.current_revision == status.update_revision and status.ready_replicas == 2
    # the defaulted partition 0 makes kubectl report a "partitioned" rollout, as against a real cluster
    assert "roll out complete: 2 new pods" in kubectl(lab, "rollout", "status", "statefulset/index", "-n", ns)


def test_init_containers_hold_the_pod_and_kubectl_prints_their_status(lab):
    ns = namespace(lab, "inits")
    app = {"name": "app", "image": "ghcr.io/acme-shop/search:1.12.0"}
    for name, init_image in (("migrated", BATCH), ("pull", "ghcr.io/acme-shop/report-builder:9.9.9"),
                             ("crash", CRASHER)):
        lab.core.create_namespaced_pod(ns, {"metadata": {"name": name}, "spec": {
            "initContainers": [{"name": "init", "image": init_image}], "containers": [app]}})
    lab.advance(400)  # the report builder runs 4 minutes
    statuses = {row["NAME"]: row["STATUS"] for row in
                (table_row(kubectl(lab, "get", "pods", "-n", ns), i) for i in range(3))}
    assert statuses == {"migrated": "Running", "pull": "Init:ImagePullBackOff", "crash": "Init:CrashLoopBackOff"}
    crash = lab.core.read_namespaced_pod("crash", ns).status
    assert crash.phase == "Pending" and crash.init_container_statuses[0].restart_count >= 2
    assert crash.container_statuses[0].state.waiting.reason == "PodInitializing"
    migrated = lab.core.read_namespaced_pod("migrated", ns).status
    assert migrated.init_container_statuses[0].state.terminated.exit_code == 0
    assert "panic: config: required key" in lab.core.read_namespaced_pod_log("crash", ns, container="init")


def test_readiness_only_failures_and_a_wrong_target_port_as_clients_see_them(lab):
    ns = namespace(lab, "ports")
    container = {"name": "catalog", "image": "ghcr.io/acme-shop/catalog:3.1.0",
                 "ports": [{"name": "http", "containerPort": 8080}]}
    for name, probe_path in (("unready", "/readyz"), ("catalog", "/ready")):
        lab.apps.create_namespaced_deployment(ns, {"metadata": {"name": name}, "spec": {
            "replicas": 2, "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [
                {**container, "readinessProbe": {"httpGet": {"path": probe_path, "port": "http"}}}]}}}})
    lab.core.create_namespaced_service(ns, {"metadata": {"name": "unready"}, "spec": {
        "selector": {"app": "unready"}, "ports": [{"port": 80, "targetPort": "http"}]}})
    lab.core.create_namespaced_service(ns, {"metadata": {"name": "catalog"}, "spec": {
        "selector": {"app": "catalog"}, "ports": [{"name": "web", "port": 80, "targetPort": "web"}]}})  # no such name
    lab.advance(180)
    unready = lab.core.list_namespaced_pod(ns, label_selector="app=unready").items
    assert {p.status.phase for p in unready} == {"Running"}
    assert all(not p.status.container_statuses[0].ready for p in unready)
    [subset] = lab.core.read_namespaced_endpoints("unready", ns).subsets
    assert subset.addresses is None and len(subset.not_ready_addresses) == 2 and subset.ports[0].port == 8080
    ready = lab.core.list_namespaced_pod(ns, label_selector="app=catalog").items
    assert all(p.status.container_statuses[0].ready for p in ready)
    assert not lab.core.read_namespaced_endpoints("catalog", ns).subsets  # no pod has a port named web


def test_an_hpa_scales_on_cpu_and_reads_as_v2_and_v1(lab):
    ns = namespace(lab, "scaling")
    lab.apps.create_namespaced_deployment(ns, {"metadata": {"name": "search"}, "spec": {
        "replicas": 2, "selector": {"matchLabels": {"app": "search"}},
        "template": {"metadata": {"labels": {"app": "search"}}, "spec": {"containers": [
            {"name": "search", "image": "ghcr.io/acme-shop/search:1.12.0", "resources": {"requests": {"cpu": "200m"}}}]}}}})
    lab.core.create_namespaced_service(ns, {"metadata": {"name": "search"}, "spec": {
        "selector": {"app": "search"}, "ports": [{"port": 8080}]}})
    lab.world.external_traffic[f"{ns}/search"] = 20.0
    lab.autoscaling.create_namespaced_horizontal_pod_autoscaler(ns, {"metadata": {"name": "search"}, "spec": {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "search"},
        "minReplicas": 1, "maxReplicas": 4,
        "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization",
                                                                                "averageUtilization": 50}}}]}})
    lab.advance(300)
    assert lab.apps.read_namespaced_deployment("search", ns).spec.replicas == 4
    hpa = lab.autoscaling.read_namespaced_horizontal_pod_autoscaler("search", ns)
    assert (hpa.status.current_replicas, hpa.status.desired_replicas) == (4, 4)
    assert {c.type: c.reason for c in hpa.status.conditions}["ScalingLimited"] == "TooManyReplicas"
    assert hpa.status.current_metrics[0].resource.current.average_utilization > 50
    v1 = lab.autoscaling_v1.read_namespaced_horizontal_pod_autoscaler("search", ns)
    assert v1.spec.target_cpu_utilization_percentage == 50 and v1.status.current_replicas == 4
    assert v1.status.current_cpu_utilization_percentage > 50
    row = table_row(kubectl(lab, "get", "hpa", "search", "-n", ns))
    assert row["REPLICAS"] == "4" and row["TARGETS"].startswith("cpu: ") and row["TARGETS"].endswith("/50%")
