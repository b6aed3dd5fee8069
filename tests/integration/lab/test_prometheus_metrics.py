"""The lab is scraped like a cluster: GET /metrics on a loopback port answers Prometheus text format 0.0.4 with the
names, types and labels kube-state-metrics, cAdvisor and an instrumented HTTP server use -- and tells the story
CloudWatch tells: the same restarts, the same working set at the same clock, the same 5xx over the same minutes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from lab_client import clients_for, metric_series
from prometheus_client.parser import text_string_to_metric_families

CLUSTER = "sre-lab"
TEST_SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
Series = dict[tuple[str, frozenset[tuple[str, str]]], float]

POD = {"namespace", "pod", "uid"}
CONTAINER = POD | {"container"}
CADVISOR = {"namespace", "pod", "container", "image"}
SERVICE = {"namespace", "service"}
# Every family the lab serves: its TYPE and the label names of its samples, as the real exporters spell them.
EXPORTERS: dict[str, tuple[str, set[str]]] = {
    # kube-state-metrics v2
    "kube_pod_info": ("gauge", POD | {"host_ip", "pod_ip", "node", "created_by_kind", "created_by_name",
                                      "priority_class", "host_network"}),
    "kube_pod_owner": ("gauge", POD | {"owner_kind", "owner_name", "owner_is_controller"}),
    "kube_pod_status_phase": ("gauge", POD | {"phase"}),
    "kube_pod_status_ready": ("gauge", POD | {"condition"}),
    "kube_pod_status_scheduled": ("gauge", POD | {"condition"}),
    "kube_pod_container_info": ("gauge", CONTAINER | {"image_spec", "image", "image_id", "container_id"}),
    "kube_pod_container_status_ready": ("gauge", CONTAINER),
    "kube_pod_container_status_running": ("gauge", CONTAINER),
    "kube_pod_container_status_waiting": ("gauge", CONTAINER),
    "kube_pod_container_status_terminated": ("gauge", CONTAINER),
    "kube_pod_container_status_waiting_reason": ("gauge", CONTAINER | {"reason"}),
    "kube_pod_container_status_terminated_reason": ("gauge", CONTAINER | {"reason"}),
    "kube_pod_container_status_last_terminated_reason": ("gauge", CONTAINER | {"reason"}),
    "kube_pod_container_status_last_terminated_exitcode": ("gauge", CONTAINER),
    "kube_pod_container_status_restarts_total": ("counter", CONTAINER),
    "kube_pod_container_resource_requests": ("gauge", CONTAINER | {"node", "resource", "unit"}),
    "kube_pod_container_resource_limits": ("gauge", CONTAINER | {"node", "resource", "unit"}),
    **{name: ("gauge", {"namespace", "deployment"}) for name in (
        "kube_deployment_spec_replicas", "kube_deployment_status_replicas", "kube_deployment_status_replicas_ready",
        "kube_deployment_status_replicas_available", "kube_deployment_status_replicas_unavailable",
        "kube_deployment_status_replicas_updated", "kube_deployment_metadata_generation",
        "kube_deployment_status_observed_generation")},
    "kube_deployment_status_condition": ("gauge", {"namespace", "deployment", "condition", "status"}),
    **{name: ("gauge", {"namespace", "statefulset"}) for name in (
        "kube_statefulset_replicas", "kube_statefulset_status_replicas", "kube_statefulset_status_replicas_ready",
        "kube_statefulset_status_replicas_available", "kube_statefulset_status_replicas_current",
        "kube_statefulset_status_replicas_updated", "kube_statefulset_metadata_generation",
        "kube_statefulset_status_observed_generation")},
    **{name: ("gauge", {"namespace", "daemonset"}) for name in (
        "kube_daemonset_status_desired_number_scheduled", "kube_daemonset_status_current_number_scheduled",
        "kube_daemonset_status_number_misscheduled", "kube_daemonset_status_number_ready",
        "kube_daemonset_status_number_available", "kube_daemonset_status_number_unavailable",
        "kube_daemonset_status_updated_number_scheduled", "kube_daemonset_metadata_generation",
        "kube_daemonset_status_observed_generation")},
    **{name: ("gauge", {"namespace", "job_name"}) for name in (
        "kube_job_status_active", "kube_job_status_succeeded", "kube_job_status_failed", "kube_job_spec_completions",
        "kube_job_spec_parallelism")},
    "kube_job_complete": ("gauge", {"namespace", "job_name", "condition"}),
    "kube_job_failed": ("gauge", {"namespace", "job_name", "condition"}),
    "kube_cronjob_info": ("gauge", {"namespace", "cronjob", "schedule", "concurrency_policy"}),
    "kube_cronjob_spec_suspend": ("gauge", {"namespace", "cronjob"}),
    "kube_cronjob_status_active": ("gauge", {"namespace", "cronjob"}),
    "kube_cronjob_status_last_schedule_time": ("gauge", {"namespace", "cronjob"}),
    **{name: ("gauge", {"namespace", "horizontalpodautoscaler"}) for name in (
        "kube_horizontalpodautoscaler_spec_min_replicas", "kube_horizontalpodautoscaler_spec_max_replicas",
        "kube_horizontalpodautoscaler_status_current_replicas", "kube_horizontalpodautoscaler_status_desired_replicas")},
    "kube_node_info": ("gauge", {"node", "kernel_version", "os_image", "container_runtime_version", "kubelet_version",
                                 "kubeproxy_version", "provider_id", "internal_ip", "system_uuid"}),
    "kube_node_spec_unschedulable": ("gauge", {"node"}),
    "kube_node_spec_taint": ("gauge", {"node", "key", "value", "effect"}),
    "kube_node_status_condition": ("gauge", {"node", "condition", "status"}),
    "kube_node_status_capacity": ("gauge", {"node", "resource", "unit"}),
    "kube_node_status_allocatable": ("gauge", {"node", "resource", "unit"}),
    "kube_namespace_status_phase": ("gauge", {"namespace", "phase"}),
    "kube_persistentvolumeclaim_info": ("gauge", {"namespace", "persistentvolumeclaim", "storageclass", "volumename"}),
    "kube_persistentvolumeclaim_status_phase": ("gauge", {"namespace", "persistentvolumeclaim", "phase"}),
    "kube_persistentvolumeclaim_resource_requests_storage_bytes": ("gauge", {"namespace", "persistentvolumeclaim"}),
    "kube_resourcequota": ("gauge", {"namespace", "resourcequota", "resource", "type"}),
    # the kubelet: cAdvisor and volume stats
    "container_memory_working_set_bytes": ("gauge", CADVISOR),
    "container_spec_memory_limit_bytes": ("gauge", CADVISOR),
    "container_cpu_usage_seconds_total": ("counter", CADVISOR),
    "container_cpu_cfs_periods_total": ("counter", CADVISOR),
    "container_cpu_cfs_throttled_periods_total": ("counter", CADVISOR),
    "kubelet_volume_stats_used_bytes": ("gauge", {"namespace", "persistentvolumeclaim"}),
    "kubelet_volume_stats_capacity_bytes": ("gauge", {"namespace", "persistentvolumeclaim"}),
    "kubelet_volume_stats_available_bytes": ("gauge", {"namespace", "persistentvolumeclaim"}),
    # the services' own instrumentation
    "http_requests_total": ("counter", SERVICE | {"code"}),
    "http_request_duration_seconds_bucket": ("histogram", SERVICE | {"le"}),
    "http_request_duration_seconds_sum": ("histogram", SERVICE),
    "http_request_duration_seconds_count": ("histogram", SERVICE),
}
# What neither table world has (no HPA, no tainted node, no volume whose usage the lab knows, no Job that finished,
# no container terminated for good); every other family must have series in one of them.
ABSENT_FROM_TABLE_WORLDS = {
    "kube_horizontalpodautoscaler_spec_min_replicas", "kube_horizontalpodautoscaler_spec_max_replicas",
    "kube_horizontalpodautoscaler_status_current_replicas", "kube_horizontalpodautoscaler_status_desired_replicas",
    "kube_node_spec_taint", "kube_job_complete", "kube_job_failed", "kube_pod_container_status_terminated_reason",
    "kubelet_volume_stats_used_bytes", "kubelet_volume_stats_capacity_bytes", "kubelet_volume_stats_available_bytes",
}


def scrape_text(lab) -> str:
    with urllib.request.urlopen(lab.scrape_url, timeout=10) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        return response.read().decode()


def scrape(lab) -> Series:
    """{(sample name, labels): value} of one scrape."""
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(scrape_text(lab)) for s in family.samples}


def select(series: Series, name: str, **labels: str) -> dict[frozenset[tuple[str, str]], float]:
    wanted = set(labels.items())
    return {key: value for (sample, key), value in series.items() if sample == name and wanted <= key}


def label(key: frozenset[tuple[str, str]], name: str) -> str:
    return dict(key)[name]


@pytest.fixture(scope="module")
def oom_killed():
    from sre_agent.lab.lab import Lab

    lab = Lab().start()
    try:
        lab.load("oom-killed")
        yield lab, clients_for(lab)
    finally:
        lab.stop()


def test_every_family_has_help_and_type_and_the_exporters_names_and_labels(lab_factory, oom_killed):
    """Two worlds: crash-looping pods (oom-killed), and a CronJob's Jobs holding a ResourceQuota besides the shop's
    Deployments, StatefulSet, claim and DaemonSets."""
    lab = lab_factory(scenario_dirs=[TEST_SCENARIOS])
    lab.load("quota-held-by-cronjob-pileup")
    served: set[str] = set()
    expected_families = {name.removesuffix("_bucket").removesuffix("_sum").removesuffix("_count") for name in EXPORTERS}
    for text in (scrape_text(lab), scrape_text(oom_killed[0])):
        helps = {line.split()[2] for line in text.splitlines() if line.startswith("# HELP ")}
        types = {line.split()[2]: line.split()[3] for line in text.splitlines() if line.startswith("# TYPE ")}
        assert helps == set(types), "every family has both a HELP and a TYPE line"
        assert set(types) == expected_families, "the lab serves exactly the families of the table (and docs/lab.md)"
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                kind, labels = EXPORTERS[sample.name]
                assert family.type == kind, sample.name
                assert set(sample.labels) == labels, f"{sample.name}: {sorted(sample.labels)}"
                served.add(sample.name)
    assert served == set(EXPORTERS) - ABSENT_FROM_TABLE_WORLDS
    quota = select(scrape(lab), "kube_resourcequota", resourcequota="platform-compute", resource="requests.cpu")
    assert {label(k, "type"): v for k, v in quota.items()} == {"hard": 1.5, "used": pytest.approx(1.5)}, \
        "the stuck runs hold the whole CPU quota, in cores"


def test_the_oom_killed_pods_restarts_and_reason_are_kube_state_metrics_and_the_apis(oom_killed):
    lab, clients = oom_killed
    series = scrape(lab)
    pods = {p.metadata.name: p for p in clients.core.list_namespaced_pod("shop", label_selector="app=search").items}
    assert pods
    for name, pod in pods.items():
        status = pod.status.container_statuses[0]
        restarts = select(series, "kube_pod_container_status_restarts_total", pod=name, container="search")
        assert list(restarts.values()) == [status.restart_count] and status.restart_count > 0
        reasons = select(series, "kube_pod_container_status_last_terminated_reason", pod=name, container="search")
        assert {label(k, "reason"): v for k, v in reasons.items()} == {"OOMKilled": 1.0}
        limit = select(series, "kube_pod_container_resource_limits", pod=name, container="search", resource="memory")
        assert list(limit.values()) == [256 * 2**20] and label(next(iter(limit)), "unit") == "byte"


def test_prometheus_and_cloudwatch_tell_one_story_over_the_same_minutes(oom_killed):
    """Restarts, 5xx and requests over the same minutes, and search's working set at the same clock."""
    lab, clients = oom_killed
    started, before = lab.clock.now(), scrape(lab)
    for _ in range(15):  # search runs a few seconds between OOM kills: step until a minute finds it running
        lab.advance(60)
        after = scrape(lab)
        if select(after, "container_memory_working_set_bytes", namespace="shop", container="search"):
            break
    now = lab.clock.now()
    working_set = select(after, "container_memory_working_set_bytes", namespace="shop", container="search")
    assert working_set, "search ran at one of the sampled minutes"
    per_pod = list(working_set.values())  # one container per pod: a pod's working set is its container's
    container_insights = metric_series(clients, "ContainerInsights", "pod_memory_working_set",
                                       {"ClusterName": CLUSTER, "Namespace": "shop", "PodName": "search"}, "Average", 60,
                                       now - timedelta(minutes=1), now + timedelta(minutes=1))
    assert [t for t, _ in container_insights][-1] == now
    assert sum(per_pod) / len(per_pod) == pytest.approx(container_insights[-1][1], rel=1e-9), \
        "Container Insights' pod_memory_working_set is the average of the workload's pods"

    def cloudwatch_sum(namespace: str, metric: str, dims: dict[str, str]) -> float:
        # (started, now]: a minute's datapoint is stamped at its end, and moto's periods start at StartTime.
        points = metric_series(clients, namespace, metric, {"ClusterName": CLUSTER, **dims}, "Sum", 60,
                               started + timedelta(seconds=1), now + timedelta(seconds=1))
        assert len(points) == minutes, f"one datapoint a minute: {points}"
        return sum(v for _, v in points)

    def increase(name: str, **labels: str) -> float:
        return sum(select(after, name, **labels).values()) - sum(select(before, name, **labels).values())

    minutes = round((now - started).total_seconds() / 60)
    app = {"Namespace": "shop", "Service": "search"}
    errors = sum(increase("http_requests_total", namespace="shop", service="search", code=code) for code in ("500", "503"))
    assert errors == cloudwatch_sum("Application", "5xxCount", app) > 0, "the alarm's 5xx are the scrape's 5xx"
    assert increase("http_requests_total", namespace="shop", service="search") == cloudwatch_sum("Application",
                                                                                                "RequestCount", app)
    assert errors / minutes > 60 and lab.alarm_state("shop-search-5xx") == "ALARM", "both say: over the threshold"
    assert increase("kube_pod_container_status_restarts_total", namespace="shop", container="search") == \
        cloudwatch_sum("ContainerInsights", "pod_number_of_container_restarts", {"Namespace": "shop", "PodName": "search"})


def test_a_healthy_world_has_every_deployment_available(lab_factory):
    lab = lab_factory(history_minutes=20)
    lab.load("healthy-baseline")
    series = scrape(lab)
    desired = {label(k, "deployment"): v for k, v in select(series, "kube_deployment_spec_replicas").items()}
    available = {label(k, "deployment"): v for k, v in select(series, "kube_deployment_status_replicas_available").items()}
    unavailable = select(series, "kube_deployment_status_replicas_unavailable")
    assert len(desired) == 11 and available == desired and set(unavailable.values()) == {0.0}
    assert not select(series, "kube_pod_container_status_waiting_reason")
    assert set(select(series, "kube_pod_status_ready", condition="true").values()) == {1.0}
    assert all(v == 0 for k, v in select(series, "kube_node_status_condition", condition="Ready").items()
               if label(k, "status") != "true")
    errors = sum(select(series, "http_requests_total", code="500").values())
    assert 0 < errors < 0.01 * sum(select(series, "http_requests_total").values()), "the apps' baseline error rate"


@pytest.mark.parametrize("scenario", ["oom-killed", "cpu-throttling"])
def test_counters_never_decrease_while_the_clock_runs(lab_factory, scenario):
    """Restarting containers (oom-killed) and throttled ones (cpu-throttling), scraped as the clock runs."""
    lab = lab_factory()
    lab.load(scenario)
    counters = {name for name, (kind, _) in EXPORTERS.items() if kind in ("counter", "histogram")}
    started = lab.clock.now()
    lab.run_clock(speed=600, interval_s=0.1)  # ten simulated minutes a second
    scrapes = []
    for _ in range(12):
        scrapes.append({key: v for key, v in scrape(lab).items() if key[0] in counters})
        time.sleep(0.25)
    assert lab.clock.now() - started > timedelta(minutes=10)
    for earlier, later in zip(scrapes, scrapes[1:]):
        fell = {key: (earlier[key], later[key]) for key in earlier.keys() & later.keys() if later[key] < earlier[key]}
        assert not fell, fell
    grew = {key[0] for key in scrapes[0].keys() & scrapes[-1].keys() if scrapes[-1][key] > scrapes[0][key]}
    assert {"http_requests_total", "container_cpu_usage_seconds_total", "container_cpu_cfs_periods_total"} <= grew
    assert ("kube_pod_container_status_restarts_total" if scenario == "oom-killed"
            else "container_cpu_cfs_throttled_periods_total") in grew
    if scenario == "cpu-throttling":  # the throttled share of the window's periods is Container Insights' ratio
        def window(name: str) -> float:
            keys = [k for k in scrapes[0].keys() & scrapes[-1].keys() if k[0] == name and ("container", "search") in k[1]]
            return sum(scrapes[-1][k] - scrapes[0][k] for k in keys)

        now = lab.clock.now()
        ratio = metric_series(clients_for(lab), "ContainerInsights", "container_cpu_throttled_ratio",
                              {"ClusterName": CLUSTER, "Namespace": "shop", "PodName": "search"}, "Average", 60,
                              now - timedelta(minutes=5), now)
        share = window("container_cpu_cfs_throttled_periods_total") / window("container_cpu_cfs_periods_total")
        assert share == pytest.approx(ratio[-1][1] / 100, abs=0.005) and share > 0.4


def test_the_scrape_target_keeps_its_url_across_reset_and_goes_with_stop(lab_factory):
    lab = lab_factory(history_minutes=5)
    lab.load("healthy-baseline")
    url = lab.scrape_url
    assert url.startswith("http://127.0.0.1:") and url.endswith("/metrics")
    requests = sum(select(scrape(lab), "http_requests_total").values())
    lab.reset()
    assert lab.scrape_url == url
    emptied = scrape(lab)
    assert not select(emptied, "kube_pod_info") and not select(emptied, "http_requests_total"), "a new world, new counters"
    lab.load("healthy-baseline")
    assert sum(select(scrape(lab), "http_requests_total").values()) == pytest.approx(requests, rel=0.2), \
        "the same five minutes counted again, not on top of the last world's"
    with pytest.raises(urllib.error.HTTPError, match="404"):
        urllib.request.urlopen(url.replace("/metrics", "/nope"), timeout=5)
    lab.stop()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url, timeout=5)


def test_lab_up_prints_the_scrape_target(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "sre_agent.cli", "lab", "up", "--scenario", "healthy-baseline",
                             "--env-file", str(tmp_path / "lab.env"), "--history-minutes", "5"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        deadline, line = time.monotonic() + 120, ""
        while time.monotonic() < deadline and proc.poll() is None and not line.strip().startswith("/metrics"):
            line = proc.stdout.readline()
        assert line.strip().startswith("/metrics"), proc.stderr.read() if proc.poll() is not None else line
        url = line.split()[1]
        host_port = url.removeprefix("http://").removesuffix("/metrics")
        assert f"scrape target {host_port}, metrics_path /metrics" in line
        with urllib.request.urlopen(url, timeout=10) as response:
            families = {f.name for f in text_string_to_metric_families(response.read().decode())}
        assert {"kube_deployment_status_replicas_available", "container_memory_working_set_bytes",
                "http_requests"} <= families
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
    assert proc.returncode == 0
