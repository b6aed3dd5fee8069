"""Benchmark: the Kubernetes MCP server's `analyze` tool over a whole 5,000-pod cluster.

The cluster (5,000 pods on 200 nodes in 20 namespaces, behind 500 Deployments, ReplicaSets,
Services, Endpoints and ConfigMaps, with an event per pod and warnings for the broken ones) is
written straight into an ObjectStore and served by the lab's KubeApiServer, in this process.
The MCP server runs as its own process over stdio (`python -m mcp_servers.kubernetes`), with a
kubeconfig pointing at the lab, exactly as an agent runs it. Reported:

  * server_start_s  - spawning the server until the MCP session is initialized;
  * first_call_ms   - the first `analyze` (the server's first requests to the API);
  * analyze_ms      - median/p99 of the timed `analyze` calls (p99 by nearest rank: with 10
                      calls, the slowest);
  * breakdown_ms    - the same pipeline in this process, split into listing every kind through
                      KubeClient (HTTP + JSON) and ClusterView + run_analyzers, to say where the
                      time goes (the MCP layer is the difference to analyze_ms).

    python bench/bench_analyze.py [bench/results/analyze.json] [--pods 5000 --nodes 200 --calls 10]

The issue's target: analyze of 5,000 pods in under 2 s.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests.mcp_harness, when run as `python bench/bench_analyze.py`

from mcp_servers.kubernetes.analyzers import ClusterView, kinds_to_fetch, run_analyzers  # noqa: E402
from mcp_servers.kubernetes.kube import KINDS, KubeClient  # noqa: E402
from sre_agent.lab.kube.apiserver import KubeApiServer  # noqa: E402
from sre_agent.lab.kube.kubeconfig import write_kubeconfig  # noqa: E402
from sre_agent.lab.kube.store import ObjectStore  # noqa: E402
from tests.mcp_harness import stdio_client_for  # noqa: E402

T0 = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
TARGET_S = 2.0
NAMESPACES = 20
PODS_PER_APP = 10
CRASHING_EVERY = 20  # one app in 20 crash-loops
MIS_SELECTING_EVERY = 25  # one Service in 25 selects labels no pod carries
NOT_READY_NODES = 2


def _ref(obj: dict) -> dict:
    kind = obj["kind"]
    return {"apiVersion": obj["apiVersion"], "kind": kind, "name": obj["metadata"]["name"],
            "uid": obj["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}


def _pod_template(app: str) -> dict:
    return {"metadata": {"labels": {"app": app, "tier": "backend"}}, "spec": {
        "serviceAccountName": "default",
        "containers": [{
            "name": "app", "image": f"registry.example.com/shop/{app}:1.4.2",
            "ports": [{"containerPort": 8080, "name": "http"}],
            "env": [{"name": "DB_HOST", "value": "postgres.shop.svc"}, {"name": "LOG_LEVEL", "value": "info"}],
            "envFrom": [{"configMapRef": {"name": f"{app}-config"}}],
            "resources": {"limits": {"cpu": "500m", "memory": "256Mi"}, "requests": {"cpu": "250m", "memory": "128Mi"}},
            "readinessProbe": {"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 10},
            "volumeMounts": [{"name": "config", "mountPath": "/etc/app"}]}],
        "volumes": [{"name": "config", "configMap": {"name": f"{app}-config"}}]}}


def _event(namespace: str, kind: str, name: str, reason: str, message: str, type_: str, count: int = 1) -> dict:
    return {"apiVersion": "v1", "kind": "Event",
            "metadata": {"name": f"{name}.{reason.lower()}", "namespace": namespace},
            "involvedObject": {"apiVersion": "v1", "kind": kind, "name": name, "namespace": namespace},
            "reason": reason, "message": message, "type": type_, "count": count,
            "source": {"component": "kubelet"}, "firstTimestamp": "2025-01-01T10:00:05Z",
            "lastTimestamp": "2025-01-01T11:59:00Z"}


def seed(store: ObjectStore, pods: int, nodes: int) -> Counter:
    """A realistic shape: ~2 KB pods owned by ReplicaSets owned by Deployments, a Service with
    Endpoints and a ConfigMap per app, one event per pod, a few faults for the analyzers to find."""
    for n in range(NAMESPACES):
        store.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": f"team-{n:02d}"}})
    for n in range(nodes):
        ready = "False" if n < NOT_READY_NODES else "True"
        store.create({"apiVersion": "v1", "kind": "Node", "metadata": {"name": f"node-{n:03d}", "labels": {
            "kubernetes.io/hostname": f"node-{n:03d}", "topology.kubernetes.io/zone": f"zone-{n % 3}"}},
            "spec": {"providerID": f"aws:///us-east-1a/i-{n:017x}"},
            "status": {"capacity": {"cpu": "8", "memory": "32Gi", "pods": "110"},
                       "allocatable": {"cpu": "7800m", "memory": "30Gi", "pods": "110"},
                       "conditions": [{"type": "Ready", "status": ready,
                                       "reason": "KubeletReady" if ready == "True" else "NodeStatusUnknown",
                                       "message": "kubelet is posting ready status" if ready == "True"
                                       else "Kubelet stopped posting node status.",
                                       "lastTransitionTime": "2025-01-01T00:00:00Z"}]}})
    apps = math.ceil(pods / PODS_PER_APP)
    made = 0
    for a in range(apps):
        app, namespace = f"svc-{a // NAMESPACES:02d}", f"team-{a % NAMESPACES:02d}"
        replicas = min(PODS_PER_APP, pods - made)
        crashing = a % CRASHING_EVERY == 0
        ready = 0 if crashing else replicas
        store.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"{app}-config", "namespace": namespace},
                      "data": {"LOG_LEVEL": "info", "FEATURE_FLAGS": "checkout,search"}})
        deployment = store.create({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": app, "namespace": namespace, "labels": {"app": app}},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": app}}, "template": _pod_template(app)},
            "status": {"observedGeneration": 1, "replicas": replicas, "updatedReplicas": replicas,
                       "readyReplicas": ready, "availableReplicas": ready,
                       "unavailableReplicas": replicas - ready}})
        rs_name = f"{app}-7d9f8c6b5"
        template = _pod_template(app)
        template["metadata"]["labels"]["pod-template-hash"] = "7d9f8c6b5"
        replicaset = store.create({
            "apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": rs_name, "namespace": namespace, "labels": template["metadata"]["labels"],
                         "ownerReferences": [_ref(deployment)]},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": app, "pod-template-hash": "7d9f8c6b5"}},
                     "template": template},
            "status": {"observedGeneration": 1, "replicas": replicas, "fullyLabeledReplicas": replicas,
                       "readyReplicas": ready, "availableReplicas": ready}})
        selector = {"app": f"{app}-old" if a % MIS_SELECTING_EVERY == 7 else app}
        store.create({"apiVersion": "v1", "kind": "Service", "metadata": {"name": app, "namespace": namespace},
                      "spec": {"selector": selector, "ports": [{"name": "http", "port": 80, "targetPort": 8080}]}})
        addresses = []
        for p in range(replicas):
            i = made + p
            name = f"{rs_name}-{p:05d}"
            node = f"node-{i % nodes:03d}"
            state = ({"waiting": {"reason": "CrashLoopBackOff",
                                  "message": f"back-off 5m0s restarting failed container=app pod={name}"}}
                     if crashing else {"running": {"startedAt": "2025-01-01T10:00:08Z"}})
            status = {
                "phase": "Running", "podIP": f"10.244.{i // 250}.{i % 250}", "hostIP": f"10.0.{i % nodes // 250}.{i % nodes}",
                "qosClass": "Burstable", "startTime": "2025-01-01T10:00:05Z",
                "conditions": [{"type": t, "status": "False" if crashing and t in ("Ready", "ContainersReady") else "True",
                                "lastTransitionTime": "2025-01-01T10:00:10Z"}
                               for t in ("Initialized", "Ready", "ContainersReady", "PodScheduled")],
                "containerStatuses": [{
                    "name": "app", "image": f"registry.example.com/shop/{app}:1.4.2",
                    "imageID": f"registry.example.com/shop/{app}@sha256:{i:064x}",
                    "containerID": f"containerd://{i:064x}", "ready": not crashing, "started": not crashing,
                    "restartCount": 9 if crashing else 0, "state": state,
                    **({"lastState": {"terminated": {"exitCode": 1, "reason": "Error",
                                                     "startedAt": "2025-01-01T11:55:00Z",
                                                     "finishedAt": "2025-01-01T11:55:02Z"}}} if crashing else {})}]}
            store.create({
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": name, "namespace": namespace, "labels": template["metadata"]["labels"],
                             "annotations": {"prometheus.io/scrape": "true"}, "ownerReferences": [_ref(replicaset)]},
                "spec": {**template["spec"], "nodeName": node},
                "status": status})
            store.create(_event(namespace, "Pod", name, "Started", "Started container app", "Normal"))
            if crashing:
                store.create(_event(namespace, "Pod", name, "BackOff", "Back-off restarting failed container app",
                                    "Warning", count=40))
            addresses.append({"ip": status["podIP"], "nodeName": node,
                              "targetRef": {"kind": "Pod", "name": name, "namespace": namespace}})
        subset = {"ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]}
        if selector["app"] == app:
            subset["notReadyAddresses" if crashing else "addresses"] = addresses
        store.create({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": app, "namespace": namespace},
                      **({"subsets": [subset]} if len(subset) > 1 else {})})
        made += replicas
    return Counter({kind: n for kind, n in store.counts().items()})


def summary(samples_s: list[float]) -> dict:
    ms = sorted(s * 1000 for s in samples_s)
    p99 = ms[max(0, math.ceil(0.99 * len(ms)) - 1)]  # nearest rank
    return {"median": round(statistics.median(ms), 1), "p99": round(p99, 1), "min": round(ms[0], 1),
            "max": round(ms[-1], 1), "calls": len(ms)}


def in_process(kubeconfig: Path, calls: int) -> tuple[dict, list]:
    """The analyze tool's pipeline without MCP: list what the analyzers read, then analyze."""
    kube = KubeClient(str(kubeconfig))
    fetch_s, analyze_s, findings = [], [], []
    for _ in range(calls):
        started = time.perf_counter()
        objects = {kind: kube.list(kind) for kind in sorted(kinds_to_fetch()) if kind in KINDS}
        fetch_s.append(time.perf_counter() - started)
        started = time.perf_counter()
        findings = run_analyzers(ClusterView(objects))
        analyze_s.append(time.perf_counter() - started)
    kube.api.close()
    return {"list_all_kinds": summary(fetch_s), "run_analyzers": summary(analyze_s)}, findings


def run(pods: int, nodes: int, calls: int, breakdown_calls: int) -> dict:
    store = ObjectStore(lambda: T0)
    started = time.perf_counter()
    counts = seed(store, pods, nodes)
    seed_s = time.perf_counter() - started

    with KubeApiServer(store) as server, tempfile.TemporaryDirectory() as tmp:
        kubeconfig = write_kubeconfig(Path(tmp) / "config", server.url)

        started = time.perf_counter()
        session = stdio_client_for("mcp_servers.kubernetes", [], {"KUBECONFIG": str(kubeconfig)})
        server_start_s = time.perf_counter() - started
        try:
            def analyze() -> dict:
                result = session.call("analyze", {})
                if result.is_error:
                    raise SystemExit(f"analyze failed: {result.text[:2000]}")
                return result.json()

            started = time.perf_counter()
            first = analyze()
            first_call_s = time.perf_counter() - started
            samples, payload = [], first
            for _ in range(calls):
                started = time.perf_counter()
                payload = analyze()
                samples.append(time.perf_counter() - started)
        finally:
            session.close()

        breakdown, findings = in_process(kubeconfig, breakdown_calls)

    warning_or_worse = [f for f in findings if f.severity in ("warning", "critical")]
    if payload["count"] != len(warning_or_worse):
        raise SystemExit(f"analyze reported {payload['count']} findings, the same pipeline in process "
                         f"{len(warning_or_worse)}: the benchmark is not timing what it thinks")
    analyze_ms = summary(samples)
    return {
        "benchmark": "mcp_kubernetes_analyze",
        "tool": "analyze", "arguments": {}, "transport": "stdio",
        "cluster": {"pods": counts.get("Pod", 0), "nodes": counts.get("Node", 0), "namespaces": NAMESPACES,
                    "objects": dict(sorted(counts.items())), "objects_total": sum(counts.values())},
        "seed_s": round(seed_s, 2),
        "server_start_s": round(server_start_s, 3),
        "first_call_ms": round(first_call_s * 1000, 1),
        "analyze_ms": analyze_ms,
        "target_s": TARGET_S,
        "within_target": analyze_ms["p99"] < TARGET_S * 1000,
        "breakdown_ms": breakdown,
        "findings": {"count": payload["count"], "returned": len(payload["findings"]),
                     "truncated": payload.get("truncated"),
                     "by_reason": dict(Counter(f.reason for f in warning_or_worse).most_common())},
        "environment": {"python": platform.python_version(), "cpu_count": os.cpu_count(),
                        "machine": platform.machine(), "load_average_1m": round(os.getloadavg()[0], 2)},
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("output", nargs="?", type=Path, default=ROOT / "bench" / "results" / "analyze.json",
                        help="where to write the JSON result (default bench/results/analyze.json)")
    parser.add_argument("--pods", type=int, default=5000)
    parser.add_argument("--nodes", type=int, default=200)
    parser.add_argument("--calls", type=int, default=10, help="timed analyze calls (after one untimed first call)")
    parser.add_argument("--breakdown-calls", type=int, default=3, help="in-process list + analyze repetitions")
    args = parser.parse_args(argv)
    result = run(args.pods, args.nodes, args.calls, args.breakdown_calls)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    a, b = result["analyze_ms"], result["breakdown_ms"]
    print(f"analyze over {result['cluster']['pods']} pods / {result['cluster']['nodes']} nodes "
          f"({result['cluster']['objects_total']} objects) via stdio MCP: median {a['median']:.0f} ms, "
          f"p99 {a['p99']:.0f} ms over {a['calls']} calls (first {result['first_call_ms']:.0f} ms; "
          f"in process: list {b['list_all_kinds']['median']:.0f} ms + analyzers {b['run_analyzers']['median']:.0f} ms); "
          f"{result['findings']['count']} findings; server start {result['server_start_s']:.2f} s; "
          f"target < {TARGET_S:.0f} s: {'met' if result['within_target'] else 'MISSED'} "
          f"(load {result['environment']['load_average_1m']} on {result['environment']['cpu_count']} CPUs) -> {args.output}")
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
