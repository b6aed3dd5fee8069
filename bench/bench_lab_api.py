"""Benchmark: a full-cluster pod list from the lab's Kubernetes API server through the official
client, with 5,000 pods on 200 nodes stored directly in the ObjectStore.

Reported separately, because they have different owners:
  * server_ms      - the API server building the response (ObjectStore + HTTP layer, no socket);
  * http_ms        - the official client's request until all bytes are in (`_preload_content=False`);
  * json_ms        - the client parsing those bytes with the stdlib json module;
  * typed_ms       - the ordinary typed call (`list_pod_for_all_namespaces()` -> V1PodList), which is
                     what most tools do and is dominated by the client's pydantic model building;
and the process's resident memory before seeding, after seeding and after the lists.

    python bench/bench_lab_api.py bench/results/lab_api.json [--pods 5000 --nodes 200 --calls 20 --typed-calls 5]

The typed series defaults to 5 calls because each costs seconds of client-side model building.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

from kubernetes import client, config

from sre_agent.lab.kube.apiserver import KubeApiServer
from sre_agent.lab.kube.kubeconfig import write_kubeconfig
from sre_agent.lab.kube.store import ObjectStore

T0 = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


def rss_mb() -> float:
    """Current resident set size (Linux /proc), falling back to the peak from getrusage."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def seed(store: ObjectStore, pods: int, nodes: int, namespaces: int = 20) -> None:
    """A realistic shape: ~2 KB pods with owner references, probes, env, resources and status."""
    for n in range(namespaces):
        store.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": f"team-{n:02d}"}})
    for n in range(nodes):
        store.create({"apiVersion": "v1", "kind": "Node", "metadata": {"name": f"node-{n:03d}", "labels": {
            "kubernetes.io/hostname": f"node-{n:03d}", "topology.kubernetes.io/zone": f"zone-{n % 3}"}},
            "status": {"capacity": {"cpu": "8", "memory": "32Gi", "pods": "110"},
                       "allocatable": {"cpu": "7800m", "memory": "30Gi", "pods": "110"},
                       "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady",
                                       "lastTransitionTime": "2025-01-01T00:00:00Z"}]}})
    for i in range(pods):
        app = f"svc-{i % 50:02d}"
        ns = f"team-{i % namespaces:02d}"
        store.create({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": f"{app}-7d9f8c6b5-{i:05d}", "namespace": ns,
                         "labels": {"app": app, "pod-template-hash": "7d9f8c6b5", "tier": "backend"},
                         "annotations": {"prometheus.io/scrape": "true"},
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                              "name": f"{app}-7d9f8c6b5", "uid": f"rs-{app}", "controller": True}]},
            "spec": {"nodeName": f"node-{i % nodes:03d}", "serviceAccountName": "default", "containers": [{
                "name": "app", "image": f"registry.example.com/shop/{app}:1.4.2",
                "ports": [{"containerPort": 8080, "name": "http"}],
                "env": [{"name": "DB_HOST", "value": "postgres.shop.svc"}, {"name": "LOG_LEVEL", "value": "info"}],
                "resources": {"limits": {"cpu": "500m", "memory": "256Mi"}, "requests": {"cpu": "250m", "memory": "128Mi"}},
                "readinessProbe": {"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 10},
                "volumeMounts": [{"name": "config", "mountPath": "/etc/app"}]}],
                "volumes": [{"name": "config", "configMap": {"name": f"{app}-config"}}]},
            "status": {"phase": "Running", "podIP": f"10.244.{i // 250}.{i % 250}", "hostIP": f"10.0.0.{i % nodes}",
                       "qosClass": "Burstable", "startTime": "2025-01-01T10:00:05Z",
                       "conditions": [{"type": t, "status": "True", "lastTransitionTime": "2025-01-01T10:00:10Z"}
                                      for t in ("Initialized", "Ready", "ContainersReady", "PodScheduled")],
                       "containerStatuses": [{"name": "app", "image": f"registry.example.com/shop/{app}:1.4.2",
                                              "imageID": f"registry.example.com/shop/{app}@sha256:abc",
                                              "containerID": f"containerd://{i:064x}", "ready": True, "started": True,
                                              "restartCount": 0,
                                              "state": {"running": {"startedAt": "2025-01-01T10:00:08Z"}}}]},
        })


def summary(samples_s: list[float]) -> dict:
    ms = sorted(s * 1000 for s in samples_s)
    p99 = ms[max(0, math.ceil(0.99 * len(ms)) - 1)]  # nearest rank: with 20 calls, the slowest
    return {"median": round(statistics.median(ms), 1), "p99": round(p99, 1), "min": round(ms[0], 1),
            "max": round(ms[-1], 1)}


def timed(fn, calls: int) -> tuple[list[float], object]:
    samples, result = [], None
    for _ in range(calls):
        started = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - started)
    return samples, result


def run(pods: int, nodes: int, calls: int, typed_calls: int) -> dict:
    rss_start = rss_mb()
    store = ObjectStore(lambda: T0)
    started = time.perf_counter()
    seed(store, pods, nodes)
    seed_s = time.perf_counter() - started
    rss_seeded = rss_mb()

    with KubeApiServer(store) as server, tempfile.TemporaryDirectory() as tmp:
        cfg = client.Configuration()
        config.load_kube_config(config_file=str(write_kubeconfig(Path(tmp) / "config", server.url)),
                                client_configuration=cfg)
        api = client.ApiClient(cfg)
        core = client.CoreV1Api(api)
        core.list_pod_for_all_namespaces(_preload_content=False).read()  # warm: connection, validators
        assert len(core.list_pod_for_all_namespaces().items) == pods

        server_samples, response = timed(lambda: server.handle("GET", "/api/v1/pods", {}, b""), calls)
        http_samples, body = timed(lambda: core.list_pod_for_all_namespaces(_preload_content=False).data, calls)
        json_samples, _ = timed(lambda: json.loads(body), calls)
        typed_samples, typed = timed(lambda: core.list_pod_for_all_namespaces(), typed_calls)
        assert len(typed.items) == pods  # type: ignore[attr-defined]
        api.close()

    return {
        "benchmark": "lab_api_pod_list",
        "pods": pods, "nodes": nodes, "calls": calls, "typed_calls": typed_calls,
        "response_bytes": len(response.body),  # type: ignore[attr-defined]
        "server_ms": summary(server_samples),
        "http_ms": summary(http_samples),
        "json_ms": summary(json_samples),
        "typed_ms": summary(typed_samples),
        "seed_s": round(seed_s, 2),
        "rss_mb": {"start": round(rss_start, 1), "after_seed": round(rss_seeded, 1), "after_lists": round(rss_mb(), 1),
                   "peak": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)},
        "environment": {"python": platform.python_version(), "kubernetes_client": version("kubernetes"),
                        "machine": platform.machine(), "load_average_1m": _load_average()},
    }


def _load_average() -> float | None:
    try:
        return round(float(Path("/proc/loadavg").read_text().split()[0]), 2)
    except (OSError, ValueError, IndexError):
        return None


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("output", type=Path, help="where to write the JSON result")
    parser.add_argument("--pods", type=int, default=5000)
    parser.add_argument("--nodes", type=int, default=200)
    parser.add_argument("--calls", type=int, default=20, help="calls per series (server, http, json)")
    parser.add_argument("--typed-calls", type=int, default=5, help="calls for the typed V1PodList series")
    args = parser.parse_args(argv)
    result = run(args.pods, args.nodes, args.calls, args.typed_calls)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
