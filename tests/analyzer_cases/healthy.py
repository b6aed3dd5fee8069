"""Healthy clusters produce no findings: every analyzer runs over a working shop -- a rolled-out
Deployment behind a Service and an Ingress, its HPA, PDB and NetworkPolicy, a StatefulSet with
bound storage, a DaemonSet, a CronJob with completed Jobs, a quota with headroom, ready Nodes --
and has nothing to say. A false positive on any of these would bury a real finding."""

from __future__ import annotations

from .builders import (
    address,
    condition,
    configmap,
    container,
    cronjob,
    daemonset,
    deployment,
    endpoints,
    event,
    hpa,
    ingress,
    ingress_class,
    job,
    network_policy,
    node,
    pdb,
    pod,
    pvc,
    replicaset,
    resource_quota,
    running,
    secret,
    service,
    statefulset,
    storage_class,
)
from .model import AnalyzerCase

READY = [{"type": "Ready", "status": "True"}]
WEB_CONTAINERS = [container(
    "web", "shop/web:1.4.2",
    resources={"requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"memory": "512Mi"}},
    readinessProbe={"httpGet": {"path": "/healthz", "port": 8080}},
    envFrom=[{"configMapRef": {"name": "web-config"}}],
    env=[{"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db-creds", "key": "password"}}},
         {"name": "FEATURE_X", "valueFrom": {"configMapKeyRef": {"name": "optional-flags", "key": "x", "optional": True}}}],
)]


def _web_pod(suffix: str) -> dict:
    name = f"web-5d8f7-{suffix}"
    return pod(name, "shop", labels={"app": "web"}, owner=("ReplicaSet", "web-5d8f7"), conditions=READY,
               containers=WEB_CONTAINERS, statuses=[running("web", image="shop/web:1.4.2")])


_SHOP = [
    deployment("web", "shop", replicas=2, containers=WEB_CONTAINERS, imagePullSecrets=[{"name": "regcred"}], status={
        "replicas": 2, "readyReplicas": 2, "availableReplicas": 2, "updatedReplicas": 2, "observedGeneration": 3,
        "conditions": [condition("Available", "True", "MinimumReplicasAvailable"),
                       condition("Progressing", "True", "NewReplicaSetAvailable")]}),
    replicaset("web-5d8f7", "shop", replicas=2, owner="web", labels={"app": "web"}, status={"replicas": 2, "readyReplicas": 2}),
    replicaset("web-4c7a1", "shop", replicas=0, owner="web", labels={"app": "web"}, status={"replicas": 0}),
    _web_pod("a1b2c"),
    _web_pod("d3e4f"),
    event("Pod", "web-5d8f7-a1b2c", "shop", "Scheduled", "Successfully assigned shop/web-5d8f7-a1b2c to node-1", type_="Normal"),
    event("Pod", "web-5d8f7-a1b2c", "shop", "Pulled", 'Container image "shop/web:1.4.2" already present', type_="Normal"),
    configmap("web-config", "shop", data={"LOG_LEVEL": "info"}),
    configmap("kube-root-ca.crt", "shop", data={"ca.crt": "-----BEGIN CERTIFICATE-----"}),
    secret("db-creds", "shop", keys=["password"]),
    secret("regcred", "shop"),
    secret("web-tls", "shop"),
    service("web", "shop", selector={"app": "web"}),
    endpoints("web", "shop", ready=[address("web-5d8f7-a1b2c", "10.0.1.4"), address("web-5d8f7-d3e4f", "10.0.1.5")]),
    ingress_class("nginx", default=True),
    ingress("web", "shop", class_name="nginx", backends=["web"], tls=[{"hosts": ["shop.example.com"], "secretName": "web-tls"}]),
    ingress("web-legacy", "shop", backends=["web"]),  # no class: the default IngressClass takes it
    hpa("web", "shop", target_name="web",
        metrics=[{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}],
        conditions=[condition("AbleToScale", "True", "ReadyForNewScale"), condition("ScalingActive", "True", "ValidMetricFound"),
                    condition("ScalingLimited", "False", "DesiredWithinRange")]),
    pdb("web", "shop", selector={"matchLabels": {"app": "web"}}, min_available=1,
        conditions=[condition("DisruptionAllowed", "True", "SufficientPods")],
        status={"currentHealthy": 2, "desiredHealthy": 1, "disruptionsAllowed": 1}),
    network_policy("web-from-frontend", "shop", pod_selector={"matchLabels": {"app": "web"}},
                   ingress_from=[{"namespaceSelector": {"matchLabels": {"name": "frontend"}}}]),
    resource_quota("compute", "shop", hard={"requests.cpu": "10", "pods": "50"}, used={"requests.cpu": "500m", "pods": "2"}),
]

_DATA = [
    storage_class("standard", default=True),
    statefulset("db", "data", service_name="db", replicas=1,
                status={"replicas": 1, "readyReplicas": 1, "availableReplicas": 1, "currentReplicas": 1},
                claim_templates=[{"metadata": {"name": "data"}, "spec": {
                    "storageClassName": "standard", "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "10Gi"}}}}]),
    service("db", "data", selector={"app": "db"}),
    endpoints("db", "data", ready=[address("db-0", "10.0.2.7")]),
    pod("db-0", "data", labels={"app": "db"}, owner=("StatefulSet", "db"), conditions=READY, statuses=[running("db", image="postgres:16")],
        volumes=[{"name": "data", "persistentVolumeClaim": {"claimName": "data-db-0"}}]),
    pvc("data-db-0", "data", phase="Bound", storage_class="standard"),
]

_OPS = [
    daemonset("node-exporter", "monitoring", status={"desiredNumberScheduled": 2, "currentNumberScheduled": 2, "numberReady": 2}),
    cronjob("report", "jobs", schedule="0 3 * * *"),
    job("report-28533600", "jobs", owner="report", status={
        "succeeded": 1, "conditions": [condition("Complete", "True")]}),
    pod("report-28533600-x7k2p", "jobs", phase="Succeeded", owner=("Job", "report-28533600"), statuses=[{
        "name": "app", "image": "nginx:1.25", "ready": False, "restartCount": 0,
        "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]),
    job("migrate", "jobs", status={"failed": 1, "succeeded": 1, "conditions": [condition("Complete", "True")]}),
    cronjob("weekly", "jobs", schedule="@weekly"),
    cronjob("tz", "jobs", schedule="CRON_TZ=Europe/Paris 30 2 * * MON-FRI"),
    node("node-1", conditions=[condition("Ready", "True", "KubeletReady"), condition("MemoryPressure", "False"),
                               condition("DiskPressure", "False"), condition("PIDPressure", "False"),
                               condition("NetworkUnavailable", "False")]),
    node("node-2", conditions=[condition("Ready", "True", "KubeletReady")]),
]

CASES = [
    AnalyzerCase(id="healthy/whole-cluster", objects=_SHOP + _DATA + _OPS, expected=[]),
    AnalyzerCase(id="healthy/shop-namespace-only", objects=_SHOP + _DATA + _OPS, expected=[], namespace="shop"),
]
